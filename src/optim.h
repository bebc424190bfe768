/* optim: SGD with (Nesterov) momentum and weight decay, PyTorch's formulation,
 * and the per-step cosine learning-rate schedule. */
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

#endif
