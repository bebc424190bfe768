#include "fc.h"

#include <stddef.h>

#include "gemm.h"
#include "vec.h"

void fc_forward(float *out, const float *in, const float *w, const float *b, int cin, int cout,
                int N)
{
    for (int o = 0; o < cout; o++)
        for (int n = 0; n < N; n++)
            out[(size_t)o * N + n] = b[o];
    gemm(0, 0, cout, N, cin, 1.0f, w, cin, in, N, 1.0f, out, N);
}

void fc_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                 const float *w, int cin, int cout, int N)
{
    gemm(0, 1, cout, cin, N, 1.0f, dout, N, in, N, 1.0f, dw, cin);
    for (int o = 0; o < cout; o++)
        db[o] += (float)vec_sum(dout + (size_t)o * N, (size_t)N);
    if (din)
        gemm(1, 0, cin, N, cout, 1.0f, w, cin, dout, N, 0.0f, din, N);
}
