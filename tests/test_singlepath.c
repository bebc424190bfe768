/* Unit tests of spnet and singlepath: the Single-Path NAS network and its
 * search.
 *
 * The runtime term: at thresholds 0 it is the largest architecture's table
 * sum; with hard decisions it is the table's prediction of the decoded
 * architecture, to the bit; its derivatives against central differences.
 * The whole network's gradient (cross-entropy and lambda ln R) against
 * central differences in the sigmoid-forward mode, for every threshold and
 * weights through the norms.  Training: the loss of a short run falls; the
 * final runtime falls as lambda grows, and a huge lambda gives the smallest
 * network; a run saved and resumed is bit-identical to one that was not;
 * a resume with other settings or of another file is refused; a trial
 * forked from a warm-up with another lambda equals, to the bit, an
 * uninterrupted run with that lambda, and a fork past the warm-up is
 * refused.
 *
 * A small space keeps it fast: tests/spfixture.h's micro space, random
 * images and a roofline device model. */
#include "singlepath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ckpt.h"
#include "ctx.h"
#include "gradcheck.h"
#include "spfixture.h"

/* ---- spaces and tables refused ---- */

static void test_refused(void)
{
    struct space s, f;
    struct latency_table t;
    struct err e;
    space_builtin(&s, "tiny");
    device_table(&t, &s);
    CHECK(spnet_new(&s, &t, 0, &e) == NULL);
    CHECK(strncmp(e.msg, "tiny: error: Single-Path NAS cannot search", 42) == 0);
    space_builtin(&f, "fmnist");
    space_builtin(&s, "fmnist-skip");
    device_table(&t, &f); /* a table of another space */
    CHECK(spnet_new(&s, &t, 0, &e) == NULL);
    CHECK(strstr(e.msg, "the latency table is for space fmnist, not fmnist-skip") != NULL);
}

/* ---- the runtime term ---- */

static void test_runtime_largest(void)
{
    const char *names[] = {"fmnist", "fmnist-se", "fmnist-skip", "fmnist-se-skip"};
    const char *largest[] = {"k7e6", "k7e6s", "k7e6", "k7e6s"};
    for (int i = 0; i < 4; i++) {
        struct space s;
        struct latency_table t;
        struct err e;
        space_builtin(&s, names[i]);
        device_table(&t, &s);
        struct spnet *n = spnet_new(&s, &t, 1, &e);
        if (!CHECK(n != NULL))
            continue;
        struct spnet_readout r;
        spnet_readout(n, &r);
        struct arch big;
        uniform_arch(&big, &s, largest[i], 0);
        CHECK(memcmp(&r.arch, &big, sizeof big) == 0);
        CHECK(r.runtime_ms == latency_predict(&t, &big));
        /* and every decision at 0 starts on */
        for (int l = 0; l < s.nlayers; l++)
            for (int j = 0; j < SK_NDEC; j++) {
                CHECK(r.ind[l][j] == 1);
                CHECK(r.threshold[l][j] == 0);
                if ((r.dec[l] >> j) & 1)
                    CHECK(r.norm[l][j] > 0);
            }
        spnet_free(n);
    }
}

