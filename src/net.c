#include "net.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bn.h"
#include "fc.h"
#include "init.h"
#include "pool.h"

size_t net_stem_param_floats(const struct space *s)
{
    return (size_t)s->stem_c * s->in_c * s->stem_k * s->stem_k + 2 * (size_t)s->stem_c;
}
size_t net_stem_stat_floats(const struct space *s) { return 2 * (size_t)s->stem_c; }

size_t net_head_param_floats(const struct space *s)
{
    struct layer_shape last = space_layer_shape(s, s->nlayers - 1);
    return (size_t)s->head_c * last.cout + 2 * (size_t)s->head_c +
           (size_t)s->classes * s->head_c + (size_t)s->classes;
}
size_t net_head_stat_floats(const struct space *s) { return 2 * (size_t)s->head_c; }

size_t net_layer_param_floats(const struct space *s, int l, int choice)
{
    if (s->choices[choice].skip)
        return 0;
    struct block_desc b;
    block_describe(&b, s, l, choice);
    return block_param_floats(&b);
}

size_t net_layer_stat_floats(const struct space *s, int l, int choice)
{
    if (s->choices[choice].skip)
        return 0;
    struct block_desc b;
    block_describe(&b, s, l, choice);
    return block_stat_floats(&b);
}

static void bind_stem(struct net_stem *st, float *base, const struct space *s)
{
    if (!base) {
        memset(st, 0, sizeof *st);
        return;
    }
    st->w = base;
    st->gamma = base + (size_t)s->stem_c * s->in_c * s->stem_k * s->stem_k;
    st->beta = st->gamma + s->stem_c;
}

static void bind_head(struct net_head *h, float *base, const struct space *s, int cin)
{
    if (!base) {
        memset(h, 0, sizeof *h);
        return;
    }
    h->w = base;
    h->gamma = base + (size_t)s->head_c * cin;
    h->beta = h->gamma + s->head_c;
    h->fc_w = h->beta + s->head_c;
    h->fc_b = h->fc_w + (size_t)s->classes * s->head_c;
}

void net_bind(struct net *n, const struct space *s, const struct arch *a, struct wslot stem,
              const struct wslot *layers, struct wslot head)
{
    float *ws = n->ws;
    size_t cap = n->ws_floats;
    memset(n, 0, sizeof *n);
    n->ws = ws; /* a rebind keeps the workspace allocation */
    n->ws_floats = cap;
    n->s = s;
    n->arch = *a;
    bind_stem(&n->stem, stem.w, s);
    bind_stem(&n->stem_g, stem.g, s);
    n->stem_stats = stem.stats;
    n->last_c = s->stem_c;
    n->last_h = space_out_size(s->in_h, s->stem_k, s->stem_stride);
    n->last_w = space_out_size(s->in_w, s->stem_k, s->stem_stride);
    for (int l = 0; l < a->n; l++) {
        int c = a->choice[l];
        if (s->choices[c].skip)
            continue;
        int i = n->nblocks++;
        n->layer[i] = l;
        block_describe(&n->desc[i], s, l, c);
        block_params_bind(&n->p[i], layers[l].w, &n->desc[i]);
        if (layers[l].g)
            block_params_bind(&n->g[i], layers[l].g, &n->desc[i]);
        block_stats_bind(&n->st[i], layers[l].stats, &n->desc[i]);
        n->last_c = n->desc[i].cout;
        n->last_h = n->desc[i].h_out;
        n->last_w = n->desc[i].w_out;
    }
    bind_head(&n->head, head.w, s, n->last_c);
    bind_head(&n->head_g, head.g, s, n->last_c);
    n->head_stats = head.stats;
}

