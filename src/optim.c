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

void rmsprop_default(struct rmsprop *o)
{
    o->decay = 0.9f;
    o->momentum = 0.9f;
    o->eps = 1e-3f;
    o->weight_decay = 0;
}

void rmsprop_state_init(float *ms, float *mom, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        ms[i] = 1.0f;
        mom[i] = 0.0f;
    }
}

void rmsprop_step(float *w, const float *g, float *ms, float *mom, size_t n,
                  const struct rmsprop *o, float lr)
{
    const float rho = o->decay, mu = o->momentum, eps = o->eps, wd = o->weight_decay;
#pragma omp parallel for schedule(static) if (n > 65536)
    for (size_t i = 0; i < n; i++) {
        float d = g[i] + wd * w[i];
        float s = rho * ms[i] + (1 - rho) * d * d;
        ms[i] = s;
        float b = mu * mom[i] + lr * d / sqrtf(s + eps);
        mom[i] = b;
        w[i] -= b;
    }
}

float exp_decay_lr(float base, long t, double every, float factor)
{
    if (!(every > 0) || t <= 0)
        return base;
    return (float)(base * pow(factor, floor((double)t / every)));
}
