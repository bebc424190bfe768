/* Unit tests of src/supernet.c on a batch of N = 8 random images (normal
 * noise, random labels): update bookkeeping under the fair and uniform
 * samplers, untouched choices left alone, independence of the order of a
 * step's paths, the summed gradient of the shared stem and head, a path
 * against a standalone model with the same weights, evaluation with BN
 * recalibration (statistics restored), evaluation with batch statistics,
 * and the checkpoint round trip. */
#include "supernet.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fakedata.h"
#include "ctx.h"
#include "gradcheck.h"
#include "loss.h"
#include "model.h"
#include "sampler.h"
#include "train.h"

#define NB 8 /* images in a batch */

struct batch {
    float *x;       /* [in_c][in_h][in_w][NB] */
    int y[NB];
    float *dlogits; /* [classes][NB] scratch */
};

static void batch_make(struct batch *b, const struct space *s, uint64_t seed)
{
    size_t nx = (size_t)s->in_c * s->in_h * s->in_w * NB;
    b->x = falloc(nx);
    b->dlogits = falloc((size_t)s->classes * NB);
    struct rng r;
    rng_seed(&r, seed, 7);
    fill_normal(b->x, nx, &r);
    for (int i = 0; i < NB; i++)
        b->y[i] = (int)rng_below(&r, (uint64_t)s->classes);
}

static void batch_free(struct batch *b)
{
    free(b->x);
    free(b->dlogits);
}

static struct supernet *sn_make(const struct space *s, uint64_t seed)
{
    struct err e;
    struct supernet *sn = supernet_new(s, seed, &e);
    if (!sn) {
        fprintf(stderr, "supernet_new: %s\n", e.msg);
        exit(2);
    }
    return sn;
}

static void sampler_make(struct sampler *sm, const char *name, const struct space *s,
                         uint64_t seed)
{
    struct err e;
    if (sampler_init(sm, name, s, seed, 1, 0, &e)) {
        fprintf(stderr, "sampler_init: %s\n", e.msg);
        exit(2);
    }
}

static int allowed(const struct space *s, int l, int c)
{
    return (s->allowed[l] & (1ULL << c)) != 0;
}

static float *fdup(const float *p, size_t n)
{
    float *q = falloc(n);
    memcpy(q, p, n * sizeof *q);
    return q;
}

/* Random running statistics (means in [-0.5, 0.5], variances in [0.5, 2])
 * and momentum, so that every choice's state differs from every other's
 * without the cost of training them all. */
static void scramble_state(struct supernet *sn, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 11);
    fill_uniform(sn->mom, sn->nparams, -0.01f, 0.01f, &r);
    /* every part's statistics are [mean][var], each half of its block; a
     * uniform fill in [0.5, 2] is a valid mean and a valid variance alike */
    fill_uniform(sn->stats, sn->nstats, 0.5f, 2.0f, &r);
}

/* One step; the test fails (and says why) on an error or a non-finite loss. */
static double step(struct supernet *sn, const struct arch *paths, int n, struct batch *b,
                   float lr, const struct sgd *o)
{
    struct err e;
    int correct = -1;
    double loss = supernet_train_step(sn, paths, n, b->x, b->y, NB, b->dlogits, lr, 1.0f, 0.0f, o,
                                      &correct, &e);
    if (!CHECK(loss > 0 && isfinite(loss)))
        printf("  loss %g: %s\n", loss, e.msg);
    CHECK(correct >= 0 && correct <= n * NB);
    return loss;
}

static const struct sgd recipe = {0.9f, 4e-5f, 1};
static const struct sgd plain = {0.0f, 0.0f, 0};

/* ---- bookkeeping ---- */

