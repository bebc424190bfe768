/* block: one searchable layer, the MBConv inverted residual of spaces/README.md, as a
 * forward/backward pair:
 *   expand 1x1 (cin->m) BN act -> depthwise kxk stride s BN act -> [SE] ->
 *   project 1x1 (m->cout) BN -> + input when stride 1 and cin == cout.
 * (No expand conv when e == 1.)  A block does not own memory: its weights,
 * gradients, running statistics and activation cache are views the owner
 * (a standalone model or the supernet) binds. */
#ifndef ONESHOT_BLOCK_H
#define ONESHOT_BLOCK_H

#include <stddef.h>

#include "bn.h"
#include "rng.h"
#include "se.h"
#include "space.h"

struct block_desc {
    int cin, cout, stride, h_in, w_in, h_out, w_out;
    int k, e, m, se, r; /* kernel, expansion, m = cin*e, SE on/off, SE hidden width */
    enum act act;
    int residual;
};

/* Weights (or their gradients: same layout).  Shapes in comments. */
struct block_params {
    float *w_exp;         /* [m][cin] (NULL when e == 1) */
    float *g1, *b1;       /* [m] */
    float *w_dw;          /* [m][k][k] */
    float *g2, *b2;       /* [m] */
    float *w_se1, *b_se1; /* [r][m], [r] */
    float *w_se2, *b_se2; /* [m][r], [m] */
    float *w_proj;        /* [cout][m] */
    float *g3, *b3;       /* [cout] */
};

/* Running statistics of the three BNs: mean and var, [m], [m], [cout]. */
struct block_stats {
    float *rm1, *rv1, *rm2, *rv2, *rm3, *rv3;
};

/* Activation cache of one forward (N images).  In inference the owner may make
 * x1 == a1, x2 == a2 and x3 == y (the forward then works in place). */
struct block_cache {
    float *x1, *a1;      /* [m][h_in][w_in][N]  expand conv out, after BN+act */
    float *x2, *a2;      /* [m][h_out][w_out][N] depthwise out, after BN+act */
    float *s_out;        /* [m][h_out][w_out][N] after SE (NULL without SE) */
    float *x3, *y;       /* [cout][h_out][w_out][N] project out, block output */
    float *stats;        /* 2 * (2m + cout): mean/invstd of the three BNs */
    struct se_cache se;
    struct bn_state bn1, bn2, bn3;
};

/* Describes layer l of s with the given choice (which must not be a skip). */
void block_describe(struct block_desc *b, const struct space *s, int l, int choice);

size_t block_param_floats(const struct block_desc *b);
size_t block_stat_floats(const struct block_desc *b);
void block_params_bind(struct block_params *p, float *base, const struct block_desc *b);
void block_stats_bind(struct block_stats *st, float *base, const struct block_desc *b);
/* PyTorch's default initialisation (uniform +-1/sqrt(fan_in)); BN gamma 1, beta 0;
 * running mean 0, var 1. */
void block_init(const struct block_params *p, const struct block_stats *st,
                const struct block_desc *b, struct rng *r);

/* Floats of cache for N images: per-block (owned by the block's cache) parts. */
size_t block_cache_floats(const struct block_desc *b, int N);
/* Binds a full training cache (every field distinct) in mem. */
void block_cache_bind(struct block_cache *c, float *mem, const struct block_desc *b, int N);
/* Scratch floats the backward needs (shared by all blocks). */
size_t block_scratch_floats(const struct block_desc *b, int N);

/* Forward of x [cin][h_in][w_in][N] into c->y.  training: batch statistics (and
 * running statistics updated with momentum), else running statistics. */
void block_forward(struct block_cache *c, const float *x, const struct block_params *p,
                   const struct block_stats *st, const struct block_desc *b, int N, int training,
                   float momentum);

/* Backward: dx [cin][h_in][w_in][N] written (may be NULL); g += weight gradients.
 * dy [cout][h_out][w_out][N] is read only.  scratch: block_scratch_floats. */
void block_backward(float *dx, const struct block_params *g, float *scratch, const float *dy,
                    const float *x, const struct block_cache *c, const struct block_params *p,
                    const struct block_desc *b, int N);

#endif
