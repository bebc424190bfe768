/* Unit tests of nao: NAO's controller (src/nao.c), and its generation of
 * new architectures (src/naogen.c), which needs a trained controller.
 *
 * - The loss against a naive reference written out here one architecture at
 *   a time (the encoder, the predictor, the decoder with attention, as
 *   src/nao.h specifies them), and every parameter's gradient of the full
 *   loss against central differences in double, on three tiny controllers.
 * - The closed form of df/do_t against central differences of f as a
 *   function of the encoder outputs (no LSTM).
 * - Training on a synthetic pool (the target: the normalised parameter
 *   count): the loss falls, the predictor's Kendall tau on the pool rises,
 *   the controller reconstructs every architecture of the pool (Hamming
 *   distance 0), and ranks held-out architectures (pairwise accuracy);
 *   bit-identical with the same seed; the stepper's returns.  At NAO-V2's
 *   own sizes, a 50-architecture pool overfitted (Hamming distance 0).
 *   Across rounds the weights carry over and Adam's state restarts.
 * - Moves: a small move along the gradient raises f for every input;
 *   decoded moved architectures predict higher than their sources for most.
 * - Masked decoding is valid even when the logits favour what a layer does
 *   not allow; generation keeps only new, distinct, canonical architectures
 *   (the canonical form and sets: tests/test_archset.c).
 * - Errors. */
#include "nao.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archset.h"
#include "check.h"
#include "fdd.h"
#include "naogen.h"
#include "rank.h"

static struct nao *new_nao(const struct space *s, int embed, int hidden, int batch,
                           uint64_t seed)
{
    struct nao_config c;
    nao_config_default(&c);
    c.embed = embed;
    c.hidden = hidden;
    c.batch = batch;
    c.seed = seed;
    struct err e;
    struct nao *n = nao_new(s, &c, &e);
    if (!n) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
    return n;
}

static void random_archs(const struct space *s, struct arch *a, int count, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    for (int i = 0; i < count; i++)
        arch_random(s, &r, &a[i]);
}

/* Distinct (up to the canonical form) random architectures. */
static void distinct_archs(const struct space *s, struct arch *a, int count, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    struct archset set;
    struct err e;
    CHECK(archset_init(&set, s, &e) == 0);
    for (int i = 0; i < count;) {
        arch_random(s, &r, &a[i]);
        if (archset_add(&set, &a[i], &e) == 1)
            i++;
    }
    archset_done(&set);
}

/* ---- the reference forward, one architecture at a time ---- */

static double *P(const struct nao *n, enum nao_tensor t) { return n->w + nao_tensor(n, t, 0, 0); }

static double rsig(double z) { return 1 / (1 + exp(-z)); }

/* One LSTM step of one example, as the equations read. */
static void ref_lstm(double *h, double *c, const double *x, const double *w, const double *b,
                     int X, int H)
{
    double hn[64], cn[64];
    for (int j = 0; j < H; j++) {
        double z[4];
        for (int k = 0; k < 4; k++) {
            z[k] = b[k * H + j];
            for (int m = 0; m < X; m++)
                z[k] += w[(k * H + j) * (X + H) + m] * x[m];
            for (int m = 0; m < H; m++)
                z[k] += w[(k * H + j) * (X + H) + X + m] * h[m];
        }
        cn[j] = rsig(z[1]) * c[j] + rsig(z[0]) * tanh(z[2]);
        hn[j] = rsig(z[3]) * tanh(cn[j]);
    }
    memcpy(h, hn, (size_t)H * sizeof *h);
    memcpy(c, cn, (size_t)H * sizeof *c);
}

static void ref_unit(double *x, int H)
{
    double s = 0;
    for (int k = 0; k < H; k++)
        s += x[k] * x[k];
    for (int k = 0; k < H; k++)
        x[k] /= sqrt(s);
}

