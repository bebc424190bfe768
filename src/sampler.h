/* sampler: which paths of the supernet a training step trains.
 *
 *  uniform       one path per step, each layer's choice uniform (SPOS).
 *  fair          FairNAS strict fairness: m paths per step (m = the largest
 *                number of choices of any layer) built from independent
 *                per-layer permutations, so every choice of a layer with m
 *                choices is trained exactly once per step.  A layer with
 *                fewer choices (no `skip` where the shape changes) gets each of
 *                its choices once and fills its remaining slots with the
 *                choices it has trained least (ties at random): every choice
 *                is trained at least once per step and the update counts of
 *                one layer's choices never differ by more than one.
 *  proportional  NAO-V2's balanced sampling: a path drawn with probability
 *                proportional to its parameter count, from the whole space
 *                (exactly, by a mixture decomposition) or from a pool of
 *                `pool` random architectures drawn anew every iteration; each
 *                drawn path is trained for `repeat` consecutive steps.
 *
 * All randomness comes from the sampler's own stream (seed, RNG_STREAM_SAMPLER),
 * and its whole state is plain data (struct sampler_state) for checkpoints. */
#ifndef ONESHOT_SAMPLER_H
#define ONESHOT_SAMPLER_H

#include <stdint.h>

#include "err.h"
#include "rng.h"
#include "space.h"

#define SAMPLER_MAX_POOL 4096

enum sampler_kind { SAMPLER_UNIFORM, SAMPLER_FAIR, SAMPLER_PROPORTIONAL, SAMPLER_CUSTOM };

/* A sampler written elsewhere (a Lua file): next() fills paths[] (room for
 * SPACE_MAX_CHOICES valid architectures of the space) and returns how many
 * (1 .. SPACE_MAX_CHOICES), or -1 with e filled.  It must take its randomness
 * from r (the sampler's own stream, saved in checkpoints) and may read counts
 * (path-trainings per layer and choice so far), so that a resumed run draws the same
 * paths.  step counts the sampler's steps from 0. */
struct sampler_custom {
    char name[64];
    int (*next)(void *ud, int iteration, int64_t step, struct rng *r,
                const int64_t (*counts)[SPACE_MAX_CHOICES], struct arch *paths, struct err *e);
    void *ud; /* borrowed */
};

/* Everything that changes as the sampler draws (saved in checkpoints). */
struct sampler_state {
    struct rng rng;
    int64_t counts[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES]; /* path-trainings per choice */
    int repeat_left;                                     /* proportional: steps left on cur */
    struct arch cur;
    int pool_iteration;                                  /* iteration the pool belongs to (-1: none) */
    int64_t step;                                        /* sampler_next calls so far */
};

struct sampler {
    enum sampler_kind kind;
    const struct space *s; /* borrowed */
    int repeat;            /* proportional: steps per drawn path (>= 1) */
    int pool;              /* proportional: pool size (0: the whole space) */
    struct sampler_state st;
    /* proportional, derived from the space: */
    double mix[SPACE_MAX_LAYERS + 1];                     /* cumulative mixture weights */
    double layer_w[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];  /* cumulative per-layer weights */
    struct arch *pool_archs;                              /* [pool], owned */
    double *pool_cum;                                     /* [pool] cumulative weights, owned */
    struct sampler_custom custom;                         /* SAMPLER_CUSTOM */
    struct err err;                                       /* why sampler_next returned 0 */
};

/* Makes a sampler by name ("uniform", "fair", "proportional"); unknown names
 * are an error listing the known ones.  Returns 0 or -1. */
int sampler_init(struct sampler *sm, const char *name, const struct space *s, uint64_t seed,
                 int repeat, int pool, struct err *e);
/* A sampler that calls c (copied; c->ud stays borrowed).  Its paths are
 * checked: a path that is not a valid architecture of s is an error. */
void sampler_init_custom(struct sampler *sm, const struct sampler_custom *c, const struct space *s,
                         uint64_t seed);
void sampler_done(struct sampler *sm);
/* The built-in sampler names, NULL-terminated (static storage). */
const char *const *sampler_names(void);
const char *sampler_name(const struct sampler *sm);

/* Paths of one step into paths[] (room for SPACE_MAX_CHOICES); returns how
 * many.  iteration: the search iteration (proportional draws a new pool when
 * it changes).  Only a custom sampler can fail: it returns 0 and sm->err
 * says why.  Every sampler counts the choices it hands out in st.counts:
 * path-trainings, one per path through a choice.  They differ from the
 * supernet's updates (one per step that touched a choice) where a step's
 * paths share a choice: the fair sampler's layers with fewer choices than
 * paths, or any layer of a custom sampler. */
int sampler_next(struct sampler *sm, int iteration, struct arch *paths);

/* Restores a sampler made with the same arguments to a saved state; pool
 * (sm->pool architectures, or NULL when there is none) is the pool that was
 * in use, which lives outside the state.  A state whose pool is missing
 * draws a new pool at the next step.  Every field is checked against the
 * space first (counts, the current path, the pool, the random state): 0, or
 * -1 with e saying what is wrong (`the sampler's pool holds an architecture
 * that is not of space fmnist`), the sampler unchanged. */
int sampler_restore(struct sampler *sm, const struct sampler_state *st, const struct arch *pool,
                    struct err *e);

/* NAO-V2's balanced draw over an explicit list of architectures (a search
 * round's new ones, src/naosearch.h): architecture i with probability
 * params(i) / sum_j params(j), params the stand-alone network's parameter
 * count (arch_cost).  The list is copied; the randomness is the caller's
 * (a stream it names and can restart). */
struct sampler_list {
    const struct space *s; /* borrowed */
    int n;
    struct arch *archs;    /* [n] owned copies */
    double *cum;           /* [n] cumulative parameter counts (cum[n-1]: the total) */
};

/* A list over archs[0..n) (n >= 1, each a valid architecture of s).  0, or
 * -1 with e filled (an empty list, an invalid architecture, out of memory;
 * nothing to free then). */
int sampler_list_init(struct sampler_list *l, const struct space *s, const struct arch *archs,
                      int n, struct err *e);
void sampler_list_done(struct sampler_list *l);
/* The index of the next architecture drawn, from r. */
int sampler_list_next(const struct sampler_list *l, struct rng *r);
/* The probability of drawing architecture i. */
double sampler_list_prob(const struct sampler_list *l, int i);

#endif