void net_init_stem(const struct space *s, float *w, float *stats, struct rng *r)
{
    struct net_stem st;
    int kk = s->stem_k * s->stem_k;
    bind_stem(&st, w, s);
    init_uniform(st.w, (size_t)s->stem_c * s->in_c * kk, s->in_c * kk, r);
    init_const(st.gamma, s->stem_c, 1);
    init_const(st.beta, s->stem_c, 0);
    init_const(stats, s->stem_c, 0);
    init_const(stats + s->stem_c, s->stem_c, 1);
}

void net_init_head(const struct space *s, float *w, float *stats, struct rng *r)
{
    struct net_head h;
    int cin = space_layer_shape(s, s->nlayers - 1).cout;
    bind_head(&h, w, s, cin);
    init_uniform(h.w, (size_t)s->head_c * cin, cin, r);
    init_const(h.gamma, s->head_c, 1);
    init_const(h.beta, s->head_c, 0);
    init_uniform(h.fc_w, (size_t)s->classes * s->head_c, s->head_c, r);
    init_uniform(h.fc_b, (size_t)s->classes, s->head_c, r);
    init_const(stats, s->head_c, 0);
    init_const(stats + s->head_c, s->head_c, 1);
}

void net_init_weights(struct net *n, struct rng *r)
{
    net_init_stem(n->s, n->stem.w, n->stem_stats, r);
    for (int i = 0; i < n->nblocks; i++)
        block_init(&n->p[i], &n->st[i], &n->desc[i], r);
    net_init_head(n->s, n->head.w, n->head_stats, r);
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }

/* Lays the workspace out (mem NULL: only counts).  Returns the floats needed. */
static size_t layout(struct net *n, float *mem, int N, int training)
{
    const struct space *s = n->s;
    size_t used = 0;
#define TAKE(ptr, count)                                                                           \
    do {                                                                                           \
        size_t c_ = (count);                                                                       \
        (ptr) = mem ? mem + used : NULL;                                                           \
        used += (c_ + 15) & ~(size_t)15; /* 64-byte aligned parts */                               \
    } while (0)
    struct conv_dims *d = &n->stem_dims;
    d->cin = s->in_c;
    d->cout = s->stem_c;
    d->H = s->in_h;
    d->W = s->in_w;
    d->N = N;
    d->k = s->stem_k;
    d->stride = s->stem_stride;
    d->Ho = space_out_size(s->in_h, s->stem_k, s->stem_stride);
    d->Wo = space_out_size(s->in_w, s->stem_k, s->stem_stride);
    size_t s0 = (size_t)d->Ho * d->Wo * N;
    TAKE(n->col, (size_t)s->in_c * d->k * d->k * s0);
    TAKE(n->x0, (size_t)s->stem_c * s0);
    n->a0 = n->x0;
    if (training)
        TAKE(n->a0, (size_t)s->stem_c * s0);
    TAKE(n->stem_batch, 2 * (size_t)s->stem_c);
    size_t max_act = (size_t)s->stem_c * s0, max_scratch = 0;
    if (training) {
        for (int i = 0; i < n->nblocks; i++) {
            float *p;
            TAKE(p, block_cache_floats(&n->desc[i], N));
            if (mem)
                block_cache_bind(&n->cache[i], p, &n->desc[i], N);
            const struct block_desc *b = &n->desc[i];
            max_act = max_sz(max_act, (size_t)b->cout * b->h_out * b->w_out * N);
            max_scratch = max_sz(max_scratch, block_scratch_floats(b, N));
        }
    } else {
        /* inference: blocks share buffers, work in place, and alternate outputs */
        size_t m_in = 0, m_out = 0, c_out = 0, se = 0, stats = 0;
        for (int i = 0; i < n->nblocks; i++) {
            const struct block_desc *b = &n->desc[i];
            size_t pin = (size_t)b->h_in * b->w_in * N, pout = (size_t)b->h_out * b->w_out * N;
            m_in = max_sz(m_in, (size_t)b->m * pin);
            m_out = max_sz(m_out, (size_t)b->m * pout);
            c_out = max_sz(c_out, (size_t)b->cout * pout);
            stats = max_sz(stats, 2 * (2 * (size_t)b->m + b->cout));
            if (b->se) {
                struct se_dims sd = {b->m, b->r, b->h_out * b->w_out, N, b->act};
                se = max_sz(se, (size_t)b->m * pout + (size_t)se_cache_floats(&sd));
            }
        }
        float *A, *B, *Y0, *Y1, *SE, *ST;
        TAKE(A, m_in);
        TAKE(B, m_out);
        TAKE(Y0, c_out);
        TAKE(Y1, c_out);
        TAKE(SE, se);
        TAKE(ST, stats);
        for (int i = 0; mem && i < n->nblocks; i++) {
            struct block_cache *c = &n->cache[i];
            const struct block_desc *b = &n->desc[i];
            memset(c, 0, sizeof *c);
            c->x1 = c->a1 = A;
            c->x2 = c->a2 = B;
            if (b->se) {
                struct se_dims sd = {b->m, b->r, b->h_out * b->w_out, N, b->act};
                c->s_out = SE;
                se_cache_bind(&c->se, SE + (size_t)b->m * b->h_out * b->w_out * N, &sd);
            }
            c->x3 = c->y = (i % 2) ? Y1 : Y0;
            c->stats = ST;
        }
    }
    size_t sh = (size_t)n->last_h * n->last_w * N;
    TAKE(n->xh, (size_t)s->head_c * sh);
    n->ah = n->xh;
    if (training)
        TAKE(n->ah, (size_t)s->head_c * sh);
    TAKE(n->head_batch, 2 * (size_t)s->head_c);
    TAKE(n->pooled, (size_t)s->head_c * N);
    TAKE(n->logits, (size_t)s->classes * N);
    n->dA = n->dB = n->scratch = n->dh = n->dpooled = NULL;
    if (training) {
        max_act = max_sz(max_act, (size_t)n->last_c * sh);
        TAKE(n->dA, max_act);
        TAKE(n->dB, max_act);
        TAKE(n->scratch, max_scratch);
        TAKE(n->dh, (size_t)s->head_c * sh);
        TAKE(n->dpooled, (size_t)s->head_c * N);
    }
#undef TAKE
    return used;
}

