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

void adam_default(struct adam *o)
{
    o->beta1 = 0.9;
    o->beta2 = 0.999;
    o->eps = 1e-8;
    o->weight_decay = 0;
}

void adam_step(double *w, const double *g, double *m, double *v, size_t n, const struct adam *o,
               double lr, long t)
{
    const double b1 = o->beta1, b2 = o->beta2, wd = o->weight_decay;
    const double step = lr / (1 - pow(b1, (double)t));
    const double root = sqrt(1 - pow(b2, (double)t));
    for (size_t i = 0; i < n; i++) {
        double d = g[i] + wd * w[i];
        m[i] = b1 * m[i] + (1 - b1) * d;
        v[i] = b2 * v[i] + (1 - b2) * d * d;
        w[i] -= step * m[i] / (sqrt(v[i]) / root + o->eps);
    }
}

double clip_grad_norm(double *g, size_t n, double max_norm)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += g[i] * g[i];
    double norm = sqrt(s);
    if (max_norm > 0 && norm > max_norm) {
        double k = max_norm / (norm + 1e-6);
        for (size_t i = 0; i < n; i++)
            g[i] *= k;
    }
    return norm;
}
