#include "superkernel.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "conv.h"
#include "dwconv.h"
#include "init.h"

#define KK (SK_K * SK_K)

/* ---- the space as a grid ---- */

static int kernel_index(int k) { return k == 3 ? 0 : k == 5 ? 1 : k == 7 ? 2 : -1; }

/* Appends the names of the choices in mask to buf ("k3e2, k5e4"). */
static void name_list(const struct space *s, uint64_t mask, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int c = 0; c < s->nchoices && used < n; c++)
        if (mask & (1ULL << c))
            used += (size_t)snprintf(buf + used, n - used, "%s%s", used ? ", " : "",
                                     s->choices[c].name);
}

int sk_space_analyse(struct sk_space *g, const struct space *s, struct err *e)
{
    const char *why = "Single-Path NAS cannot search this space";
    char list[512];
    memset(g, 0, sizeof *g);
    g->skip = -1;
    memset(g->choice, -1, sizeof g->choice);
    int ks = 0, n = 0, e_lo = 0, e_hi = 0, se_off = 0, se_on = 0;
    uint64_t grid = 0;
    for (int c = 0; c < s->nchoices; c++) {
        const struct choice *ch = &s->choices[c];
        if (ch->skip) {
            if (g->skip >= 0)
                return err_set(e, s->name, 0, 0, "%s: it has two skip choices", why);
            g->skip = c;
            continue;
        }
        grid |= 1ULL << c;
        if (!n++)
            g->act = ch->act;
        else if (ch->act != g->act)
            return err_set(e, s->name, 0, 0,
                           "%s: its choices use different activations (%s and %s)", why,
                           act_name(g->act), act_name(ch->act));
        if (kernel_index(ch->k) >= 0)
            ks |= 1 << kernel_index(ch->k);
        if (!e_lo || ch->e < e_lo)
            e_lo = ch->e;
        if (ch->e > e_hi)
            e_hi = ch->e;
        se_off |= !ch->se;
        se_on |= ch->se;
    }
    if (!n)
        return err_set(e, s->name, 0, 0, "%s: it has no choice but skip", why);
    /* the distinct kernels, expansions and SE settings must make a product */
    int nk = 0, ne = 0, kseen[16] = {0}, eseen[64] = {0};
    for (int c = 0; c < s->nchoices; c++) {
        const struct choice *ch = &s->choices[c];
        if (ch->skip)
            continue;
        if (ch->k >= 0 && ch->k < 16 && !kseen[ch->k]++)
            nk++;
        if (ch->e >= 0 && ch->e < 64 && !eseen[ch->e]++)
            ne++;
    }
    int nse = se_off + se_on;
    int product = nk * ne * nse == n;
    for (int c = 0; product && c < s->nchoices; c++)
        for (int d = c + 1; d < s->nchoices; d++) {
            const struct choice *a = &s->choices[c], *b = &s->choices[d];
            if (!a->skip && !b->skip && a->k == b->k && a->e == b->e && a->se == b->se)
                product = 0;
        }
    if (!product) {
        name_list(s, grid, list, sizeof list);
        return err_set(e, s->name, 0, 0,
                       "%s: its choices are not a product of kernels, expansions and SE "
                       "(kernel and expansion are coupled: %s)",
                       why, list);
    }
    if (nk != 3 || ks != 7)
        return err_set(e, s->name, 0, 0,
                       "%s: its kernels must be 3, 5 and 7 (one 7x7 superkernel holds them)",
                       why);
    if (ne != 2 || e_hi != 2 * e_lo || e_lo < 2)
        return err_set(e, s->name, 0, 0,
                       "%s: it needs two expansions e and 2e with e >= 2 (it has %d from %d to "
                       "%d)",
                       why, ne, e_lo, e_hi);
    g->e_max = e_hi;
    g->se = se_on ? (se_off ? 1 : 2) : 0;
    for (int c = 0; c < s->nchoices; c++) {
        const struct choice *ch = &s->choices[c];
        if (!ch->skip)
            g->choice[kernel_index(ch->k)][ch->e == e_hi][ch->se] = c;
    }
    for (int l = 0; l < s->nlayers; l++) {
        uint64_t a = s->allowed[l];
        if ((a & grid) != grid) {
            name_list(s, grid & ~a, list, sizeof list);
            return err_set(e, s->name, 0, 0, "%s: layer %d does not allow %s", why, l + 1,
                           list);
        }
        g->dec[l] = 1u << SK_D5 | 1u << SK_D7 | 1u << SK_D6;
        if (g->se == 1)
            g->dec[l] |= 1u << SK_DSE;
        if (g->skip >= 0 && (a & (1ULL << g->skip)))
            g->dec[l] |= 1u << SK_DKEEP;
    }
    return 0;
}

