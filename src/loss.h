/* loss: softmax cross-entropy over a batch of logits laid out [K][N]. */
#ifndef ONESHOT_LOSS_H
#define ONESHOT_LOSS_H

/* Returns the mean loss over the N samples; *correct (if not NULL) gets how many
 * argmax predictions equal y.  If dlogits is not NULL it gets d(mean loss)/dlogits,
 * [K][N].  */
double softmax_xent_forward_backward(float *dlogits, const float *logits, const int *y, int K,
                                     int N, int *correct);

/* The argmax class of each column: pred[n]. */
void logits_argmax(int *pred, const float *logits, int K, int N);

#endif