static void test_runtime_hard(void)
{
    const char *names[] = {"fmnist-se-skip", "fmnist-skip", "fmnist-se"};
    struct rng r;
    rng_seed(&r, 2, 0);
    for (int i = 0; i < 3; i++) {
        struct space s;
        struct latency_table t;
        struct err e;
        space_builtin(&s, names[i]);
        device_table(&t, &s);
        struct spnet *n = spnet_new(&s, &t, 1, &e);
        if (!CHECK(n != NULL))
            continue;
        /* random architectures: encoded, R is the table's prediction */
        for (int trial = 0; trial < 200; trial++) {
            struct arch a = {s.nlayers, {0}};
            for (int l = 0; l < s.nlayers; l++)
                do
                    a.choice[l] = (int)rng_below(&r, (uint64_t)s.nchoices);
                while (!((s.allowed[l] >> a.choice[l]) & 1));
            float ind[SPACE_MAX_LAYERS][SK_NDEC];
            CHECK(spnet_encode(n, &a, ind, &e) == 0);
            CHECK(spnet_runtime(n, (const float(*)[SK_NDEC])ind, NULL) == latency_predict(&t, &a));
        }
        /* random thresholds: the read-off decodes, and R is its prediction */
        for (int trial = 0; trial < 20; trial++) {
            for (int l = 0; l < s.nlayers; l++)
                for (int j = 0; j < SK_NDEC; j++) {
                    n->p[l].t[j] = rng_below(&r, 2) ? 1e3f : -1e3f;
                }
            struct spnet_readout ro;
            spnet_readout(n, &ro);
            CHECK(arch_is_valid(&s, &ro.arch));
            CHECK(ro.runtime_ms == latency_predict(&t, &ro.arch));
            float back[SPACE_MAX_LAYERS][SK_NDEC];
            CHECK(spnet_encode(n, &ro.arch, back, &e) == 0);
            for (int l = 0; l < s.nlayers; l++)
                CHECK_EQ_INT(sk_decode(&n->grid, l, back[l]), ro.arch.choice[l]);
        }
        /* dR / d ind against central differences at soft indicators */
        float ind[SPACE_MAX_LAYERS][SK_NDEC], dR[SPACE_MAX_LAYERS][SK_NDEC];
        for (int l = 0; l < s.nlayers; l++)
            for (int j = 0; j < SK_NDEC; j++)
                ind[l][j] = 0.1f + 0.8f * rng_uniform(&r);
        spnet_runtime(n, (const float(*)[SK_NDEC])ind, dR);
        for (int l = 0; l < s.nlayers; l++)
            for (int j = 0; j < SK_NDEC; j++) {
                float old = ind[l][j];
                ind[l][j] = old + 1e-2f;
                double hi = spnet_runtime(n, (const float(*)[SK_NDEC])ind, NULL);
                ind[l][j] = old - 1e-2f;
                double lo = spnet_runtime(n, (const float(*)[SK_NDEC])ind, NULL);
                ind[l][j] = old;
                double num = (hi - lo) / ((double)(old + 1e-2f) - (double)(old - 1e-2f));
                int present = (n->grid.dec[l] >> j) & 1;
                CHECK_NEAR(dR[l][j], present ? num : 0, 1e-5 * (1 + fabs(num)));
                if (present)
                    CHECK(dR[l][j] > 0); /* every decision on costs more */
            }
        spnet_free(n);
    }
}

/* ---- the whole network's gradient ---- */

struct netfd {
    struct spnet *n;
    float *x, *dl;
    int *y;
    double lambda;
};

static double net_loss(void *ctx, struct kinks *k)
{
    struct netfd *f = ctx;
    struct spnet *n = f->n;
    double L = spnet_loss(n, f->x, f->y, f->dl, f->lambda, 0.1f, 0.0f, NULL);
    const struct space *s = &n->space;
    const struct net *ends = &n->ends;
    size_t s0 = (size_t)ends->stem_dims.Ho * ends->stem_dims.Wo * n->N;
    kinks_add_bn(k, ends->x0, ends->stem_batch, ends->stem_batch + s->stem_c, ends->stem.gamma,
                 ends->stem.beta, s->stem_c, s0, s->stem_act);
    for (int l = 0; l < s->nlayers; l++) {
        const struct block_desc *b = &n->desc[l].b;
        const struct block_cache *c = &n->cache[l].c;
        const struct block_params *p = &n->p[l].p;
        size_t si = (size_t)b->h_in * b->w_in * n->N, so = (size_t)b->h_out * b->w_out * n->N;
        kinks_add_bn(k, c->x1, c->bn1.mean, c->bn1.invstd, p->g1, p->b1, b->m, si, b->act);
        kinks_add_bn(k, c->x2, c->bn2.mean, c->bn2.invstd, p->g2, p->b2, b->m, so, b->act);
        if (b->se) {
            kinks_add(k, c->se.h, (size_t)b->r * n->N, b->act);
            kinks_add(k, c->se.z, (size_t)b->m * n->N, ACT_HSIGMOID);
        }
    }
    size_t sh = (size_t)ends->last_h * ends->last_w * n->N;
    kinks_add_bn(k, ends->xh, ends->head_batch, ends->head_batch + s->head_c, ends->head.gamma,
                 ends->head.beta, s->head_c, sh, s->head_act);
    return L;
}

