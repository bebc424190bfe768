/* Unit tests of net (through model): whole networks of the fmnist spaces on
 * N = 4 images.
 *
 * Gradients.  net_backward against central differences of the mean
 * cross-entropy (net_forward in training mode, then
 * softmax_xent_forward_backward), for a sample of the weights of every part:
 * stem, the first block, the first strided block, an SE block, the last block,
 * head and classifier.  A ReLU network is a poor subject for finite
 * differences: a step of any size in an early weight moves thousands of
 * pre-activations, some across the kink (measured: ~40 crossings at a step of
 * 1e-4, where the loss's float noise already costs 1e-3), which leaves errors
 * of 10-30 % on single coordinates.  So the exact check runs on the same
 * spaces with every activation turned into hard-swish and the BN affine
 * parameters drawn so that pre-activations stay inside (-3, 3) (no kink is
 * crossed even at a step of 1e-2, and the differences agree to 1 %); the ReLU
 * default space itself gets a coarse check that a wrong sign or a lost term
 * would still fail: per part, the sampled analytic and numeric gradients must
 * point the same way (cosine >= 0.9) with norms within 25 %.
 *
 * Inference.  The inference workspace (net_reserve(n, N, 0): blocks in place,
 * shared buffers) against a training workspace in evaluation mode, evaluation
 * one image at a time, and the running statistics' update. */
#include "net.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"
#include "loss.h"
#include "model.h"

#define NB 4 /* images in a batch */

/* The default space: 6 choices, no SE, no skip. */
static const char *const arch_default =
    "k3e3-k3e3-k5e3-k3e3-k3e3-k3e6-k3e3-k3e3-k7e3-k3e3-k3e3-k3e3";
/* With SE and skip: 8 blocks, skips in three stages. */
static const char *const arch_se_skip =
    "k3e3s-skip-k5e3-k3e3s-skip-k3e3-k3e3-skip-k7e3s-k3e3-skip-k3e3s";

enum variant { DEFAULT_RELU, DEFAULT_HSWISH, SE_SKIP_RELU, SE_SKIP_HSWISH };

struct netp {
    struct space s;
    struct model *m;
    float *x, *dlogits;
    int y[NB];
};

static void netp_make(struct netp *p, enum variant v, uint64_t seed)
{
    struct err e;
    memset(p, 0, sizeof *p);
    int se_skip = v == SE_SKIP_RELU || v == SE_SKIP_HSWISH;
    int hswish = v == DEFAULT_HSWISH || v == SE_SKIP_HSWISH;
    if (se_skip)
        space_fmnist_variant(&p->s, 1, 1);
    else
        space_default_fmnist(&p->s);
    if (hswish) {
        p->s.stem_act = p->s.head_act = ACT_HSWISH;
        for (int c = 0; c < p->s.nchoices; c++)
            p->s.choices[c].act = ACT_HSWISH;
    }
    struct arch a;
    int rc = arch_parse(&p->s, se_skip ? arch_se_skip : arch_default, "test", &a, &e);
    CHECK(rc == 0);
    p->m = model_new(&p->s, &a, seed, &e);
    if (!p->m) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
    rc = net_reserve(&p->m->net, NB, 1, &e);
    CHECK(rc == 0);
    size_t nx = (size_t)p->s.in_c * p->s.in_h * p->s.in_w * NB;
    p->x = falloc(nx);
    p->dlogits = falloc((size_t)p->s.classes * NB);
    struct rng r;
    rng_seed(&r, seed, 7);
    fill_normal(p->x, nx, &r);
    for (int i = 0; i < NB; i++)
        p->y[i] = (int)rng_below(&r, (uint64_t)p->s.classes);
    /* BN affine parameters off 1 and 0; for hard-swish small enough that the
     * pre-activations stay inside (-3, 3) */
    float glo = hswish ? 0.3f : 0.5f, ghi = hswish ? 0.6f : 1.5f, bmax = hswish ? 0.2f : 0.5f;
    struct net *n = &p->m->net;
    fill_uniform(n->stem.gamma, p->s.stem_c, glo, ghi, &r);
    fill_uniform(n->stem.beta, p->s.stem_c, -bmax, bmax, &r);
    fill_uniform(n->head.gamma, p->s.head_c, glo, ghi, &r);
    fill_uniform(n->head.beta, p->s.head_c, -bmax, bmax, &r);
    for (int i = 0; i < n->nblocks; i++) {
        const struct block_desc *b = &n->desc[i];
        if (n->p[i].g1) {
            fill_uniform(n->p[i].g1, b->m, glo, ghi, &r);
            fill_uniform(n->p[i].b1, b->m, -bmax, bmax, &r);
        }
        fill_uniform(n->p[i].g2, b->m, glo, ghi, &r);
        fill_uniform(n->p[i].b2, b->m, -bmax, bmax, &r);
        fill_uniform(n->p[i].g3, b->cout, 0.5f, 1.5f, &r);
        fill_uniform(n->p[i].b3, b->cout, -0.5f, 0.5f, &r);
    }
}

