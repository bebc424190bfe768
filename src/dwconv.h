/* dwconv: depthwise kxk convolution (one filter per channel), padding k/2,
 * any stride, as a forward/backward pair.  Layout C x H x W x N: the batch is
 * innermost, so every tap is a vector multiply-add over N images.
 * Conventions as in conv.h: din written, dw accumulated. */
#ifndef ONESHOT_DWCONV_H
#define ONESHOT_DWCONV_H

/* Largest kernel the depthwise kernels take. */
#define DW_MAX_K 13

struct dw_dims {
    int C, H, W, N, k, stride, Ho, Wo;
};

/* out[C][Ho][Wo][N] = depthwise(in[C][H][W][N], w[C][k][k]). */
void dwconv_forward(float *out, const float *in, const float *w, const struct dw_dims *d);
/* din[C][H][W][N] = adjoint (if din); dw[C][k][k] += correlation of dout and in. */
void dwconv_backward(float *din, float *dw, const float *dout, const float *in, const float *w,
                     const struct dw_dims *d);

#endif
