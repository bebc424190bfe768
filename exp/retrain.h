/* retrain: the retraining phase of a run (retrain.epochs set): the
 * architectures its search picked, each trained stand-alone from scratch
 * for each seed (exp/standalone.h), step by step under the run's stop flag,
 * into retrained.csv of the run directory:
 *
 *   arch,seed,epochs,images,inherited_accuracy,val_accuracy,params,macs, a
 *   latency per device (the run's metric names), seconds
 *
 * a row appended whole when a training ends.  A resumed run trains what
 * retrained.csv does not hold yet (a training cut short by a stop or a kill
 * starts again from its beginning: stand-alone trainings keep no
 * checkpoint); rows of other architectures or settings are kept as they
 * are.  Which architectures, and the numbers the search had for them, are
 * the caller's (the supernet's evaluations, or Single-Path NAS's read-off).
 * Nothing here prints. */
#ifndef ONESHOT_RETRAIN_H
#define ONESHOT_RETRAIN_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "experiment.h"
#include "runner.h"

#define RETRAIN_MAX_LATENCIES (EXP_MAX_OBJECTIVES + 1)

/* An architecture to retrain, with what the search knew of it. */
struct retrain_pick {
    struct arch arch;
    double inherited;                       /* the search's accuracy of it */
    double params, macs;
    double latency[RETRAIN_MAX_LATENCIES];  /* on each device of the phase */
};

/* What the phase hears about itself, in the run's thread (each may be NULL). */
struct retrain_hooks {
    void *ud;
    void (*begin)(void *ud);                /* trainings remain: the phase begins */
    void (*step)(void *ud);                 /* after each step of a training */
    void (*retrained)(void *ud, const struct runner_retrained *rt); /* a row written */
    void (*warn)(void *ud, const char *text); /* a damaged row dropped */
};

struct retrain {
    /* borrowed, set by the caller */
    const struct runner *run;  /* for standalone_begin_with */
    const char *dir;           /* the run directory */
    const struct experiment *x;
    const struct space *space;
    const struct split *train; /* retraining's training images */
    int nlat;                  /* latency columns, named: */
    const char (*lat_name)[EXP_NAME_MAX];
    volatile sig_atomic_t *stop; /* may be NULL */
    struct retrain_hooks hooks;
    /* where the phase is */
    int done, jobs;            /* (architecture, seed) trainings done, in all */
    int64_t step, total;       /* steps of the training in progress */
    double loss;               /* of its last step */
};

/* Trains picks p[0..n), each for x->retrain.seeds seeds (seed, seed + 1,
 * ...), that retrained.csv does not hold yet.  0 when all are done (at once
 * when retrain.epochs is 0: nothing is written), 1 when stopped, -1 on
 * error (e names the training: `retraining k3e3-... with seed 3: ...`). */
int retrain_run(struct retrain *t, const struct retrain_pick *p, int n, struct err *e);

#endif
