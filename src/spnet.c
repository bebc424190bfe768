#include "spnet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"
#include "train.h"

static int has(unsigned dec, int j) { return (dec >> j) & 1; }

/* FNV-1a over bytes. */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

static int take_runtimes(struct spnet *n, const struct latency_table *lat, struct err *e)
{
    const struct space *s = &n->space, *ls = &lat->space;
    int same = ls->nlayers == s->nlayers && ls->nchoices == s->nchoices;
    for (int c = 0; same && c < s->nchoices; c++)
        same = strcmp(ls->choices[c].name, s->choices[c].name) == 0;
    if (!same)
        return err_set(e, lat->file[0] ? lat->file : s->name, 0, 0,
                       "the latency table is for space %s, not %s", ls->name, s->name);
    n->fixed_ms = latency_fixed(lat);
    for (int l = 0; l < s->nlayers; l++)
        for (int k = 0; k < SK_NK; k++)
            for (int ei = 0; ei < SK_NE; ei++)
                for (int si = 0; si < SK_NSE; si++) {
                    int c = n->grid.choice[k][ei][si];
                    n->lut[l][k][ei][si] = 0;
                    if (c < 0)
                        continue;
                    double ms = latency_layer(lat, l, c);
                    if (!isfinite(ms) || ms < 0)
                        return err_set(e, lat->file[0] ? lat->file : s->name, 0, 0,
                                       "the latency table has no entry for '%s' at layer %d",
                                       s->choices[c].name, l + 1);
                    n->lut[l][k][ei][si] = ms;
                }
    if (!isfinite(n->fixed_ms))
        return err_set(e, lat->file[0] ? lat->file : s->name, 0, 0,
                       "the latency table's fixed part is not a number");
    n->lut_hash = fnv(fnv(0xcbf29ce484222325ULL, &n->fixed_ms, sizeof n->fixed_ms), n->lut,
                      sizeof n->lut);
    return 0;
}

struct spnet *spnet_new(const struct space *s, const struct latency_table *lat, uint64_t seed,
                        struct err *e)
{
    struct spnet *n = calloc(1, sizeof *n);
    if (!n) {
        err_plain(e, "out of memory");
        return NULL;
    }
    n->space = *s;
    s = &n->space;
    if (sk_space_analyse(&n->grid, s, e) || take_runtimes(n, lat, e)) {
        free(n);
        return NULL;
    }
    size_t pw = net_stem_param_floats(s), ps = net_stem_stat_floats(s), wmax = 0;
    size_t off[SPACE_MAX_LAYERS], soff[SPACE_MAX_LAYERS];
    for (int l = 0; l < s->nlayers; l++) {
        sk_describe(&n->desc[l], s, &n->grid, l);
        off[l] = pw;
        soff[l] = ps;
        pw += sk_param_floats(&n->desc[l]);
        ps += block_stat_floats(&n->desc[l].b);
        if ((size_t)n->desc[l].b.m > wmax)
            wmax = (size_t)n->desc[l].b.m;
    }
    size_t head = pw, head_s = ps;
    pw += net_head_param_floats(s);
    ps += net_head_stat_floats(s);
    n->nweights = pw;
    n->thresh_off = pw;
    n->nparams = pw + (size_t)s->nlayers * SK_NDEC;
    n->nstats = ps;
    n->w = calloc(n->nparams, sizeof(float));
    n->g = calloc(n->nparams, sizeof(float));
    n->stats = calloc(n->nstats, sizeof(float));
    n->decide_mem = calloc(2 * wmax * SK_K * SK_K, sizeof(float));
    if (!n->w || !n->g || !n->stats || !n->decide_mem) {
        spnet_free(n);
        err_plain(e, "out of memory");
        return NULL;
    }
    struct wslot stem = {n->w, n->g, n->stats};
    struct wslot hd = {n->w + head, n->g + head, n->stats + head_s};
    net_bind_ends(&n->ends, s, stem, hd);
    struct rng r;
    rng_seed(&r, seed, RNG_STREAM_INIT);
    net_init_stem(s, stem.w, stem.stats, &r);
    for (int l = 0; l < s->nlayers; l++) {
        float *t = n->w + n->thresh_off + (size_t)l * SK_NDEC;
        float *gt = n->g + n->thresh_off + (size_t)l * SK_NDEC;
        sk_params_bind(&n->p[l], n->w + off[l], t, &n->desc[l]);
        sk_params_bind(&n->gp[l], n->g + off[l], gt, &n->desc[l]);
        block_stats_bind(&n->st[l], n->stats + soff[l], &n->desc[l].b);
        sk_init(&n->p[l], &n->st[l], &n->desc[l], &r);
        sk_run_default(&n->run[l]);
    }
    net_init_head(s, hd.w, hd.stats, &r);
    return n;
}

