#include "conv.h"

#include "gemm.h"

void conv1x1_forward(float *out, const float *in, const float *w, int cin, int cout, size_t S)
{
    gemm(0, 0, cout, (int)S, cin, 1.0f, w, cin, in, (int)S, 0.0f, out, (int)S);
}

void conv1x1_backward(float *din, float *dw, const float *dout, const float *in, const float *w,
                      int cin, int cout, size_t S)
{
    gemm(0, 1, cout, cin, (int)S, 1.0f, dout, (int)S, in, (int)S, 1.0f, dw, cin);
    if (din)
        gemm(1, 0, cin, (int)S, cout, 1.0f, w, cin, dout, (int)S, 0.0f, din, (int)S);
}

void conv_forward(float *out, float *col, const float *in, const float *w,
                  const struct conv_dims *d)
{
    int K = d->cin * d->k * d->k, S = d->Ho * d->Wo * d->N;
    im2col(col, in, d->cin, d->H, d->W, d->N, d->k, d->stride, d->Ho, d->Wo);
    gemm(0, 0, d->cout, S, K, 1.0f, w, K, col, S, 0.0f, out, S);
}

void conv_backward(float *din, float *dcol, float *dw, const float *dout, const float *col,
                   const float *w, const struct conv_dims *d)
{
    int K = d->cin * d->k * d->k, S = d->Ho * d->Wo * d->N;
    gemm(0, 1, d->cout, K, S, 1.0f, dout, S, col, S, 1.0f, dw, K);
    if (din) {
        gemm(1, 0, K, S, d->cout, 1.0f, w, K, dout, S, 0.0f, dcol, S);
        col2im(din, dcol, d->cin, d->H, d->W, d->N, d->k, d->stride, d->Ho, d->Wo);
    }
}
