/* act: elementwise activations (ReLU, hard-swish, hard-sigmoid) as forward /
 * backward pairs.  The scalar forms are inline so fused kernels (bn.c, se.c)
 * share one definition of each function and its derivative. */
#ifndef ONESHOT_ACT_H
#define ONESHOT_ACT_H

#include <stddef.h>

enum act { ACT_NONE, ACT_RELU, ACT_HSWISH, ACT_HSIGMOID };

/* "none", "relu", "hswish", "hsigmoid"; act_parse returns -1 for an unknown name. */
const char *act_name(enum act a);
int act_parse(const char *name);

static inline float act_apply(enum act a, float x)
{
    switch (a) {
    case ACT_RELU:
        return x > 0.0f ? x : 0.0f;
    case ACT_HSWISH:
        return x <= -3.0f ? 0.0f : x >= 3.0f ? x : x * (x + 3.0f) * (1.0f / 6.0f);
    case ACT_HSIGMOID:
        return x <= -3.0f ? 0.0f : x >= 3.0f ? 1.0f : (x + 3.0f) * (1.0f / 6.0f);
    default:
        return x;
    }
}

/* d act(x) / dx at x (the kink points take the right-hand value's convention of
 * PyTorch: relu'(0) = 0, hardswish'(+-3) from the inner piece). */
static inline float act_grad(enum act a, float x)
{
    switch (a) {
    case ACT_RELU:
        return x > 0.0f ? 1.0f : 0.0f;
    case ACT_HSWISH:
        return x < -3.0f ? 0.0f : x > 3.0f ? 1.0f : (2.0f * x + 3.0f) * (1.0f / 6.0f);
    case ACT_HSIGMOID:
        return (x > -3.0f && x < 3.0f) ? (1.0f / 6.0f) : 0.0f;
    default:
        return 1.0f;
    }
}

/* y[i] = act(x[i]) for i < n; y may equal x. */
void act_forward(float *y, const float *x, size_t n, enum act a);
/* dx[i] += dy[i] * act'(x[i]); x is the forward input. */
void act_backward(float *dx, const float *dy, const float *x, size_t n, enum act a);

#endif