void spnet_free(struct spnet *n)
{
    if (!n)
        return;
    net_done(&n->ends);
    free(n->ws);
    free(n->w);
    free(n->g);
    free(n->stats);
    free(n->decide_mem);
    free(n);
}

static size_t max_sz(size_t a, size_t b) { return a > b ? a : b; }
static size_t up16(size_t n) { return (n + 15) & ~(size_t)15; }

int spnet_reserve(struct spnet *n, int N, int training, struct err *e)
{
    const struct space *s = &n->space;
    if (net_reserve(&n->ends, N, training, e))
        return -1;
    size_t need = 0, act = (size_t)s->stem_c * n->ends.stem_dims.Ho * n->ends.stem_dims.Wo * N;
    size_t scratch = 0;
    for (int l = 0; l < s->nlayers; l++) {
        const struct block_desc *b = &n->desc[l].b;
        need += up16(sk_cache_floats(&n->desc[l], N));
        act = max_sz(act, (size_t)b->cout * b->h_out * b->w_out * N);
        scratch = max_sz(scratch, sk_scratch_floats(&n->desc[l], N));
    }
    need += 2 * up16(act) + up16(scratch);
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
    float *m = n->ws;
    for (int l = 0; l < s->nlayers; l++) {
        sk_cache_bind(&n->cache[l], m, &n->desc[l], N);
        m += up16(sk_cache_floats(&n->desc[l], N));
    }
    n->dA = m;
    n->dB = m + up16(act);
    n->scratch = m + 2 * up16(act);
    n->N = N;
    return 0;
}

/* R of layer l's indicators, and dR/d ind into dR. */
static double layer_runtime(const struct spnet *n, int l, const float *ind, float *dR)
{
    const struct sk_space *g = &n->grid;
    unsigned dec = g->dec[l];
    double i5 = ind[SK_D5], i7 = ind[SK_D7], i6 = ind[SK_D6];
    double ise = g->se == 1 ? ind[SK_DSE] : g->se == 2 ? 1 : 0;
    double keep = has(dec, SK_DKEEP) ? ind[SK_DKEEP] : 1;
    double pk[SK_NK] = {1 - i5, i5 * (1 - i7), i5 * i7};
    double dk5[SK_NK] = {-1, 1 - i7, i7}, dk7[SK_NK] = {0, -i5, i5};
    double pe[SK_NE] = {1 - i6, i6}, de[SK_NE] = {-1, 1};
    double ps[SK_NSE] = {1 - ise, ise}, ds[SK_NSE] = {-1, 1};
    double inner = 0, d5 = 0, d7 = 0, d6 = 0, dse = 0;
    for (int k = 0; k < SK_NK; k++)
        for (int ei = 0; ei < SK_NE; ei++)
            for (int si = 0; si < SK_NSE; si++) {
                double lut = n->lut[l][k][ei][si];
                inner += pk[k] * pe[ei] * ps[si] * lut;
                d5 += dk5[k] * pe[ei] * ps[si] * lut;
                d7 += dk7[k] * pe[ei] * ps[si] * lut;
                d6 += pk[k] * de[ei] * ps[si] * lut;
                dse += pk[k] * pe[ei] * ds[si] * lut;
            }
    if (dR) {
        for (int j = 0; j < SK_NDEC; j++)
            dR[j] = 0;
        dR[SK_D5] = (float)(keep * d5);
        dR[SK_D7] = (float)(keep * d7);
        dR[SK_D6] = (float)(keep * d6);
        if (has(dec, SK_DSE))
            dR[SK_DSE] = (float)(keep * dse);
        if (has(dec, SK_DKEEP))
            dR[SK_DKEEP] = (float)inner;
    }
    return keep * inner;
}