static void check_net_fd(int se, double lambda, uint64_t seed)
{
    struct space s;
    micro_space(&s, se);
    struct latency_table t;
    device_table(&t, &s);
    struct err e;
    struct spnet *n = spnet_new(&s, &t, seed, &e);
    if (!CHECK(n != NULL))
        return;
    const int N = 4;
    CHECK(spnet_reserve(n, N, 1, &e) == 0);
    struct rng r;
    rng_seed(&r, seed, 7);
    struct netfd f = {n, falloc((size_t)28 * 28 * N), falloc((size_t)10 * N), NULL, lambda};
    f.y = calloc(N, sizeof(int));
    fill_normal(f.x, (size_t)28 * 28 * N, &r);
    for (int i = 0; i < N; i++)
        f.y[i] = (int)rng_below(&r, 10);
    /* soft indicators with thresholds near their norms */
    struct spnet_readout ro;
    spnet_readout(n, &ro);
    for (int l = 0; l < s.nlayers; l++) {
        n->run[l].soft = 1;
        for (int j = 0; j < SK_NDEC; j++)
            n->p[l].t[j] = ro.norm[l][j] + (rng_uniform(&r) - 0.5f);
    }
    net_loss(&f, NULL);
    float *grad = falloc(n->nparams);
    memcpy(grad, n->g, n->nparams * sizeof(float));
    struct fd fd;
    fd_init(&fd, net_loss, &f, 1e-3, 2e-2, 2e-3, 1e-2);
    fd.noise = 2e-7;
    size_t nt = n->nparams - n->nweights;
    FD_TENSOR(&fd, "thresholds", n->w + n->thresh_off, grad + n->thresh_off, nt, 0);
    for (int l = 0; l < s.nlayers; l++) {
        const struct block_params *p = &n->p[l].p;
        size_t M = (size_t)n->desc[l].b.m;
        FD_TENSOR(&fd, "w_dw", p->w_dw, grad + (p->w_dw - n->w), M * 49, 10);
        if (p->w_se1)
            FD_TENSOR(&fd, "w_se1", p->w_se1, grad + (p->w_se1 - n->w),
                      M * (size_t)n->desc[l].b.r, 6);
    }
    /* (the stem's own backward is test_net's: a step of one of its weights
     * moves every activation and crosses kinks) */
    float *fc = n->ends.head.fc_w;
    FD_TENSOR(&fd, "fc_w", fc, grad + (fc - n->w), (size_t)s.classes * s.head_c, 8);
    CHECK_FD_SKIPS(&fd, 0.15);
    fd_done(&fd);
    /* every threshold present got a gradient, the absent ones none */
    for (int l = 0; l < s.nlayers; l++)
        for (int j = 0; j < SK_NDEC; j++) {
            float gt = grad[n->thresh_off + (size_t)l * SK_NDEC + j];
            CHECK(((n->desc[l].dec >> j) & 1) ? gt != 0 : gt == 0);
        }
    free(grad);
    free(f.x);
    free(f.dl);
    free(f.y);
    spnet_free(n);
}

static void test_net_fd(void)
{
    check_net_fd(0, 0, 10);
    check_net_fd(1, 2.0, 11);
}

/* A huge lambda: the runtime dominates, and in hard mode every threshold's
 * gradient is negative (descent raises it, switching the decision off). */
static void test_runtime_pushes(void)
{
    struct space s;
    micro_space(&s, 1);
    struct latency_table t;
    device_table(&t, &s);
    struct err e;
    struct spnet *n = spnet_new(&s, &t, 3, &e);
    if (!CHECK(n != NULL))
        return;
    const int N = 4;
    CHECK(spnet_reserve(n, N, 1, &e) == 0);
    struct rng r;
    rng_seed(&r, 3, 7);
    float *x = falloc((size_t)28 * 28 * N), *dl = falloc((size_t)10 * N);
    int y[4] = {1, 2, 3, 4};
    fill_normal(x, (size_t)28 * 28 * N, &r);
    struct spnet_loss lo;
    spnet_loss(n, x, y, dl, 1e4, 0.1f, 0, &lo);
    CHECK(lo.runtime_ms > t.overhead_ms);
    CHECK_NEAR(lo.total, lo.ce + 1e4 * log(lo.runtime_ms), 1e-9 * lo.total);
    for (int l = 0; l < s.nlayers; l++)
        for (int j = 0; j < SK_NDEC; j++)
            if ((n->desc[l].dec >> j) & 1)
                CHECK(n->p[l].t[j] == 0 && n->gp[l].t[j] < 0);
    free(x);
    free(dl);
    spnet_free(n);
}

/* ---- training ---- */

/* Mean cross-entropy of the first and the last epoch of a run at lr (per
 * 256), no lambda, no warm-up. */
