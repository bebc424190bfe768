/* lstm: one step of an LSTM cell in double over a batch, forward and
 * backward: the recurrence of NAO's encoder and decoder (src/nao.c).
 *
 * PyTorch's nn.LSTM cell, with its two biases folded into one:
 *   z = [x ; h_prev] w^T + b             w [4H][X+H], b [4H]
 *   i = sigmoid(z_i)  f = sigmoid(z_f)  g = tanh(z_g)  o = sigmoid(z_o)
 *   c = f * c_prev + i * g               h = o * tanh(c)
 * with the gate blocks of z in PyTorch's order i, f, g, o.
 *
 * The caller lays out the step's input and the previous hidden state side by
 * side in one row per example, xh [B][X+H] (x in the first X columns, h_prev
 * in the last H), so the gates are one matrix product (src/dense.h); a
 * sequence is a loop over steps that keeps, per step, xh, the gates, tanh(c)
 * and c for the backward.  Argument order as llm.c's ops: outputs, caches,
 * inputs, weights, sizes. */
#ifndef ONESHOT_LSTM_H
#define ONESHOT_LSTM_H

#include <math.h>

/* tanh through one exp: 1 - 2 / (exp(2x) + 1).  glibc's tanh (through
 * expm1) took half of the controller's training time; this takes 16 ns a
 * call where it takes 36 on this machine's CPU.  It is exact to 4e-16
 * absolute (near 0 not relative: a gate needs no more), and saturates to
 * +-1 without overflow trouble (exp(2x) = inf gives 1). */
static inline double lstm_tanh(double x) { return 1.0 - 2.0 / (exp(2.0 * x) + 1.0); }

/* One step.  Writes h [B][H] and c [B][H], and the caches gates [B][4H]
 * (i, f, g, o after their nonlinearities) and tc [B][H] (tanh(c)).  Reads
 * xh [B][X+H], c_prev [B][H], w and b.  No output may overlap an input. */
void lstm_forward(double *h, double *c, double *gates, double *tc, const double *xh,
                  const double *c_prev, const double *w, const double *b, int B, int X, int H);

/* The step backward.  Given dh [B][H] (the gradient reaching h: the step's
 * output and the next step's use of h) and dc [B][H] (the gradient reaching
 * c from the next step; NULL: none), and the forward's caches:
 *   dxh [B][X+H]   overwritten: the gradients of x and of h_prev, side by side
 *   dc_prev [B][H] overwritten: the gradient of c_prev
 *   dw, db         accumulated (+=)
 * dz [B][4H] is scratch.  dh and dc are only read. */
void lstm_backward(double *dxh, double *dc_prev, double *dw, double *db, double *dz,
                   const double *dh, const double *dc, const double *gates, const double *tc,
                   const double *c_prev, const double *xh, const double *w, int B, int X, int H);

#endif