double spnet_runtime(const struct spnet *n, const float (*ind)[SK_NDEC], float (*dR)[SK_NDEC])
{
    double r = n->fixed_ms;
    for (int l = 0; l < n->space.nlayers; l++)
        r += layer_runtime(n, l, ind[l], dR ? dR[l] : NULL);
    return r;
}

const float *spnet_forward(struct spnet *n, const float *x, int training, float momentum)
{
    const struct space *s = &n->space;
    float ind[SPACE_MAX_LAYERS][SK_NDEC];
    for (int l = 0; l < s->nlayers; l++) {
        sk_decide(&n->cache[l], &n->p[l], &n->desc[l], &n->run[l]);
        memcpy(ind[l], n->cache[l].dec.ind, sizeof ind[l]);
    }
    n->runtime_ms = spnet_runtime(n, (const float(*)[SK_NDEC])ind, n->dR);
    const float *h = net_stem_forward(&n->ends, x, training, momentum);
    for (int l = 0; l < s->nlayers; l++) {
        sk_forward(&n->cache[l], h, &n->p[l], &n->st[l], &n->desc[l], n->N, training, momentum);
        h = n->cache[l].out;
    }
    return net_head_forward(&n->ends, h, training, momentum);
}

void spnet_backward(struct spnet *n, const float *dlogits, double lambda)
{
    const struct space *s = &n->space;
    int L = s->nlayers;
    float *dcur = n->dA, *dnext = n->dB;
    net_head_backward(&n->ends, dcur, n->cache[L - 1].out, dlogits);
    /* d (lambda ln R) / d ind = lambda / R * dR / d ind */
    double k = lambda != 0 && n->runtime_ms > 0 ? lambda / n->runtime_ms : 0;
    for (int l = L - 1; l >= 0; l--) {
        float gind[SK_NDEC];
        for (int j = 0; j < SK_NDEC; j++)
            gind[j] = (float)(k * n->dR[l][j]);
        const float *in = l ? n->cache[l - 1].out : n->ends.a0;
        sk_backward(dnext, &n->gp[l], n->scratch, dcur, in, &n->cache[l], &n->p[l], &n->desc[l],
                    n->N, gind, NULL);
        float *t = dcur;
        dcur = dnext;
        dnext = t;
    }
    net_stem_backward(&n->ends, dcur);
}

double spnet_loss(struct spnet *n, const float *x, const int *y, float *dlogits, double lambda,
                  float smoothing, float momentum, struct spnet_loss *out)
{
    memset(n->g, 0, n->nparams * sizeof *n->g);
    const float *logits = spnet_forward(n, x, 1, momentum);
    int correct;
    double ce = softmax_xent_smooth_forward_backward(dlogits, logits, y, n->space.classes, n->N,
                                                     smoothing, &correct);
    spnet_backward(n, dlogits, lambda);
    double total = ce + (lambda != 0 ? lambda * log(n->runtime_ms) : 0);
    if (out) {
        out->ce = ce;
        out->runtime_ms = n->runtime_ms;
        out->total = total;
        out->correct = correct;
    }
    return total;
}

