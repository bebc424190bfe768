/* optim: SGD with (Nesterov) momentum and weight decay, PyTorch's formulation,
 * RMSProp with momentum (TensorFlow 1's formulation, which Single-Path NAS
 * trains with), Adam (PyTorch's formulation, which NAO's controller trains
 * with, in double), clipping by the global gradient norm, the per-step cosine
 * learning-rate schedule and the staircase exponential one. */
#ifndef ONESHOT_OPTIM_H
#define ONESHOT_OPTIM_H

#include <stddef.h>

struct sgd {
    float momentum;     /* 0.9 */
    float weight_decay; /* 4e-5, on every parameter */
    int nesterov;       /* 1 */
};

/* One update of n weights:  d = g + wd*w;  mom = momentum*mom + d;
 * d = nesterov ? d + momentum*mom : mom;  w -= lr*d.  mom starts at zero
 * (which equals PyTorch's first-step copy).  g is read, not cleared. */
void sgd_step(float *w, const float *g, float *mom, size_t n, const struct sgd *o, float lr);

/* lr at step t (0-based) of T: base * (1 + cos(pi t / T)) / 2 (PyTorch's
 * CosineAnnealingLR stepped once per batch, eta_min 0). */
float cosine_lr(float base, long t, long T);

/* RMSProp with momentum, as TensorFlow 1's RMSPropOptimizer updates (the
 * epsilon inside the square root):
 *   d = g + weight_decay * w;  ms = decay * ms + (1 - decay) * d^2;
 *   mom = momentum * mom + lr * d / sqrt(ms + eps);  w -= mom.
 * TensorFlow starts ms at 1, not 0 (rmsprop_state_init), so the first steps
 * are not divided by a near-zero root. */
struct rmsprop {
    float decay;        /* 0.9 */
    float momentum;     /* 0.9 */
    float eps;          /* 1e-3 */
    float weight_decay; /* gradient of weight_decay / 2 * w^2 (0: none) */
};

/* Single-Path NAS's settings: decay 0.9, momentum 0.9, eps 1e-3, no decay. */
void rmsprop_default(struct rmsprop *o);
/* The state of n weights before the first step: ms = 1, mom = 0. */
void rmsprop_state_init(float *ms, float *mom, size_t n);
/* One update of n weights; g is read, not cleared. */
void rmsprop_step(float *w, const float *g, float *ms, float *mom, size_t n,
                  const struct rmsprop *o, float lr);

/* lr at step t (0-based) of a staircase exponential decay: base *
 * factor^floor(t / every), every > 0 steps (TensorFlow's exponential_decay
 * with staircase; Single-Path NAS: factor 0.97 every 2.4 epochs' steps). */
float exp_decay_lr(float base, long t, double every, float factor);

/* Adam, as PyTorch's torch.optim.Adam updates (L2 weight decay added to the
 * gradient, epsilon outside the root, bias corrections of step t):
 *   d = g + weight_decay * w;  m = beta1 * m + (1 - beta1) * d;
 *   v = beta2 * v + (1 - beta2) * d^2;
 *   w -= lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps).
 * In double: its one user, NAO's controller (src/nao.c), computes in double. */
struct adam {
    double beta1;        /* 0.9 */
    double beta2;        /* 0.999 */
    double eps;          /* 1e-8 */
    double weight_decay; /* 0: none (NAO-V2) */
};

/* PyTorch's defaults: betas (0.9, 0.999), eps 1e-8, no weight decay. */
void adam_default(struct adam *o);
/* One update of n weights at step t (1-based: the first update is t = 1);
 * m and v start at zero (zero them to restart the optimiser).  g is read,
 * not cleared. */
void adam_step(double *w, const double *g, double *m, double *v, size_t n, const struct adam *o,
               double lr, long t);

/* Scales the n gradients g so that their joint L2 norm is at most max_norm,
 * as PyTorch's clip_grad_norm_: by max_norm / (norm + 1e-6) when the norm
 * exceeds max_norm; max_norm <= 0 leaves g alone.  Returns the norm before
 * clipping. */
double clip_grad_norm(double *g, size_t n, double max_norm);

#endif
