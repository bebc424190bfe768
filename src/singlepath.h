/* singlepath: a Single-Path NAS search (src/spnet.h's network) in bounded
 * steps, so the command line, a script or the TUI can interleave, read the
 * decisions as they move, save, and resume bit for bit.
 *
 * One step: the next batch of the epoch's permutation (src/batches.h, of
 * src/train.h, the stand-alone trainer's order: the last partial batch
 * dropped), the warm-up's decision drops, spnet_loss, and one RMSProp update
 * of the weights and thresholds together.
 *
 * Recipe (the paper's, scaled to the batch):
 *  - RMSProp, decay 0.9, momentum 0.9, eps 1e-3 (src/optim.h), at
 *    lr * batch / 256 (lr 0.016), decayed by 0.97 every 2.4 epochs
 *    (staircase);
 *  - loss: cross-entropy with label smoothing 0.1 + lambda ln R (spnet.h
 *    says the scale of lambda), and weight decay 1e-5 as the gradient of
 *    1e-5 / 2 |w|^2 on every weight (BN's included, as src/optim.c's SGD
 *    does) but not on the thresholds (our design: the authors' code decays
 *    them too, which pulls every threshold towards 0, i.e. towards the
 *    largest network);
 *  - warm-up: for the first warmup_epochs (default 5/8 of the epochs)
 *    lambda is 0 and every decision's forward value is multiplied by
 *    Bernoulli(keep) / keep (keep 0.6), drawn once per step and decision
 *    from the stream (seed, RNG_STREAM_DECISIONS + 16 step), so a resumed run
 *    draws the same.
 * Batches come from (seed, epoch), drops from (seed, step): the run is a
 * pure function of its settings, and a run saved at any step and resumed
 * takes exactly the steps an uninterrupted one takes (same thread count:
 * same bytes).  Nothing here prints. */
#ifndef ONESHOT_SINGLEPATH_H
#define ONESHOT_SINGLEPATH_H

#include <stdint.h>

#include "batches.h"
#include "data.h"
#include "err.h"
#include "latency.h"
#include "optim.h"
#include "spnet.h"

struct sp_config {
    int epochs;             /* >= 1 */
    int batch;              /* >= 1 */
    double lr;              /* per 256 images [0.016]: the rate is lr * batch / 256 */
    double lr_decay;        /* factor of each decay, in (0, 1] [0.97] */
    double decay_epochs;    /* epochs between decays, > 0 [2.4] */
    double lambda;          /* of lambda ln R after the warm-up, >= 0 [20, the authors'
                               0.020: spnet.h says why] */
    double warmup_epochs;   /* in [0, epochs]; < 0: 5/8 of the epochs [-1] */
    double keep;            /* warm-up keep probability of a decision, (0, 1] [0.6] */
    double label_smoothing; /* [0.1], in [0, 1) */
    double weight_decay;    /* [1e-5], >= 0 */
    uint64_t seed;          /* weights, batches and drops [0] */
    int train_images;       /* recorded in checkpoints: a resume must match [0] */
    int calib_images;       /* BN recalibration of singlepath_evaluate on this many of the
                               training images, 0 = none [2000]; evaluation only: not in
                               checkpoints */
};

void sp_config_default(struct sp_config *c);

struct singlepath {
    struct spnet *net;         /* owned */
    const struct split *train; /* borrowed */
    struct sp_config cfg;
    struct rmsprop opt;        /* of the weights (with decay) */
    float *ms, *mom;           /* RMSProp's state [net->nparams] */
    int64_t step, total;       /* steps taken, steps in all */
    int64_t warmup_steps;      /* the first steps that are warm-up */
    int steps_per_epoch;       /* (b.steps_per_epoch) */
    struct batches b;          /* its batches (src/batches.h) */
    /* the last step: */
    struct spnet_loss loss;    /* its cross-entropy, R (soft: of the indicators), total */
    double lr, lambda;         /* its learning rate and lambda (0 in the warm-up) */
    int warm;                  /* 1: it was a warm-up step */
    int epoch;                 /* 0-based epoch it belonged to */
    double seconds;            /* wall-clock seconds it took */
};

/* Prepares a search over space s (refused unless sk_space_analyse takes it)
 * with runtimes from lat (a table of s) on training images train.  With
 * resume != NULL the weights, thresholds, optimiser state and step come from
 * that checkpoint, which must have been written by singlepath_save of a run
 * with the same settings and table (an error says which differs).
 * Otherwise a new network from cfg->seed.  0, or -1 with e filled (nothing to
 * free then). */
int singlepath_init(struct singlepath *t, const struct space *s, const struct latency_table *lat,
                    const struct split *train, const struct sp_config *cfg, const char *resume,
                    struct err *e);
void singlepath_done(struct singlepath *t);

/* A trial forked from a warm-up (Single-Path Mobile AutoML's tuning of
 * lambda): singlepath_init resuming from ckpt, except that ckpt may have been
 * saved with another lambda than cfg's, provided it stands within the
 * warm-up (its step <= warmup_steps), where lambda has not acted yet.  Every
 * other setting and the table must match, as for a resume.  The run goes on
 * with cfg->lambda, and takes, to the bit, the steps of an uninterrupted run
 * with it (same thread count).  A checkpoint past the warm-up is refused
 * (`ckpt: error: is at step 9, past the warm-up's 5 steps: its lambda (20)
 * has acted, ...`), as are the other settings a resume refuses.  0, or -1
 * with e filled (nothing to free then). */
int singlepath_fork(struct singlepath *t, const struct space *s, const struct latency_table *lat,
                    const struct split *train, const struct sp_config *cfg, const char *ckpt,
                    struct err *e);

/* One step.  Returns 1 while steps remain after it, 0 when the search is
 * complete (also when called after that: nothing is done), -1 on error. */
int singlepath_step(struct singlepath *t, struct err *e);

/* The decisions as they stand: the architecture they decode to, its
 * predicted runtime, every norm and threshold (spnet_readout). */
void singlepath_readout(struct singlepath *t, struct spnet_readout *r);

/* Accuracy and loss of the network with its hard decisions on val
 * (spnet_evaluate), its BatchNorm statistics first recalibrated for those
 * decisions on cfg.calib_images training images (spnet_recalibrate) and put
 * back after, so the search goes on as if nothing had happened.  0 or -1. */
int singlepath_evaluate(struct singlepath *t, const struct split *val, int batch,
                        double *accuracy, double *loss, struct err *e);

/* Writes the network, its optimiser state, the settings and the step to
 * path atomically (a checkpoint of kind CKPT_KIND_SINGLEPATH).  0 or -1. */
int singlepath_save(const struct singlepath *t, const char *path, struct err *e);

#endif
