/* dense: a fully connected layer in double over a batch of row vectors, the
 * building block of NAO's controller (src/lstm.c's gates, src/nao.c's
 * attention and output layers), on OpenBLAS's dgemm.
 *
 * Rows are examples: x is [B][K] (row b is example b's input), the weight is
 * [N][K] (PyTorch's nn.Linear layout: row n maps the input to output n).
 * The backward adds into every gradient it is given (llm.c's convention: only
 * the caller clears), so the gradients of several uses of one input or one
 * weight add up. */
#ifndef ONESHOT_DENSE_H
#define ONESHOT_DENSE_H

/* y[B][N] = x[B][K] w[N][K]^T + b[N]; b may be NULL (no bias).  y is
 * overwritten and must not overlap x or w. */
void dense_forward(double *y, const double *x, const double *w, const double *b, int B, int K,
                   int N);

/* Given dy[B][N], the gradient of a loss at y:
 *   dx[B][K] += dy w     (dx may be NULL: not wanted)
 *   dw[N][K] += dy^T x
 *   db[N]    += the column sums of dy (db may be NULL: no bias). */
void dense_backward(double *dx, double *dw, double *db, const double *dy, const double *x,
                    const double *w, int B, int K, int N);

#endif