static void test_fair_updates(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct supernet *sn = sn_make(&s, 1);
    struct batch b;
    batch_make(&b, &s, 1);
    struct sampler sm;
    sampler_make(&sm, "fair", &s, 1);
    struct arch paths[SPACE_MAX_CHOICES];
    for (int t = 0; t < 3; t++) {
        int n = sampler_next(&sm, 0, paths);
        CHECK_EQ_INT(n, 6);
        step(sn, paths, n, &b, 0.05f, &recipe);
    }
    CHECK_EQ_INT(sn->steps, 3);
    int bad = 0;
    for (int l = 0; l < s.nlayers; l++)
        for (int c = 0; c < s.nchoices; c++)
            if (allowed(&s, l, c) && sn->updates[l][c] != 3) {
                if (!bad)
                    printf("  updates[%d][%d] = %lld\n", l, c, (long long)sn->updates[l][c]);
                bad++;
            }
    CHECK_EQ_INT(bad, 0);
    sampler_done(&sm);
    batch_free(&b);
    supernet_free(sn);
}

static void test_uniform_untouched(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1); /* with skip: a skipped layer has no weights */
    struct supernet *sn = sn_make(&s, 2);
    struct batch b;
    batch_make(&b, &s, 2);
    struct sampler sm;
    sampler_make(&sm, "uniform", &s, 2);
    enum { T = 5 };
    int bad_untouched = 0, bad_mom = 0, bad_touched = 0, bad_shared = 0;
    for (int t = 0; t < T; t++) {
        struct arch paths[SPACE_MAX_CHOICES];
        CHECK_EQ_INT(sampler_next(&sm, 0, paths), 1);
        float *w0 = fdup(sn->w, sn->nparams), *m0 = fdup(sn->mom, sn->nparams);
        step(sn, paths, 1, &b, 0.05f, &recipe);
        for (int l = 0; l < s.nlayers; l++)
            for (int c = 0; c < s.nchoices; c++) {
                size_t off = sn->off[l][c], len = net_layer_param_floats(&s, l, c);
                if (!allowed(&s, l, c) || len == 0)
                    continue;
                int same = memcmp(sn->w + off, w0 + off, len * sizeof(float)) == 0;
                if (c == paths[0].choice[l]) {
                    bad_touched += same;
                } else {
                    bad_untouched += !same;
                    bad_mom += memcmp(sn->mom + off, m0 + off, len * sizeof(float)) != 0;
                }
            }
        bad_shared += !memcmp(sn->w + sn->stem_off, w0 + sn->stem_off,
                              net_stem_param_floats(&s) * sizeof(float));
        bad_shared += !memcmp(sn->w + sn->head_off, w0 + sn->head_off,
                              net_head_param_floats(&s) * sizeof(float));
        free(w0);
        free(m0);
    }
    CHECK_EQ_INT(bad_untouched, 0);
    CHECK_EQ_INT(bad_mom, 0);
    CHECK_EQ_INT(bad_touched, 0);
    CHECK_EQ_INT(bad_shared, 0);
    CHECK_EQ_INT(sn->steps, T);
    int bad_sum = 0;
    for (int l = 0; l < s.nlayers; l++) {
        int64_t sum = 0;
        for (int c = 0; c < s.nchoices; c++)
            sum += sn->updates[l][c];
        bad_sum += sum != T;
    }
    CHECK_EQ_INT(bad_sum, 0);
    sampler_done(&sm);
    batch_free(&b);
    supernet_free(sn);
}

/* ---- the paths of a step ---- */

/* Largest |a - b| / max(|a|, |b|, |ref|) over n floats (0 where all are 0);
 * ref may be NULL. */
static double max_rel_diff3(const float *a, const float *b, const float *ref, size_t n)
{
    double worst = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs((double)a[i] - b[i]), m = fmax(fabs(a[i]), fabs(b[i]));
        if (ref)
            m = fmax(m, fabs(ref[i]));
        if (d > 0 && d / m > worst)
            worst = d / m;
    }
    return worst;
}

static double max_rel_diff(const float *a, const float *b, size_t n)
{
    return max_rel_diff3(a, b, NULL, n);
}

