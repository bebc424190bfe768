#include "nao.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dense.h"
#include "lstm.h"
#include "optim.h"
#include "rng.h"

/* Below this norm a vector is divided by NORM_EPS instead (PyTorch's
 * F.normalize); no trained controller comes near it. */
#define NORM_EPS 1e-12

static const char *const tensor_names[NAO_NTENSORS] = {
    "enc_emb", "enc_w", "enc_b",   "pred_w",  "pred_b", "dec_emb",
    "dec_w",   "dec_b", "att_in", "att_out", "out_w",  "out_b",
};

/* An embedding and LSTM over a sequence of tokens (the encoder's, the
 * decoder's), with what each step keeps for the backward. */
struct recur {
    enum nao_tensor emb, w, b; /* its parameters */
    double *xh;                /* [L][B][E+H] each step's input and previous h */
    double *gates, *tc;        /* [L][B][4H], [L][B][H] lstm_forward's caches */
    double *h, *c;             /* [L+1][B][H] states: [0] the initial one */
};

/* The activations of one pass over a batch of B <= cap architectures and
 * the backward's scratch, allocated once for cap rows.  Sequences are
 * time-major: [L][B][.] is step t's block of B rows at t * B * width, so a
 * step's rows are one matrix for src/dense.h. */
struct nao_work {
    int cap, L, E, H, V; /* rows, and the controller's sizes */
    int *tok;     /* [L][B] the architectures' tokens (encoder inputs, decoder targets) */
    int *tin;     /* [L][B] decoder inputs: start, then the tokens shifted by one */
    struct recur enc;              /* the encoder: h[0] = c[0] = 0 */
    double *o;                     /* [L][B][H] encoder outputs (normalised enc.h[t+1]) */
    double *hn;                    /* [L][B] |enc.h[t+1]| */
    double *m, *mn, *emb, *f;      /* [B][H] mean of o, [B] |m|, [B][H] e, [B] f */
    struct recur dec;              /* the decoder: h[0] = c[0] = e */
    double *q;                     /* [L][B][H] attention queries */
    double *alpha;                 /* [L][B][L] attention weights over the encoder outputs */
    double *cat;                   /* [L][B][2H] [context ; decoder output] */
    double *u;                     /* [L][B][H] tanh(W_out cat) */
    double *logp;                  /* [L][B][V] log-probabilities (greedy: logits) */
    /* backward scratch */
    double *dlog;                  /* [B][V] */
    double *du, *dq, *dh, *dc, *dcp, *de; /* [B][H] */
    double *dcat;                  /* [B][2H] */
    double *dxh;                   /* [B][E+H] */
    double *dz;                    /* [B][4H] */
    double *dout;                  /* [L][B][H] gradient at the encoder outputs */
    /* a batch of the training pool */
    struct arch *batch;            /* [cap] */
    double *btarget;               /* [cap] */
};

void nao_config_default(struct nao_config *c)
{
    c->embed = 64;
    c->hidden = 64;
    c->trade_off = 0.8;
    c->lr = 1e-3;
    c->clip = 5;
    c->batch = 100;
    c->seed = 1;
}

size_t nao_tensor(const struct nao *n, enum nao_tensor t, size_t *size, const char **name)
{
    if (size)
        *size = n->off[t + 1] - n->off[t];
    if (name)
        *name = tensor_names[t];
    return n->off[t];
}

static double *T(const struct nao *n, enum nao_tensor t) { return n->w + n->off[t]; }
static double *G(const struct nao *n, enum nao_tensor t) { return n->g + n->off[t]; }

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