static void netp_free(struct netp *p)
{
    model_free(p->m);
    free(p->x);
    free(p->dlogits);
}

/* Records the pieces of every activation of the last forward of n. */
static void net_kinks(struct kinks *k, const struct net *n)
{
    const struct space *s = n->s;
    const struct conv_dims *d = &n->stem_dims;
    size_t s0 = (size_t)d->Ho * d->Wo * n->N;
    kinks_add_bn(k, n->x0, n->stem_batch, n->stem_batch + s->stem_c, n->stem.gamma,
                 n->stem.beta, s->stem_c, s0, s->stem_act);
    for (int i = 0; i < n->nblocks; i++) {
        const struct block_desc *b = &n->desc[i];
        const struct block_cache *c = &n->cache[i];
        size_t sin = (size_t)b->h_in * b->w_in * n->N, sout = (size_t)b->h_out * b->w_out * n->N;
        if (b->e != 1)
            kinks_add_bn(k, c->x1, c->bn1.mean, c->bn1.invstd, n->p[i].g1, n->p[i].b1, b->m, sin,
                         b->act);
        kinks_add_bn(k, c->x2, c->bn2.mean, c->bn2.invstd, n->p[i].g2, n->p[i].b2, b->m, sout,
                     b->act);
        if (b->se) {
            kinks_add(k, c->se.h, (size_t)b->r * n->N, b->act);
            kinks_add(k, c->se.z, (size_t)b->m * n->N, ACT_HSIGMOID);
        }
    }
    size_t sh = (size_t)n->last_h * n->last_w * n->N;
    kinks_add_bn(k, n->xh, n->head_batch, n->head_batch + s->head_c, n->head.gamma, n->head.beta,
                 s->head_c, sh, s->head_act);
}

static double net_loss(void *ctx, struct kinks *k)
{
    struct netp *p = ctx;
    const float *logits = net_forward(&p->m->net, p->x, 1, 0.0f);
    net_kinks(k, &p->m->net);
    return softmax_xent_forward_backward(NULL, logits, p->y, p->s.classes, NB, NULL);
}

/* The gradient of the mean loss into p->m->g (cleared first). */
static void net_grad(struct netp *p)
{
    struct net *n = &p->m->net;
    model_zero_grad(p->m);
    const float *logits = net_forward(n, p->x, 1, 0.0f);
    softmax_xent_forward_backward(p->dlogits, logits, p->y, p->s.classes, NB, NULL);
    net_backward(n, p->x, p->dlogits);
}

/* ---- the weight tensors of a net ---- */

struct wt {
    char name[32];
    float *w;
    size_t n;
    int part; /* 0 stem, 1 + block index, 1 + nblocks head */
};