static void test_loss_falls(void)
{
    struct fixture f;
    fixture_open(&f, 0, 64);
    f.cfg.epochs = 12;
    f.cfg.lr = 0.5;
    f.cfg.lambda = 0;
    f.cfg.warmup_epochs = 0;
    f.cfg.label_smoothing = 0;
    struct singlepath t;
    struct err e;
    if (!CHECK(singlepath_init(&t, &f.s, &f.t, &f.train, &f.cfg, NULL, &e) == 0)) {
        printf("  %s\n", e.msg);
        dataset_done(&f.d);
        return;
    }
    double first = 0, last = 0;
    int spe = t.steps_per_epoch, rc;
    while ((rc = singlepath_step(&t, &e)) >= 0) {
        if (t.epoch == 0)
            first += t.loss.ce / spe;
        if (t.epoch == f.cfg.epochs - 1)
            last += t.loss.ce / spe;
        CHECK(!t.warm && t.lambda == 0);
        if (rc == 0)
            break;
    }
    CHECK(rc == 0);
    CHECK_EQ_INT(t.step, t.total);
    CHECK(singlepath_step(&t, &e) == 0); /* complete: nothing done */
    if (!CHECK(last < 0.7 * first))
        printf("  first epoch %.4f, last %.4f\n", first, last);
    double acc, loss;
    size_t ns = t.net->nstats * sizeof(float);
    float *before = malloc(ns), *once = malloc(ns);
    memcpy(before, t.net->stats, ns);
    CHECK(singlepath_evaluate(&t, &f.val, 16, &acc, &loss, &e) == 0);
    CHECK(acc >= 0 && acc <= 1 && loss > 0 && isfinite(loss));
    /* the recalibration is put back: the search's statistics are untouched */
    CHECK(memcmp(before, t.net->stats, ns) == 0);
    /* without it the score differs: the search's statistics mix every
     * decision it tried, the recalibrated ones are the hard decisions' */
    t.cfg.calib_images = 0;
    double acc0, loss0;
    CHECK(singlepath_evaluate(&t, &f.val, 16, &acc0, &loss0, &e) == 0);
    if (!CHECK(loss0 != loss))
        printf("  loss %.9g with and without recalibration\n", loss);
    /* a recalibration replaces the statistics: twice on the same images
     * gives the same bytes, whatever they were before */
    CHECK(spnet_recalibrate(t.net, &f.train, 64, 16, &e) == 0);
    memcpy(once, t.net->stats, ns);
    CHECK(memcmp(before, once, ns) != 0);
    CHECK(spnet_recalibrate(t.net, &f.train, 64, 16, &e) == 0);
    CHECK(memcmp(once, t.net->stats, ns) == 0);
    memcpy(t.net->stats, before, ns);
    free(before);
    free(once);
    /* evaluation leaves the run settings alone, and training goes on */
    for (int l = 0; l < f.s.nlayers; l++)
        CHECK(t.net->run[l].scale[0] == 1 && !t.net->run[l].soft);
    singlepath_done(&t);
    dataset_done(&f.d);
}

/* The final read-off runtime after a short search at lambda. */
static double search_runtime(struct fixture *f, double lambda, struct arch *a)
{
    struct spnet_readout r;
    if (fixture_search(f, lambda, &r))
        return NAN;
    *a = r.arch;
    CHECK(r.runtime_ms == latency_predict(&f->t, &r.arch));
    return r.runtime_ms;
}

static void test_lambda_sweep(void)
{
    struct fixture f;
    fixture_open(&f, 1, 64);
    f.cfg.epochs = 6;
    f.cfg.lr = 0.5;
    f.cfg.warmup_epochs = 2;
    /* (at this seed R steps down at lambda 3, 5, 7, 10 and 50; each
     * lambda here is inside a plateau) */
    const double lambdas[] = {0, 1.5, 3.5, 20, 1e4};
    double R[5];
    struct arch a[5];
    char buf[256];
    for (int i = 0; i < 5; i++) {
        R[i] = search_runtime(&f, lambdas[i], &a[i]);
        arch_format(&f.s, &a[i], buf, sizeof buf);
        if (getenv("SP_VERBOSE"))
            printf("  lambda %g: R %.4f ms, %s\n", lambdas[i], R[i], buf);
    }
    int falls = 0;
    for (int i = 1; i < 5; i++) {
        CHECK(R[i] <= R[i - 1]);
        falls += R[i] < R[i - 1];
    }
    CHECK(falls >= 3);
    struct arch small, big;
    uniform_arch(&small, &f.s, "k3e2", 1);
    uniform_arch(&big, &f.s, "k7e4s", 0);
    CHECK(memcmp(&a[4], &small, sizeof small) == 0);
    CHECK(R[4] == latency_predict(&f.t, &small));
    CHECK(R[0] <= latency_predict(&f.t, &big));
    dataset_done(&f.d);
}

