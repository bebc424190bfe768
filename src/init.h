/* init: weight initialisation shared by every part of a network. */
#ifndef ONESHOT_INIT_H
#define ONESHOT_INIT_H

#include <stddef.h>

#include "rng.h"

/* PyTorch's default for convolutions and linear layers (kaiming_uniform with
 * a = sqrt(5), and the bias rule): uniform in +-1/sqrt(fan_in). */
void init_uniform(float *w, size_t n, int fan_in, struct rng *r);
/* w[0..n) = v. */
void init_const(float *w, size_t n, float v);

#endif
