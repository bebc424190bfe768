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
 *
 * The phase is three steps, so that one process or a farm of them
 * (`oneshot retrain` under mpirun, ui/cmd_retrain.c) writes the very same
 * rows: retrain_plan lists the (architecture, seed) tasks retrained.csv
 * lacks, retrain_train trains one anywhere (it writes nothing; its result
 * is two numbers), retrain_append formats and appends its row where the
 * plan was made.  retrain_run is the three in one process, the run's own
 * phase.  Nothing here prints. */
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
    /* between two steps (a farm's rank 0 answers the other ranks there):
     * 0 goes on, -1 (e filled) ends the training with that error */
    int (*between)(void *ud, struct err *e);
};

/* What a training measured: with its task, all retrain_append needs (a
 * farm's ranks send it to the one that writes). */
struct retrain_result {
    double accuracy;  /* validation accuracy */
    double seconds;   /* of the whole training */
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
    const struct retrain_pick *picks; /* the architectures, npicks */
    int npicks;
    /* the plan (retrain_plan; the process that writes retrained.csv) */
    int *todo;                 /* tasks retrained.csv lacks, ntodo, in task order */
    int ntodo;
    FILE *f;                   /* retrained.csv, open to append */
    char path[EXP_PATH_MAX + 32];
    /* where the phase is */
    int done, jobs;            /* (architecture, seed) trainings done, in all */
    int64_t step, total;       /* steps of the training in progress */
    double loss;               /* of its last step */
};

/* The phase's trainings are tasks 0 .. npicks * x->retrain.seeds - 1: task
 * i * seeds + k trains picks[i] with seed x->seed + k. */
int retrain_ntasks(const struct retrain *t);

/* Recovers retrained.csv (a row cut short dropped, a damaged one with a
 * warning), opens it to append and lists the tasks it lacks into t->todo
 * (t->jobs, t->done set; hooks.begin told when some remain).  Nothing when
 * retrain.epochs is 0.  0, or -1 with e filled. */
int retrain_plan(struct retrain *t, struct err *e);

/* Trains task `task` stand-alone (any process holding the run: it writes
 * nothing), its measures into *res.  0, 1 when stopped (t->stop, nothing
 * measured), -1 on error (e names the training: `retraining k3e3-... with
 * seed 3: ...`). */
int retrain_train(struct retrain *t, int task, struct retrain_result *res, struct err *e);

/* After retrain_plan: task's row (what the search knew of its pick, and
 * res) appended whole to retrained.csv; hooks.retrained told.  0 or -1. */
int retrain_append(struct retrain *t, int task, const struct retrain_result *res,
                   struct err *e);

/* Closes what retrain_plan opened (again: a no-op). */
void retrain_close(struct retrain *t);

/* The whole phase in this process: plan, then each task retrained.csv
 * lacks trained and appended in order (picks in order, each for seed,
 * seed + 1, ...), then closed.  0 when all are done (at once when
 * retrain.epochs is 0: nothing is written), 1 when stopped, -1 on error. */
int retrain_run(struct retrain *t, struct err *e);

#endif
