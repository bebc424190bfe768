/* standalone: an architecture of a run trained on its own, on the run's
 * data, in bounded steps (the TUI's 't' runs it in a thread of its own, the
 * run's retraining phase one after the other): the supernet's estimate
 * checked against stand-alone training.  The TUI's result is appended to
 * RUN_DIR/standalone.csv: arch,epochs,val_accuracy,seconds. */
#ifndef ONESHOT_STANDALONE_H
#define ONESHOT_STANDALONE_H

#include <stdint.h>

#include "model.h"
#include "train.h"

struct runner;

struct standalone {
    char dir[1024];        /* the run directory */
    struct arch arch;
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    const struct split *val; /* borrowed from the run */
    struct model *m;       /* owned */
    struct trainer t;
    int started;           /* t is initialised */
    double t0;             /* when it started (ctx_seconds) */
    double accuracy;       /* validation accuracy, once finished */
    double seconds;        /* of the whole training, once finished */
};

/* Prepares the training of a (a valid architecture of the run's space) for
 * `epochs` epochs of the run's training images, its batch (experiment_batch:
 * the method's), seeded with the run's seed.  The run must stay open while sa lives.  0 or -1. */
int standalone_begin(struct standalone *sa, const struct runner *r, const struct arch *a,
                     int epochs, struct err *e);

/* standalone_begin with another seed and other training images (train:
 * borrowed, a split of the run's data set that does not overlap its
 * validation images). */
int standalone_begin_with(struct standalone *sa, const struct runner *r, const struct arch *a,
                          int epochs, uint64_t seed, const struct split *train, struct err *e);

/* One step: 1 while steps remain, 0 when trained, -1 on error.  sa->t.step,
 * .total and .loss say where it is. */
int standalone_step(struct standalone *sa, struct err *e);

/* After the last step: the validation accuracy and the seconds of the
 * whole training, into sa->accuracy and sa->seconds.  0 or -1. */
int standalone_evaluate(struct standalone *sa, struct err *e);

/* standalone_evaluate, and the row appended to standalone.csv.  0 or -1 (the
 * accuracy is kept even when the file cannot be written). */
int standalone_finish(struct standalone *sa, struct err *e);

void standalone_end(struct standalone *sa);

#endif