static double dot(const double *a, const double *b, int n)
{
    double s = 0;
    for (int i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* y = x / max(|x|, NORM_EPS); returns |x|.  y may be x. */
static double normalize(double *y, const double *x, int n)
{
    double norm = sqrt(dot(x, x, n)), d = norm > NORM_EPS ? norm : NORM_EPS;
    for (int i = 0; i < n; i++)
        y[i] = x[i] / d;
    return norm;
}

/* dx += the gradient through y = normalize(x), given dy, y and |x|:
 * (dy - y (y . dy)) / |x|. */
static void normalize_backward(double *dx, const double *dy, const double *y, double norm, int n)
{
    if (norm > NORM_EPS) {
        double p = dot(y, dy, n);
        for (int i = 0; i < n; i++)
            dx[i] += (dy[i] - y[i] * p) / norm;
    } else {
        for (int i = 0; i < n; i++)
            dx[i] += dy[i] / NORM_EPS;
    }
}

/* ---- construction ---- */

/* Every double array of w, with its length for w's sizes, into p and len
 * (room for 40); returns how many. */
static int work_arrays(struct nao_work *w, double **p[], size_t len[])
{
    const size_t B = (size_t)w->cap, L = (size_t)w->L, H = (size_t)w->H, V = (size_t)w->V;
    const size_t X = (size_t)w->E + H;
    struct recur *r[2] = {&w->enc, &w->dec};
    int k = 0;
#define ARRAY(ptr, n) (p[k] = &(ptr), len[k++] = (n))
    for (int i = 0; i < 2; i++) {
        ARRAY(r[i]->xh, L * B * X);
        ARRAY(r[i]->gates, L * B * 4 * H);
        ARRAY(r[i]->tc, L * B * H);
        ARRAY(r[i]->h, (L + 1) * B * H);
        ARRAY(r[i]->c, (L + 1) * B * H);
    }
    ARRAY(w->o, L * B * H);
    ARRAY(w->hn, L * B);
    ARRAY(w->m, B * H);
    ARRAY(w->mn, B);
    ARRAY(w->emb, B * H);
    ARRAY(w->f, B);
    ARRAY(w->q, L * B * H);
    ARRAY(w->alpha, L * B * L);
    ARRAY(w->cat, L * B * 2 * H);
    ARRAY(w->u, L * B * H);
    ARRAY(w->logp, L * B * V);
    ARRAY(w->dlog, B * V);
    ARRAY(w->du, B * H);
    ARRAY(w->dq, B * H);
    ARRAY(w->dh, B * H);
    ARRAY(w->dc, B * H);
    ARRAY(w->dcp, B * H);
    ARRAY(w->de, B * H);
    ARRAY(w->dcat, B * 2 * H);
    ARRAY(w->dxh, B * X);
    ARRAY(w->dz, B * 4 * H);
    ARRAY(w->dout, L * B * H);
    ARRAY(w->btarget, B);
#undef ARRAY
    return k;
}

/* Where each tensor starts for sizes V, E, H, into off[NAO_NTENSORS + 1];
 * returns the number of parameters. */
static size_t tensor_offsets(int v, int e, int h, size_t off[])
{
    const size_t V = (size_t)v, E = (size_t)e, H = (size_t)h;
    const size_t sizes[NAO_NTENSORS] = {
        [NAO_ENC_EMB] = V * E, [NAO_ENC_W] = 4 * H * (E + H), [NAO_ENC_B] = 4 * H,
        [NAO_PRED_W] = H,      [NAO_PRED_B] = 1,              [NAO_DEC_EMB] = V * E,
        [NAO_DEC_W] = 4 * H * (E + H), [NAO_DEC_B] = 4 * H,   [NAO_ATT_IN] = H * H,
        [NAO_ATT_OUT] = H * 2 * H,     [NAO_OUT_W] = V * H,   [NAO_OUT_B] = V,
    };
    off[0] = 0;
    for (int t = 0; t < NAO_NTENSORS; t++)
        off[t + 1] = off[t] + sizes[t];
    return off[NAO_NTENSORS];
}

size_t nao_memory(const struct space *s, const struct nao_config *cfg)
{
    struct nao_work w = {.cap = cfg->batch, .L = s->nlayers, .E = cfg->embed,
                         .H = cfg->hidden, .V = s->nchoices + 1};
    double **p[40];
    size_t len[40], off[NAO_NTENSORS + 1];
    size_t bytes = sizeof(struct nao) + sizeof w +
                   4 * tensor_offsets(w.V, w.E, w.H, off) * sizeof(double);
    int k = work_arrays(&w, p, len);
    for (int i = 0; i < k; i++)
        bytes += len[i] * sizeof(double);
    const size_t cap = (size_t)w.cap;
    return bytes + 2 * (size_t)w.L * cap * sizeof(int) + cap * sizeof(struct arch);
}

static void work_free(struct nao_work *w)
{
    if (!w)
        return;
    double **p[40];
    size_t len[40];
    int k = work_arrays(w, p, len);
    for (int i = 0; i < k; i++)
        free(*p[i]);
    free(w->tok);
    free(w->tin);
    free(w->batch);
    free(w);
}

static struct nao_work *work_new(int cap, int L, int E, int H, int V)
{
    struct nao_work *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    *w = (struct nao_work){.cap = cap, .L = L, .E = E, .H = H, .V = V};
    double **p[40];
    size_t len[40];
    int k = work_arrays(w, p, len), ok = 1;
    for (int i = 0; i < k; i++)
        ok &= (*p[i] = calloc(len[i], sizeof(double))) != NULL;
    w->tok = calloc((size_t)L * cap, sizeof *w->tok);
    w->tin = calloc((size_t)L * cap, sizeof *w->tin);
    w->batch = calloc((size_t)cap, sizeof *w->batch);
    if (!ok || !w->tok || !w->tin || !w->batch) {
        work_free(w);
        return NULL;
    }
    w->enc.emb = NAO_ENC_EMB;
    w->enc.w = NAO_ENC_W;
    w->enc.b = NAO_ENC_B;
    w->dec.emb = NAO_DEC_EMB;
    w->dec.w = NAO_DEC_W;
    w->dec.b = NAO_DEC_B;
    return w;
}

static void fill_uniform(double *x, size_t n, double bound, struct rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = bound * (2.0 * rng_uniform(r) - 1.0);
}

static void init_weights(struct nao *n)
{
    struct rng r;
    rng_seed(&r, n->cfg.seed, RNG_STREAM_CONTROLLER);
    double kh = 1.0 / sqrt((double)n->H), k2h = 1.0 / sqrt(2.0 * n->H);
    for (int t = 0; t < NAO_NTENSORS; t++) {
        size_t size;
        double *p = n->w + nao_tensor(n, (enum nao_tensor)t, &size, NULL);
        if (t == NAO_ENC_EMB || t == NAO_DEC_EMB) {
            for (size_t i = 0; i < size; i++)
                p[i] = rng_normal(&r);
        } else {
            /* LSTMs: 1/sqrt(H); linear layers: 1/sqrt(fan_in), which is H for all
             * but W_out's (2H) */
            fill_uniform(p, size, t == NAO_ATT_OUT ? k2h : kh, &r);
        }
    }
}

void nao_train_end(struct nao *n)
{
    free(n->pool);
    free(n->target);
    free(n->order);
    n->pool = NULL;
    n->target = NULL;
    n->order = NULL;
    n->npool = n->epoch = n->epochs = 0;
    n->adam_t = 0;
}

struct nao *nao_new(const struct space *s, const struct nao_config *cfg, struct err *e)
{
    const char *f = s->name[0] ? s->name : "space";
    if (cfg->embed < 1 || cfg->hidden < 1 || cfg->embed > 4096 || cfg->hidden > 4096) {
        err_set(e, f, 0, 0, "NAO controller: embedding and hidden sizes must be 1 to 4096, got %d "
                "and %d", cfg->embed, cfg->hidden);
        return NULL;
    }
    if (cfg->batch < 1 || cfg->batch > 100000) {
        err_set(e, f, 0, 0, "NAO controller: batch must be 1 to 100000, got %d", cfg->batch);
        return NULL;
    }
    if (!(cfg->trade_off >= 0 && cfg->trade_off <= 1) || !(cfg->lr > 0) || !(cfg->clip >= 0) ||
        !isfinite(cfg->lr) || !isfinite(cfg->clip)) {
        err_set(e, f, 0, 0, "NAO controller: need 0 <= trade-off <= 1, a learning rate > 0 and a "
                "clip >= 0");
        return NULL;
    }
    if (s->nlayers < 1 || s->nchoices < 1) {
        err_set(e, f, 0, 0, "NAO controller: the space has no searchable layer");
        return NULL;
    }
    struct nao *n = calloc(1, sizeof *n);
    if (!n) {
        err_plain(e, "out of memory");
        return NULL;
    }
    n->space = *s;
    n->cfg = *cfg;
    n->V = s->nchoices + 1;
    n->L = s->nlayers;
    n->E = cfg->embed;
    n->H = cfg->hidden;
    n->nparams = tensor_offsets(n->V, n->E, n->H, n->off);
    n->w = calloc(n->nparams, sizeof *n->w);
    n->g = calloc(n->nparams, sizeof *n->g);
    n->adam_m = calloc(n->nparams, sizeof *n->adam_m);
    n->adam_v = calloc(n->nparams, sizeof *n->adam_v);
    n->work = work_new(cfg->batch, n->L, n->E, n->H, n->V);
    if (!n->w || !n->g || !n->adam_m || !n->adam_v || !n->work) {
        nao_free(n);
        err_plain(e, "out of memory");
        return NULL;
    }
    init_weights(n);
    return n;
}

void nao_free(struct nao *n)
{
    if (!n)
        return;
    nao_train_end(n);
    free(n->w);
    free(n->g);
    free(n->adam_m);
    free(n->adam_v);
    work_free(n->work);
    free(n);
}

/* ---- the forward ---- */

int nao_check(const struct nao *n, const struct arch *a, int count, struct err *e)
{
    for (int i = 0; i < count; i++)
        if (a[i].n != n->L || !arch_is_valid(&n->space, &a[i]))
            return err_set(e, n->space.name, 0, 0,
                           "NAO controller: architecture %d of %d is not one of the space's",
                           i + 1, count);
    return 0;
}

/* The tokens of B architectures: encoder inputs (= decoder targets) and the
 * decoder's teacher-forced inputs. */
static void set_tokens(struct nao *n, const struct arch *a, int B)
{
    struct nao_work *w = n->work;
    for (int t = 0; t < n->L; t++)
        for (int b = 0; b < B; b++) {
            w->tok[t * B + b] = a[b].choice[t];
            w->tin[t * B + b] = t == 0 ? n->V - 1 : a[b].choice[t - 1];
        }
}

/* Step t of r over B rows whose tokens are tok[B]: xh = [embedding of the
 * token ; h[t]], then the LSTM into h[t+1], c[t+1]. */
static void recur_forward(struct nao *n, struct recur *r, int t, int B, const int *tok)
{
    const int E = n->E, H = n->H;
    const size_t BH = (size_t)B * H;
    double *xh = r->xh + t * (size_t)B * (E + H);
    const double *emb = T(n, r->emb), *h = r->h + t * BH;
    for (int b = 0; b < B; b++) {
        double *row = xh + (size_t)b * (E + H);
        memcpy(row, emb + (size_t)tok[b] * E, (size_t)E * sizeof *row);
        memcpy(row + E, h + (size_t)b * H, (size_t)H * sizeof *row);
    }
    lstm_forward(r->h + (t + 1) * BH, r->c + (t + 1) * BH, r->gates + t * 4 * BH,
                 r->tc + t * BH, xh, r->c + t * BH, T(n, r->w), T(n, r->b), B, E, H);
}

/* Step t of r backward, given in the work's dh and dc the gradients reaching
 * h[t+1] and c[t+1]: the parameters' gradients added into n->g (the
 * embedding's at the rows of tok[B]), and dh, dc replaced by the gradients
 * of h[t] and c[t]. */
static void recur_backward(struct nao *n, const struct recur *r, int t, int B, const int *tok)
{
    struct nao_work *w = n->work;
    const int E = n->E, H = n->H;
    const size_t BH = (size_t)B * H;
    lstm_backward(w->dxh, w->dcp, G(n, r->w), G(n, r->b), w->dz, w->dh, w->dc,
                  r->gates + t * 4 * BH, r->tc + t * BH, r->c + t * BH,
                  r->xh + t * (size_t)B * (E + H), T(n, r->w), B, E, H);
    double *gemb = G(n, r->emb);
    for (int b = 0; b < B; b++) {
        const double *row = w->dxh + (size_t)b * (E + H);
        double *ge = gemb + (size_t)tok[b] * E;
        for (int k = 0; k < E; k++)
            ge[k] += row[k];
        memcpy(w->dh + (size_t)b * H, row + E, (size_t)H * sizeof *row);
    }
    memcpy(w->dc, w->dcp, BH * sizeof *w->dc);
}

/* The encoder over w->tok: the outputs o, the embeddings emb and the
 * predictions f of B rows. */
static void encode(struct nao *n, int B)
{
    struct nao_work *w = n->work;
    const int L = n->L, H = n->H;
    const size_t BH = (size_t)B * H;
    memset(w->enc.h, 0, BH * sizeof *w->enc.h);
    memset(w->enc.c, 0, BH * sizeof *w->enc.c);
    for (int t = 0; t < L; t++) {
        recur_forward(n, &w->enc, t, B, w->tok + t * B);
        for (int b = 0; b < B; b++)
            w->hn[t * B + b] = normalize(w->o + t * BH + (size_t)b * H,
                                         w->enc.h + (t + 1) * BH + (size_t)b * H, H);
    }
    const double *pw = T(n, NAO_PRED_W), pb = T(n, NAO_PRED_B)[0];
    for (int b = 0; b < B; b++) {
        double *m = w->m + (size_t)b * H;
        memset(m, 0, (size_t)H * sizeof *m);
        for (int t = 0; t < L; t++)
            for (int j = 0; j < H; j++)
                m[j] += w->o[t * BH + (size_t)b * H + j];
        for (int j = 0; j < H; j++)
            m[j] /= L;
        w->mn[b] = normalize(w->emb + (size_t)b * H, m, H);
        w->f[b] = sigmoid(dot(pw, w->emb + (size_t)b * H, H) + pb);
    }
}

/* Decoder step t of B rows over the inputs w->tin[t] and the encoder outputs
 * o [L][B][H]: the LSTM, the attention, and the logits into w->logp[t]. */
static void decode_step(struct nao *n, int t, int B, const double *o)
{
    struct nao_work *w = n->work;
    const int L = n->L, H = n->H, V = n->V;
    const size_t BH = (size_t)B * H;
    recur_forward(n, &w->dec, t, B, w->tin + t * B);
    const double *s = w->dec.h + (t + 1) * BH;
    double *q = w->q + t * BH, *cat = w->cat + t * 2 * BH, *u = w->u + t * BH;
    dense_forward(q, s, T(n, NAO_ATT_IN), NULL, B, H, H);
    for (int b = 0; b < B; b++) {
        double *a = w->alpha + ((size_t)t * B + b) * L, *ctx = cat + (size_t)b * 2 * H;
        const double *qb = q + (size_t)b * H;
        double mx = -INFINITY, sum = 0;
        for (int j = 0; j < L; j++) {
            a[j] = dot(qb, o + j * BH + (size_t)b * H, H);
            mx = a[j] > mx ? a[j] : mx;
        }
        for (int j = 0; j < L; j++)
            sum += a[j] = exp(a[j] - mx);
        memset(ctx, 0, (size_t)H * sizeof *ctx);
        for (int j = 0; j < L; j++) {
            a[j] /= sum;
            const double *oj = o + j * BH + (size_t)b * H;
            for (int k = 0; k < H; k++)
                ctx[k] += a[j] * oj[k];
        }
        memcpy(ctx + H, s + (size_t)b * H, (size_t)H * sizeof *ctx);
    }
    dense_forward(u, cat, T(n, NAO_ATT_OUT), NULL, B, 2 * H, H);
    for (size_t i = 0; i < BH; i++)
        u[i] = lstm_tanh(u[i]);
    dense_forward(w->logp + t * (size_t)B * V, u, T(n, NAO_OUT_W), T(n, NAO_OUT_B), B, H, V);
}

/* The decoder's state before its first step: h = c = emb [B][H]. */
static void decode_start(struct nao *n, int B, const double *emb)
{
    struct nao_work *w = n->work;
    memcpy(w->dec.h, emb, (size_t)B * n->H * sizeof *w->dec.h);
    memcpy(w->dec.c, emb, (size_t)B * n->H * sizeof *w->dec.c);
}

/* Teacher-forced decoding of B rows from w->emb over w->o: log-softmax into
 * w->logp. */
static void decode_forced(struct nao *n, int B)
{
    struct nao_work *w = n->work;
    const int V = n->V;
    decode_start(n, B, w->emb);
    for (int t = 0; t < n->L; t++) {
        decode_step(n, t, B, w->o);
        for (int b = 0; b < B; b++) {
            double *lp = w->logp + ((size_t)t * B + b) * V, mx = -INFINITY, sum = 0;
            for (int v = 0; v < V; v++)
                mx = lp[v] > mx ? lp[v] : mx;
            for (int v = 0; v < V; v++)
                sum += exp(lp[v] - mx);
            double lse = mx + log(sum);
            for (int v = 0; v < V; v++)
                lp[v] -= lse;
        }
    }
}

/* Greedy decoding of B rows from emb [B][H] over o [L][B][H], each step's
 * choice the most likely one its layer allows (the lowest index on a tie),
 * into out[B]. */
static void decode_greedy(struct nao *n, int B, const double *o, const double *emb,
                          struct arch *out)
{
    struct nao_work *w = n->work;
    const int L = n->L, V = n->V;
    decode_start(n, B, emb);
    for (int b = 0; b < B; b++) {
        out[b].n = L;
        w->tin[b] = V - 1;
    }
    for (int t = 0; t < L; t++) {
        decode_step(n, t, B, o);
        uint64_t allowed = n->space.allowed[t];
        for (int b = 0; b < B; b++) {
            const double *lg = w->logp + ((size_t)t * B + b) * V;
            int best = -1;
            for (int c = 0; c < V - 1; c++)
                if ((allowed >> c & 1) && (best < 0 || lg[c] > lg[best]))
                    best = c;
            out[b].choice[t] = best;
            if (t + 1 < L)
                w->tin[(t + 1) * B + b] = best;
        }
    }
}

/* ---- the backward ---- */

/* The gradient of the loss of the last nao_loss forward over B rows with
 * targets y, into n->g (cleared first). */
static void backward(struct nao *n, int B, const double *y)
{
    struct nao_work *w = n->work;
    const int L = n->L, H = n->H, V = n->V;
    const size_t BH = (size_t)B * H;
    const double kn = (1 - n->cfg.trade_off) / ((double)B * L), km = n->cfg.trade_off / B;
    memset(n->g, 0, n->nparams * sizeof *n->g);
    memset(w->dout, 0, (size_t)L * BH * sizeof *w->dout);
    memset(w->dh, 0, BH * sizeof *w->dh);
    memset(w->dc, 0, BH * sizeof *w->dc);

    /* the decoder, from its last step */
    for (int t = L - 1; t >= 0; t--) {
        const double *u = w->u + t * BH, *cat = w->cat + t * 2 * BH, *s = w->dec.h + (t + 1) * BH;
        const double *q = w->q + t * BH;
        for (int b = 0; b < B; b++) {
            const double *lp = w->logp + ((size_t)t * B + b) * V;
            double *dl = w->dlog + (size_t)b * V;
            for (int v = 0; v < V; v++)
                dl[v] = kn * exp(lp[v]);
            dl[w->tok[t * B + b]] -= kn;
        }
        memset(w->du, 0, BH * sizeof *w->du);
        dense_backward(w->du, G(n, NAO_OUT_W), G(n, NAO_OUT_B), w->dlog, u, T(n, NAO_OUT_W), B, H,
                       V);
        for (size_t i = 0; i < BH; i++)
            w->du[i] *= 1 - u[i] * u[i];
        memset(w->dcat, 0, 2 * BH * sizeof *w->dcat);
        dense_backward(w->dcat, G(n, NAO_ATT_OUT), NULL, w->du, cat, T(n, NAO_ATT_OUT), B, 2 * H,
                       H);
        for (int b = 0; b < B; b++) {
            const double *a = w->alpha + ((size_t)t * B + b) * L;
            const double *dctx = w->dcat + (size_t)b * 2 * H, *qb = q + (size_t)b * H;
            double *dhb = w->dh + (size_t)b * H, *dqb = w->dq + (size_t)b * H;
            double da[SPACE_MAX_LAYERS], ad = 0;
            for (int k = 0; k < H; k++)
                dhb[k] += dctx[H + k]; /* the decoder output's half of cat */
            /* ctx = sum_j a_j o_j, a = softmax(q . o_j) */
            for (int j = 0; j < L; j++) {
                const double *oj = w->o + j * BH + (size_t)b * H;
                double *doj = w->dout + j * BH + (size_t)b * H;
                da[j] = dot(dctx, oj, H);
                ad += a[j] * da[j];
                for (int k = 0; k < H; k++)
                    doj[k] += a[j] * dctx[k];
            }
            memset(dqb, 0, (size_t)H * sizeof *dqb);
            for (int j = 0; j < L; j++) {
                double ds = a[j] * (da[j] - ad);
                const double *oj = w->o + j * BH + (size_t)b * H;
                double *doj = w->dout + j * BH + (size_t)b * H;
                for (int k = 0; k < H; k++) {
                    dqb[k] += ds * oj[k];
                    doj[k] += ds * qb[k];
                }
            }
        }
        dense_backward(w->dh, G(n, NAO_ATT_IN), NULL, w->dq, s, T(n, NAO_ATT_IN), B, H, H);
        recur_backward(n, &w->dec, t, B, w->tin + t * B);
    }

    /* h0 = c0 = e; the predictor; e = normalize(m); m = mean o_t */
    double *gpw = G(n, NAO_PRED_W), *gpb = G(n, NAO_PRED_B);
    const double *pw = T(n, NAO_PRED_W);
    for (int b = 0; b < B; b++) {
        double *de = w->de + (size_t)b * H, *dm = w->du + (size_t)b * H;
        const double *eb = w->emb + (size_t)b * H;
        double f = w->f[b], dzp = km * 2 * (f - y[b]) * f * (1 - f);
        for (int k = 0; k < H; k++) {
            de[k] = w->dh[(size_t)b * H + k] + w->dc[(size_t)b * H + k] + dzp * pw[k];
            gpw[k] += dzp * eb[k];
        }
        gpb[0] += dzp;
        memset(dm, 0, (size_t)H * sizeof *dm);
        normalize_backward(dm, de, eb, w->mn[b], H);
        for (int t = 0; t < L; t++)
            for (int k = 0; k < H; k++)
                w->dout[t * BH + (size_t)b * H + k] += dm[k] / L;
    }

    /* the encoder, from its last step: o_t = normalize(h_t) */
    memset(w->dh, 0, BH * sizeof *w->dh);
    memset(w->dc, 0, BH * sizeof *w->dc);
    for (int t = L - 1; t >= 0; t--) {
        for (int b = 0; b < B; b++)
            normalize_backward(w->dh + (size_t)b * H, w->dout + t * BH + (size_t)b * H,
                               w->o + t * BH + (size_t)b * H, w->hn[t * B + b], H);
        recur_backward(n, &w->enc, t, B, w->tok + t * B);
    }
}

int nao_loss(struct nao *n, const struct arch *archs, const double *target, int count, int grad,
             struct nao_loss *out, struct err *e)
{
    if (count < 1 || count > n->cfg.batch)
        return err_set(e, n->space.name, 0, 0, "NAO controller: a batch of %d architectures, "
                       "need 1 to %d", count, n->cfg.batch);
    if (nao_check(n, archs, count, e))
        return -1;
    struct nao_work *w = n->work;
    const int B = count, L = n->L, V = n->V;
    set_tokens(n, archs, B);
    encode(n, B);
    decode_forced(n, B);
    double mse = 0, nll = 0;
    for (int b = 0; b < B; b++)
        mse += (w->f[b] - target[b]) * (w->f[b] - target[b]);
    for (int t = 0; t < L; t++)
        for (int b = 0; b < B; b++)
            nll -= w->logp[((size_t)t * B + b) * V + w->tok[t * B + b]];
    mse /= B;
    nll /= (double)B * L;
    if (out) {
        out->mse = mse;
        out->nll = nll;
        out->loss = n->cfg.trade_off * mse + (1 - n->cfg.trade_off) * nll;
    }
    if (grad)
        backward(n, B, target);
    return 0;
}

/* ---- training ---- */

int nao_train_begin(struct nao *n, const struct arch *archs, const double *acc, int count,
                    int epochs, struct err *e)
{
    if (count < 1 || epochs < 0)
        return err_set(e, n->space.name, 0, 0, "NAO controller: training needs architectures "
                       "and epochs >= 0, got %d and %d", count, epochs);
    if (nao_check(n, archs, count, e))
        return -1;
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < count; i++) {
        if (!isfinite(acc[i]))
            return err_set(e, n->space.name, 0, 0, "NAO controller: the accuracy of architecture "
                           "%d of %d is not a finite number", i + 1, count);
        lo = acc[i] < lo ? acc[i] : lo;
        hi = acc[i] > hi ? acc[i] : hi;
    }
    struct arch *pool = malloc((size_t)count * sizeof *pool);
    double *target = malloc((size_t)count * sizeof *target);
    int *order = malloc((size_t)count * sizeof *order);
    if (!pool || !target || !order) {
        free(pool);
        free(target);
        free(order);
        return err_plain(e, "out of memory");
    }
    nao_train_end(n);
    memcpy(pool, archs, (size_t)count * sizeof *pool);
    for (int i = 0; i < count; i++)
        target[i] = hi > lo ? (acc[i] - lo) / (hi - lo) : 0.5;
    n->pool = pool;
    n->target = target;
    n->order = order;
    n->npool = count;
    n->epochs = epochs;
    n->epoch = 0;
    n->adam_t = 0;
    memset(n->adam_m, 0, n->nparams * sizeof *n->adam_m);
    memset(n->adam_v, 0, n->nparams * sizeof *n->adam_v);
    return 0;
}

int nao_train_step(struct nao *n, struct nao_loss *out, struct err *e)
{
    if (!n->pool)
        return err_set(e, n->space.name, 0, 0, "NAO controller: no training round has begun");
    if (n->epoch >= n->epochs)
        return 0;
    struct nao_work *w = n->work;
    struct rng r;
    rng_seed(&r, n->cfg.seed, RNG_STREAM_CONTROLLER + 16 * (uint64_t)(1 + n->epochs_done));
    for (int i = 0; i < n->npool; i++)
        n->order[i] = i;
    rng_shuffle(&r, n->order, (size_t)n->npool);
    struct adam opt;
    adam_default(&opt);
    struct nao_loss sum = {0, 0, 0};
    for (int at = 0; at < n->npool; at += n->cfg.batch) {
        int B = n->npool - at < n->cfg.batch ? n->npool - at : n->cfg.batch;
        for (int b = 0; b < B; b++) {
            w->batch[b] = n->pool[n->order[at + b]];
            w->btarget[b] = n->target[n->order[at + b]];
        }
        struct nao_loss l;
        if (nao_loss(n, w->batch, w->btarget, B, 1, &l, e))
            return -1;
        clip_grad_norm(n->g, n->nparams, n->cfg.clip);
        adam_step(n->w, n->g, n->adam_m, n->adam_v, n->nparams, &opt, n->cfg.lr, ++n->adam_t);
        sum.loss += l.loss * B;
        sum.mse += l.mse * B;
        sum.nll += l.nll * B;
    }
    for (size_t i = 0; i < n->nparams; i++)
        if (!isfinite(n->w[i]))
            return err_set(e, n->space.name, 0, 0, "NAO controller: the weights diverged in "
                           "epoch %d", n->epoch + 1);
    if (out) {
        out->loss = sum.loss / n->npool;
        out->mse = sum.mse / n->npool;
        out->nll = sum.nll / n->npool;
    }
    n->epoch++;
    n->epochs_done++;
    return n->epoch < n->epochs;
}

int nao_train(struct nao *n, const struct arch *archs, const double *acc, int count, int epochs,
              struct nao_loss *last, struct err *e)
{
    if (last)
        *last = (struct nao_loss){0, 0, 0};
    if (nao_train_begin(n, archs, acc, count, epochs, e))
        return -1;
    while (n->epoch < n->epochs)
        if (nao_train_step(n, last, e) < 0)
            return -1;
    return 0;
}

/* ---- inference ---- */

/* Encodes count architectures in batches and keeps what is asked for (NULL:
 * not wanted): f [count], the greedy decoding out [count], the encoder
 * outputs o [count][L][H] and the embeddings emb [count][H]. */
static int infer(struct nao *n, const struct arch *archs, int count, double *f, struct arch *out,
                 double *o, double *emb, struct err *e)
{
    if (count < 0)
        return err_set(e, n->space.name, 0, 0, "NAO controller: %d architectures", count);
    if (nao_check(n, archs, count, e))
        return -1;
    struct nao_work *w = n->work;
    const int L = n->L, H = n->H;
    for (int at = 0; at < count; at += n->cfg.batch) {
        int B = count - at < n->cfg.batch ? count - at : n->cfg.batch;
        set_tokens(n, archs + at, B);
        encode(n, B);
        if (f)
            memcpy(f + at, w->f, (size_t)B * sizeof *f);
        if (emb)
            memcpy(emb + (size_t)at * H, w->emb, (size_t)B * H * sizeof *emb);
        for (int b = 0; o && b < B; b++)
            for (int t = 0; t < L; t++)
                memcpy(o + (((size_t)at + b) * L + t) * H, w->o + ((size_t)t * B + b) * H,
                       (size_t)H * sizeof *o);
        if (out)
            decode_greedy(n, B, w->o, w->emb, out + at);
    }
    return 0;
}

int nao_predict(struct nao *n, const struct arch *archs, int count, double *f, struct err *e)
{
    return infer(n, archs, count, f, NULL, NULL, NULL, e);
}

int nao_reconstruct(struct nao *n, const struct arch *archs, int count, struct arch *out,
                    struct err *e)
{
    return infer(n, archs, count, NULL, out, NULL, NULL, e);
}

int nao_encode(struct nao *n, const struct arch *archs, int count, double *o, double *emb,
               struct err *e)
{
    return infer(n, archs, count, NULL, NULL, o, emb, e);
}

/* The mean of L vectors o [L][H] (row stride `stride` doubles) normalised
 * into e [H]; returns |mean|. */
static double pool_outputs(double *e, const double *o, int L, int H, size_t stride)
{
    memset(e, 0, (size_t)H * sizeof *e);
    for (int t = 0; t < L; t++)
        for (int k = 0; k < H; k++)
            e[k] += o[t * stride + k];
    for (int k = 0; k < H; k++)
        e[k] /= L;
    return normalize(e, e, H);
}

double nao_predict_outputs(const struct nao *n, const double *o)
{
    double e[4096];
    pool_outputs(e, o, n->L, n->H, (size_t)n->H);
    return sigmoid(dot(T(n, NAO_PRED_W), e, n->H) + T(n, NAO_PRED_B)[0]);
}

/* df/do_t = f (1 - f) / (L |m|) (w - (w . e) e), from e = normalize(m), |m|
 * and f. */
static void outputs_grad(const struct nao *n, const double *e, double mn, double f, double *grad)
{
    const double *pw = T(n, NAO_PRED_W);
    double we = dot(pw, e, n->H), d = mn > NORM_EPS ? mn : NORM_EPS;
    double k = f * (1 - f) / (n->L * d);
    for (int j = 0; j < n->H; j++)
        grad[j] = k * (pw[j] - (mn > NORM_EPS ? we * e[j] : 0));
}

void nao_outputs_grad(const struct nao *n, const double *o, double *grad)
{
    double e[4096];
    double mn = pool_outputs(e, o, n->L, n->H, (size_t)n->H);
    double f = sigmoid(dot(T(n, NAO_PRED_W), e, n->H) + T(n, NAO_PRED_B)[0]);
    outputs_grad(n, e, mn, f, grad);
}

int nao_decode(struct nao *n, const double *o, int count, struct arch *out, struct err *e)
{
    if (count < 0)
        return err_set(e, n->space.name, 0, 0, "NAO controller: %d architectures", count);
    struct nao_work *w = n->work;
    const int L = n->L, H = n->H;
    for (int at = 0; at < count; at += n->cfg.batch) {
        int B = count - at < n->cfg.batch ? count - at : n->cfg.batch;
        const size_t BH = (size_t)B * H;
        for (int b = 0; b < B; b++) {
            for (int t = 0; t < L; t++)
                normalize(w->o + t * BH + (size_t)b * H, o + (((size_t)at + b) * L + t) * H, H);
            pool_outputs(w->emb + (size_t)b * H, w->o + (size_t)b * H, L, H, BH);
        }
        decode_greedy(n, B, w->o, w->emb, out + at);
    }
    return 0;
}
