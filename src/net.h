/* net: a runnable network (stem, a chain of searchable blocks, head) over
 * borrowed weights, with its own activation workspace.
 *
 * A standalone model owns the weights of one architecture and binds a net to
 * them; the supernet owns the weights of every choice and binds a net to the
 * blocks of the path it trains.  The net does the passes:
 *   stem: conv kxk stride s (no bias) BN act; blocks; head: conv 1x1 BN act,
 *   global average pool, fully connected (bias) -> logits [classes][N].
 * Tensors are C x H x W x N (batch innermost). */
#ifndef ONESHOT_NET_H
#define ONESHOT_NET_H

#include <stddef.h>

#include "block.h"
#include "conv.h"
#include "err.h"
#include "rng.h"
#include "space.h"

/* Where one part's weights, gradients and running statistics live (borrowed).
 * g may be NULL for a net that only runs forward. */
struct wslot {
    float *w, *g, *stats;
};

struct net_stem {
    float *w, *gamma, *beta; /* [stem_c][in_c][k][k], [stem_c], [stem_c] */
};
struct net_head {
    float *w, *gamma, *beta; /* [head_c][cin], [head_c], [head_c] */
    float *fc_w, *fc_b;      /* [classes][head_c], [classes] */
};

struct net {
    const struct space *s; /* borrowed */
    struct arch arch;
    int nblocks;                              /* searchable layers that are not skipped */
    int layer[SPACE_MAX_LAYERS];              /* the space layer of each block */
    struct block_desc desc[SPACE_MAX_LAYERS];
    struct block_params p[SPACE_MAX_LAYERS], g[SPACE_MAX_LAYERS];
    struct block_stats st[SPACE_MAX_LAYERS];
    struct net_stem stem, stem_g;
    float *stem_stats;                        /* running mean, var [stem_c] each */
    struct net_head head, head_g;
    float *head_stats;                        /* running mean, var [head_c] each */
    int last_c, last_h, last_w;               /* shape entering the head */

    /* workspace for N images (net_reserve) */
    int N, training;
    float *ws;
    size_t ws_floats;
    struct conv_dims stem_dims;
    float *col, *x0, *a0;                     /* stem: im2col, conv out, output */
    float *stem_batch;                        /* mean, invstd [stem_c] */
    struct block_cache cache[SPACE_MAX_LAYERS];
    float *xh, *ah;                           /* head conv out, after BN+act [head_c][P][N] */
    float *head_batch;                        /* mean, invstd [head_c] */
    float *pooled, *logits;                   /* [head_c][N], [classes][N] */
    float *dA, *dB, *scratch, *dh, *dpooled;  /* backward (training workspace only) */
};

/* Float counts of the fixed parts (weights / running statistics). */
size_t net_stem_param_floats(const struct space *s);
size_t net_stem_stat_floats(const struct space *s);
size_t net_head_param_floats(const struct space *s);
size_t net_head_stat_floats(const struct space *s);
/* 0 for a skip. */
size_t net_layer_param_floats(const struct space *s, int l, int choice);
size_t net_layer_stat_floats(const struct space *s, int l, int choice);

/* Binds n to the weights of architecture a of s: stem, layers[l] for each layer
 * (ignored where a skips), head.  No workspace yet.  s is borrowed. */
void net_bind(struct net *n, const struct space *s, const struct arch *a, struct wslot stem,
              const struct wslot *layers, struct wslot head);

/* Binds n to the stem and head alone, for an owner that runs layers of its
 * own between them (src/spnet.c): no blocks; the head takes the output shape
 * of the space's last searchable layer.  Then net_reserve, and the passes
 * below, with the stem's output a0 and the head's input in between. */
void net_bind_ends(struct net *n, const struct space *s, struct wslot stem, struct wslot head);

/* Initialises every bound weight (PyTorch's defaults) and running statistic. */
void net_init_weights(struct net *n, struct rng *r);
/* The same for a stem or head laid out at w (net_*_param_floats) and stats. */
void net_init_stem(const struct space *s, float *w, float *stats, struct rng *r);
void net_init_head(const struct space *s, float *w, float *stats, struct rng *r);

/* Makes the workspace fit N images; training adds the caches and buffers of
 * the backward.  Keeps the allocation when it is large enough.  0 or -1 (ENOMEM). */
int net_reserve(struct net *n, int N, int training, struct err *e);

/* Frees the workspace (not the weights). */
void net_done(struct net *n);

/* Forward of x [in_c][in_h][in_w][N] (N == n->N); returns the logits
 * [classes][N] (owned by n).  training needs a training workspace; momentum is
 * the running statistics' update rate (0 leaves them alone). */
const float *net_forward(struct net *n, const float *x, int training, float momentum);

/* Backward after a training forward of x: accumulates every weight gradient
 * from dlogits [classes][N]. */
void net_backward(struct net *n, const float *x, const float *dlogits);

/* The parts of net_forward and net_backward, for net_bind_ends's owners.
 * net_stem_forward returns the stem's output a0 [stem_c][h][w][N] (owned by
 * n); net_head_forward takes h [last_c][last_h][last_w][N] and returns the
 * logits.  net_head_backward (after a training forward) accumulates the
 * head's gradients and writes the gradient at its input h into dh;
 * net_stem_backward accumulates the stem's from da0 (overwritten). */
const float *net_stem_forward(struct net *n, const float *x, int training, float momentum);
const float *net_head_forward(struct net *n, const float *h, int training, float momentum);
void net_head_backward(struct net *n, float *dh, const float *h, const float *dlogits);
void net_stem_backward(struct net *n, float *da0);

#endif
