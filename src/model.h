/* model: one architecture trained stand-alone.  Owns its weights, gradients,
 * momentum and running statistics (each one allocation) and a net bound to
 * them.  Saves and loads them as a checkpoint (ckpt.h). */
#ifndef ONESHOT_MODEL_H
#define ONESHOT_MODEL_H

#include <stdint.h>

#include "err.h"
#include "net.h"
#include "optim.h"
#include "space.h"

struct model {
    struct space space; /* a copy: the net points here, so a model never moves */
    struct arch arch;
    size_t nparams, nstats;
    float *w, *g, *mom; /* [nparams] each: weights, gradients, momentum */
    float *stats;       /* [nstats] BN running statistics */
    struct net net;
};

/* A model of architecture a of space s with weights initialised from seed.
 * Returns NULL on out-of-memory (e says so). */
struct model *model_new(const struct space *s, const struct arch *a, uint64_t seed,
                        struct err *e);
void model_free(struct model *m);

/* Clears the gradients. */
void model_zero_grad(struct model *m);

/* Where a stand-alone training run stands, as its checkpoint carries it
 * next to the weights: the step and the settings a resume must share
 * (trainer_save_state and trainer_resume in src/train.h).  The batches need
 * no random state: they are a function of (seed, step), src/batches.h.
 * Files of before the settings were kept have zeros there. */
struct train_state {
    int64_t step;       /* steps taken */
    int64_t total;      /* steps of the whole schedule */
    uint64_t seed;
    int32_t epochs, batch, train_images;
    float momentum;
    double lr;
    float weight_decay;
    int32_t nesterov;
};

/* Saves weights, running statistics, momentum, the architecture and ts
 * atomically to path. 0 or -1. */
int model_save(const struct model *m, const struct train_state *ts, const char *path,
               struct err *e);
/* Loads a checkpoint of path into a new model of space s.  The architecture
 * comes from the file; ts (may be NULL) gets the optimiser state.  Refuses a
 * file for another space, of the wrong size or whose step is not one of its
 * run (0 to total) with a message naming path. */
struct model *model_load(const struct space *s, const char *path, struct train_state *ts,
                         struct err *e);

#endif
