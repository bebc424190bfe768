#include "optim.h"

#include <math.h>

void sgd_step(float *w, const float *g, float *mom, size_t n, const struct sgd *o, float lr)
{
    const float mu = o->momentum, wd = o->weight_decay;
    if (o->nesterov) {
#pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) {
            float d = g[i] + wd * w[i];
            float b = mu * mom[i] + d;
            mom[i] = b;
            w[i] -= lr * (d + mu * b);
        }
    } else {
#pragma omp parallel for schedule(static) if (n > 65536)
        for (size_t i = 0; i < n; i++) {
            float b = mu * mom[i] + g[i] + wd * w[i];
            mom[i] = b;
            w[i] -= lr * b;
        }
    }
}

float cosine_lr(float base, long t, long T)
{
    if (T <= 0)
        return base;
    return (float)(base * 0.5 * (1.0 + cos(3.14159265358979323846 * (double)t / (double)T)));
}
