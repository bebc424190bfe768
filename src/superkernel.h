/* superkernel: one searchable layer of Single-Path NAS (Stamoulis et al.,
 * "Single-Path NAS: Designing Hardware-Efficient ConvNets in less than 4
 * Hours", 2019) as a forward/backward pair.
 *
 * The layer is the MBConv of src/block.c at its largest: expansion e_max
 * (M = cin * e_max channels), one depthwise 7x7 "superkernel" W [M][7][7],
 * and squeeze-and-excitation when the space has it.  Every choice of the
 * layer is a part of it, and learned thresholds t on the norms of those parts
 * decide, by gradient descent with the weights, which one the layer keeps.
 *
 * Masks: C3 the centre 3x3 of the 7x7, R5 the centre 5x5 less C3, R7 the 7x7
 * less the centre 5x5; G_lo the channels [0, M/2) (the e_max/2 half), G_hi
 * [M/2, M).  Norms are plain L2 (Frobenius) norms, not squared.  The
 * indicator g(x) is 1[x >= 0] forward with the sigmoid's slope backward
 * (straight-through: stopgrad(step - sigmoid) + sigmoid).  The decisions are
 * nested:
 *   d5 = g(||W*R5|| - t5),  d7 = g(||W*R7|| - t7),
 *   W_k = W*C3 + d5 (W*R5 + d7 W*R7)            (the effective kernel),
 *   d6 = g(||W_k*G_hi|| - t6),
 *   d_keep = g(||W_k*G_lo|| - t_keep)           (only where skip is allowed),
 *   d_se = g(||W_se1|| - t_se)                  (only where SE is searched).
 * Thresholds start at 0, so the search starts from the largest layer.
 *
 * Where a decision acts.  Our design, which differs from the authors'
 * released code (which masks the depthwise kernel for all three: kernel
 * size, expansion and skip): the kernel size masks the kernel (as theirs);
 * the expansion masks the G_hi channels *after* the depthwise BN and
 * activation; skip gates the residual branch,
 * y = x + d_keep F(x); SE gives x * (1 + d_se (hsig(z) - 1)).  Masking the
 * kernel's channels would leave BN a channel of zeros (zero variance: its
 * output is beta, not zero) and a skipped layer would still add BN3's beta,
 * so with the kernel masked alone "every decision off" is not the k3e_lo
 * layer.  With ours it is: in training and evaluation, the layer with every
 * decision off computes the k3 e_max/2 block of src/block.c on the
 * corresponding weights (the G_lo rows of the expand conv, the centre 3x3 of
 * W's G_lo channels, the G_lo columns of the project conv; equal up to the
 * rounding of the 1x1 convolutions' longer sums of zeros), or exactly the
 * identity when skip is off too.
 *
 * The backward computes the full 7x7 weight gradient even where the forward
 * ran a smaller slice of the kernel (d5 or d7 off): d5 and d7 get their
 * gradient from the rings' inner product with dL/dW_k, so a switched-off
 * ring can come back on.
 *
 * Warm-up (Single-Path NAS's "dropout" of decisions): the forward value of
 * each decision may be multiplied by a factor the caller draws
 * (Bernoulli(keep) / keep); the backward takes the same factor.
 *
 * A layer owns no memory: its weights, gradients, statistics and cache are
 * views its owner (src/spnet.c) binds, as for src/block.c. */
#ifndef ONESHOT_SUPERKERNEL_H
#define ONESHOT_SUPERKERNEL_H

#include <stddef.h>

#include "block.h"
#include "err.h"
#include "rng.h"
#include "space.h"

#define SK_K 7 /* the superkernel's size */

/* The decisions of a layer, in the order they are computed. */
enum sk_decision { SK_D5, SK_D7, SK_D6, SK_DSE, SK_DKEEP, SK_NDEC };

/* Kernel sizes and expansion halves of the grid, as indices. */
enum { SK_NK = 3, SK_NE = 2, SK_NSE = 2 };

/* How a space maps onto the decisions (sk_space_analyse). */
struct sk_space {
    int e_max;                          /* the larger expansion; the smaller is e_max / 2 */
    int se;                             /* 0: no choice has SE; 1: searched (d_se); 2: every
                                           choice has SE */
    enum act act;                       /* of every choice */
    int choice[SK_NK][SK_NE][SK_NSE];   /* choice of (k 3/5/7, e low/high, SE off/on); -1
                                           where the grid has none (SE off or on only) */
    int skip;                           /* the skip choice, or -1 */
    unsigned dec[SPACE_MAX_LAYERS];     /* bit j: layer l has decision j */
};

/* Checks that Single-Path NAS can search s and fills g.  A space it can: the
 * choices other than skip are the product of the kernels {3, 5, 7}, two
 * expansions e_max/2 and e_max (e_max/2 >= 2, so both have an expand conv),
 * and SE off, on or both, with one activation; every layer allows the whole
 * grid; skip, where a layer allows it.  Anything else is refused with an
 * error naming the space and why (`tiny: error: Single-Path NAS cannot
 * search this space: its choices are not a product of kernels and
 * expansions (kernel and expansion are coupled: k3e2, k5e4, k7e6)`).
 * 0 or -1. */
int sk_space_analyse(struct sk_space *g, const struct space *s, struct err *e);

