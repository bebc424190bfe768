/* evolve: the variation operators of evolutionary search strategies.
 *
 * Mutation, crossover and comparison of architectures over a space.  Every
 * operator keeps an architecture valid: each layer's choice stays one that
 * s->allowed[l] allows, given parents that are valid themselves.  All
 * randomness comes from the caller's struct rng (by convention a stream named
 * RNG_STREAM_SEARCH), so the same seed gives the same results.  Nothing here
 * allocates or prints. */
#ifndef ONESHOT_EVOLVE_H
#define ONESHOT_EVOLVE_H

#include "rng.h"
#include "space.h"

/* Point mutation of a valid architecture a of s, in place: each layer with two
 * or more allowed choices, independently with probability rate, changes to
 * another allowed choice drawn uniformly from the allowed ones other than its
 * current one.  A layer with a single allowed choice never changes (and draws
 * nothing).  rate <= 0 changes nothing; rate >= 1 changes every layer that
 * can change. */
void arch_mutate(const struct space *s, struct arch *a, double rate, struct rng *r);

/* Changes exactly one layer of a valid architecture a of s, in place: the
 * layer is drawn uniformly among those with two or more allowed choices, and
 * its new choice uniformly among the allowed ones other than its current one.
 * Returns the index of the changed layer, or -1 (a unchanged, nothing drawn)
 * when no layer has two allowed choices. */
int arch_mutate_one(const struct space *s, struct arch *a, struct rng *r);

/* Uniform crossover of two valid architectures a and b of s (a->n == b->n):
 * child takes each layer's choice from a or from b with probability 1/2 each,
 * so it is valid too.  child may be a or b. */
void arch_crossover(const struct space *s, const struct arch *a, const struct arch *b,
                    struct arch *child, struct rng *r);

/* Hamming distance: the number of layers whose choices differ.  Layers that
 * only the longer of a and b has (a->n != b->n) count as differing. */
int arch_distance(const struct arch *a, const struct arch *b);

/* 1 if a and b have the same number of layers and the same choice at each
 * (entries past n are ignored), else 0. */
int arch_equal(const struct arch *a, const struct arch *b);

#endif
