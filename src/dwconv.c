#include "dwconv.h"

#include <string.h>

#include "vec.h"

void dwconv_forward(float *out, const float *in, const float *w, const struct dw_dims *d)
{
    const int k = d->k, pad = k / 2, N = d->N;
    const size_t in_plane = (size_t)d->H * d->W * N, out_plane = (size_t)d->Ho * d->Wo * N;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < d->C; c++) {
        const float *x = in + c * in_plane;
        const float *wc = w + (size_t)c * k * k;
        for (int oh = 0; oh < d->Ho; oh++)
            for (int ow = 0; ow < d->Wo; ow++) {
                float *restrict o = out + c * out_plane + ((size_t)oh * d->Wo + ow) * N;
                memset(o, 0, (size_t)N * sizeof *o);
                for (int i = 0; i < k; i++) {
                    int ih = oh * d->stride + i - pad;
                    if (ih < 0 || ih >= d->H)
                        continue;
                    for (int j = 0; j < k; j++) {
                        int iw = ow * d->stride + j - pad;
                        if (iw < 0 || iw >= d->W)
                            continue;
                        const float *restrict xi = x + ((size_t)ih * d->W + iw) * N;
                        float wv = wc[i * k + j];
                        for (int n = 0; n < N; n++)
                            o[n] += wv * xi[n];
                    }
                }
            }
    }
}

void dwconv_backward(float *din, float *dw, const float *dout, const float *in, const float *w,
                     const struct dw_dims *d)
{
    const int k = d->k, pad = k / 2, N = d->N;
    const size_t in_plane = (size_t)d->H * d->W * N, out_plane = (size_t)d->Ho * d->Wo * N;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < d->C; c++) {
        const float *x = in + c * in_plane;
        const float *g = dout + c * out_plane;
        const float *wc = w + (size_t)c * k * k;
        float *dx = din ? din + c * in_plane : NULL;
        double dk[49 * 4] = {0}; /* k <= 13 */
        if (dx)
            memset(dx, 0, in_plane * sizeof *dx);
        for (int oh = 0; oh < d->Ho; oh++)
            for (int ow = 0; ow < d->Wo; ow++) {
                const float *restrict go = g + ((size_t)oh * d->Wo + ow) * N;
                for (int i = 0; i < k; i++) {
                    int ih = oh * d->stride + i - pad;
                    if (ih < 0 || ih >= d->H)
                        continue;
                    for (int j = 0; j < k; j++) {
                        int iw = ow * d->stride + j - pad;
                        if (iw < 0 || iw >= d->W)
                            continue;
                        size_t at = ((size_t)ih * d->W + iw) * N;
                        dk[i * k + j] += vec_dot(go, x + at, (size_t)N);
                        if (dx) {
                            float *restrict di = dx + at;
                            float wv = wc[i * k + j];
                            for (int n = 0; n < N; n++)
                                di[n] += wv * go[n];
                        }
                    }
                }
            }
        for (int t = 0; t < k * k; t++)
            dw[(size_t)c * k * k + t] += (float)dk[t];
    }
}
