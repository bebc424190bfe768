/* fakedata: a data set of random 28x28 images and labels for tests that
 * train without Fashion-MNIST (shared by the supernet and supertrain tests). */
#ifndef ONESHOT_TESTS_FAKEDATA_H
#define ONESHOT_TESTS_FAKEDATA_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data.h"
#include "rng.h"

/* n images, 1 x 28 x 28, ten classes, drawn from seed; dataset_done frees. */
static inline void fake_dataset(struct dataset *d, int n, uint64_t seed)
{
    memset(d, 0, sizeof *d);
    d->n = n;
    d->c = 1;
    d->h = d->w = 28;
    d->classes = 10;
    d->pixels = malloc((size_t)n * 28 * 28);
    d->labels = malloc((size_t)n);
    if (!d->pixels || !d->labels) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    struct rng r;
    rng_seed(&r, seed, 9);
    for (size_t i = 0; i < (size_t)n * 28 * 28; i++)
        d->pixels[i] = (uint8_t)rng_below(&r, 256);
    for (int i = 0; i < n; i++)
        d->labels[i] = (uint8_t)rng_below(&r, 10);
}

#endif
