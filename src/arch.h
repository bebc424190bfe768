/* arch: an architecture of a search space, and what is done with one.
 *
 * An architecture picks one choice per searchable layer of a space
 * (src/space.h); its string form is the choices' names joined by '-'
 * ("k3e3-k5e6-skip-...").  Here: parsing and formatting that string,
 * validity, exact parameter and multiply-add counts, and the random draws
 * and variation operators of the samplers and evolutionary strategies.
 * Every operator keeps an architecture valid: each layer's choice stays one
 * that s->allowed[l] allows, given parents that are valid themselves.  All
 * randomness comes from the caller's struct rng, so the same seed gives the
 * same results.  Nothing here allocates or prints. */
#ifndef ONESHOT_ARCH_H
#define ONESHOT_ARCH_H

#include "rng.h"
#include "space.h"

/* An architecture: one choice index (into space->choices) per searchable layer. */
struct arch {
    int n;
    int choice[SPACE_MAX_LAYERS];
};

/* Parses an architecture string.  Errors read `src:1:col: error: ...` naming the
 * token and its position (src names the string's origin, e.g. "--arch").
 * Returns 0 or -1. */
int arch_parse(const struct space *s, const char *str, const char *src, struct arch *a,
               struct err *e);
/* The same for a string found at line `line`, column `col` (1-based) of file
 * src: errors point into the file. */
int arch_parse_at(const struct space *s, const char *str, const char *src, int line, int col,
                  struct arch *a, struct err *e);

/* 1 when a is an architecture of s: one choice per searchable layer, each
 * allowed at its layer. */
int arch_is_valid(const struct space *s, const struct arch *a);

/* Writes the string form into buf (at most n bytes, always terminated).
 * Returns the length it needed. */
int arch_format(const struct space *s, const struct arch *a, char *buf, int n);

/* Exact counts of a (see struct cost in src/space.h). */
struct cost arch_cost(const struct space *s, const struct arch *a);

/* Uniformly random architecture of s. */
void arch_random(const struct space *s, struct rng *r, struct arch *a);

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

/* The smallest (largest = 0) or largest architecture of s: in every layer
 * the allowed choice with the fewest (most) multiply-adds, ties broken by
 * parameters.  Into a. */
void arch_extreme(const struct space *s, int largest, struct arch *a);

#endif