/* f and the NLL summed over the tokens of architecture a. */
static void ref_forward(const struct nao *n, const struct arch *a, double *f, double *nll)
{
    const int L = n->L, E = n->E, H = n->H, V = n->V;
    double o[SPACE_MAX_LAYERS][64], h[64] = {0}, c[64] = {0}, e[64] = {0};
    for (int t = 0; t < L; t++) {
        ref_lstm(h, c, P(n, NAO_ENC_EMB) + a->choice[t] * E, P(n, NAO_ENC_W), P(n, NAO_ENC_B), E,
                 H);
        memcpy(o[t], h, sizeof h);
        ref_unit(o[t], H);
        for (int k = 0; k < H; k++)
            e[k] += o[t][k] / L;
    }
    ref_unit(e, H);
    double z = P(n, NAO_PRED_B)[0];
    for (int k = 0; k < H; k++)
        z += P(n, NAO_PRED_W)[k] * e[k];
    *f = rsig(z);
    memcpy(h, e, sizeof h);
    memcpy(c, e, sizeof c);
    *nll = 0;
    for (int t = 0; t < L; t++) {
        int in = t == 0 ? V - 1 : a->choice[t - 1];
        ref_lstm(h, c, P(n, NAO_DEC_EMB) + in * E, P(n, NAO_DEC_W), P(n, NAO_DEC_B), E, H);
        double q[64], sc[SPACE_MAX_LAYERS], ctx[64] = {0}, u[64], sum = 0;
        for (int j = 0; j < H; j++) {
            q[j] = 0;
            for (int k = 0; k < H; k++)
                q[j] += P(n, NAO_ATT_IN)[j * H + k] * h[k];
        }
        for (int s = 0; s < L; s++) {
            sc[s] = 0;
            for (int k = 0; k < H; k++)
                sc[s] += q[k] * o[s][k];
            sum += exp(sc[s]);
        }
        for (int s = 0; s < L; s++)
            for (int k = 0; k < H; k++)
                ctx[k] += exp(sc[s]) / sum * o[s][k];
        for (int j = 0; j < H; j++) {
            double v = 0;
            for (int k = 0; k < H; k++)
                v += P(n, NAO_ATT_OUT)[j * 2 * H + k] * ctx[k] +
                     P(n, NAO_ATT_OUT)[j * 2 * H + H + k] * h[k];
            u[j] = tanh(v);
        }
        double lg[SPACE_MAX_CHOICES + 1], z2 = 0;
        for (int v = 0; v < V; v++) {
            lg[v] = P(n, NAO_OUT_B)[v];
            for (int k = 0; k < H; k++)
                lg[v] += P(n, NAO_OUT_W)[v * H + k] * u[k];
            z2 += exp(lg[v]);
        }
        *nll -= lg[a->choice[t]] - log(z2);
    }
}

/* ---- gradients ---- */

struct lossp {
    struct nao *n;
    const struct arch *a;
    const double *y;
    int count;
};

static double full_loss(void *ctx)
{
    struct lossp *p = ctx;
    struct nao_loss l;
    struct err e;
    CHECK(nao_loss(p->n, p->a, p->y, p->count, 0, &l, &e) == 0);
    return l.loss;
}

static void check_gradients(const struct space *s, int embed, int hidden, int count,
                            double trade_off, uint64_t seed)
{
    struct nao *n = new_nao(s, embed, hidden, count, seed);
    n->cfg.trade_off = trade_off;
    struct rng r;
    rng_seed(&r, seed, 1);
    /* weights away from the initial ones' scale, the predictor unsaturated */
    for (size_t i = 0; i < n->nparams; i++)
        n->w[i] *= 1.5;
    struct arch a[8];
    double y[8];
    random_archs(s, a, count, seed);
    fdd_fill(y, (size_t)count, 0, 1, &r);

    /* the loss against the naive reference */
    struct nao_loss l;
    struct err e;
    CHECK(nao_loss(n, a, y, count, 1, &l, &e) == 0);
    double mse = 0, nll = 0;
    for (int i = 0; i < count; i++) {
        double f, nl;
        ref_forward(n, &a[i], &f, &nl);
        mse += (f - y[i]) * (f - y[i]) / count;
        nll += nl / ((double)count * n->L);
    }
    CHECK_NEAR(l.mse, mse, 1e-12);
    CHECK_NEAR(l.nll, nll, 1e-12);
    CHECK_NEAR(l.loss, trade_off * mse + (1 - trade_off) * nll, 1e-12);
    CHECK(l.mse > 1e-3 && l.nll > 0.1); /* both parts of the loss are at work */

    double *g = dalloc(n->nparams);
    memcpy(g, n->g, n->nparams * sizeof *g);
    struct lossp p = {n, a, y, count};
    struct rng pick;
    rng_seed(&pick, 3, 0);
    for (int t = 0; t < NAO_NTENSORS; t++) {
        size_t size;
        const char *name;
        size_t off = nao_tensor(n, (enum nao_tensor)t, &size, &name);
        double scale = 0;
        for (size_t i = 0; i < size; i++)
            scale = fmax(scale, fabs(g[off + i]));
        CHECK(scale > 0); /* every tensor takes part */
        /* atol: the rounding of an O(1) loss divided by the step, 1e-16 / 1e-5 */
        FDD_CHECK(full_loss, &p, name, n->w + off, g + off, size, 0, &pick, 1e-5, 1e-6, 2e-10);
    }
    free(g);
    nao_free(n);
}

