/* conv: dense convolutions without bias, as forward/backward pairs.
 *
 * Layout C x H x W x N.  Conventions of every op of the engine: arguments are
 * (outputs, caches, inputs, weights, dims); a backward *writes* the input
 * gradient (=) and *accumulates* weight gradients (+=), which only the
 * optimiser's zero_grad clears.  An input gradient pointer may be NULL when
 * nobody needs it. */
#ifndef ONESHOT_CONV_H
#define ONESHOT_CONV_H

#include <stddef.h>

/* 1x1 convolution over S = H*W*N columns: out[cout][S] = w[cout][cin] * in[cin][S]. */
void conv1x1_forward(float *out, const float *in, const float *w, int cin, int cout, size_t S);
/* din[cin][S] = w^T dout (if din); dw[cout][cin] += dout in^T. */
void conv1x1_backward(float *din, float *dw, const float *dout, const float *in, const float *w,
                      int cin, int cout, size_t S);

/* Geometry of a kxk convolution with padding k/2. */
struct conv_dims {
    int cin, cout, H, W, N, k, stride, Ho, Wo;
};

/* kxk convolution through im2col: col [cin*k*k][Ho*Wo*N] is a cache the backward
 * reads; out [cout][Ho][Wo][N]; w [cout][cin][k][k]. */
void conv_forward(float *out, float *col, const float *in, const float *w,
                  const struct conv_dims *d);
/* dw += dout col^T; if din: dcol = w^T dout (dcol is scratch of the size of col),
 * din = col2im(dcol). */
void conv_backward(float *din, float *dcol, float *dw, const float *dout, const float *col,
                   const float *w, const struct conv_dims *d);

#endif
