#include "block.h"

#include <math.h>
#include <string.h>

#include "conv.h"
#include "init.h"
#include "dwconv.h"

void block_describe(struct block_desc *b, const struct space *s, int l, int choice)
{
    const struct choice *ch = &s->choices[choice];
    struct layer_shape sh = space_layer_shape(s, l);
    memset(b, 0, sizeof *b);
    b->cin = sh.cin;
    b->cout = sh.cout;
    b->stride = sh.stride;
    b->h_in = sh.h_in;
    b->w_in = sh.w_in;
    b->h_out = sh.h_out;
    b->w_out = sh.w_out;
    b->k = ch->k;
    b->e = ch->e;
    b->m = sh.cin * ch->e;
    b->se = ch->se;
    b->r = ch->se ? space_se_hidden(b->m) : 0;
    b->act = ch->act;
    b->residual = sh.stride == 1 && sh.cin == sh.cout;
}

size_t block_param_floats(const struct block_desc *b)
{
    size_t m = (size_t)b->m, n = 0;
    if (b->e != 1)
        n += m * b->cin + 2 * m;
    n += m * b->k * b->k + 2 * m;
    if (b->se)
        n += 2 * m * b->r + b->r + m;
    n += (size_t)b->cout * m + 2 * (size_t)b->cout;
    return n;
}

size_t block_stat_floats(const struct block_desc *b) { return 4 * (size_t)b->m + 2 * (size_t)b->cout; }

void block_params_bind(struct block_params *p, float *base, const struct block_desc *b)
{
    size_t m = (size_t)b->m;
    memset(p, 0, sizeof *p);
    if (b->e != 1) {
        p->w_exp = base;
        base += m * b->cin;
        p->g1 = base;
        base += m;
        p->b1 = base;
        base += m;
    }
    p->w_dw = base;
    base += m * b->k * b->k;
    p->g2 = base;
    base += m;
    p->b2 = base;
    base += m;
    if (b->se) {
        p->w_se1 = base;
        base += (size_t)b->r * m;
        p->b_se1 = base;
        base += b->r;
        p->w_se2 = base;
        base += m * b->r;
        p->b_se2 = base;
        base += m;
    }
    p->w_proj = base;
    base += (size_t)b->cout * m;
    p->g3 = base;
    base += b->cout;
    p->b3 = base;
}

void block_stats_bind(struct block_stats *st, float *base, const struct block_desc *b)
{
    size_t m = (size_t)b->m;
    st->rm1 = base;
    st->rv1 = base + m;
    st->rm2 = base + 2 * m;
    st->rv2 = base + 3 * m;
    st->rm3 = base + 4 * m;
    st->rv3 = base + 4 * m + b->cout;
}

void block_init(const struct block_params *p, const struct block_stats *st,
                const struct block_desc *b, struct rng *r)
{
    size_t m = (size_t)b->m;
    if (b->e != 1) {
        init_uniform(p->w_exp, m * b->cin, b->cin, r);
        init_const(p->g1, m, 1);
        init_const(p->b1, m, 0);
    }
    init_uniform(p->w_dw, m * b->k * b->k, b->k * b->k, r);
    init_const(p->g2, m, 1);
    init_const(p->b2, m, 0);
    if (b->se) {
        init_uniform(p->w_se1, (size_t)b->r * m, b->m, r);
        init_uniform(p->b_se1, (size_t)b->r, b->m, r);
        init_uniform(p->w_se2, m * b->r, b->r, r);
        init_uniform(p->b_se2, m, b->r, r);
    }
    init_uniform(p->w_proj, (size_t)b->cout * m, b->m, r);
    init_const(p->g3, b->cout, 1);
    init_const(p->b3, b->cout, 0);
    init_const(st->rm1, m, 0);
    init_const(st->rv1, m, 1);
    init_const(st->rm2, m, 0);
    init_const(st->rv2, m, 1);
    init_const(st->rm3, b->cout, 0);
    init_const(st->rv3, b->cout, 1);
}

static struct se_dims se_dims_of(const struct block_desc *b, int N)
{
    struct se_dims d = {b->m, b->r, b->h_out * b->w_out, N, b->act};
    return d;
}

static struct dw_dims dw_dims_of(const struct block_desc *b, int N)
{
    struct dw_dims d = {b->m, b->h_in, b->w_in, N, b->k, b->stride, b->h_out, b->w_out};
    return d;
}

size_t block_cache_floats(const struct block_desc *b, int N)
{
    size_t s_in = (size_t)b->h_in * b->w_in * N, s_out = (size_t)b->h_out * b->w_out * N;
    size_t m = (size_t)b->m, n = 0;
    if (b->e != 1)
        n += 2 * m * s_in;
    n += 2 * m * s_out;
    if (b->se) {
        struct se_dims sd = se_dims_of(b, N);
        n += m * s_out + (size_t)se_cache_floats(&sd);
    }
    n += 2 * (size_t)b->cout * s_out;
    n += 2 * (2 * m + b->cout);
    return n;
}