static void test_gradients(void)
{
    struct space tiny, skip;
    space_tiny(&tiny);
    space_fmnist_variant(&skip, 0, 1);
    check_gradients(&tiny, 3, 4, 5, 0.8, 1);     /* 4 layers, 3 choices */
    check_gradients(&skip, 4, 5, 3, 0.8, 2);     /* 12 layers, 7 choices with skip */
    check_gradients(&tiny, 5, 3, 4, 0.3, 3);     /* another weighting of the two losses */
}

/* ---- the closed form of df/do ---- */

struct outp {
    const struct nao *n;
    double *o;
};

static double f_of_outputs(void *ctx)
{
    struct outp *p = ctx;
    return nao_predict_outputs(p->n, p->o);
}

static void test_outputs_grad(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    struct nao *n = new_nao(&s, 4, 6, 10, 4);
    struct rng r;
    rng_seed(&r, 4, 1);
    fdd_fill(P(n, NAO_PRED_W), 6, -2, 2, &r);
    const int L = n->L, H = n->H;
    double *o = dalloc((size_t)L * H), *g = dalloc((size_t)L * H), gt[6];
    struct rng pick;
    rng_seed(&pick, 5, 0);
    for (int trial = 0; trial < 4; trial++) {
        /* unit outputs as the encoder makes them, then any outputs at all */
        fdd_fill(o, (size_t)L * H, -1, 1, &r);
        if (trial < 2)
            for (int t = 0; t < L; t++)
                ref_unit(o + t * H, H);
        P(n, NAO_PRED_B)[0] = trial - 1.5;
        nao_outputs_grad(n, o, gt);
        for (int t = 0; t < L; t++) /* the same vector for every t */
            memcpy(g + t * H, gt, sizeof gt);
        struct outp p = {n, o};
        double f = nao_predict_outputs(n, o);
        CHECK(f > 0.01 && f < 0.99);
        FDD_CHECK(f_of_outputs, &p, "o", o, g, (size_t)L * H, 0, &pick, 1e-6, 1e-6, 1e-10);
    }
    free(o);
    free(g);
    nao_free(n);
}

/* ---- training ---- */

/* The normalised parameter count of each architecture. */
static void param_targets(const struct space *s, const struct arch *a, int count, double *acc)
{
    for (int i = 0; i < count; i++)
        acc[i] = (double)arch_cost(s, &a[i]).params / 1e5;
}

static int hamming_total(const struct arch *a, const struct arch *b, int count)
{
    int d = 0;
    for (int i = 0; i < count; i++)
        d += arch_distance(&a[i], &b[i]);
    return d;
}

enum { POOL = 200, HELD = 100, EPOCHS = 300 };

struct trained {
    struct space s;
    struct nao *n;
    struct arch pool[POOL], held[HELD];
    double acc[POOL], acc_held[HELD];
    struct nao_loss first, last;
    double tau_before, tau_after;
};

/* A controller (embed 16, hidden 24, batch 25, lr 1e-2: a test-sized
 * round) trained on 200 architectures of fmnist-skip against their
 * parameter counts.  (With 100, the held-out pairwise accuracy is 0.72 to
 * 0.85 over seeds; with 200, 0.84 to 0.89.) */
