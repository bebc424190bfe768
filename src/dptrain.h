/* dptrain: one supernet step shared out between ranks (data parallelism).
 *
 * Every rank holds the whole supernet and draws the same paths (the sampler
 * is seeded alike on every rank), and the ranks' parts of the step are
 * added up in one flat buffer: the gradients of the stem, of the step's
 * touched choices (layer by layer, choice by choice) and of the head, then
 * the BatchNorm running statistics of the same parts, then the loss.  After
 * the sum every rank takes the same optimiser step (supernet_update) from
 * the same numbers, so the ranks' supernets stay equal, statistics included:
 * they are averaged every step, not only before evaluations and saves.
 *
 * Two ways to share a step out:
 *  - data (DP_SPLIT_DATA): rank r takes images [r*B/N, (r+1)*B/N) of the
 *    batch (batches_gather_part) through all the step's paths; its part is
 *    weighted by its share of the batch, so the sum is the gradient of the
 *    mean loss over the batch (BatchNorm's batch statistics are each rank's
 *    own, as in any data-parallel training without synchronised BN);
 *  - paths (DP_SPLIT_PATHS): every rank takes the whole batch and path k of
 *    the step goes to rank k mod N; the sum is the serial step's sum over
 *    paths (FairNAS's accumulate, then step).  The running statistics of a
 *    part that several ranks' paths go through (the stem and the head) are
 *    rebuilt as the serial order of momentum updates would leave them: the
 *    first path's rank starts from the old values, the others from zero,
 *    and each rank decays the part by (1 - momentum) for every path through
 *    it that another rank runs.  A part only one rank's paths touch (a fair
 *    step's choice) comes back exactly as the serial step leaves it.
 *
 * The sum is par_sum (MPI_Allreduce, fast; its order of additions is MPI's)
 * or, in the deterministic mode, par_sum_ordered (rank 0 first, in double),
 * so two runs on the same number of ranks are bit-identical.  Without MPI a
 * process may emulate N ranks (emulate = N): it computes each rank's part in
 * turn and adds them in par_sum_ordered's order, so it ends bit-identical
 * to a deterministic run on N ranks (the same thread count assumed). */
#ifndef ONESHOT_DPTRAIN_H
#define ONESHOT_DPTRAIN_H

#include <stddef.h>

#include "batches.h"
#include "err.h"
#include "optim.h"
#include "par.h"
#include "supernet.h"

enum dp_split { DP_SPLIT_DATA, DP_SPLIT_PATHS };

struct dp_config {
    struct par *par;     /* borrowed; NULL (or one rank): no communication */
    int emulate;         /* without ranks: compute as this many would (0 or 1: plainly) */
    enum dp_split split; /* how a step is shared out */
    int deterministic;   /* par_sum_ordered instead of par_sum */
};

/* "data" or "paths"; dp_split_parse is 0 or -1 for an unknown name. */
const char *dp_split_name(enum dp_split s);
int dp_split_parse(const char *name, enum dp_split *s);

struct dp {
    struct dp_config cfg;
    int ranks, rank; /* the step's ranks (MPI's or emulated) and this one (0 emulating) */
    size_t cap;      /* floats of the largest flat buffer of one rank */
    float *buf;      /* [ranks * cap] emulating, else [cap]: the flat buffers */
    float *scratch;  /* [ranks * cap] par_sum_ordered's, under MPI */
    float *pre;      /* [cap] the statistics before the step, emulating */
    size_t floats;   /* floats summed in the last step (per rank) */
    double sum_seconds; /* spent in the last step's sum */
};

/* The number of ranks a configuration computes as (1: a plain serial step). */
int dp_ranks(const struct dp_config *cfg);

/* Prepares the buffers for steps of supernets shaped like sn.  Emulating
 * under more than one MPI rank is an error.  0 or -1 (nothing to free). */
int dp_init(struct dp *d, const struct dp_config *cfg, const struct supernet *sn, struct err *e);
void dp_done(struct dp *d);

/* One optimiser step of sn over paths[0..npaths) on the batch of step `step`
 * of b, at learning rate lr (stem and head at lr * shared_lr), with label
 * smoothing `smoothing` and the optimiser o.  Every rank calls it with the
 * same arguments.  *loss gets the mean loss over the paths and the batch,
 * *epoch the step's 0-based epoch.  With one rank it is
 * supernet_train_step on the whole batch.  0, or -1 with e filled (under
 * MPI a failed sum usually ends the job). */
int dp_train_step(struct dp *d, struct supernet *sn, const struct arch *paths, int npaths,
                  struct batches *b, int64_t step, float lr, float shared_lr, float smoothing,
                  const struct sgd *o, double *loss, int *epoch, struct err *e);

/* The flat buffer of a step that touched t (without the loss): what
 * dp_flatten writes.  which: DP_GRADS, DP_STATS or both. */
enum { DP_GRADS = 1, DP_STATS = 2 };
size_t dp_floats(const struct supernet *sn, const struct supernet_touched *t, int which);

/* Copies the gradients and/or statistics of the stem, t's choices and the
 * head into buf (dp_floats of them), each multiplied by scale (1: copied
 * bit for bit); dp_unflatten copies them back.  Return the floats done. */
size_t dp_flatten(const struct supernet *sn, const struct supernet_touched *t, int which,
                  float scale, float *buf);
size_t dp_unflatten(struct supernet *sn, const struct supernet_touched *t, int which,
                    const float *buf);

#endif
