#include "init.h"

#include <math.h>

void init_uniform(float *w, size_t n, int fan_in, struct rng *r)
{
    float bound = 1.0f / sqrtf((float)fan_in);
    for (size_t i = 0; i < n; i++)
        w[i] = (2.0f * rng_uniform(r) - 1.0f) * bound;
}

void init_const(float *w, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        w[i] = v;
}
