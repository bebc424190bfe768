/* fc: fully connected layer with bias on a batch of column vectors
 * (the classifier, and the 1x1 convolutions of squeeze-and-excitation, which act
 * on pooled 1x1 maps).  Conventions as in conv.h. */
#ifndef ONESHOT_FC_H
#define ONESHOT_FC_H

/* out[cout][N] = w[cout][cin] in[cin][N] + b[cout]. */
void fc_forward(float *out, const float *in, const float *w, const float *b, int cin, int cout,
                int N);
/* din = w^T dout (if din); dw += dout in^T; db += row sums of dout. */
void fc_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                 const float *w, int cin, int cout, int N);

#endif
