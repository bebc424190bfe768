/* loss: softmax cross-entropy over a batch of logits laid out [K][N]. */
#ifndef ONESHOT_LOSS_H
#define ONESHOT_LOSS_H

/* Returns the mean loss over the N samples; *correct (if not NULL) gets how many
 * argmax predictions equal y.  If dlogits is not NULL it gets d(mean loss)/dlogits,
 * [K][N].  */
double softmax_xent_forward_backward(float *dlogits, const float *logits, const int *y, int K,
                                     int N, int *correct);

/* The same with label smoothing eps in [0, 1): the target of sample n is
 * (1 - eps) on y[n] plus eps / K on every class, so the loss is
 * (1 - eps) * CE(y) + eps * mean over k of -log p_k, and dlogits gets
 * (p - target) / N.  eps = 0 gives exactly softmax_xent_forward_backward
 * (to the bit). */
double softmax_xent_smooth_forward_backward(float *dlogits, const float *logits, const int *y,
                                            int K, int N, float eps, int *correct);

/* The argmax class of each column: pred[n]. */
void logits_argmax(int *pred, const float *logits, int K, int N);

#endif
