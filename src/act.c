#include "act.h"

#include <string.h>

static const char *const names[] = {"none", "relu", "hswish", "hsigmoid"};

const char *act_name(enum act a) { return (unsigned)a < 4 ? names[a] : "?"; }

int act_parse(const char *name)
{
    for (int i = 0; i < 4; i++)
        if (strcmp(name, names[i]) == 0)
            return i;
    return -1;
}

/* The switch is hoisted out of the loop so each case vectorises. */
#define ACT_LOOP(KIND, BODY)                                                                       \
    case KIND:                                                                                     \
        for (size_t i = 0; i < n; i++)                                                             \
            BODY;                                                                                  \
        break

void act_forward(float *y, const float *x, size_t n, enum act a)
{
    switch (a) {
        ACT_LOOP(ACT_RELU, y[i] = act_apply(ACT_RELU, x[i]));
        ACT_LOOP(ACT_HSWISH, y[i] = act_apply(ACT_HSWISH, x[i]));
        ACT_LOOP(ACT_HSIGMOID, y[i] = act_apply(ACT_HSIGMOID, x[i]));
    default:
        if (y != x)
            memmove(y, x, n * sizeof *y);
    }
}

void act_backward(float *dx, const float *dy, const float *x, size_t n, enum act a)
{
    switch (a) {
        ACT_LOOP(ACT_RELU, dx[i] += dy[i] * act_grad(ACT_RELU, x[i]));
        ACT_LOOP(ACT_HSWISH, dx[i] += dy[i] * act_grad(ACT_HSWISH, x[i]));
        ACT_LOOP(ACT_HSIGMOID, dx[i] += dy[i] * act_grad(ACT_HSIGMOID, x[i]));
    default:
        for (size_t i = 0; i < n; i++)
            dx[i] += dy[i];
    }
}