static void train_pool(struct trained *t, uint64_t seed, int epochs)
{
    space_fmnist_variant(&t->s, 0, 1);
    t->n = new_nao(&t->s, 16, 24, 25, seed);
    t->n->cfg.lr = 1e-2;
    struct arch all[POOL + HELD];
    distinct_archs(&t->s, all, POOL + HELD, 77);
    memcpy(t->pool, all, sizeof t->pool);
    memcpy(t->held, all + POOL, sizeof t->held);
    param_targets(&t->s, t->pool, POOL, t->acc);
    param_targets(&t->s, t->held, HELD, t->acc_held);
    double f[POOL];
    struct err e;
    CHECK(nao_predict(t->n, t->pool, POOL, f, &e) == 0);
    t->tau_before = kendall_tau(f, t->acc, POOL);
    CHECK(nao_train_begin(t->n, t->pool, t->acc, POOL, epochs, &e) == 0);
    int rc, steps = 0;
    while ((rc = nao_train_step(t->n, steps == 0 ? &t->first : &t->last, &e)) == 1)
        steps++;
    CHECK_EQ_INT(rc, 0);
    CHECK_EQ_INT(steps + 1, epochs); /* 1 for every epoch but the last */
    CHECK_EQ_INT(nao_train_step(t->n, NULL, &e), 0); /* done: nothing more */
    CHECK_EQ_INT(t->n->epochs_done, epochs);
    CHECK(nao_predict(t->n, t->pool, POOL, f, &e) == 0);
    t->tau_after = kendall_tau(f, t->acc, POOL);
}

/* The controller test_train trains, which test_moves and test_generate use. */
static struct trained trained;

static void test_train(void)
{
    struct trained *t = &trained;
    train_pool(t, 9, EPOCHS);
    struct err e;
    if (getenv("NAO_VERBOSE"))
        printf("  loss %.4f -> %.4f (mse %.4f -> %.5f, nll %.3f -> %.4f), tau %.3f -> %.3f\n",
               t->first.loss, t->last.loss, t->first.mse, t->last.mse, t->first.nll, t->last.nll,
               t->tau_before, t->tau_after);
    CHECK(t->last.loss < 0.05 * t->first.loss);
    CHECK(t->last.mse < 0.2 * t->first.mse);
    CHECK(t->last.nll < 0.05 * t->first.nll);
    CHECK(t->tau_after > 0.9 && t->tau_after > t->tau_before + 0.3);

    /* autoencoding: every architecture of the pool comes back */
    struct arch rec[POOL];
    CHECK(nao_reconstruct(t->n, t->pool, POOL, rec, &e) == 0);
    int d = hamming_total(t->pool, rec, POOL);
    CHECK_EQ_INT(d, 0);

    /* held-out architectures: ranked by the predictor */
    double f[HELD];
    CHECK(nao_predict(t->n, t->held, HELD, f, &e) == 0);
    double pa = pairwise_accuracy(f, t->acc_held, HELD);
    CHECK(nao_reconstruct(t->n, t->held, HELD, rec, &e) == 0);
    int dh = hamming_total(t->held, rec, HELD);
    if (getenv("NAO_VERBOSE"))
        printf("  pool hamming %d; held-out pairwise accuracy %.3f, tau %.3f, hamming %.2f per "
               "architecture\n", d, pa, kendall_tau(f, t->acc_held, HELD), (double)dh / HELD);
    CHECK(pa >= 0.8);


    /* the same seed, the same bits; another seed, other weights */
    static struct trained u, u2, v;
    train_pool(&u, 9, 10);
    train_pool(&u2, 9, 10);
    train_pool(&v, 10, 10);
    size_t bytes = u.n->nparams * sizeof *u.n->w;
    CHECK(memcmp(u.n->w, u2.n->w, bytes) == 0);
    CHECK(memcmp(u.n->w, v.n->w, bytes) != 0);
    CHECK(u.last.loss == u2.last.loss && u.last.loss != v.last.loss);

    /* a round of 0 epochs: nothing trained, the weights kept */
    struct nao_loss last = {1, 1, 1};
    CHECK(nao_train(u.n, u.pool, u.acc, POOL, 0, &last, &e) == 0);
    CHECK(last.loss == 0 && memcmp(u.n->w, u2.n->w, bytes) == 0);
    nao_free(u.n);
    nao_free(u2.n);
    nao_free(v.n);
}

/* The controller overfits a pool of 50 architectures of fmnist-skip
 * (target: the parameter count): the reconstruction's Hamming distance over
 * the pool, far from 0 untrained, reaches 0 within 400 epochs of one round
 * (looked at every 25), and the predictor then orders the pool.  The
 * controller is test_train's test-sized one (embed 16, hidden 24, batch 25,
 * lr 1e-2): at NAO-V2's own sizes (embed and hidden 64, Adam at 1e-3,
 * batch 100) the same pool reaches 0 too, after 150 to 250 epochs over
 * seeds, but that takes 20 s alone, 100 s under the sanitizers, too long
 * for every CI run; nao_config_default's values are checked in
 * test_errors. */
