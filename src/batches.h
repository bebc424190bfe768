/* batches: the batches of a training run, the one way every trainer of
 * oneshot takes them (stand-alone training, src/train.h; the supernet,
 * src/supertrain.h; Single-Path NAS, src/singlepath.h).
 *
 * A run of `epochs` epochs over a split takes steps_per_epoch = n / batch
 * steps an epoch (the last partial batch dropped).  Step s is batch
 * s % steps_per_epoch of epoch s / steps_per_epoch, in the order
 * batches_epoch_order(seed, epoch) draws for that epoch from its own random
 * stream.  So the batches are a pure function of (seed, step): a run resumed
 * at any step sees exactly the batches an uninterrupted run sees, which is
 * the resume contract every trainer's checkpoint relies on. */
#ifndef ONESHOT_BATCHES_H
#define ONESHOT_BATCHES_H

#include <stdint.h>

#include "data.h"
#include "space.h"

struct batches {
  const struct split *data; /* borrowed */
  int batch, epochs;
  uint64_t seed;
  int steps_per_epoch;
  int64_t total;  /* steps in all: steps_per_epoch * epochs */
  int *perm;      /* [data->n] order of epoch perm_epoch */
  int perm_epoch; /* (-1: none yet) */
  float *x;       /* the batch: [in_c][h][w][batch], normalised */
  int *y;         /* [batch] labels */
  float *dlogits; /* [classes][batch]: the loss's gradient, for the trainer */
};

/* Prepares the batches of a run over data for networks of space s: the
 * data must fit s (dataset_check_fits) and hold at least one batch.  0, or
 * -1 with e filled (nothing to free then). */
int batches_init(struct batches *b, const struct split *data,
                 const struct space *s, int batch, int epochs, uint64_t seed,
                 struct err *e);
void batches_done(struct batches *b);

/* Gathers the batch of step `step` (0 <= step < total) into b->x and b->y.
 * Returns its 0-based epoch. */
int batches_gather(struct batches *b, int64_t step);

/* The part `part` (0 <= part < parts) of the batch of step `step`, for a
 * rank of a data-parallel run: images [part * batch / parts,
 * (part + 1) * batch / parts) of it, gathered into b->x as a batch of
 * *n images ([in_c][h][w][*n]) and b->y.  The parts together are the
 * batch.  Returns the 0-based epoch. */
int batches_gather_part(struct batches *b, int64_t step, int part, int parts,
                        int *n);

/* The order of n training images in epoch `epoch` of a run seeded `seed`. */
void batches_epoch_order(uint64_t seed, int epoch, int *perm, int n);

#endif