/* Every weight tensor of n, in order. */
static int net_tensors(struct wt *t, const struct net *n)
{
    const struct space *s = n->s;
    int k = 0;
#define T(nm, ptr, count, pt)                                                                      \
    do {                                                                                           \
        if (ptr) {                                                                                 \
            snprintf(t[k].name, sizeof t[k].name, "%s", nm);                                       \
            t[k].w = (ptr);                                                                        \
            t[k].n = (count);                                                                      \
            t[k].part = (pt);                                                                      \
            k++;                                                                                   \
        }                                                                                          \
    } while (0)
    T("stem.w", n->stem.w, (size_t)s->stem_c * s->in_c * s->stem_k * s->stem_k, 0);
    T("stem.gamma", n->stem.gamma, (size_t)s->stem_c, 0);
    T("stem.beta", n->stem.beta, (size_t)s->stem_c, 0);
    for (int i = 0; i < n->nblocks; i++) {
        const struct block_desc *b = &n->desc[i];
        const struct block_params *q = &n->p[i];
        size_t m = (size_t)b->m;
        char nm[32];
#define B(field, count)                                                                            \
    do {                                                                                           \
        snprintf(nm, sizeof nm, "blk%d.%s", i, #field);                                            \
        T(nm, q->field, (count), 1 + i);                                                           \
    } while (0)
        B(w_exp, m * b->cin);
        B(g1, m);
        B(b1, m);
        B(w_dw, m * b->k * b->k);
        B(g2, m);
        B(b2, m);
        B(w_se1, (size_t)b->r * m);
        B(b_se1, (size_t)b->r);
        B(w_se2, m * b->r);
        B(b_se2, m);
        B(w_proj, (size_t)b->cout * m);
        B(g3, (size_t)b->cout);
        B(b3, (size_t)b->cout);
#undef B
    }
    int h = 1 + n->nblocks;
    T("head.w", n->head.w, (size_t)s->head_c * n->last_c, h);
    T("head.gamma", n->head.gamma, (size_t)s->head_c, h);
    T("head.beta", n->head.beta, (size_t)s->head_c, h);
    T("fc_w", n->head.fc_w, (size_t)s->classes * s->head_c, h);
    T("fc_b", n->head.fc_b, (size_t)s->classes, h);
#undef T
    return k;
}

#define MAX_TENSORS (8 + 13 * SPACE_MAX_LAYERS)

/* The parts sampled: stem, the first block, the first strided block, the
 * first SE block after the first, the last block, head. */
static int part_checked(const struct net *n, int part)
{
    if (part == 0 || part == 1 + n->nblocks || part == 1 || part == n->nblocks)
        return 1;
    int strided = -1, se = -1;
    for (int i = 0; i < n->nblocks; i++) {
        if (strided < 0 && n->desc[i].stride == 2)
            strided = i;
        if (se < 0 && n->desc[i].se && i != 0)
            se = i;
    }
    return part == 1 + strided || part == 1 + se;
}

static const float *grad_of(const struct model *m, const float *w) { return m->g + (w - m->w); }

/* ---- exact check (hard-swish) ---- */

static void check_grad_exact(enum variant v, uint64_t seed)
{
    struct netp p;
    netp_make(&p, v, seed);
    struct model *m = p.m;
    struct net *n = &m->net;
    net_grad(&p);
    float *g1 = falloc(m->nparams);
    memcpy(g1, m->g, m->nparams * sizeof *g1);

    struct wt t[MAX_TENSORS];
    int nt = net_tensors(t, n);
    size_t total = 0;
    for (int i = 0; i < nt; i++)
        total += t[i].n;
    CHECK_EQ_INT(total, m->nparams); /* the tensors tile the model's weights */

    struct fd f;
    /* the loss is ~2.3 with float noise ~2e-8 (measured) */
    fd_init(&f, net_loss, &p, 1e-2, 1e-2, 1e-3, 1e-6);
    f.noise = 1e-7;
    for (int i = 0; i < nt; i++) {
        if (!part_checked(n, t[i].part))
            continue;
        size_t count = t[i].part == 0 || t[i].part == 1 + n->nblocks ? 4 : 2;
        if (strcmp(t[i].name, "fc_b") == 0)
            count = 0;
        fd_tensor_at(&f, t[i].name, t[i].w, grad_of(m, t[i].w), t[i].n, count, __FILE__,
                     __LINE__);
    }
    CHECK_FD_SKIPS(&f, 0.05);
    fd_done(&f);

    /* every tensor gets a gradient (nothing is left unbound or unreached) */
    for (int i = 0; i < nt; i++)
        if (!(absmax(g1 + (t[i].w - m->w), t[i].n) > 0))
            check_fail_msg(__FILE__, __LINE__, "%s has no gradient", t[i].name);

    /* a second forward/backward without zero_grad adds the same again */
    const float *logits = net_forward(n, p.x, 1, 0.0f);
    softmax_xent_forward_backward(p.dlogits, logits, p.y, p.s.classes, NB, NULL);
    net_backward(n, p.x, p.dlogits);
    double big = absmax(g1, m->nparams);
    int bad = 0;
    for (size_t i = 0; i < m->nparams && !bad; i++)
        if (!(fabs(m->g[i] - 2.0 * g1[i]) <= 1e-5 * fabs(g1[i]) + 1e-6 * big)) {
            check_fail_msg(__FILE__, __LINE__, "g[%zu] after two backwards: %g, want %g", i,
                           m->g[i], 2.0 * g1[i]);
            bad = 1;
        }
    free(g1);
    netp_free(&p);
}

static void test_grad_default_hswish(void) { check_grad_exact(DEFAULT_HSWISH, 1); }
static void test_grad_se_skip_hswish(void) { check_grad_exact(SE_SKIP_HSWISH, 2); }

/* ---- coarse check (ReLU) ---- */

static double plain_loss(struct netp *p)
{
    const float *logits = net_forward(&p->m->net, p->x, 1, 0.0f);
    return softmax_xent_forward_backward(NULL, logits, p->y, p->s.classes, NB, NULL);
}

static void check_grad_coarse(enum variant v, uint64_t seed)
{
    struct netp p;
    netp_make(&p, v, seed);
    struct model *m = p.m;
    struct net *n = &m->net;
    net_grad(&p);
    struct wt t[MAX_TENSORS];
    int nt = net_tensors(t, n);
    struct rng r;
    rng_seed(&r, seed, 9);
    const double h = 1e-3;
    /* per part: sums for the cosine and the norms of the sampled gradients */
    for (int part = 0; part <= 1 + n->nblocks; part++) {
        if (!part_checked(n, part))
            continue;
        double aa = 0, nn = 0, an = 0;
        int count = 0;
        for (int i = 0; i < nt; i++) {
            if (t[i].part != part)
                continue;
            for (int s = 0; s < 3; s++) {
                size_t j = (size_t)rng_below(&r, t[i].n);
                float *w = t[i].w + j, old = *w;
                float hi = (float)(old + h), lo = (float)(old - h);
                *w = hi;
                double lp = plain_loss(&p);
                *w = lo;
                double lm = plain_loss(&p);
                *w = old;
                double num = (lp - lm) / ((double)hi - lo), a = grad_of(m, w)[0];
                aa += a * a;
                nn += num * num;
                an += a * num;
                count++;
            }
        }
        double cosine = an / sqrt(aa * nn), ratio = sqrt(nn / aa);
        if (getenv("FD_VERBOSE"))
            printf("  part %d: cosine %.4f, |numeric| / |analytic| %.4f over %d\n", part, cosine,
                   ratio, count);
        if (!(cosine >= 0.9 && ratio >= 0.8 && ratio <= 1.25))
            check_fail_msg(__FILE__, __LINE__,
                           "part %d of the net (0 stem, %d head): cosine %.3f, norm ratio %.3f",
                           part, 1 + n->nblocks, cosine, ratio);
    }
    netp_free(&p);
}

static void test_grad_default_relu(void) { check_grad_coarse(DEFAULT_RELU, 3); }

/* ---- inference workspace ---- */

static void check_inference(enum variant v, uint64_t seed)
{
    struct netp a, b;
    struct err e;
    netp_make(&a, v, seed);
    netp_make(&b, v, seed); /* the same weights and images */
    struct rng r;
    rng_seed(&r, seed, 8);
    /* running statistics away from 0 / 1 (variances positive) */
    fill_uniform(a.m->stats, a.m->nstats, 0.5f, 1.5f, &r);
    memcpy(b.m->stats, a.m->stats, a.m->nstats * sizeof(float));
    CHECK(memcmp(a.m->w, b.m->w, a.m->nparams * sizeof(float)) == 0);
    int rc = net_reserve(&b.m->net, NB, 0, &e);
    CHECK(rc == 0);
    CHECK(b.m->net.dA == NULL && b.m->net.scratch == NULL); /* no backward buffers */

    size_t K = (size_t)a.s.classes * NB;
    float *la = falloc(K), *lb = falloc(K), *s0 = falloc(a.m->nstats);
    memcpy(s0, a.m->stats, a.m->nstats * sizeof *s0);
    memcpy(la, net_forward(&a.m->net, a.x, 0, BN_MOMENTUM), K * sizeof *la);
    memcpy(lb, net_forward(&b.m->net, b.x, 0, BN_MOMENTUM), K * sizeof *lb);
    double *want = dalloc(K);
    for (size_t i = 0; i < K; i++)
        want[i] = la[i];
    CHECK_ALL_NEAR(lb, want, K, 1e-5, 1e-5);
    CHECK(absmax(la, K) > 1e-3); /* not trivially zero */
    /* evaluation leaves the running statistics alone */
    CHECK_ALL_EQ(a.m->stats, s0, a.m->nstats);
    CHECK_ALL_EQ(b.m->stats, s0, b.m->nstats);

    /* a second inference forward gives the same (the in-place buffers were
     * fully rewritten) */
    const float *lb2 = net_forward(&b.m->net, b.x, 0, BN_MOMENTUM);
    CHECK_ALL_EQ(lb2, lb, K);

    /* the training workspace switched to inference and back keeps working */
    rc = net_reserve(&a.m->net, NB, 0, &e);
    CHECK(rc == 0);
    CHECK_ALL_NEAR(net_forward(&a.m->net, a.x, 0, BN_MOMENTUM), want, K, 1e-5, 1e-5);
    rc = net_reserve(&a.m->net, NB, 1, &e);
    CHECK(rc == 0);
    CHECK_ALL_NEAR(net_forward(&a.m->net, a.x, 0, BN_MOMENTUM), want, K, 1e-5, 1e-5);

    /* evaluation does not mix the images: one at a time gives the same columns */
    rc = net_reserve(&b.m->net, 1, 0, &e);
    CHECK(rc == 0);
    size_t pix = (size_t)a.s.in_c * a.s.in_h * a.s.in_w;
    float *one = falloc(pix);
    for (int i = 0; i < NB; i++) {
        for (size_t q = 0; q < pix; q++)
            one[q] = a.x[q * NB + i];
        const float *l1 = net_forward(&b.m->net, one, 0, BN_MOMENTUM);
        for (int c = 0; c < a.s.classes; c++)
            CHECK_NEAR(l1[c], la[(size_t)c * NB + i], 1e-5 * (1 + fabs(la[(size_t)c * NB + i])));
    }

    /* training mode with momentum moves the running statistics, with 0 not */
    net_forward(&a.m->net, a.x, 1, 0.0f);
    CHECK_ALL_EQ(a.m->stats, s0, a.m->nstats);
    net_forward(&a.m->net, a.x, 1, BN_MOMENTUM);
    size_t moved = 0;
    for (size_t i = 0; i < a.m->nstats; i++)
        moved += a.m->stats[i] != s0[i];
    CHECK(moved > a.m->nstats * 9 / 10);

    free(one);
    free(la);
    free(lb);
    free(s0);
    free(want);
    netp_free(&a);
    netp_free(&b);
}

static void test_inference_default(void) { check_inference(DEFAULT_RELU, 4); }
static void test_inference_se_skip(void) { check_inference(SE_SKIP_RELU, 5); }

/* The kernels' thread team (3 threads: gemm slices, per-channel loops) gives
 * the gradients of one thread up to rounding. */
static void test_threads(void)
{
    struct netp p;
    netp_make(&p, SE_SKIP_RELU, 6);
    struct model *m = p.m;
    size_t K = (size_t)p.s.classes * NB;
    float *g1 = falloc(m->nparams), *l1 = falloc(K);
    net_grad(&p);
    memcpy(g1, m->g, m->nparams * sizeof *g1);
    memcpy(l1, m->net.logits, K * sizeof *l1);
    struct ctx c3, c1;
    ctx_init(&c3, 3);
    net_grad(&p);
    ctx_init(&c1, 1);
    double *want = dalloc(m->nparams);
    for (size_t i = 0; i < m->nparams; i++)
        want[i] = g1[i];
    CHECK_ALL_NEAR(m->g, want, m->nparams, 1e-3, 1e-4 * absmax(g1, m->nparams));
    for (size_t i = 0; i < K; i++)
        want[i] = l1[i];
    CHECK_ALL_NEAR(m->net.logits, want, K, 1e-4, 1e-5);
    free(g1);
    free(l1);
    free(want);
    netp_free(&p);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_grad_default_hswish);
    RUN(test_grad_se_skip_hswish);
    RUN(test_grad_default_relu);
    RUN(test_inference_default);
    RUN(test_inference_se_skip);
    RUN(test_threads);
    return check_done();
}