int net_reserve(struct net *n, int N, int training, struct err *e)
{
    size_t need = layout(n, NULL, N, training);
    if (need > n->ws_floats) {
        free(n->ws);
        n->ws = aligned_alloc(64, need * sizeof(float));
        n->ws_floats = n->ws ? need : 0;
        if (!n->ws) {
            n->N = 0;
            return err_plain(e, "out of memory: the workspace for %d images needs %zu MB", N,
                             need * sizeof(float) >> 20);
        }
    }
    layout(n, n->ws, N, training);
    n->N = N;
    n->training = training;
    return 0;
}

void net_done(struct net *n)
{
    free(n->ws);
    n->ws = NULL;
    n->ws_floats = 0;
    n->N = 0;
}

void net_bind_ends(struct net *n, const struct space *s, struct wslot stem, struct wslot head)
{
    struct arch none = {0};
    net_bind(n, s, &none, stem, NULL, head);
    struct layer_shape last = space_layer_shape(s, s->nlayers - 1);
    n->last_c = last.cout;
    n->last_h = last.h_out;
    n->last_w = last.w_out;
    bind_head(&n->head, head.w, s, n->last_c);
    bind_head(&n->head_g, head.g, s, n->last_c);
}

static struct bn_state stem_bn(const struct net *n)
{
    int c = n->s->stem_c;
    return (struct bn_state){n->stem_stats, n->stem_stats + c, n->stem_batch, n->stem_batch + c};
}

static struct bn_state head_bn(const struct net *n)
{
    int c = n->s->head_c;
    return (struct bn_state){n->head_stats, n->head_stats + c, n->head_batch, n->head_batch + c};
}