static void test_overfit_pool(void)
{
    enum { N = 50, MAX_EPOCHS = 400, EVERY = 25 };
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    struct err e;
    struct nao *n = new_nao(&s, 16, 24, 25, 5);
    n->cfg.lr = 1e-2;
    struct arch a[N], rec[N];
    double acc[N], f[N];
    distinct_archs(&s, a, N, 21);
    for (int i = 0; i < N; i++)
        acc[i] = (double)arch_cost(&s, &a[i]).params;
    CHECK(nao_reconstruct(n, a, N, rec, &e) == 0);
    int d0 = hamming_total(a, rec, N), d = d0, epoch = 0;
    CHECK(d0 > N); /* more than one wrong layer an architecture */
    CHECK(nao_train_begin(n, a, acc, N, MAX_EPOCHS, &e) == 0);
    while (d > 0 && epoch < MAX_EPOCHS) {
        if (!CHECK(nao_train_step(n, NULL, &e) >= 0))
            break;
        if (++epoch % EVERY == 0) {
            CHECK(nao_reconstruct(n, a, N, rec, &e) == 0);
            d = hamming_total(a, rec, N);
        }
    }
    nao_train_end(n);
    CHECK(nao_predict(n, a, N, f, &e) == 0);
    double tau = kendall_tau(f, acc, N);
    if (getenv("NAO_VERBOSE"))
        printf("  hamming %d untrained, %d after %d epochs; tau on the pool %.3f\n", d0, d, epoch,
               tau);
    CHECK_EQ_INT(d, 0);
    CHECK(tau > 0.8);
    nao_free(n);
}

/* Rounds: the weights carry over from one round to the next and Adam's
 * state restarts.  A controller trained a round on one pool, then a round
 * on another, ends bit for bit as a fresh controller given the first's
 * weights after its first round (and its seed and count of epochs, which
 * name the order of training) and trained the second round alone; had Adam's
 * moments or step count carried over, the two would differ. */
static void test_rounds(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    struct nao *a = new_nao(&s, 8, 12, 16, 31), *b = new_nao(&s, 8, 12, 16, 31);
    struct arch p1[40], p2[40];
    double y1[40], y2[40];
    distinct_archs(&s, p1, 40, 33);
    distinct_archs(&s, p2, 40, 34);
    param_targets(&s, p1, 40, y1);
    param_targets(&s, p2, 40, y2);
    struct err e;
    size_t bytes = a->nparams * sizeof *a->w;
    CHECK(nao_train(a, p1, y1, 40, 5, NULL, &e) == 0);
    CHECK(a->adam_t == 5 * 3); /* 3 batches an epoch */
    memcpy(b->w, a->w, bytes);
    b->epochs_done = a->epochs_done;
    CHECK(nao_train_begin(a, p2, y2, 40, 4, &e) == 0);
    CHECK(a->adam_t == 0 && memcmp(a->w, b->w, bytes) == 0); /* restarted, weights kept */
    size_t moments = 0;
    for (size_t i = 0; i < a->nparams; i++)
        moments += a->adam_m[i] != 0 || a->adam_v[i] != 0;
    CHECK_EQ_INT(moments, 0);
    while (nao_train_step(a, NULL, &e) == 1)
        ;
    nao_train_end(a);
    CHECK(nao_train(b, p2, y2, 40, 4, NULL, &e) == 0);
    CHECK(memcmp(a->w, b->w, bytes) == 0);
    CHECK(a->epochs_done == 9 && b->epochs_done == 9);
    nao_free(a);
    nao_free(b);
}

/* ---- moves ---- */

