/* train: stand-alone training of a model in bounded steps (so a UI or a script
 * can interleave), and evaluation.
 *
 * Recipe (spaces/README.md): SGD, Nesterov momentum, weight decay, per-step cosine
 * decay of the learning rate to 0, a fresh permutation of the training images
 * every epoch (the last partial batch dropped).  The permutation of epoch e is
 * drawn from the stream (seed, RNG_STREAM_BATCHES + e), so a run resumed at any
 * step sees the same batches: same seed and thread count, same losses. */
#ifndef ONESHOT_TRAIN_H
#define ONESHOT_TRAIN_H

#include <stdint.h>

#include "batches.h"
#include "data.h"
#include "model.h"

struct train_config {
    int epochs;
    int batch;
    float lr;
    struct sgd sgd;
    uint64_t seed;
};

/* The recipe of spaces/README.md: batch 128, lr 0.1, momentum 0.9, wd 4e-5, Nesterov. */
void train_config_default(struct train_config *c);

struct trainer {
    struct model *m;          /* borrowed */
    const struct split *data; /* borrowed */
    struct train_config cfg;
    struct batches b;         /* its batches (src/batches.h) */
    int64_t step, total;      /* steps taken, steps in all (b.total) */
    int steps_per_epoch;      /* (b.steps_per_epoch) */
    double loss;              /* of the last step */
    int correct;              /* right answers in the last step's batch */
    int64_t diverged;         /* the step (1-based) whose numbers were not finite, or 0 */
};

/* Prepares training of m on data.  Returns 0 or -1 (a split smaller than a
 * batch, out of memory). */
int trainer_init(struct trainer *t, struct model *m, const struct split *data,
                 const struct train_config *c, struct err *e);
void trainer_done(struct trainer *t);

/* The checkpoint's record of t (the step and the run's settings), for
 * model_save. */
void trainer_save_state(const struct trainer *t, struct train_state *ts);

/* Continues t, just made with trainer_init for a model loaded from path,
 * from the state model_load read there.  The run must take the same
 * batches: the same seed, epochs, batch and training images (an error
 * names the first that differs: `x.ckpt: error: was saved by a run with
 * --epochs 3, this one has 5: give the same settings`; a file of before the
 * settings were kept is checked by its step count).  With the same learning
 * rate and optimiser too, t then takes, step for step, the updates the
 * uninterrupted run would have taken (the same bytes); another learning
 * rate is allowed, and changes the run from the resume on.  0 or -1. */
int trainer_resume(struct trainer *t, const struct train_state *ts, const char *path,
                   struct err *e);

/* Takes one step (forward, backward, update).  Returns 1 while steps remain
 * after it, 0 when training is complete, -1 on error.  A step whose loss,
 * updated weights or BN statistics are not finite numbers (a learning rate
 * too high) fails with `training diverged at step S (epoch E of N): ...`;
 * t->step stays at the last good step, t->diverged records S, the model's
 * state is not to be saved, and every later call fails the same way. */
int trainer_step(struct trainer *t, struct err *e);

/* The check after a training step: 0 when loss, w[0..nw) and stats[0..ns)
 * are all finite; otherwise -1 with e saying `training diverged at step S
 * (epoch E of N): ` and what is not finite (the loss first, then the first
 * such weight or statistic), suggesting a learning rate below lr.  step and
 * epoch are 1-based. */
int train_check_finite(double loss, const float *w, size_t nw, const float *stats, size_t ns,
                       int64_t step, int epoch, int epochs, double lr, struct err *e);

/* One SGD step of m on a batch x [in_c][h][w][N], y [N] at learning rate lr;
 * dlogits is scratch [classes][N].  Returns the batch's mean loss; *correct
 * gets its right answers.  The workspace must be reserved for N, training. */
double model_train_step(struct model *m, const float *x, const int *y, float *dlogits, float lr,
                        const struct sgd *o, int *correct);

/* Runs fn over images [0, count) of s in order, in batches of at most
 * `batch` gathered and normalised for a network of space sp: fn(user, x
 * [in_c][h][w][n], y [n], n, k (the batch's index), e) returns 0 or -1,
 * which stops the sweep.  0 or -1 (nothing to sweep, out of memory, fn's
 * error). */
typedef int (*split_batch_fn)(void *user, const float *x, const int *y, int n, int k,
                              struct err *e);
int split_sweep(const struct split *s, const struct space *sp, int count, int batch,
                split_batch_fn fn, void *user, struct err *e);

/* Accuracy (and mean loss, if loss) of a bound net on every image of s, with
 * the running BN statistics, in batches of `batch`.  0 or -1. */
int net_evaluate(struct net *n, const struct split *s, int batch, double *accuracy, double *loss,
                 struct err *e);
int model_evaluate(struct model *m, const struct split *s, int batch, double *accuracy,
                   double *loss, struct err *e);

/* net_evaluate with each batch normalised by its own BN statistics
 * (training-mode BN, as NAO-V2 scores architectures): a prediction depends
 * on the other images of its batch, so the score depends on `batch`; the
 * running statistics are neither used nor changed.  0 or -1. */
int net_evaluate_batch_stats(struct net *n, const struct split *s, int batch, double *accuracy,
                             double *loss, struct err *e);

/* Re-estimates every BN running statistic of a bound net from the first
 * `images` images of s (batch statistics averaged with equal weight, like
 * PyTorch's momentum=None), as one-shot methods do before evaluating a path
 * with inherited weights.  0 or -1. */
int net_recalibrate(struct net *n, const struct split *s, int images, int batch, struct err *e);

#endif