static int has(unsigned dec, int j) { return (dec >> j) & 1; }

int sk_decode(const struct sk_space *g, int l, const float ind[SK_NDEC])
{
    unsigned dec = g->dec[l];
    if (has(dec, SK_DKEEP) && !(ind[SK_DKEEP] >= 0.5f))
        return g->skip;
    int k = !(ind[SK_D5] >= 0.5f) ? 0 : !(ind[SK_D7] >= 0.5f) ? 1 : 2;
    int ei = ind[SK_D6] >= 0.5f;
    int si = g->se == 2 ? 1 : g->se == 1 ? ind[SK_DSE] >= 0.5f : 0;
    return g->choice[k][ei][si];
}

int sk_encode(const struct sk_space *g, int l, int c, float ind[SK_NDEC])
{
    unsigned dec = g->dec[l];
    for (int j = 0; j < SK_NDEC; j++)
        ind[j] = 1;
    if (c >= 0 && c == g->skip) {
        if (!has(dec, SK_DKEEP))
            return -1;
        ind[SK_D5] = ind[SK_D7] = ind[SK_D6] = 0;
        if (has(dec, SK_DSE))
            ind[SK_DSE] = 0;
        ind[SK_DKEEP] = 0;
        return 0;
    }
    for (int k = 0; k < SK_NK; k++)
        for (int ei = 0; ei < SK_NE; ei++)
            for (int si = 0; si < SK_NSE; si++)
                if (g->choice[k][ei][si] == c && c >= 0) {
                    ind[SK_D5] = k >= 1;
                    ind[SK_D7] = k == 2;
                    ind[SK_D6] = (float)ei;
                    if (has(dec, SK_DSE))
                        ind[SK_DSE] = (float)si;
                    return 0;
                }
    return -1;
}

/* ---- the layer ---- */

void sk_describe(struct sk_desc *d, const struct space *s, const struct sk_space *g, int l)
{
    int k = 2, ei = 1, si = g->se ? 1 : 0; /* the largest choice: k7, e_max, SE if any */
    memset(d, 0, sizeof *d);
    block_describe(&d->b, s, l, g->choice[k][ei][si]);
    d->half = d->b.m / 2;
    d->dec = g->dec[l];
}

size_t sk_param_floats(const struct sk_desc *d) { return block_param_floats(&d->b); }

void sk_params_bind(struct sk_params *p, float *base, float *t, const struct sk_desc *d)
{
    block_params_bind(&p->p, base, &d->b);
    p->t = t;
}

void sk_init(const struct sk_params *p, const struct block_stats *st, const struct sk_desc *d,
             struct rng *r)
{
    block_init(&p->p, st, &d->b, r);
    init_const(p->t, SK_NDEC, 0);
}

void sk_run_default(struct sk_run *r)
{
    r->soft = 0;
    r->full = 0;
    for (int j = 0; j < SK_NDEC; j++)
        r->scale[j] = 1;
}

static size_t plane_in(const struct sk_desc *d, int N)
{
    return (size_t)d->b.h_in * d->b.w_in * N;
}
static size_t plane_out(const struct sk_desc *d, int N)
{
    return (size_t)d->b.h_out * d->b.w_out * N;
}