static void test_moves(void)
{
    struct trained *t = &trained;
    struct nao *n = t->n;
    const int L = n->L, H = n->H;
    struct err e;
    double *o = dalloc((size_t)POOL * L * H), *o2 = dalloc((size_t)L * H);
    double *emb = dalloc((size_t)POOL * H), g[64];
    CHECK(nao_encode(n, t->pool, POOL, o, emb, &e) == 0);
    /* the encoder's outputs are those nao_predict uses: f agrees */
    double f[POOL];
    CHECK(nao_predict(n, t->pool, POOL, f, &e) == 0);
    int up = 0;
    for (int i = 0; i < POOL; i++) {
        const double *oi = o + (size_t)i * L * H;
        CHECK_NEAR(nao_predict_outputs(n, oi), f[i], 1e-12);
        /* a small step along the gradient raises f, then renormalised */
        nao_outputs_grad(n, oi, g);
        for (int s = 0; s < L; s++) {
            for (int k = 0; k < H; k++)
                o2[s * H + k] = oi[s * H + k] + 0.1 * g[k];
            ref_unit(o2 + s * H, H);
        }
        up += nao_predict_outputs(n, o2) > f[i];
    }
    CHECK_EQ_INT(up, POOL);

    /* decoded moved architectures: the first eta that changes each one */
    struct arch moved[POOL];
    int changed[POOL] = {0}, better = 0, tried = 0;
    struct arch first[POOL];
    for (int eta = 1; eta <= 50; eta++) {
        CHECK(naogen_move(n, t->pool, POOL, eta, moved, &e) == 0);
        for (int i = 0; i < POOL; i++) {
            CHECK(arch_is_valid(&t->s, &moved[i]));
            if (!changed[i] && !arch_equal(&moved[i], &t->pool[i])) {
                changed[i] = 1;
                first[i] = moved[i];
            }
        }
    }
    double fs[POOL], fm[POOL];
    CHECK(nao_predict(n, t->pool, POOL, fs, &e) == 0);
    CHECK(nao_predict(n, first, POOL, fm, &e) == 0);
    for (int i = 0; i < POOL; i++)
        if (changed[i]) {
            tried++;
            better += fm[i] > fs[i];
        }
    if (getenv("NAO_VERBOSE"))
        printf("  moved: %d of %d changed, %d of them predicted higher\n", tried, POOL, better);
    CHECK(tried >= POOL / 2);
    CHECK(better >= 0.7 * tried);

    /* eta 0 moves nothing: the reconstruction */
    struct arch rec[POOL];
    CHECK(naogen_move(n, t->pool, POOL, 0, moved, &e) == 0);
    CHECK(nao_reconstruct(n, t->pool, POOL, rec, &e) == 0);
    CHECK_EQ_INT(hamming_total(moved, rec, POOL), 0);
    free(o);
    free(o2);
    free(emb);
}

/* ---- decoding and generation ---- */

/* The output bias set to favour the start token most, then skip: greedy
 * decoding must still give each layer a choice it allows, skip where it is
 * allowed, and the best other choice where it is not. */
static void test_masked_decoding(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    struct nao *n = new_nao(&s, 8, 8, 40, 12);
    int skip = space_find_choice(&s, "skip");
    double *b = P(n, NAO_OUT_B);
    b[n->V - 1] = 100;
    b[skip] = 50;
    b[2] = 25; /* k5e3 */
    struct arch a[100], out[100];
    random_archs(&s, a, 100, 13);
    struct err e;
    CHECK(nao_reconstruct(n, a, 100, out, &e) == 0);
    int skipped = 0;
    for (int i = 0; i < 100; i++) {
        CHECK(arch_is_valid(&s, &out[i]));
        for (int l = 0; l < s.nlayers; l++) {
            int want = s.allowed[l] >> skip & 1 ? skip : 2;
            CHECK_EQ_INT(out[i].choice[l], want);
            skipped += out[i].choice[l] == skip;
        }
    }
    CHECK_EQ_INT(skipped, 100 * 9); /* skip where the 9 layers keep their shape */
    /* untrained and random: still valid, on the space without skip too */
    struct space f;
    space_default_fmnist(&f);
    struct nao *m = new_nao(&f, 8, 8, 40, 14);
    for (size_t i = 0; i < m->nparams; i++)
        m->w[i] *= 3;
    random_archs(&f, a, 100, 15);
    CHECK(nao_reconstruct(m, a, 100, out, &e) == 0);
    for (int i = 0; i < 100; i++)
        CHECK(arch_is_valid(&f, &out[i]));
    nao_free(n);
    nao_free(m);
}