const float *net_stem_forward(struct net *n, const float *x, int training, float momentum)
{
    const struct space *s = n->s;
    const struct conv_dims *d = &n->stem_dims;
    size_t s0 = (size_t)d->Ho * d->Wo * n->N;
    conv_forward(n->x0, n->col, x, n->stem.w, d);
    struct bn_state bs = stem_bn(n);
    bn_forward(n->a0, n->x0, n->stem.gamma, n->stem.beta, &bs, s->stem_c, s0, s->stem_act,
               training, momentum);
    return n->a0;
}

const float *net_head_forward(struct net *n, const float *h, int training, float momentum)
{
    const struct space *s = n->s;
    const int N = n->N;
    size_t sh = (size_t)n->last_h * n->last_w * N;
    conv1x1_forward(n->xh, h, n->head.w, n->last_c, s->head_c, sh);
    struct bn_state hs = head_bn(n);
    bn_forward(n->ah, n->xh, n->head.gamma, n->head.beta, &hs, s->head_c, sh, s->head_act,
               training, momentum);
    pool_forward(n->pooled, n->ah, s->head_c, n->last_h * n->last_w, N);
    fc_forward(n->logits, n->pooled, n->head.fc_w, n->head.fc_b, s->head_c, s->classes, N);
    return n->logits;
}

const float *net_forward(struct net *n, const float *x, int training, float momentum)
{
    const float *h = net_stem_forward(n, x, training, momentum);
    for (int i = 0; i < n->nblocks; i++) {
        block_forward(&n->cache[i], h, &n->p[i], &n->st[i], &n->desc[i], n->N, training,
                      momentum);
        h = n->cache[i].y;
    }
    return net_head_forward(n, h, training, momentum);
}

void net_head_backward(struct net *n, float *dh, const float *h, const float *dlogits)
{
    const struct space *s = n->s;
    const int N = n->N;
    size_t sh = (size_t)n->last_h * n->last_w * N;
    fc_backward(n->dpooled, n->head_g.fc_w, n->head_g.fc_b, dlogits, n->pooled, n->head.fc_w,
                s->head_c, s->classes, N);
    pool_backward(n->dh, n->dpooled, s->head_c, n->last_h * n->last_w, N);
    struct bn_state hs = head_bn(n);
    bn_backward(n->dh, n->head_g.gamma, n->head_g.beta, n->dh, n->xh, n->head.gamma,
                n->head.beta, &hs, s->head_c, sh, s->head_act);
    conv1x1_backward(dh, n->head_g.w, n->dh, h, n->head.w, n->last_c, s->head_c, sh);
}

void net_stem_backward(struct net *n, float *da0)
{
    const struct space *s = n->s;
    const struct conv_dims *d = &n->stem_dims;
    size_t s0 = (size_t)d->Ho * d->Wo * n->N;
    struct bn_state bs = stem_bn(n);
    bn_backward(da0, n->stem_g.gamma, n->stem_g.beta, da0, n->x0, n->stem.gamma, n->stem.beta,
                &bs, s->stem_c, s0, s->stem_act);
    conv_backward(NULL, NULL, n->stem_g.w, da0, n->col, n->stem.w, d);
}

void net_backward(struct net *n, const float *x, const float *dlogits)
{
    const float *h_last = n->nblocks ? n->cache[n->nblocks - 1].y : n->a0;
    float *dcur = n->dA, *dnext = n->dB;
    net_head_backward(n, dcur, h_last, dlogits);
    for (int i = n->nblocks - 1; i >= 0; i--) {
        const float *in = i ? n->cache[i - 1].y : n->a0;
        block_backward(dnext, &n->g[i], n->scratch, dcur, in, &n->cache[i], &n->p[i],
                       &n->desc[i], n->N);
        float *t = dcur;
        dcur = dnext;
        dnext = t;
    }
    net_stem_backward(n, dcur);
    (void)x;
}