/* One fair step over the same six paths in two orders.  The summed gradients
 * differ only by the order of float additions, so every weight agrees to
 * float rounding: relative to the weight's size before or after the step
 * (a weight the step moves to near 0 keeps the absolute error of its old
 * size).  Only one step: training at this rate on 8 random images is chaotic
 * enough that later steps amplify those roundings (measured: 2e-4 absolute
 * after two steps, 7e-2 after three). */
static void test_path_order(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct supernet *a = sn_make(&s, 3), *b = sn_make(&s, 3);
    CHECK(memcmp(a->w, b->w, a->nparams * sizeof(float)) == 0);
    struct batch bt;
    batch_make(&bt, &s, 3);
    struct sampler sm;
    sampler_make(&sm, "fair", &s, 3);
    float *w0 = fdup(a->w, a->nparams);
    struct arch paths[SPACE_MAX_CHOICES], rot[SPACE_MAX_CHOICES];
    int n = sampler_next(&sm, 0, paths);
    CHECK_EQ_INT(n, 6);
    for (int p = 0; p < n; p++)
        rot[p] = paths[(p + 2) % n];
    double la = step(a, paths, n, &bt, 0.1f, &recipe);
    double lb = step(b, rot, n, &bt, 0.1f, &recipe);
    CHECK_NEAR(la, lb, 1e-6 * la);
    /* the step moved the weights, and by the same amount either way */
    CHECK(max_rel_diff(a->w, w0, a->nparams) > 1e-2);
    double d = max_rel_diff3(a->w, b->w, w0, a->nparams);
    if (!CHECK(d <= 1e-5))
        printf("  weights differ by %g (relative)\n", d);
    CHECK(max_rel_diff(a->g, b->g, a->nparams) > 0); /* really summed in another order */
    CHECK_EQ_INT(a->steps, b->steps);
    CHECK(memcmp(a->updates, b->updates, sizeof a->updates) == 0);
    free(w0);
    sampler_done(&sm);
    batch_free(&bt);
    supernet_free(a);
    supernet_free(b);
}

/* Checks that the change of part [off, off+len) in sum equals the changes in
 * one + two (from the same starting weights w0), and that the gradient left in
 * sum->g is the sum of one's and two's.  tol: relative to the largest value. */
static void check_sum(const char *what, const struct supernet *sum, const struct supernet *one,
                      const struct supernet *two, const float *w0, size_t off, size_t len,
                      float lr)
{
    double gmax = 0, dmax = 0, gerr = 0, derr = 0;
    for (size_t i = off; i < off + len; i++) {
        double g = (double)one->g[i] + two->g[i];
        double d = -(double)lr * g;
        gmax = fmax(gmax, fabs(g));
        dmax = fmax(dmax, fabs(d));
        gerr = fmax(gerr, fabs(sum->g[i] - g));
        derr = fmax(derr, fabs(((double)sum->w[i] - w0[i]) - d));
    }
    if (!CHECK(gmax > 0 && gerr <= 1e-5 * gmax && derr <= 1e-4 * dmax + 1e-7))
        printf("  %s: gradient error %g of %g, change error %g of %g\n", what, gerr, gmax, derr,
               dmax);
}