/* The choice of layer l that hard indicators ind (>= 0.5: on) stand for:
 * skip if d_keep is off, else k 3 (d5 off), 5 (d5 on, d7 off) or 7, the
 * expansion e_max (d6 on) or e_max/2, SE by d_se (or as the space has it).
 * Decisions a layer does not have are ignored. */
int sk_decode(const struct sk_space *g, int l, const float ind[SK_NDEC]);
/* The indicators that choice c stands for at layer l (the inverse of
 * sk_decode; d7 is 0 for a kernel of 3, absent decisions 1).  0, or -1 for a
 * choice not allowed at l. */
int sk_encode(const struct sk_space *g, int l, int c, float ind[SK_NDEC]);

/* The layer: its largest block and which decisions it has. */
struct sk_desc {
    struct block_desc b; /* k 7, e e_max, m = M, SE if the space has it */
    int half;            /* M / 2: channels of G_lo */
    unsigned dec;        /* bit j: decision j is searched here */
};

void sk_describe(struct sk_desc *d, const struct space *s, const struct sk_space *g, int l);

/* Weights: the block's (block_params, w_dw [M][7][7]) and SK_NDEC thresholds
 * (the ones of absent decisions stay 0 and get no gradient).  Running
 * statistics are the block's (block_stats). */
struct sk_params {
    struct block_params p;
    float *t; /* [SK_NDEC] */
};

/* sk_params_bind binds the block's weights at base (block_param_floats) and
 * the thresholds at t. */
void sk_params_bind(struct sk_params *p, float *base, float *t, const struct sk_desc *d);
/* The block's initialisation (block_init); thresholds 0. */
void sk_init(const struct sk_params *p, const struct block_stats *st, const struct sk_desc *d,
             struct rng *r);

/* How a forward runs. */
struct sk_run {
    int soft;               /* 1: the indicator is the sigmoid forward too (a test mode
                               whose loss is differentiable, for finite differences) */
    int full;               /* 1: always convolve with the whole 7x7 (else a hard
                               forward runs the 3x3 or 5x5 slice when d5 or d7 is off) */
    float scale[SK_NDEC];   /* multiplier of each decision's forward value (1; warm-up:
                               0 or 1/keep) */
};

/* sk_run with soft 0, full 0, every scale 1. */
void sk_run_default(struct sk_run *r);

/* One forward's decisions. */
struct sk_decisions {
    float norm[SK_NDEC];  /* the norm each decision reads */
    float ind[SK_NDEC];   /* g(norm - t): 0 or 1 (soft: the sigmoid); 1 where absent */
    float slope[SK_NDEC]; /* sigmoid'(norm - t); 0 where absent */
    float scale[SK_NDEC]; /* the run's multiplier; 1 where absent */
    float v[SK_NDEC];     /* the forward's value: scale * ind */
};

/* Activation cache of one forward (N images). */
struct sk_cache {
    struct block_cache c; /* x1, a1, x2, a2, s_out (SE's x * hsig), x3, y = F before the
                             residual gate, stats, se, bn */
    float *weff;          /* [M][7][7] W_k */
    float *wrun;          /* [M][k][k] the slice the forward ran (k < 7) */
    float *a2m;           /* [M][P] a2 with G_hi times v6 */
    float *mix;           /* [M][P] SE's gated output (searched SE only, else NULL) */
    float *out;           /* [cout][P] the layer's output (== c.y without residual) */
    struct sk_decisions dec;
    int k_run;            /* kernel size of the forward: 3, 5 or 7 */
};

size_t sk_param_floats(const struct sk_desc *d); /* block_param_floats: without thresholds */
size_t sk_cache_floats(const struct sk_desc *d, int N);
void sk_cache_bind(struct sk_cache *c, float *mem, const struct sk_desc *d, int N);
size_t sk_scratch_floats(const struct sk_desc *d, int N);

/* The decisions of the layer with weights p under run r, and W_k, into
 * c->dec and c->weff.  Cheap (norms of the kernel); sk_forward needs it
 * first. */
void sk_decide(struct sk_cache *c, const struct sk_params *p, const struct sk_desc *d,
               const struct sk_run *r);

/* Forward of x [cin][h_in][w_in][N] into c->out with the decisions of the
 * last sk_decide.  training: batch statistics (running ones updated with
 * momentum), else running statistics. */
void sk_forward(struct sk_cache *c, const float *x, const struct sk_params *p,
                const struct block_stats *st, const struct sk_desc *d, int N, int training,
                float momentum);

/* Backward after a training forward: dx [cin][h_in][w_in][N] written (may be
 * NULL); g += the gradients of every weight and threshold.  dy is read only.
 * gind (may be NULL): a further dL/d(indicator) per decision, from a loss on
 * the indicators themselves (the runtime term).  gx (may be NULL) gets
 * dL/d(norm_j - t_j), the gradient reaching each norm through its decision
 * (the threshold's is its negative).  scratch: sk_scratch_floats. */
void sk_backward(float *dx, const struct sk_params *g, float *scratch, const float *dy,
                 const float *x, const struct sk_cache *c, const struct sk_params *p,
                 const struct sk_desc *d, int N, const float *gind, float *gx);

#endif
