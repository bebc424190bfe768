/* bn: batch normalisation fused with the activation that follows it, as a
 * forward/backward pair (act may be ACT_NONE: plain BN).
 *
 * Per channel c over its S = H*W*N values (contiguous in the C x H x W x N
 * layout):  y = act(gamma * (x - mean) * invstd + beta).
 * Training uses the batch's statistics and updates the running ones the way
 * PyTorch does (momentum 0.1, unbiased variance in the running estimate);
 * evaluation uses the running statistics. */
#ifndef ONESHOT_BN_H
#define ONESHOT_BN_H

#include <stddef.h>

#include "act.h"

#define BN_EPS 1e-5f
#define BN_MOMENTUM 0.1f

struct bn_state {
    float *running_mean, *running_var; /* [C], updated in training */
    float *mean, *invstd;              /* [C], cache: statistics the forward used */
};

/* y[C][S] (may equal x) from x[C][S].  training != 0: batch statistics, running
 * statistics updated (when momentum > 0).  Writes st->mean/invstd in both modes. */
void bn_forward(float *y, const float *x, const float *gamma, const float *beta,
                struct bn_state *st, int C, size_t S, enum act a, int training, float momentum);

/* dx[C][S] (may equal dy) from dy, the forward input x and the cached statistics;
 * dgamma, dbeta += .  Valid for a training-mode forward. */
void bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                 const float *gamma, const float *beta, const struct bn_state *st, int C,
                 size_t S, enum act a);

#endif