static void test_shared_sum(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct batch bt;
    batch_make(&bt, &s, 4);
    struct sampler sm;
    sampler_make(&sm, "fair", &s, 4);
    struct arch paths[SPACE_MAX_CHOICES];
    sampler_next(&sm, 0, paths);
    struct arch two[2] = {paths[0], paths[1]};
    two[1].choice[0] = two[0].choice[0]; /* layer 0 shared too; the rest differ */
    const float lr = 0.1f;
    struct supernet *both = sn_make(&s, 4), *p1 = sn_make(&s, 4), *p2 = sn_make(&s, 4);
    float *w0 = fdup(both->w, both->nparams);
    double lboth = step(both, two, 2, &bt, lr, &plain);
    double l1 = step(p1, &two[0], 1, &bt, lr, &plain);
    double l2 = step(p2, &two[1], 1, &bt, lr, &plain);
    CHECK_NEAR(lboth, (l1 + l2) / 2, 1e-6 * lboth);
    check_sum("stem", both, p1, p2, w0, both->stem_off, net_stem_param_floats(&s), lr);
    check_sum("head", both, p1, p2, w0, both->head_off, net_head_param_floats(&s), lr);
    int c0 = two[0].choice[0];
    check_sum("layer 0", both, p1, p2, w0, both->off[0][c0], net_layer_param_floats(&s, 0, c0),
              lr);
    CHECK_EQ_INT(both->updates[0][c0], 1);
    /* a choice only one path took gets that path's update alone */
    int bad = 0;
    for (int l = 1; l < s.nlayers; l++)
        for (int p = 0; p < 2; p++) {
            int c = two[p].choice[l];
            const struct supernet *solo = p ? p2 : p1;
            size_t off = both->off[l][c], len = net_layer_param_floats(&s, l, c);
            bad += max_rel_diff(both->w + off, solo->w + off, len) > 1e-6;
            bad += max_rel_diff(both->g + off, solo->g + off, len) > 1e-5;
            bad += both->updates[l][c] != 1;
        }
    CHECK_EQ_INT(bad, 0);
    free(w0);
    sampler_done(&sm);
    batch_free(&bt);
    supernet_free(both);
    supernet_free(p1);
    supernet_free(p2);
}

/* ---- a path against a standalone model ---- */

/* Copies the weights, momentum and statistics of path a from sn into m. */
static void copy_path(struct model *m, const struct supernet *sn, const struct arch *a)
{
    const struct space *s = &sn->space;
    size_t pw = 0, ps = 0, n, k;
#define COPY(dst, src, count, at)                                                                  \
    do {                                                                                           \
        memcpy((dst) + (at), (src), (count) * sizeof(float));                                      \
        (at) += (count);                                                                           \
    } while (0)
    n = net_stem_param_floats(s);
    k = net_stem_stat_floats(s);
    memcpy(m->mom + pw, sn->mom + sn->stem_off, n * sizeof(float));
    COPY(m->w, sn->w + sn->stem_off, n, pw);
    COPY(m->stats, sn->stats + sn->stem_soff, k, ps);
    for (int l = 0; l < a->n; l++) {
        int c = a->choice[l];
        n = net_layer_param_floats(s, l, c);
        k = net_layer_stat_floats(s, l, c);
        memcpy(m->mom + pw, sn->mom + sn->off[l][c], n * sizeof(float));
        COPY(m->w, sn->w + sn->off[l][c], n, pw);
        COPY(m->stats, sn->stats + sn->soff[l][c], k, ps);
    }
    n = net_head_param_floats(s);
    k = net_head_stat_floats(s);
    memcpy(m->mom + pw, sn->mom + sn->head_off, n * sizeof(float));
    COPY(m->w, sn->w + sn->head_off, n, pw);
    COPY(m->stats, sn->stats + sn->head_soff, k, ps);
#undef COPY
    CHECK_EQ_INT(pw, m->nparams);
    CHECK_EQ_INT(ps, m->nstats);
}

/* 1 when the weights, momentum and statistics of path a in sn equal m's,
 * bit for bit. */
static int path_equals_model(const struct supernet *sn, const struct model *m,
                             const struct arch *a)
{
    struct model *c = model_new(&sn->space, a, 0, NULL);
    if (!c)
        return 0;
    copy_path(c, sn, a);
    int same = memcmp(c->w, m->w, m->nparams * sizeof(float)) == 0 &&
               memcmp(c->mom, m->mom, m->nparams * sizeof(float)) == 0 &&
               memcmp(c->stats, m->stats, m->nstats * sizeof(float)) == 0;
    model_free(c);
    return same;
}

