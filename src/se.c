#include "se.h"

#include <stddef.h>

#include "fc.h"
#include "pool.h"

long se_cache_floats(const struct se_dims *d) { return (long)(3 * d->C + 2 * d->R) * d->N; }
long se_scratch_floats(const struct se_dims *d) { return (long)(2 * d->C + d->R) * d->N; }

void se_cache_bind(struct se_cache *k, float *mem, const struct se_dims *d)
{
    size_t cn = (size_t)d->C * d->N, rn = (size_t)d->R * d->N;
    k->pooled = mem;
    k->h = k->pooled + cn;
    k->a = k->h + rn;
    k->z = k->a + rn;
    k->s = k->z + cn;
}

void se_forward(float *y, struct se_cache *k, const float *x, const float *w1, const float *b1,
                const float *w2, const float *b2, const struct se_dims *d)
{
    const int C = d->C, P = d->P, N = d->N;
    pool_forward(k->pooled, x, C, P, N);
    fc_forward(k->h, k->pooled, w1, b1, C, d->R, N);
    act_forward(k->a, k->h, (size_t)d->R * N, d->act);
    fc_forward(k->z, k->a, w2, b2, d->R, C, N);
    act_forward(k->s, k->z, (size_t)C * N, ACT_HSIGMOID);
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const float *sc = k->s + (size_t)c * N;
        for (int p = 0; p < P; p++) {
            size_t at = ((size_t)c * P + p) * N;
            for (int n = 0; n < N; n++)
                y[at + n] = x[at + n] * sc[n];
        }
    }
}

void se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, float *scratch,
                 const float *dy, const float *x, const struct se_cache *k, const float *w1,
                 const float *w2, const struct se_dims *d)
{
    const int C = d->C, R = d->R, P = d->P, N = d->N;
    float *ds = scratch, *dp = ds + (size_t)C * N, *da = dp + (size_t)C * N;
    /* ds[c][n] = sum_p dy * x; then dz = ds * hsigmoid'(z), kept in ds */
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        float *dsc = ds + (size_t)c * N;
        for (int n = 0; n < N; n++)
            dsc[n] = 0;
        for (int p = 0; p < P; p++) {
            size_t at = ((size_t)c * P + p) * N;
            for (int n = 0; n < N; n++)
                dsc[n] += dy[at + n] * x[at + n];
        }
        for (int n = 0; n < N; n++)
            dsc[n] *= act_grad(ACT_HSIGMOID, k->z[(size_t)c * N + n]);
    }
    fc_backward(da, dw2, db2, ds, k->a, w2, R, C, N);
    for (size_t i = 0; i < (size_t)R * N; i++)
        da[i] *= act_grad(d->act, k->h[i]);
    fc_backward(dp, dw1, db1, da, k->pooled, w1, C, R, N);
    float inv = 1.0f / (float)P;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const float *sc = k->s + (size_t)c * N, *dpc = dp + (size_t)c * N;
        for (int p = 0; p < P; p++) {
            size_t at = ((size_t)c * P + p) * N;
            for (int n = 0; n < N; n++)
                dx[at + n] = dy[at + n] * sc[n] + dpc[n] * inv;
        }
    }
}
