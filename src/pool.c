#include "pool.h"

#include <stddef.h>

void pool_forward(float *out, const float *in, int C, int P, int N)
{
    float inv = 1.0f / (float)P;
#pragma omp parallel for schedule(static) if (C * P * N > 65536)
    for (int c = 0; c < C; c++) {
        float *o = out + (size_t)c * N;
        const float *x = in + (size_t)c * P * N;
        for (int n = 0; n < N; n++)
            o[n] = 0;
        for (int p = 0; p < P; p++)
            for (int n = 0; n < N; n++)
                o[n] += x[(size_t)p * N + n];
        for (int n = 0; n < N; n++)
            o[n] *= inv;
    }
}

void pool_backward(float *din, const float *dout, int C, int P, int N)
{
    float inv = 1.0f / (float)P;
#pragma omp parallel for schedule(static) if (C * P * N > 65536)
    for (int c = 0; c < C; c++) {
        const float *g = dout + (size_t)c * N;
        float *d = din + (size_t)c * P * N;
        for (int p = 0; p < P; p++)
            for (int n = 0; n < N; n++)
                d[(size_t)p * N + n] = g[n] * inv;
    }
}