static void test_generate(void)
{
    struct trained *t = &trained;
    struct nao *n = t->n;
    struct err e;
    enum { WANT = 30 };
    struct arch out[WANT];
    int eta;
    int got = naogen_generate(n, t->pool, t->acc, POOL, 20, WANT, 50, out, &eta, &e);
    if (getenv("NAO_VERBOSE"))
        printf("  generated %d of %d, last eta %d\n", got, WANT, eta);
    CHECK_EQ_INT(got, WANT);
    CHECK(eta >= 1 && eta <= 50);
    struct archset pool;
    CHECK(archset_init(&pool, &t->s, &e) == 0);
    for (int i = 0; i < POOL; i++)
        CHECK(archset_add(&pool, &t->pool[i], &e) >= 0);
    for (int i = 0; i < got; i++) {
        struct arch c;
        CHECK(arch_is_valid(&t->s, &out[i]));
        archset_canonical(&t->s, &out[i], &c);
        CHECK(arch_equal(&c, &out[i]));     /* returned in canonical form */
        CHECK(!archset_has(&pool, &out[i])); /* new */
        CHECK(archset_add(&pool, &out[i], &e) == 1); /* and distinct */
    }
    archset_done(&pool);
    /* the same call, the same list; a smaller want is its prefix */
    struct arch again[WANT];
    int eta2;
    CHECK_EQ_INT(
        naogen_generate(n, t->pool, t->acc, POOL, 20, WANT / 2, 50, again, &eta2, &e), WANT / 2);
    CHECK(eta2 <= eta);
    for (int i = 0; i < WANT / 2; i++)
        CHECK(arch_equal(&again[i], &out[i]));
    /* eta stops the search: none at all with max_eta 0 */
    CHECK_EQ_INT(naogen_generate(n, t->pool, t->acc, POOL, 20, WANT, 0, again, &eta2, &e), 0);
    CHECK_EQ_INT(eta2, 0);
}

/* ---- errors ---- */

static void test_errors(void)
{
    struct space s;
    space_tiny(&s);
    struct nao_config c;
    nao_config_default(&c);
    CHECK(c.embed == 64 && c.hidden == 64 && c.trade_off == 0.8 && c.lr == 1e-3 &&
          c.clip == 5 && c.batch == 100);
    struct err e;
    c.hidden = 0;
    CHECK(nao_new(&s, &c, &e) == NULL);
    CHECK_STR(e.msg, "tiny: error: NAO controller: embedding and hidden sizes must be 1 to 4096, "
                     "got 64 and 0");
    nao_config_default(&c);
    c.trade_off = 1.5;
    CHECK(nao_new(&s, &c, &e) == NULL);
    nao_config_default(&c);
    c.batch = 4;
    struct nao *n = nao_new(&s, &c, &e);
    CHECK(n != NULL);
    CHECK(nao_train_step(n, NULL, &e) == -1);
    CHECK_STR(e.msg, "tiny: error: NAO controller: no training round has begun");
    struct arch a[5];
    double y[5] = {0, 0.5, 1, 0.2, 0.3};
    random_archs(&s, a, 5, 1);
    CHECK(nao_loss(n, a, y, 5, 1, NULL, &e) == -1); /* more than a batch */
    CHECK_STR(e.msg, "tiny: error: NAO controller: a batch of 5 architectures, need 1 to 4");
    a[2].choice[1] = 3; /* tiny has 3 choices */
    CHECK(nao_train(n, a, y, 5, 1, NULL, &e) == -1);
    CHECK_STR(e.msg, "tiny: error: NAO controller: architecture 3 of 5 is not one of the space's");
    a[2].choice[1] = 0;
    y[4] = NAN;
    CHECK(nao_train_begin(n, a, y, 5, 1, &e) == -1);
    CHECK_STR(e.msg, "tiny: error: NAO controller: the accuracy of architecture 5 of 5 is not a "
                     "finite number");
    CHECK(naogen_generate(n, a, y, 5, 3, 2, 10, a, NULL, &e) == -1);
    y[4] = 0.1;
    CHECK(naogen_generate(n, a, y, 5, 0, 2, 10, a, NULL, &e) == -1);
    /* a pool of equal accuracies trains toward 0.5 */
    double same[5] = {0.7, 0.7, 0.7, 0.7, 0.7};
    CHECK(nao_train_begin(n, a, same, 5, 1, &e) == 0);
    for (int i = 0; i < 5; i++)
        CHECK(n->target[i] == 0.5);
    nao_free(n);
    nao_free(NULL);
}

int main(void)
{
    RUN(test_gradients);
    RUN(test_outputs_grad);
    RUN(test_masked_decoding);
    RUN(test_errors);
    RUN(test_train);
    RUN(test_overfit_pool);
    RUN(test_rounds);
    RUN(test_moves);
    RUN(test_generate);
    nao_free(trained.n);
    return check_done();
}
