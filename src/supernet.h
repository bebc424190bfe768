/* supernet: the weight-sharing one-shot model over a whole space.
 *
 * Every choice of every searchable layer owns its weights (and BN statistics);
 * stem and head are shared.  A path (an architecture) binds a net to the
 * blocks it picks, so a training step or an evaluation of a path costs
 * exactly that architecture's compute; unpicked choices cost nothing.
 *
 * A training step takes one or more paths (FairNAS: one per choice), adds up
 * their gradients, and updates every weight that any of them touched once
 * (shared stem and head get the *sum* of the paths' gradients, as FairNAS's
 * reference does by calling backward per path before one optimiser step; the
 * same rule holds for every sampler, so baselines compare fairly).  Weights of
 * choices no path touched are left alone: no decay, no momentum. */
#ifndef ONESHOT_SUPERNET_H
#define ONESHOT_SUPERNET_H

#include <stdint.h>

#include "data.h"
#include "err.h"
#include "net.h"
#include "optim.h"
#include "space.h"

#define SUPERNET_MAX_PATHS SPACE_MAX_CHOICES

struct supernet {
    struct space space; /* a copy; the net points here, so a supernet never moves */
    size_t nparams, nstats;
    float *w, *g, *mom; /* [nparams] each */
    float *stats;       /* [nstats] BN running statistics */
    size_t stem_off, head_off, stem_soff, head_soff;     /* offsets in w and stats */
    size_t off[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];      /* weights of (layer, choice) */
    size_t soff[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];     /* statistics of (layer, choice) */
    int64_t updates[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES]; /* weight updates per choice */
    int64_t steps;                                        /* optimiser steps taken */
    struct net net;                                       /* bound to the current path */
};

/* A supernet over s (copied) with PyTorch-default initial weights from seed.
 * NULL on out-of-memory (e says so). */
struct supernet *supernet_new(const struct space *s, uint64_t seed, struct err *e);
void supernet_free(struct supernet *sn);

/* Binds the net to path a (a valid architecture of the space). */
void supernet_bind(struct supernet *sn, const struct arch *a);

/* One optimiser step on a batch x [in_c][h][w][N], y [N] over paths[0..npaths):
 * each path's forward/backward adds its gradient (cross-entropy with label
 * smoothing `smoothing`, 0 for none), then every touched weight is updated
 * once at lr and the update counts of the touched choices grow by one.  The
 * shared stem and head, which get the sum of all paths' gradients, are
 * updated at lr * shared_lr (1: the same rate).  dlogits: scratch
 * [classes][N].  Returns the mean loss over the paths; *correct (may be NULL)
 * gets the right answers summed over paths.  0 loss on error. */
double supernet_train_step(struct supernet *sn, const struct arch *paths, int npaths,
                           const float *x, const int *y, int N, float *dlogits, float lr,
                           float shared_lr, float smoothing, const struct sgd *o, int *correct,
                           struct err *e);

/* The parts of supernet_train_step, for a step whose paths or images are
 * shared out between ranks (src/dptrain.h); supernet_train_step is
 * touch, clear, one supernet_path_step per path, update. */

/* Which choices a step's paths go through (stem and head: always). */
struct supernet_touched {
    unsigned char on[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];
};
void supernet_touch(const struct supernet *sn, const struct arch *paths, int npaths,
                    struct supernet_touched *t);

/* Zeroes the gradients of the stem, the head and the touched choices. */
void supernet_clear_grads(struct supernet *sn, const struct supernet_touched *t);

/* Forward and backward of path a on x [in_c][h][w][N], y [N]: adds its
 * gradient to sn->g and moves the BN running statistics of its parts.
 * Returns the loss (mean over the N images); *correct (may be NULL) grows by
 * the right answers.  On error e is filled and 0 returned (callers clear
 * e->msg first and test it). */
double supernet_path_step(struct supernet *sn, const struct arch *a, const float *x, const int *y,
                          int N, float *dlogits, float smoothing, int *correct, struct err *e);

/* The one optimiser step over the gradients in sn->g: stem and head at
 * lr * shared_lr, every touched choice at lr (its update count grows). */
void supernet_update(struct supernet *sn, const struct supernet_touched *t, float lr,
                     float shared_lr, const struct sgd *o);

/* Evaluation options of a path with inherited weights. */
struct supernet_eval {
    int calib_images; /* BN recalibration on this many training images (0: none) */
    int batch;        /* batch of recalibration and evaluation */
};

/* How path a does on val with the supernet's inherited weights, before and
 * after BN recalibration (after = before when calib_images is 0). */
struct supernet_score {
    double acc_before, acc_after;   /* accuracy */
    double loss_before, loss_after; /* mean cross-entropy (no smoothing) */
};

/* Scores path a on val with the supernet's weights, recalibrating BN on the
 * first calib_images of calib.  The supernet's stored statistics are
 * restored afterwards, so evaluations do not change each other.  0 or -1. */
int supernet_evaluate(struct supernet *sn, const struct arch *a, const struct split *val,
                      const struct split *calib, const struct supernet_eval *opt,
                      struct supernet_score *out, struct err *e);

/* Checkpoint: weights, statistics, momentum, update counts and steps, plus an
 * opaque `extra` blob the caller owns (sampler and schedule state).
 * supernet_load makes a new supernet of space s from path; *extra (malloc'd,
 * caller frees) and *extra_size get the blob.  Refuses a file of another space. */
int supernet_save(const struct supernet *sn, const void *extra, size_t extra_size,
                  const char *path, struct err *e);
struct supernet *supernet_load(const struct space *s, const char *path, void **extra,
                               size_t *extra_size, struct err *e);

#endif
