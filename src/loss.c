#include "loss.h"

#include <math.h>
#include <stddef.h>

void logits_argmax(int *pred, const float *logits, int K, int N)
{
    for (int n = 0; n < N; n++) {
        int best = 0;
        for (int k = 1; k < K; k++)
            if (logits[(size_t)k * N + n] > logits[(size_t)best * N + n])
                best = k;
        pred[n] = best;
    }
}

double softmax_xent_forward_backward(float *dlogits, const float *logits, const int *y, int K,
                                     int N, int *correct)
{
    return softmax_xent_smooth_forward_backward(dlogits, logits, y, K, N, 0.0f, correct);
}

double softmax_xent_smooth_forward_backward(float *dlogits, const float *logits, const int *y,
                                            int K, int N, float eps, int *correct)
{
    double total = 0;
    int right = 0;
    for (int n = 0; n < N; n++) {
        float mx = logits[n];
        int best = 0;
        for (int k = 1; k < K; k++)
            if (logits[(size_t)k * N + n] > mx) {
                mx = logits[(size_t)k * N + n];
                best = k;
            }
        double z = 0;
        for (int k = 0; k < K; k++)
            z += exp((double)logits[(size_t)k * N + n] - mx);
        double logz = log(z) + mx;
        if (eps > 0) {
            double mean = 0;
            for (int k = 0; k < K; k++)
                mean += logits[(size_t)k * N + n];
            mean /= K;
            total += (1 - (double)eps) * (logz - logits[(size_t)y[n] * N + n]) +
                     (double)eps * (logz - mean);
        } else {
            total += logz - logits[(size_t)y[n] * N + n];
        }
        right += best == y[n];
        if (dlogits) {
            double on = eps > 0 ? 1 - (double)eps + (double)eps / K : 1;
            double off = eps > 0 ? (double)eps / K : 0;
            for (int k = 0; k < K; k++) {
                double p = exp((double)logits[(size_t)k * N + n] - logz);
                dlogits[(size_t)k * N + n] = (float)((p - (k == y[n] ? on : off)) / N);
            }
        }
    }
    if (correct)
        *correct = right;
    return total / N;
}