void spnet_readout(struct spnet *n, struct spnet_readout *r)
{
    const struct space *s = &n->space;
    memset(r, 0, sizeof *r);
    struct sk_run run;
    sk_run_default(&run);
    struct sk_cache c;
    memset(&c, 0, sizeof c);
    r->arch.n = s->nlayers;
    for (int l = 0; l < s->nlayers; l++) {
        c.weff = n->decide_mem;
        c.wrun = n->decide_mem + (size_t)n->desc[l].b.m * SK_K * SK_K;
        sk_decide(&c, &n->p[l], &n->desc[l], &run);
        r->dec[l] = n->desc[l].dec;
        memcpy(r->ind[l], c.dec.ind, sizeof r->ind[l]);
        memcpy(r->norm[l], c.dec.norm, sizeof r->norm[l]);
        memcpy(r->threshold[l], n->p[l].t, sizeof r->threshold[l]);
        r->arch.choice[l] = sk_decode(&n->grid, l, c.dec.ind);
    }
    r->runtime_ms = spnet_runtime(n, (const float(*)[SK_NDEC])r->ind, NULL);
}

int spnet_encode(const struct spnet *n, const struct arch *a, float (*ind)[SK_NDEC],
                 struct err *e)
{
    const struct space *s = &n->space;
    if (!arch_is_valid(s, a))
        return err_plain(e, "not an architecture of the space %s", s->name);
    for (int l = 0; l < s->nlayers; l++)
        if (sk_encode(&n->grid, l, a->choice[l], ind[l]))
            return err_plain(e, "layer %d: '%s' has no decisions", l + 1,
                             s->choices[a->choice[l]].name);
    return 0;
}

struct eval_sweep {
    struct spnet *n;
    int recalibrate;
    long right;
    double total;
};

static int eval_batch(void *user, const float *x, const int *y, int nb, int k, struct err *e)
{
    struct eval_sweep *w = user;
    if (w->n->N != nb && spnet_reserve(w->n, nb, 0, e))
        return -1;
    if (w->recalibrate) {
        /* momentum 1/(k+1): the running statistics become the mean of the
         * batches' statistics, the first batch's replacing what was there */
        spnet_forward(w->n, x, 1, 1.0f / (float)(k + 1));
        return 0;
    }
    const float *logits = spnet_forward(w->n, x, 0, 0);
    int correct;
    w->total += softmax_xent_forward_backward(NULL, logits, y, w->n->space.classes, nb,
                                              &correct) *
                nb;
    w->right += correct;
    (void)k;
    return 0;
}

int spnet_evaluate(struct spnet *n, const struct split *val, int batch, double *accuracy,
                   double *loss, struct err *e)
{
    struct sk_run saved[SPACE_MAX_LAYERS];
    memcpy(saved, n->run, sizeof saved);
    for (int l = 0; l < n->space.nlayers; l++)
        sk_run_default(&n->run[l]);
    struct eval_sweep w = {n, 0, 0, 0};
    int rc = split_sweep(val, &n->space, val->n, batch, eval_batch, &w, e);
    memcpy(n->run, saved, sizeof saved);
    if (!rc && accuracy)
        *accuracy = (double)w.right / val->n;
    if (!rc && loss)
        *loss = w.total / val->n;
    return rc;
}

int spnet_recalibrate(struct spnet *n, const struct split *s, int images, int batch,
                      struct err *e)
{
    if (images > s->n)
        images = s->n;
    if (images <= 0)
        return 0;
    struct sk_run saved[SPACE_MAX_LAYERS];
    memcpy(saved, n->run, sizeof saved);
    for (int l = 0; l < n->space.nlayers; l++)
        sk_run_default(&n->run[l]);
    struct eval_sweep w = {n, 1, 0, 0};
    int rc = split_sweep(s, &n->space, images, batch, eval_batch, &w, e);
    memcpy(n->run, saved, sizeof saved);
    return rc;
}
