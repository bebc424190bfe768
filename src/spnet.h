/* spnet: the Single-Path NAS network: the stem and head of src/net.c around
 * one superkernel layer (src/superkernel.h) per searchable layer of a space,
 * with the runtime term and the loss.  It owns its weights, gradients and
 * running statistics; src/singlepath.c trains it.
 *
 * Runtime.  With the indicators i_j of each layer's decisions (0 or 1 in a
 * hard forward, without the warm-up's scaling),
 *   R = fixed + sum over layers l of i_keep * sum over (k, e, se) of
 *       p_k p_e p_se LUT[l][k, e, se],
 *   p3 = 1 - i5, p5 = i5 (1 - i7), p7 = i5 i7, p_elow = 1 - i6, p_emax = i6,
 *   p_se0 = 1 - i_se, p_se1 = i_se (where SE is searched; else the one the
 *   space has),
 * with LUT and fixed (stem, head, overhead) the milliseconds of a latency
 * table (src/latency.h) and skip costing 0.  With hard decisions R is the
 * table's latency_predict of the decoded architecture, to the bit.
 *
 * Loss.  cross-entropy (with label smoothing) + lambda * ln R (R in ms);
 * the weight decay is the optimiser's (src/singlepath.c).  The scale of
 * lambda: it multiplies ln R as it stands.  The authors' released search
 * code multiplies by 1000 inside (lambda * 1e3 * log(R)), so their "lambda
 * 0.020" is our lambda 20.
 *
 * Tensors are C x H x W x N (batch innermost), as everywhere in the engine. */
#ifndef ONESHOT_SPNET_H
#define ONESHOT_SPNET_H

#include <stdint.h>

#include "data.h"
#include "err.h"
#include "latency.h"
#include "net.h"
#include "space.h"
#include "superkernel.h"

struct spnet {
    struct space space;   /* a copy: the parts point here, so an spnet never moves */
    struct sk_space grid; /* how the space maps onto decisions */
    double lut[SPACE_MAX_LAYERS][SK_NK][SK_NE][SK_NSE]; /* ms; 0 where the grid has none */
    double fixed_ms;                                    /* stem + head + overhead */
    uint64_t lut_hash;                                  /* of fixed_ms and lut (checkpoints) */

    /* weights: stem, layers, head, then the thresholds [nlayers][SK_NDEC] */
    size_t nparams, nweights, nstats; /* all floats; before the thresholds; statistics */
    float *w, *g, *stats;
    size_t thresh_off;
    struct net ends; /* stem and head (net_bind_ends) */
    struct sk_desc desc[SPACE_MAX_LAYERS];
    struct sk_params p[SPACE_MAX_LAYERS], gp[SPACE_MAX_LAYERS];
    struct block_stats st[SPACE_MAX_LAYERS];
    struct sk_run run[SPACE_MAX_LAYERS]; /* how the next forward runs each layer (hard,
                                            sliced, scale 1 by default) */

    /* workspace for N images (spnet_reserve) */
    int N;
    float *ws;
    size_t ws_floats;
    struct sk_cache cache[SPACE_MAX_LAYERS];
    float *dA, *dB, *scratch;
    float *decide_mem; /* W_k of a read-off */

    /* the runtime of the last forward's decisions */
    double runtime_ms;
    float dR[SPACE_MAX_LAYERS][SK_NDEC]; /* d R / d indicator */
};

/* A network over s (copied) with runtimes from lat, a table of the same space
 * (the same layers and choices), weights initialised from seed as PyTorch
 * does and thresholds 0.  NULL with e filled: a space Single-Path NAS cannot
 * search (sk_space_analyse), a table of another space or without an entry
 * the grid needs, out of memory. */
struct spnet *spnet_new(const struct space *s, const struct latency_table *lat, uint64_t seed,
                        struct err *e);
void spnet_free(struct spnet *n);

/* Makes the workspace fit N images (training: with the stem's and head's
 * backward buffers).  0 or -1. */
int spnet_reserve(struct spnet *n, int N, int training, struct err *e);

/* Forward of x [in_c][h][w][N] (N == n->N): each layer's decisions under
 * n->run[l], the runtime of their indicators (n->runtime_ms, n->dR), then the
 * logits [classes][N] (owned by n).  momentum: of the running statistics in
 * training (0 leaves them). */
const float *spnet_forward(struct spnet *n, const float *x, int training, float momentum);

/* Backward after a training forward: accumulates every gradient (weights
 * and thresholds) from dlogits and from lambda * ln R. */
void spnet_backward(struct spnet *n, const float *dlogits, double lambda);

/* The parts of one batch's loss. */
struct spnet_loss {
    double ce;         /* mean cross-entropy with label smoothing */
    double runtime_ms; /* R */
    double total;      /* ce + lambda ln R */
    int correct;       /* right answers */
};

/* Gradients cleared, forward in training mode, loss, backward: the gradient
 * of ce + lambda ln R in n->g.  x [in_c][h][w][N], y [N]; dlogits scratch
 * [classes][N].  Returns the total. */
double spnet_loss(struct spnet *n, const float *x, const int *y, float *dlogits, double lambda,
                  float smoothing, float momentum, struct spnet_loss *out);

/* R of the indicators ind[l][j] (of every layer; absent decisions ignored);
 * dR (may be NULL) gets dR/d ind. */
double spnet_runtime(const struct spnet *n, const float (*ind)[SK_NDEC], float (*dR)[SK_NDEC]);

/* The read-off: the hard decisions of the weights and thresholds as they
 * stand (no warm-up scaling), what they decode to and cost. */
struct spnet_readout {
    struct arch arch;
    double runtime_ms; /* R of the hard decisions = the table's prediction of arch */
    unsigned dec[SPACE_MAX_LAYERS];            /* bit j: layer l has decision j */
    float ind[SPACE_MAX_LAYERS][SK_NDEC];      /* 0 or 1 */
    float norm[SPACE_MAX_LAYERS][SK_NDEC];     /* the norms */
    float threshold[SPACE_MAX_LAYERS][SK_NDEC];
};
void spnet_readout(struct spnet *n, struct spnet_readout *r);

/* The indicators architecture a stands for, layer by layer (sk_encode).
 * 0, or -1 with e filled for an architecture of another space. */
int spnet_encode(const struct spnet *n, const struct arch *a, float (*ind)[SK_NDEC],
                 struct err *e);

/* Accuracy and mean cross-entropy (no smoothing) of the network with its hard
 * decisions and running statistics on every image of val, in batches of
 * `batch`.  n->run is left as it was.  0 or -1. */
int spnet_evaluate(struct spnet *n, const struct split *val, int batch, double *accuracy,
                   double *loss, struct err *e);

/* BatchNorm recalibration for the hard decisions: the running statistics
 * (n->stats) become the mean of the batch statistics of the network with its
 * hard decisions over the first `images` of s (all of s when it has fewer),
 * in batches of `batch`, as the supernet's evaluation does for a path.  The
 * caller saves n->stats first if the search must go on unchanged.  0 or -1. */
int spnet_recalibrate(struct spnet *n, const struct split *s, int images, int batch,
                      struct err *e);

#endif
