/* rng: seeded, named random streams (xoshiro256**, seeded through splitmix64).
 *
 * No global state: every user owns a struct rng.  A stream is named by
 * (seed, stream id), so two parts of a run (weight init, batch order, sampling)
 * draw from independent streams and a run is reproducible bit for bit. */
#ifndef ONESHOT_RNG_H
#define ONESHOT_RNG_H

#include <stddef.h>
#include <stdint.h>

struct rng {
    uint64_t s[4];
};

/* Named streams used by the engine. */
enum {
    RNG_STREAM_INIT = 1,    /* weight initialisation */
    RNG_STREAM_BATCHES = 2, /* order of training images */
    RNG_STREAM_SAMPLER = 3, /* paths drawn by a supernet sampler */
    RNG_STREAM_SEARCH = 4,  /* search strategies */
    RNG_STREAM_BENCH = 5,   /* random data for benchmarks */
    RNG_STREAM_DECISIONS = 6, /* Single-Path NAS's warm-up drops of decisions */
    RNG_STREAM_CONTROLLER = 7 /* NAO's controller: its weights, the order of its training */
};

void rng_seed(struct rng *r, uint64_t seed, uint64_t stream);
uint64_t rng_u64(struct rng *r);
/* Uniform in [0, n), without modulo bias.  n > 0. */
uint64_t rng_below(struct rng *r, uint64_t n);
/* Uniform float in [0, 1). */
float rng_uniform(struct rng *r);
/* Standard normal (Box-Muller, both values used in turn is not kept: stateless). */
float rng_normal(struct rng *r);
/* Fisher-Yates shuffle of idx[0..n). */
void rng_shuffle(struct rng *r, int *idx, size_t n);

#endif
