/* pool: global average pooling, C x P x N -> C x N (P = H*W positions). */
#ifndef ONESHOT_POOL_H
#define ONESHOT_POOL_H

/* out[c][n] = mean over p of in[c][p][n]. */
void pool_forward(float *out, const float *in, int C, int P, int N);
/* din[c][p][n] = dout[c][n] / P. */
void pool_backward(float *din, const float *dout, int C, int P, int N);

#endif