size_t sk_cache_floats(const struct sk_desc *d, int N)
{
    size_t m = (size_t)d->b.m, so = plane_out(d, N);
    size_t n = block_cache_floats(&d->b, N) + 2 * m * KK + m * so;
    if (has(d->dec, SK_DSE))
        n += m * so;
    if (d->b.residual)
        n += (size_t)d->b.cout * so;
    return n;
}

void sk_cache_bind(struct sk_cache *c, float *mem, const struct sk_desc *d, int N)
{
    size_t m = (size_t)d->b.m, so = plane_out(d, N);
    memset(c, 0, sizeof *c);
    block_cache_bind(&c->c, mem, &d->b, N);
    mem += block_cache_floats(&d->b, N);
    c->weff = mem;
    mem += m * KK;
    c->wrun = mem;
    mem += m * KK;
    c->a2m = mem;
    mem += m * so;
    if (has(d->dec, SK_DSE)) {
        c->mix = mem;
        mem += m * so;
    }
    c->out = c->c.y;
    if (d->b.residual)
        c->out = mem;
}

static struct se_dims se_dims_of(const struct sk_desc *d, int N)
{
    struct se_dims s = {d->b.m, d->b.r, d->b.h_out * d->b.w_out, N, d->b.act};
    return s;
}

size_t sk_scratch_floats(const struct sk_desc *d, int N)
{
    size_t m = (size_t)d->b.m, so = plane_out(d, N), si = plane_in(d, N);
    size_t n = (size_t)d->b.cout * so + 3 * m * so + m * si + 2 * m * KK;
    if (d->b.se) {
        struct se_dims sd = se_dims_of(d, N);
        n += (size_t)se_scratch_floats(&sd);
    }
    return n;
}

/* Ring of tap t of the 7x7: 0 the centre 3x3 (C3), 1 the 5x5's ring (R5),
 * 2 the outer ring (R7). */
static int ring_of(int t)
{
    int i = abs(t / SK_K - SK_K / 2), j = abs(t % SK_K - SK_K / 2);
    return (i > j ? i : j) <= 1 ? 0 : (i > j ? i : j) - 1;
}

/* L2 norm of w over channels [c0, c1) and the taps of rings in `rings` (bit r). */
static double kernel_norm(const float *w, int c0, int c1, unsigned rings)
{
    double s = 0;
    for (int c = c0; c < c1; c++)
        for (int t = 0; t < KK; t++)
            if ((rings >> ring_of(t)) & 1)
                s += (double)w[(size_t)c * KK + t] * w[(size_t)c * KK + t];
    return sqrt(s);
}

static void set_decision(struct sk_decisions *dc, int j, double norm, float t, int soft,
                         float scale)
{
    double x = norm - t, sg = 1.0 / (1.0 + exp(-x));
    dc->norm[j] = (float)norm;
    dc->ind[j] = soft ? (float)sg : (x >= 0 ? 1.0f : 0.0f);
    dc->slope[j] = (float)(sg * (1.0 - sg));
    dc->scale[j] = scale;
    dc->v[j] = scale * dc->ind[j];
}