/* ---- save and resume ---- */

static void test_resume(void)
{
    struct fixture f;
    fixture_open(&f, 1, 48);
    f.cfg.epochs = 3;
    f.cfg.lr = 0.5;
    f.cfg.lambda = 1;
    f.cfg.warmup_epochs = 1.5; /* the save falls inside the warm-up, the end after it */
    char dir[64], path[96], other[96];
    snprintf(dir, sizeof dir, "/tmp/oneshot-test-singlepath-XXXXXX");
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    snprintf(path, sizeof path, "%s/sp.ckpt", dir);
    snprintf(other, sizeof other, "%s/other.ckpt", dir);
    struct singlepath a, b;
    struct err e;
    CHECK(singlepath_init(&a, &f.s, &f.t, &f.train, &f.cfg, NULL, &e) == 0);
    CHECK_EQ_INT(a.warmup_steps, 5); /* 1.5 epochs of 3 steps, rounded */
    for (int i = 0; i < 4; i++)
        CHECK(singlepath_step(&a, &e) == 1);
    CHECK(a.warm);
    CHECK(singlepath_save(&a, path, &e) == 0);
    while (singlepath_step(&a, &e) == 1)
        ;
    CHECK(!a.warm && a.lambda == 1);
    if (CHECK(singlepath_init(&b, &f.s, &f.t, &f.train, &f.cfg, path, &e) == 0)) {
        CHECK_EQ_INT(b.step, 4);
        while (singlepath_step(&b, &e) == 1)
            ;
        CHECK_EQ_INT(b.step, a.step);
        CHECK(memcmp(a.net->w, b.net->w, a.net->nparams * sizeof(float)) == 0);
        CHECK(memcmp(a.net->stats, b.net->stats, a.net->nstats * sizeof(float)) == 0);
        CHECK(memcmp(a.ms, b.ms, a.net->nparams * sizeof(float)) == 0);
        CHECK(memcmp(a.mom, b.mom, a.net->nparams * sizeof(float)) == 0);
        CHECK(a.loss.total == b.loss.total);
        singlepath_done(&b);
    } else {
        printf("  %s\n", e.msg);
    }
    /* refused: other settings, another table, another space, another kind */
    struct sp_config c = f.cfg;
    c.lambda = 2;
    CHECK(singlepath_init(&b, &f.s, &f.t, &f.train, &c, path, &e) == -1);
    CHECK(strstr(e.msg, "another lambda") != NULL);
    struct latency_table t2 = f.t;
    t2.ms[1][0] *= 2;
    CHECK(singlepath_init(&b, &f.s, &t2, &f.train, &f.cfg, path, &e) == -1);
    CHECK(strstr(e.msg, "another latency table") != NULL);
    struct space s2;
    micro_space(&s2, 0);
    struct latency_table t3;
    device_table(&t3, &s2);
    CHECK(singlepath_init(&b, &s2, &t3, &f.train, &f.cfg, path, &e) == -1);
    CHECK(strstr(e.msg, "of space 'micro-se', not of 'micro'") != NULL);
    struct ckpt k;
    ckpt_init(&k, CKPT_KIND_SUPERNET);
    CHECK(ckpt_save(&k, other, &e) == 0);
    ckpt_done(&k);
    CHECK(singlepath_init(&b, &f.s, &f.t, &f.train, &f.cfg, other, &e) == -1);
    CHECK(strstr(e.msg, "Single-Path NAS checkpoint") != NULL);
    /* bad settings */
    c = f.cfg;
    c.keep = 0;
    CHECK(singlepath_init(&b, &f.s, &f.t, &f.train, &c, NULL, &e) == -1);
    c = f.cfg;
    c.warmup_epochs = 4;
    CHECK(singlepath_init(&b, &f.s, &f.t, &f.train, &c, NULL, &e) == -1);
    singlepath_done(&a);
    unlink(path);
    unlink(other);
    rmdir(dir);
    dataset_done(&f.d);
}

/* ---- a trial forked from a warm-up ---- */

