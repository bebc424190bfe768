/* supertrain: training a supernet with a sampler, in bounded steps.
 *
 * One step: the next batch of the epoch's permutation, the sampler's paths,
 * one supernet_train_step at the cosine learning rate.  The learning rate
 * follows `iterations` cosine cycles over the whole run (NAO-V2 restarts the
 * schedule per search iteration; 1 is one plain cosine decay).  Batches come
 * from src/batches.h (seed, step), so the run is a pure function of its
 * settings: a run saved at any step and resumed takes exactly the steps an
 * uninterrupted run takes (same seed and thread count: same bytes).
 *
 * With cfg.dp the steps are shared out between ranks (src/dptrain.h): every
 * rank calls each function alike and holds the same supernet; the caller
 * lets rank 0 alone save.  The checkpoint of a run on N > 1 ranks (or
 * emulating N) records N and the split, and a resume must match both: the
 * shares of a step, and so the training, depend on them.
 *
 * The command line's `supernet` command and the experiment runner (`run`,
 * the TUI) both drive this.  Nothing here prints. */
#ifndef ONESHOT_SUPERTRAIN_H
#define ONESHOT_SUPERTRAIN_H

#include <stdint.h>

#include "batches.h"
#include "data.h"
#include "dptrain.h"
#include "err.h"
#include "sampler.h"
#include "supernet.h"
#include "train.h"

struct supertrain_config {
    int epochs;       /* >= 1 */
    int batch;        /* >= 1 */
    double lr;        /* peak learning rate, > 0 */
    int iterations;   /* cosine cycles, >= 1 */
    uint64_t seed;    /* weights, batches and sampler */
    int train_images; /* recorded in checkpoints: a resume must match */
    double shared_lr; /* multiplier of lr for the shared stem and head, > 0 (1: none) */
    double label_smoothing; /* of the training loss, in [0, 1) (0: none) */
    struct dp_config dp;    /* ranks sharing each step (src/dptrain.h); zero: none */
};

struct supertrain {
    struct supernet *sn;       /* owned */
    struct sampler *sm;        /* borrowed; made by the caller with the same seed */
    const struct split *train; /* borrowed */
    struct supertrain_config cfg;
    struct train_config recipe; /* momentum, weight decay, Nesterov (spaces/README.md) */
    struct batches b;           /* its batches (src/batches.h) */
    struct dp dp;               /* the step shared out (dp.ranks 1: not) */
    int64_t step, total;        /* steps taken, steps in all (b.total) */
    int steps_per_epoch;        /* (b.steps_per_epoch) */
    /* the last step: */
    double loss;                /* mean over its paths */
    double lr;                  /* its learning rate */
    int npaths;                 /* paths it trained */
    int epoch;                  /* 0-based epoch it belonged to */
    double seconds;             /* wall-clock seconds it took */
    int64_t diverged;           /* the step (1-based) whose numbers were not finite, or 0 */
};

/* Prepares a run over space s (the supernet gets a copy of it) with sampler
 * sm and training images train.  With resume != NULL the supernet, the
 * sampler state and the step come from that checkpoint, which must have been
 * written by supertrain_save of a run with the same settings and sampler (an
 * error says which setting differs).  Otherwise a new supernet is initialised
 * from cfg->seed.  0, or -1 with e filled (nothing to free then). */
int supertrain_init(struct supertrain *t, const struct space *s, struct sampler *sm,
                    const struct split *train, const struct supertrain_config *cfg,
                    const char *resume, struct err *e);
void supertrain_done(struct supertrain *t);

/* One step.  Returns 1 while steps remain after it, 0 when the run is
 * complete (also when called after that: nothing is done), -1 on error.
 * A step whose loss, updated weights or BN statistics are not finite numbers
 * fails with `training diverged at step S (epoch E of N): ...`
 * (train_check_finite); t->step stays at the last good step, t->diverged
 * records S, and from then on every step and every save fails: the state in
 * memory is lost, the last checkpoint written is the last good one. */
int supertrain_step(struct supertrain *t, struct err *e);

/* Writes the supernet, the sampler state and the step to path atomically.
 * Refuses (path untouched) after a diverged step.  0 or -1. */
int supertrain_save(const struct supertrain *t, const char *path, struct err *e);

#endif