void sk_decide(struct sk_cache *c, const struct sk_params *p, const struct sk_desc *d,
               const struct sk_run *r)
{
    struct sk_decisions *dc = &c->dec;
    const int M = d->b.m;
    const float *W = p->p.w_dw;
    for (int j = 0; j < SK_NDEC; j++) {
        dc->norm[j] = 0;
        dc->ind[j] = dc->scale[j] = dc->v[j] = 1;
        dc->slope[j] = 0;
    }
    set_decision(dc, SK_D5, kernel_norm(W, 0, M, 2u), p->t[SK_D5], r->soft, r->scale[SK_D5]);
    set_decision(dc, SK_D7, kernel_norm(W, 0, M, 4u), p->t[SK_D7], r->soft, r->scale[SK_D7]);
    float v5 = dc->v[SK_D5], v57 = v5 * dc->v[SK_D7];
    for (int ch = 0; ch < M; ch++)
        for (int t = 0; t < KK; t++) {
            size_t i = (size_t)ch * KK + t;
            int ring = ring_of(t);
            c->weff[i] = ring == 0 ? W[i] : ring == 1 ? v5 * W[i] : v57 * W[i];
        }
    set_decision(dc, SK_D6, kernel_norm(c->weff, d->half, M, 7u), p->t[SK_D6], r->soft,
                 r->scale[SK_D6]);
    if (has(d->dec, SK_DKEEP))
        set_decision(dc, SK_DKEEP, kernel_norm(c->weff, 0, d->half, 7u), p->t[SK_DKEEP],
                     r->soft, r->scale[SK_DKEEP]);
    if (has(d->dec, SK_DSE)) {
        size_t n = (size_t)d->b.r * M;
        double s = 0;
        for (size_t i = 0; i < n; i++)
            s += (double)p->p.w_se1[i] * p->p.w_se1[i];
        set_decision(dc, SK_DSE, sqrt(s), p->t[SK_DSE], r->soft, r->scale[SK_DSE]);
    }
    c->k_run = SK_K;
    if (!r->soft && !r->full)
        c->k_run = dc->v[SK_D5] == 0 ? 3 : dc->v[SK_D7] == 0 ? 5 : SK_K;
    if (c->k_run < SK_K) {
        int k = c->k_run, off = (SK_K - k) / 2;
        for (int ch = 0; ch < M; ch++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                    c->wrun[((size_t)ch * k + i) * k + j] =
                        c->weff[(size_t)ch * KK + (size_t)(i + off) * SK_K + j + off];
    }
}

static struct dw_dims dw_dims_of(const struct sk_desc *d, int N, int k)
{
    struct dw_dims dd = {d->b.m, d->b.h_in, d->b.w_in, N, k, d->b.stride, d->b.h_out, d->b.w_out};
    return dd;
}

void sk_forward(struct sk_cache *c, const float *x, const struct sk_params *p,
                const struct block_stats *st, const struct sk_desc *d, int N, int training,
                float momentum)
{
    const struct block_desc *b = &d->b;
    const struct block_params *w = &p->p;
    struct block_cache *bc = &c->c;
    const struct sk_decisions *dc = &c->dec;
    size_t si = plane_in(d, N), so = plane_out(d, N), M = (size_t)b->m;
    block_cache_bind_bn(bc, st, b);
    conv1x1_forward(bc->x1, x, w->w_exp, b->cin, b->m, si);
    bn_forward(bc->a1, bc->x1, w->g1, w->b1, &bc->bn1, b->m, si, b->act, training, momentum);
    struct dw_dims dd = dw_dims_of(d, N, c->k_run);
    dwconv_forward(bc->x2, bc->a1, c->k_run == SK_K ? c->weff : c->wrun, &dd);
    bn_forward(bc->a2, bc->x2, w->g2, w->b2, &bc->bn2, b->m, so, b->act, training, momentum);
    /* the expansion: G_hi after BN and activation, times v6 */
    size_t lo = (size_t)d->half * so;
    float v6 = dc->v[SK_D6];
    memcpy(c->a2m, bc->a2, lo * sizeof(float));
    for (size_t i = lo; i < M * so; i++)
        c->a2m[i] = v6 * bc->a2[i];
    const float *t = c->a2m;
    if (b->se) {
        struct se_dims sd = se_dims_of(d, N);
        se_forward(bc->s_out, &bc->se, c->a2m, w->w_se1, w->b_se1, w->w_se2, w->b_se2, &sd);
        t = bc->s_out;
        if (c->mix) {
            /* x (1 + v (hsig - 1)) as (1 - v) x + v x hsig: exact at v = 0 and 1 */
            float v = dc->v[SK_DSE], u = 1 - v;
            for (size_t i = 0; i < M * so; i++)
                c->mix[i] = u * c->a2m[i] + v * bc->s_out[i];
            t = c->mix;
        }
    }
    conv1x1_forward(bc->x3, t, w->w_proj, b->m, b->cout, so);
    bn_forward(bc->y, bc->x3, w->g3, w->b3, &bc->bn3, b->cout, so, ACT_NONE, training, momentum);
    if (b->residual) {
        float v = dc->v[SK_DKEEP];
        size_t n = (size_t)b->cout * so;
        for (size_t i = 0; i < n; i++)
            c->out[i] = x[i] + v * bc->y[i];
    }
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

/* gw[c0..c1) += k * w / norm over the taps of `rings` (the gradient of a
 * norm times k). */
static void add_norm_grad(float *gw, const float *w, int c0, int c1, unsigned rings, double k,
                          double norm)
{
    if (!(norm > 0) || k == 0)
        return;
    float f = (float)(k / norm);
    for (int c = c0; c < c1; c++)
        for (int t = 0; t < KK; t++)
            if ((rings >> ring_of(t)) & 1)
                gw[(size_t)c * KK + t] += f * w[(size_t)c * KK + t];
}

void sk_backward(float *dx, const struct sk_params *g, float *scratch, const float *dy,
                 const float *x, const struct sk_cache *c, const struct sk_params *p,
                 const struct sk_desc *d, int N, const float *gind, float *gx)
{
    const struct block_desc *b = &d->b;
    const struct block_params *w = &p->p, *gw = &g->p;
    const struct block_cache *bc = &c->c;
    const struct sk_decisions *dc = &c->dec;
    const int M = b->m;
    size_t si = plane_in(d, N), so = plane_out(d, N), ms = (size_t)M * so;
    size_t ny = (size_t)b->cout * so;
    float *gF = scratch, *gt = gF + ny, *ga = gt + ms, *gse = ga + ms, *ga1 = gse + ms;
    float *gW = ga1 + (size_t)M * si, *gWs = gW + (size_t)M * KK, *ses = gWs + (size_t)M * KK;
    double gv[SK_NDEC] = {0};

    /* residual gate, project, BN3 */
    if (b->residual) {
        float v = dc->v[SK_DKEEP];
        gv[SK_DKEEP] = dot(dy, bc->y, ny);
        for (size_t i = 0; i < ny; i++)
            gF[i] = v * dy[i];
    } else {
        memcpy(gF, dy, ny * sizeof(float));
    }
    bn_backward(gF, gw->g3, gw->b3, gF, bc->x3, w->g3, w->b3, &bc->bn3, b->cout, so, ACT_NONE);
    const float *tin = c->mix ? c->mix : b->se ? bc->s_out : c->a2m;
    conv1x1_backward(gt, gw->w_proj, gF, tin, w->w_proj, M, b->cout, so);
    /* SE and its gate */
    float *g_a2m = gt;
    if (b->se) {
        struct se_dims sd = se_dims_of(d, N);
        if (c->mix) {
            float v = dc->v[SK_DSE], u = 1 - v;
            double s = 0;
            for (size_t i = 0; i < ms; i++) {
                s += (double)gt[i] * (bc->s_out[i] - c->a2m[i]);
                ga[i] = u * gt[i];
                gt[i] *= v;
            }
            gv[SK_DSE] = s;
            se_backward(gse, gw->w_se1, gw->b_se1, gw->w_se2, gw->b_se2, ses, gt, c->a2m,
                        &bc->se, w->w_se1, w->w_se2, &sd);
            for (size_t i = 0; i < ms; i++)
                ga[i] += gse[i];
        } else {
            se_backward(ga, gw->w_se1, gw->b_se1, gw->w_se2, gw->b_se2, ses, gt, c->a2m, &bc->se,
                        w->w_se1, w->w_se2, &sd);
        }
        g_a2m = ga;
    }
    /* the expansion's channel gate */
    size_t lo = (size_t)d->half * so;
    float v6 = dc->v[SK_D6];
    gv[SK_D6] = dot(g_a2m + lo, bc->a2 + lo, ms - lo);
    for (size_t i = lo; i < ms; i++)
        g_a2m[i] *= v6;
    bn_backward(g_a2m, gw->g2, gw->b2, g_a2m, bc->x2, w->g2, w->b2, &bc->bn2, M, so, b->act);
    /* depthwise: the whole 7x7 gradient of W_k, whatever slice ran */
    memset(gW, 0, (size_t)M * KK * sizeof(float));
    struct dw_dims d7 = dw_dims_of(d, N, SK_K);
    if (c->k_run == SK_K) {
        dwconv_backward(ga1, gW, g_a2m, bc->a1, c->weff, &d7);
    } else {
        struct dw_dims dk = dw_dims_of(d, N, c->k_run);
        dwconv_backward(NULL, gW, g_a2m, bc->a1, c->weff, &d7);
        dwconv_backward(ga1, gWs, g_a2m, bc->a1, c->wrun, &dk); /* gWs: discarded */
    }
    bn_backward(ga1, gw->g1, gw->b1, ga1, bc->x1, w->g1, w->b1, &bc->bn1, M, si, b->act);
    conv1x1_backward(dx, gw->w_exp, ga1, x, w->w_exp, b->cin, M, si);
    if (b->residual && dx)
        for (size_t i = 0; i < ny; i++)
            dx[i] += dy[i];

    /* the decisions, last computed first: dL/d(norm - t) of each */
    double gxx[SK_NDEC] = {0};
    for (int j = SK_D6; j < SK_NDEC; j++)
        if (has(d->dec, j))
            gxx[j] = (gv[j] * dc->scale[j] + (gind ? gind[j] : 0)) * dc->slope[j];
    /* d6 and d_keep read norms of W_k: their gradients join dL/dW_k */
    add_norm_grad(gW, c->weff, d->half, M, 7u, gxx[SK_D6], dc->norm[SK_D6]);
    if (has(d->dec, SK_DKEEP))
        add_norm_grad(gW, c->weff, 0, d->half, 7u, gxx[SK_DKEEP], dc->norm[SK_DKEEP]);
    /* W_k = W*C3 + v5 (W*R5 + v7 W*R7) */
    const float *W = w->w_dw;
    float *gWd = gw->w_dw;
    float v5 = dc->v[SK_D5], v7 = dc->v[SK_D7];
    double s5 = 0, s7 = 0;
    for (int ch = 0; ch < M; ch++)
        for (int t = 0; t < KK; t++) {
            size_t i = (size_t)ch * KK + t;
            int ring = ring_of(t);
            if (ring == 0) {
                gWd[i] += gW[i];
            } else if (ring == 1) {
                s5 += (double)gW[i] * W[i];
                gWd[i] += v5 * gW[i];
            } else {
                s5 += (double)gW[i] * v7 * W[i];
                s7 += (double)gW[i] * v5 * W[i];
                gWd[i] += v5 * v7 * gW[i];
            }
        }
    gv[SK_D5] = s5;
    gv[SK_D7] = s7;
    for (int j = SK_D5; j <= SK_D7; j++)
        gxx[j] = (gv[j] * dc->scale[j] + (gind ? gind[j] : 0)) * dc->slope[j];
    add_norm_grad(gWd, W, 0, M, 2u, gxx[SK_D5], dc->norm[SK_D5]);
    add_norm_grad(gWd, W, 0, M, 4u, gxx[SK_D7], dc->norm[SK_D7]);
    if (has(d->dec, SK_DSE) && dc->norm[SK_DSE] > 0) {
        size_t n = (size_t)b->r * M;
        float f = (float)(gxx[SK_DSE] / dc->norm[SK_DSE]);
        for (size_t i = 0; i < n; i++)
            gw->w_se1[i] += f * w->w_se1[i];
    }
    for (int j = 0; j < SK_NDEC; j++) {
        if (has(d->dec, j))
            g->t[j] -= (float)gxx[j];
        if (gx)
            gx[j] = (float)gxx[j];
    }
}