static int same_run(const struct singlepath *a, const struct singlepath *b)
{
    size_t np = a->net->nparams * sizeof(float);
    return a->step == b->step && !memcmp(a->net->w, b->net->w, np) &&
           !memcmp(a->net->stats, b->net->stats, a->net->nstats * sizeof(float)) &&
           !memcmp(a->ms, b->ms, np) && !memcmp(a->mom, b->mom, np) &&
           a->loss.total == b->loss.total;
}

/* The warm-up saved with lambda 0 (at its end and inside it), trials forked
 * with lambda 3.5: each ends with the bytes of an uninterrupted run at 3.5,
 * which differ from the run at 0; a checkpoint past the warm-up and other
 * settings are refused. */
static void test_fork(void)
{
    struct fixture f;
    fixture_open(&f, 1, 48);
    f.cfg.epochs = 4;
    f.cfg.lr = 0.5;
    f.cfg.warmup_epochs = 2; /* 6 steps of 12 */
    char dir[64], end[96], mid[96], past[96];
    snprintf(dir, sizeof dir, "/tmp/oneshot-test-spfork-XXXXXX");
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    snprintf(end, sizeof end, "%s/warmup.ckpt", dir);
    snprintf(mid, sizeof mid, "%s/mid.ckpt", dir);
    snprintf(past, sizeof past, "%s/past.ckpt", dir);
    struct sp_config c0 = f.cfg, c1 = f.cfg;
    c0.lambda = 0;
    c1.lambda = 3.5;
    struct singlepath w, u, k;
    struct err e;
    if (!CHECK(singlepath_init(&w, &f.s, &f.t, &f.train, &c0, NULL, &e) == 0))
        goto out;
    CHECK_EQ_INT(w.warmup_steps, 6);
    while (w.step < w.warmup_steps) {
        CHECK(singlepath_step(&w, &e) == 1);
        if (w.step == 3)
            CHECK(singlepath_save(&w, mid, &e) == 0);
    }
    CHECK(singlepath_save(&w, end, &e) == 0);
    CHECK(singlepath_step(&w, &e) == 1);
    CHECK(singlepath_save(&w, past, &e) == 0); /* one step of lambda 0 taken */
    run_out(&w);
    if (!CHECK(singlepath_init(&u, &f.s, &f.t, &f.train, &c1, NULL, &e) == 0)) {
        singlepath_done(&w);
        goto out;
    }
    run_out(&u);
    CHECK(!same_run(&u, &w)); /* lambda acted */
    const char *from[] = {end, mid};
    for (int i = 0; i < 2; i++) {
        if (!CHECK(singlepath_fork(&k, &f.s, &f.t, &f.train, &c1, from[i], &e) == 0)) {
            printf("  %s\n", e.msg);
            continue;
        }
        CHECK_EQ_INT(k.step, i ? 3 : 6);
        CHECK(k.cfg.lambda == 3.5);
        run_out(&k);
        CHECK(same_run(&k, &u));
        singlepath_done(&k);
    }
    /* past the warm-up: refused; a plain resume of another lambda too */
    CHECK(singlepath_fork(&k, &f.s, &f.t, &f.train, &c1, past, &e) == -1);
    char want[256];
    snprintf(want, sizeof want,
             "%s: error: is at step 7, past the warm-up's 6 steps: its lambda (0) has acted, so "
             "no trial with another lambda can start from it",
             past);
    CHECK_STR(e.msg, want);
    CHECK(singlepath_init(&k, &f.s, &f.t, &f.train, &c1, end, &e) == -1);
    CHECK(strstr(e.msg, "another lambda") != NULL);
    /* every other setting must still match */
    struct sp_config c2 = c1;
    c2.seed = 10;
    CHECK(singlepath_fork(&k, &f.s, &f.t, &f.train, &c2, end, &e) == -1);
    CHECK(strstr(e.msg, "another seed") != NULL);
    c2 = c1;
    c2.warmup_epochs = 3;
    CHECK(singlepath_fork(&k, &f.s, &f.t, &f.train, &c2, end, &e) == -1);
    CHECK(strstr(e.msg, "another warm-up") != NULL);
    singlepath_done(&u);
    singlepath_done(&w);
out:
    unlink(end);
    unlink(mid);
    unlink(past);
    rmdir(dir);
    dataset_done(&f.d);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_refused);
    RUN(test_runtime_largest);
    RUN(test_runtime_hard);
    RUN(test_net_fd);
    RUN(test_runtime_pushes);
    RUN(test_loss_falls);
    RUN(test_lambda_sweep);
    RUN(test_resume);
    RUN(test_fork);
    return check_done();
}