static void standalone_case(int se, int skip, const char *arch_str)
{
    struct space s;
    space_fmnist_variant(&s, se, skip);
    struct err e;
    struct arch a;
    if (!CHECK(arch_parse(&s, arch_str, "test", &a, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    struct supernet *sn = sn_make(&s, 5);
    struct batch bt;
    batch_make(&bt, &s, 5);
    scramble_state(sn, 5);
    struct model *m = model_new(&s, &a, 99, &e);
    if (!m) {
        fprintf(stderr, "model_new: %s\n", e.msg);
        exit(2);
    }
    copy_path(m, sn, &a);

    /* evaluation and training forwards: the same logits, bit for bit */
    size_t nl = (size_t)s.classes * NB;
    for (int training = 0; training <= 1; training++) {
        supernet_bind(sn, &a);
        CHECK(net_reserve(&sn->net, NB, training, &e) == 0);
        CHECK(net_reserve(&m->net, NB, training, &e) == 0);
        CHECK_EQ_INT(sn->net.nblocks, m->net.nblocks);
        float *ls = fdup(net_forward(&sn->net, bt.x, training, 0), nl);
        const float *lm = net_forward(&m->net, bt.x, training, 0);
        if (!CHECK(memcmp(ls, lm, nl * sizeof(float)) == 0))
            printf("  %s %s: logits differ by up to %g (relative)\n", s.name,
                   training ? "training" : "evaluation", max_rel_diff(ls, lm, nl));
        free(ls);
    }

    /* a one-path supernet step is the standalone step of that path (twice:
     * no gradient carries over from one step to the next) */
    CHECK(net_reserve(&m->net, NB, 1, &e) == 0);
    for (int t = 0; t < 2; t++) {
        step(sn, &a, 1, &bt, 0.05f, &recipe);
        model_train_step(m, bt.x, bt.y, bt.dlogits, 0.05f, &recipe, NULL);
        CHECK(path_equals_model(sn, m, &a));
    }

    model_free(m);
    batch_free(&bt);
    supernet_free(sn);
}

static void test_standalone(void)
{
    standalone_case(0, 0, "k3e3-k5e6-k7e3-k3e6-k5e3-k7e6-k3e3-k5e6-k7e3-k3e6-k5e3-k7e6");
    standalone_case(1, 1, "k3e3s-skip-k5e3-k3e3s-skip-k7e6-k3e3-skip-k7e3s-k5e6-skip-k3e6s");
}

/* ---- evaluation ---- */

/* A data set of n random 28x28 images with random labels < 10. */
static void test_evaluate(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct supernet *sn = sn_make(&s, 6);
    struct batch bt;
    batch_make(&bt, &s, 6);
    struct sampler sm;
    sampler_make(&sm, "fair", &s, 6);
    struct arch paths[SPACE_MAX_CHOICES];
    sampler_next(&sm, 0, paths);
    for (int t = 0; t < 2; t++) /* statistics off their initial values */
        step(sn, paths, 1, &bt, 0.05f, &recipe);
    struct dataset d;
    fake_dataset(&d, 96, 6);
    struct split val = {&d, 0, 64}, calib = {&d, 64, 32};
    struct supernet_eval opt = {32, 16};
    const struct arch *a = &paths[0];
    float *stats0 = fdup(sn->stats, sn->nstats), *w0 = fdup(sn->w, sn->nparams);
    struct err e;
    /* label val with what the path predicts after recalibration, so that
     * recalibrated accuracy is 1 and the stored statistics' is not (random
     * labels leave the two equal by chance too often) */
    supernet_bind(sn, a);
    CHECK(net_recalibrate(&sn->net, &calib, 32, 16, &e) == 0);
    CHECK(net_reserve(&sn->net, 16, 0, &e) == 0);
    float *x = falloc((size_t)s.in_c * s.in_h * s.in_w * 16);
    for (int first = 0; first < val.n; first += 16) {
        int idx[16], y[16], pred[16];
        for (int i = 0; i < 16; i++)
            idx[i] = first + i;
        split_gather(&val, idx, 16, x, y);
        logits_argmax(pred, net_forward(&sn->net, x, 0, 0), s.classes, 16);
        for (int i = 0; i < 16; i++)
            d.labels[first + i] = (uint8_t)pred[i];
    }
    free(x);
    memcpy(sn->stats, stats0, sn->nstats * sizeof(float));
    struct supernet_score sc, sc2;
    CHECK(supernet_evaluate(sn, a, &val, &calib, &opt, &sc, &e) == 0);
    double before = sc.acc_before, after = sc.acc_after;
    CHECK(memcmp(sn->stats, stats0, sn->nstats * sizeof(float)) == 0);
    CHECK(memcmp(sn->w, w0, sn->nparams * sizeof(float)) == 0);
    CHECK(before >= 0 && before <= 1 && after >= 0 && after <= 1);
    CHECK(after == 1.0);
    if (!CHECK(before < 1.0))
        printf("  before %g after %g\n", before, after);
    /* the loss falls with the recalibration that makes every answer right */
    CHECK(sc.loss_after > 0 && sc.loss_after < sc.loss_before);
    /* evaluations do not change each other */
    CHECK(supernet_evaluate(sn, a, &val, &calib, &opt, &sc2, &e) == 0);
    CHECK(memcmp(&sc, &sc2, sizeof sc) == 0);
    CHECK(memcmp(sn->stats, stats0, sn->nstats * sizeof(float)) == 0);

    /* the same by hand: evaluate, recalibrate on calib, evaluate */
    double hb = -1, ha = -1, lb = -1, la = -1;
    supernet_bind(sn, a);
    CHECK(net_evaluate(&sn->net, &val, 16, &hb, &lb, &e) == 0);
    CHECK(net_recalibrate(&sn->net, &calib, 32, 16, &e) == 0);
    CHECK(net_evaluate(&sn->net, &val, 16, &ha, &la, &e) == 0);
    CHECK(hb == before);
    CHECK(ha == after);
    CHECK(lb == sc.loss_before && la == sc.loss_after);
    memcpy(sn->stats, stats0, sn->nstats * sizeof(float));

    /* no recalibration: after = before */
    struct supernet_eval none = {0, 16};
    CHECK(supernet_evaluate(sn, a, &val, &calib, &none, &sc2, &e) == 0);
    CHECK(sc2.acc_before == before && sc2.acc_after == before);
    CHECK(sc2.loss_after == sc2.loss_before && sc2.loss_before == sc.loss_before);
    CHECK(memcmp(sn->stats, stats0, sn->nstats * sizeof(float)) == 0);

    /* each batch's own statistics (NAO-V2's train-mode BN,
     * net_evaluate_batch_stats): the running statistics are neither used
     * (the score stays when they are wrecked, while net_evaluate's moves)
     * nor changed, and the score depends on the batch the images share */
    double acc16, loss16, acc, loss, wrecked_acc, wrecked_loss;
    supernet_bind(sn, a);
    CHECK(net_evaluate_batch_stats(&sn->net, &val, 16, &acc16, &loss16, &e) == 0);
    CHECK(memcmp(sn->stats, stats0, sn->nstats * sizeof(float)) == 0);
    for (size_t i = 0; i < sn->nstats; i++)
        sn->stats[i] += 3.0f;
    CHECK(net_evaluate_batch_stats(&sn->net, &val, 16, &acc, &loss, &e) == 0);
    CHECK(acc == acc16 && loss == loss16);
    CHECK(net_evaluate(&sn->net, &val, 16, &wrecked_acc, &wrecked_loss, &e) == 0);
    CHECK(wrecked_loss != sc.loss_before);
    memcpy(sn->stats, stats0, sn->nstats * sizeof(float));
    CHECK(net_evaluate_batch_stats(&sn->net, &val, 64, &acc, &loss, &e) == 0);
    CHECK(loss != loss16 && loss > 0 && acc >= 0 && acc <= 1);

    free(stats0);
    free(w0);
    dataset_done(&d);
    sampler_done(&sm);
    batch_free(&bt);
    supernet_free(sn);
}

/* ---- checkpoints ---- */

static void test_save_load(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct supernet *sn = sn_make(&s, 7);
    struct batch bt;
    batch_make(&bt, &s, 7);
    struct sampler sm;
    sampler_make(&sm, "fair", &s, 7);
    struct arch paths[SPACE_MAX_CHOICES];
    scramble_state(sn, 7);
    sampler_next(&sm, 0, paths);
    step(sn, paths, 1, &bt, 0.05f, &recipe);
    step(sn, paths + 1, 1, &bt, 0.05f, &recipe);
    char dir[] = "/tmp/oneshot-test-supernet-XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/sn.ckpt", dir);
    struct err e;
    const unsigned char blob[] = {'s', 't', 0, 1, 2, 255, 7};
    if (!CHECK(supernet_save(sn, blob, sizeof blob, path, &e) == 0))
        printf("  %s\n", e.msg);

    void *extra = NULL;
    size_t extra_size = 0;
    struct supernet *back = supernet_load(&s, path, &extra, &extra_size, &e);
    if (CHECK(back != NULL)) {
        CHECK_EQ_INT(back->nparams, sn->nparams);
        CHECK_EQ_INT(back->nstats, sn->nstats);
        CHECK(memcmp(back->w, sn->w, sn->nparams * sizeof(float)) == 0);
        CHECK(memcmp(back->stats, sn->stats, sn->nstats * sizeof(float)) == 0);
        CHECK(memcmp(back->mom, sn->mom, sn->nparams * sizeof(float)) == 0);
        CHECK(memcmp(back->updates, sn->updates, sizeof sn->updates) == 0);
        CHECK_EQ_INT(back->steps, 2);
        CHECK_EQ_INT(extra_size, sizeof blob);
        CHECK(extra && memcmp(extra, blob, sizeof blob) == 0);
        CHECK_STR(back->space.name, "fmnist");
        /* and it trains on exactly as the original does */
        sampler_next(&sm, 0, paths);
        double l1 = step(sn, paths, 1, &bt, 0.05f, &recipe);
        double l2 = step(back, paths, 1, &bt, 0.05f, &recipe);
        CHECK(l1 == l2);
        CHECK(memcmp(back->w, sn->w, sn->nparams * sizeof(float)) == 0);
        supernet_free(back);
    } else {
        printf("  %s\n", e.msg);
    }
    free(extra);

    /* so many steps that one more would overflow (found with
     * tests/fuzz/fuzz_ckpt) */
    int64_t steps = sn->steps;
    sn->steps = INT64_MAX;
    CHECK(supernet_save(sn, NULL, 0, path, &e) == 0);
    back = supernet_load(&s, path, &extra, &extra_size, &e);
    CHECK(back == NULL);
    CHECK(strstr(e.msg, "error: is damaged: 9223372036854775807 steps") != NULL);
    supernet_free(back);
    sn->steps = steps;
    CHECK(supernet_save(sn, blob, sizeof blob, path, &e) == 0);

    /* a supernet of another space is refused */
    struct space se;
    space_fmnist_variant(&se, 1, 0);
    extra = NULL;
    back = supernet_load(&se, path, &extra, &extra_size, &e);
    CHECK(back == NULL);
    if (!CHECK(strstr(e.msg, "not of 'fmnist-se'") != NULL))
        printf("  %s\n", e.msg);
    CHECK(strstr(e.msg, path) != NULL);
    supernet_free(back);

    /* no extra blob */
    CHECK(supernet_save(sn, NULL, 0, path, &e) == 0);
    extra = (void *)1;
    extra_size = 99;
    back = supernet_load(&s, path, &extra, &extra_size, &e);
    CHECK(back != NULL);
    CHECK(extra == NULL);
    CHECK_EQ_INT(extra_size, 0);
    supernet_free(back);

    CHECK(unlink(path) == 0);
    CHECK(rmdir(dir) == 0);
    sampler_done(&sm);
    batch_free(&bt);
    supernet_free(sn);
}

/* shared_lr scales the step of the stem and head only; with plain SGD a
 * step's change of them is exactly proportional.  Label smoothing changes
 * the loss and the gradient, 0 leaves them as they were. */
static void test_shared_lr_and_smoothing(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct supernet *a = sn_make(&s, 3), *b = sn_make(&s, 3);
    struct batch bt;
    batch_make(&bt, &s, 3);
    struct sampler sm;
    sampler_make(&sm, "fair", &s, 3);
    struct arch paths[SPACE_MAX_CHOICES];
    int np = sampler_next(&sm, 0, paths);
    float *w0 = fdup(a->w, a->nparams);
    struct err e;
    double la = supernet_train_step(a, paths, np, bt.x, bt.y, NB, bt.dlogits, 0.05f, 1.0f, 0.0f,
                                    &plain, NULL, &e);
    double lb = supernet_train_step(b, paths, np, bt.x, bt.y, NB, bt.dlogits, 0.05f, 0.25f, 0.0f,
                                    &plain, NULL, &e);
    CHECK(la == lb); /* the same forward passes */
    size_t stem_n = net_stem_param_floats(&s), head_n = net_head_param_floats(&s);
    double worst = 0;
    size_t moved = 0;
    const size_t offs[2] = {a->stem_off, a->head_off}, lens[2] = {stem_n, head_n};
    for (int part = 0; part < 2; part++)
        for (size_t i = offs[part]; i < offs[part] + lens[part]; i++) {
            double da = (double)a->w[i] - w0[i], db = (double)b->w[i] - w0[i];
            if (fabs(da) > 1e-6) {
                worst = fmax(worst, fabs(db / da - 0.25));
                moved++;
            }
        }
    CHECK(moved > 100);
    if (!CHECK(worst < 0.02))
        printf("  the shared step is not a quarter: off by %g\n", worst);
    /* a choice's weights move alike */
    size_t off = a->off[0][paths[0].choice[0]];
    CHECK(memcmp(a->w + off, b->w + off, 64 * sizeof(float)) == 0);
    /* label smoothing: another loss; 0 is no smoothing */
    struct supernet *c = sn_make(&s, 3), *d = sn_make(&s, 3);
    double lc = supernet_train_step(c, paths, np, bt.x, bt.y, NB, bt.dlogits, 0.05f, 1.0f, 0.1f,
                                    &plain, NULL, &e);
    double ld = supernet_train_step(d, paths, np, bt.x, bt.y, NB, bt.dlogits, 0.05f, 1.0f, 0.0f,
                                    &plain, NULL, &e);
    CHECK(lc != ld && ld == la);
    CHECK(memcmp(d->w, a->w, a->nparams * sizeof(float)) == 0);
    CHECK(memcmp(c->w, a->w, a->nparams * sizeof(float)) != 0);
    free(w0);
    supernet_free(a);
    supernet_free(b);
    supernet_free(c);
    supernet_free(d);
    sampler_done(&sm);
    batch_free(&bt);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_fair_updates);
    RUN(test_uniform_untouched);
    RUN(test_path_order);
    RUN(test_shared_sum);
    RUN(test_standalone);
    RUN(test_evaluate);
    RUN(test_save_load);
    RUN(test_shared_lr_and_smoothing);
    return check_done();
}
