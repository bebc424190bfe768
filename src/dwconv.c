#include "dwconv.h"

#include <string.h>

#include "vec.h"

/* Images are processed in blocks of 64 along the batch: the output vectors of
 * a block stay in four vector registers while the k*k taps accumulate into
 * them.  A last partial block takes a plain loop. */
#define DW_NB 64

/* Valid tap range of output pixel (oh, ow): rows i in [*ib, *ie), columns j in
 * [*jb, *je); the tap (i, j) reads input (i0 + i, j0 + j). */
static inline void tap_range(const struct dw_dims *d, int oh, int ow, int *i0, int *j0, int *ib,
                             int *ie, int *jb, int *je)
{
    int pad = d->k / 2;
    *i0 = oh * d->stride - pad;
    *j0 = ow * d->stride - pad;
    *ib = *i0 < 0 ? -*i0 : 0;
    *ie = *i0 + d->k > d->H ? d->H - *i0 : d->k;
    *jb = *j0 < 0 ? -*j0 : 0;
    *je = *j0 + d->k > d->W ? d->W - *j0 : d->k;
}

void dwconv_forward(float *out, const float *in, const float *w, const struct dw_dims *d)
{
    const int k = d->k, N = d->N;
    const size_t in_plane = (size_t)d->H * d->W * N, out_plane = (size_t)d->Ho * d->Wo * N;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < d->C; c++) {
        const float *x = in + c * in_plane;
        const float *wc = w + (size_t)c * k * k;
        for (int oh = 0; oh < d->Ho; oh++)
            for (int ow = 0; ow < d->Wo; ow++) {
                float *o = out + c * out_plane + ((size_t)oh * d->Wo + ow) * N;
                int i0, j0, ib, ie, jb, je;
                tap_range(d, oh, ow, &i0, &j0, &ib, &ie, &jb, &je);
                int n0 = 0;
                for (; n0 + DW_NB <= N; n0 += DW_NB) {
                    v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
                    for (int i = ib; i < ie; i++)
                        for (int j = jb; j < je; j++) {
                            const float *xi = x + ((size_t)(i0 + i) * d->W + (j0 + j)) * N + n0;
                            float wv = wc[i * k + j];
                            a0 += wv * v16_load(xi);
                            a1 += wv * v16_load(xi + 16);
                            a2 += wv * v16_load(xi + 32);
                            a3 += wv * v16_load(xi + 48);
                        }
                    v16_store(o + n0, a0);
                    v16_store(o + n0 + 16, a1);
                    v16_store(o + n0 + 32, a2);
                    v16_store(o + n0 + 48, a3);
                }
                if (n0 < N) {
                    memset(o + n0, 0, (size_t)(N - n0) * sizeof *o);
                    for (int i = ib; i < ie; i++)
                        for (int j = jb; j < je; j++) {
                            const float *xi = x + ((size_t)(i0 + i) * d->W + (j0 + j)) * N;
                            float wv = wc[i * k + j];
                            for (int n = n0; n < N; n++)
                                o[n] += wv * xi[n];
                        }
                }
            }
    }
}

/* din at input pixel (ih, iw) = sum over the output pixels that read it of
 * w[tap] * dout[oh][ow]: the gather form of the adjoint, each din written once. */
static void dw_input_grad(float *di, const float *g, const float *wc, int ih, int iw,
                          const struct dw_dims *d)
{
    const int k = d->k, pad = k / 2, s = d->stride, N = d->N;
    const float *src[DW_MAX_K * DW_MAX_K];
    float wt[DW_MAX_K * DW_MAX_K];
    int nt = 0;
    for (int i = 0; i < k; i++) {
        int t = ih + pad - i; /* = oh * s */
        if (t < 0 || t % s || t / s >= d->Ho)
            continue;
        for (int j = 0; j < k; j++) {
            int u = iw + pad - j;
            if (u < 0 || u % s || u / s >= d->Wo)
                continue;
            src[nt] = g + ((size_t)(t / s) * d->Wo + u / s) * N;
            wt[nt++] = wc[i * k + j];
        }
    }
    int n0 = 0;
    for (; n0 + DW_NB <= N; n0 += DW_NB) {
        v16f a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
        for (int t = 0; t < nt; t++) {
            const float *go = src[t] + n0;
            a0 += wt[t] * v16_load(go);
            a1 += wt[t] * v16_load(go + 16);
            a2 += wt[t] * v16_load(go + 32);
            a3 += wt[t] * v16_load(go + 48);
        }
        v16_store(di + n0, a0);
        v16_store(di + n0 + 16, a1);
        v16_store(di + n0 + 32, a2);
        v16_store(di + n0 + 48, a3);
    }
    if (n0 < N) {
        memset(di + n0, 0, (size_t)(N - n0) * sizeof *di);
        for (int t = 0; t < nt; t++)
            for (int n = n0; n < N; n++)
                di[n] += wt[t] * src[t][n];
    }
}

void dwconv_backward(float *din, float *dw, const float *dout, const float *in, const float *w,
                     const struct dw_dims *d)
{
    const int k = d->k, N = d->N, nv = N / VEC_LANES * VEC_LANES;
    const size_t in_plane = (size_t)d->H * d->W * N, out_plane = (size_t)d->Ho * d->Wo * N;
#pragma omp parallel for schedule(static)
    for (int c = 0; c < d->C; c++) {
        const float *x = in + c * in_plane;
        const float *g = dout + c * out_plane;
        const float *wc = w + (size_t)c * k * k;
        /* weight gradient: per tap, a vector of partial sums over pixels and images */
        v16f acc[DW_MAX_K * DW_MAX_K];
        double tail[DW_MAX_K * DW_MAX_K];
        for (int t = 0; t < k * k; t++) {
            acc[t] = (v16f){0};
            tail[t] = 0;
        }
        for (int oh = 0; oh < d->Ho; oh++)
            for (int ow = 0; ow < d->Wo; ow++) {
                const float *go = g + ((size_t)oh * d->Wo + ow) * N;
                int i0, j0, ib, ie, jb, je;
                tap_range(d, oh, ow, &i0, &j0, &ib, &ie, &jb, &je);
                for (int i = ib; i < ie; i++)
                    for (int j = jb; j < je; j++) {
                        const float *xi = x + ((size_t)(i0 + i) * d->W + (j0 + j)) * N;
                        v16f s = {0};
                        for (int n = 0; n < nv; n += VEC_LANES)
                            s += v16_load(go + n) * v16_load(xi + n);
                        acc[i * k + j] += s;
                        for (int n = nv; n < N; n++)
                            tail[i * k + j] += (double)go[n] * xi[n];
                    }
            }
        for (int t = 0; t < k * k; t++)
            dw[(size_t)c * k * k + t] += (float)(v16_sum(acc[t]) + tail[t]);
        if (!din)
            continue;
        float *dx = din + c * in_plane;
        for (int ih = 0; ih < d->H; ih++)
            for (int iw = 0; iw < d->W; iw++)
                dw_input_grad(dx + ((size_t)ih * d->W + iw) * N, g, wc, ih, iw, d);
    }
}