void block_cache_bind(struct block_cache *c, float *mem, const struct block_desc *b, int N)
{
    size_t s_in = (size_t)b->h_in * b->w_in * N, s_out = (size_t)b->h_out * b->w_out * N;
    size_t m = (size_t)b->m;
    memset(c, 0, sizeof *c);
    if (b->e != 1) {
        c->x1 = mem;
        mem += m * s_in;
        c->a1 = mem;
        mem += m * s_in;
    }
    c->x2 = mem;
    mem += m * s_out;
    c->a2 = mem;
    mem += m * s_out;
    if (b->se) {
        struct se_dims sd = se_dims_of(b, N);
        c->s_out = mem;
        mem += m * s_out;
        se_cache_bind(&c->se, mem, &sd);
        mem += se_cache_floats(&sd);
    }
    c->x3 = mem;
    mem += (size_t)b->cout * s_out;
    c->y = mem;
    mem += (size_t)b->cout * s_out;
    c->stats = mem;
}

size_t block_scratch_floats(const struct block_desc *b, int N)
{
    size_t s_in = (size_t)b->h_in * b->w_in * N, s_out = (size_t)b->h_out * b->w_out * N;
    size_t n = (size_t)b->cout * s_out + 2 * (size_t)b->m * s_in;
    if (b->se) {
        struct se_dims sd = se_dims_of(b, N);
        n += (size_t)se_scratch_floats(&sd);
    }
    return n;
}

void block_cache_bind_bn(struct block_cache *c, const struct block_stats *st,
                        const struct block_desc *b)
{
    size_t m = (size_t)b->m;
    float *s = c->stats;
    c->bn1 = (struct bn_state){st->rm1, st->rv1, s, s + m};
    c->bn2 = (struct bn_state){st->rm2, st->rv2, s + 2 * m, s + 3 * m};
    c->bn3 = (struct bn_state){st->rm3, st->rv3, s + 4 * m, s + 4 * m + b->cout};
}

void block_forward(struct block_cache *c, const float *x, const struct block_params *p,
                   const struct block_stats *st, const struct block_desc *b, int N, int training,
                   float momentum)
{
    size_t s_in = (size_t)b->h_in * b->w_in * N, s_out = (size_t)b->h_out * b->w_out * N;
    const float *a1 = x;
    block_cache_bind_bn(c, st, b);
    if (b->e != 1) {
        conv1x1_forward(c->x1, x, p->w_exp, b->cin, b->m, s_in);
        bn_forward(c->a1, c->x1, p->g1, p->b1, &c->bn1, b->m, s_in, b->act, training, momentum);
        a1 = c->a1;
    }
    struct dw_dims dd = dw_dims_of(b, N);
    dwconv_forward(c->x2, a1, p->w_dw, &dd);
    bn_forward(c->a2, c->x2, p->g2, p->b2, &c->bn2, b->m, s_out, b->act, training, momentum);
    const float *t = c->a2;
    if (b->se) {
        struct se_dims sd = se_dims_of(b, N);
        se_forward(c->s_out, &c->se, c->a2, p->w_se1, p->b_se1, p->w_se2, p->b_se2, &sd);
        t = c->s_out;
    }
    conv1x1_forward(c->x3, t, p->w_proj, b->m, b->cout, s_out);
    bn_forward(c->y, c->x3, p->g3, p->b3, &c->bn3, b->cout, s_out, ACT_NONE, training, momentum);
    if (b->residual) {
        size_t n = (size_t)b->cout * s_out;
        for (size_t i = 0; i < n; i++)
            c->y[i] += x[i];
    }
}

void block_backward(float *dx, const struct block_params *g, float *scratch, const float *dy,
                    const float *x, const struct block_cache *c, const struct block_params *p,
                    const struct block_desc *b, int N)
{
    size_t s_in = (size_t)b->h_in * b->w_in * N, s_out = (size_t)b->h_out * b->w_out * N;
    size_t m = (size_t)b->m;
    float *gc = scratch, *gm1 = gc + (size_t)b->cout * s_out, *gm2 = gm1 + m * s_in;
    float *ses = gm2 + m * s_in;

    bn_backward(gc, g->g3, g->b3, dy, c->x3, p->g3, p->b3, &c->bn3, b->cout, s_out, ACT_NONE);
    conv1x1_backward(gm1, g->w_proj, gc, b->se ? c->s_out : c->a2, p->w_proj, b->m, b->cout,
                     s_out);
    float *da2 = gm1, *da1 = gm2;
    if (b->se) {
        struct se_dims sd = se_dims_of(b, N);
        se_backward(gm2, g->w_se1, g->b_se1, g->w_se2, g->b_se2, ses, gm1, c->a2, &c->se,
                    p->w_se1, p->w_se2, &sd);
        da2 = gm2;
        da1 = gm1;
    }
    bn_backward(da2, g->g2, g->b2, da2, c->x2, p->g2, p->b2, &c->bn2, b->m, s_out, b->act);
    struct dw_dims dd = dw_dims_of(b, N);
    if (b->e != 1) {
        dwconv_backward(da1, g->w_dw, da2, c->a1, p->w_dw, &dd);
        bn_backward(da1, g->g1, g->b1, da1, c->x1, p->g1, p->b1, &c->bn1, b->m, s_in, b->act);
        conv1x1_backward(dx, g->w_exp, da1, x, p->w_exp, b->cin, b->m, s_in);
    } else {
        dwconv_backward(dx, g->w_dw, da2, x, p->w_dw, &dd);
    }
    if (b->residual && dx) {
        size_t n = (size_t)b->cin * s_in;
        for (size_t i = 0; i < n; i++)
            dx[i] += dy[i];
    }
}
