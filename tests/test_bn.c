/* Unit tests of bn: the fused batch norm + activation.  Forward in training
 * (batch statistics, PyTorch's running-statistics update: momentum, unbiased
 * variance) and in evaluation (running statistics) against a naive double
 * computation; backward (dx written, dgamma and dbeta accumulated) against
 * central differences of L = sum(y * R) for every activation; in-place use. */
#include "bn.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

#define EPS 1e-2
#define RTOL 5e-3
#define ATOL 1e-3

static const enum act all_acts[] = {ACT_NONE, ACT_RELU, ACT_HSWISH, ACT_HSIGMOID};

/* One BN problem: x [C][S] with per-channel offsets and spreads. */
struct bnp {
    int C;
    size_t S;
    enum act a;
    float *x, *y, *gamma, *beta, *R;
    float *rm, *rv, *mean, *invstd;
    struct bn_state st;
};

static void bnp_make(struct bnp *p, int C, size_t S, enum act a, struct rng *r)
{
    p->C = C;
    p->S = S;
    p->a = a;
    p->x = falloc((size_t)C * S);
    p->y = falloc((size_t)C * S);
    p->R = falloc((size_t)C * S);
    p->gamma = falloc(C);
    p->beta = falloc(C);
    p->rm = falloc(C);
    p->rv = falloc(C);
    p->mean = falloc(C);
    p->invstd = falloc(C);
    for (int c = 0; c < C; c++) {
        float off = 4.0f * rng_uniform(r) - 2.0f, spread = 0.5f + 2.0f * rng_uniform(r);
        for (size_t i = 0; i < S; i++)
            p->x[(size_t)c * S + i] = off + spread * rng_normal(r);
    }
    fill_uniform(p->gamma, C, 0.5f, 2.5f, r);
    fill_uniform(p->beta, C, -1.0f, 1.0f, r);
    fill_normal(p->R, (size_t)C * S, r);
    fill_uniform(p->rm, C, -1.0f, 1.0f, r);
    fill_uniform(p->rv, C, 0.5f, 2.0f, r);
    p->st = (struct bn_state){p->rm, p->rv, p->mean, p->invstd};
}

static void bnp_free(struct bnp *p)
{
    free(p->x);
    free(p->y);
    free(p->R);
    free(p->gamma);
    free(p->beta);
    free(p->rm);
    free(p->rv);
    free(p->mean);
    free(p->invstd);
}

/* ---- forward ---- */

static void check_forward_train(int C, size_t S, enum act a, float momentum, struct rng *r)
{
    struct bnp p;
    bnp_make(&p, C, S, a, r);
    float rm0[8], rv0[8];
    memcpy(rm0, p.rm, C * sizeof *rm0);
    memcpy(rv0, p.rv, C * sizeof *rv0);
    fill_const(p.y, (size_t)C * S, NAN);
    bn_forward(p.y, p.x, p.gamma, p.beta, &p.st, C, S, a, 1, momentum);

    double *want = dalloc((size_t)C * S), wmean[8], winvstd[8], wrm[8], wrv[8];
    for (int c = 0; c < C; c++) {
        const float *xc = p.x + (size_t)c * S;
        double m = 0, v = 0;
        for (size_t i = 0; i < S; i++)
            m += xc[i];
        m /= (double)S;
        for (size_t i = 0; i < S; i++)
            v += (xc[i] - m) * (xc[i] - m);
        double var = v / (double)S, unbiased = v / (double)(S - 1);
        wmean[c] = m;
        winvstd[c] = 1.0 / sqrt(var + 1e-5);
        wrm[c] = momentum > 0 ? (1 - momentum) * rm0[c] + momentum * m : rm0[c];
        wrv[c] = momentum > 0 ? (1 - momentum) * rv0[c] + momentum * unbiased : rv0[c];
        for (size_t i = 0; i < S; i++)
            want[(size_t)c * S + i] =
                ref_act(a, p.gamma[c] * (xc[i] - m) * winvstd[c] + p.beta[c]);
    }
    CHECK_ALL_NEAR(p.y, want, (size_t)C * S, 1e-5, 1e-5);
    CHECK_ALL_NEAR(p.mean, wmean, C, 1e-5, 1e-6);
    CHECK_ALL_NEAR(p.invstd, winvstd, C, 1e-5, 0.0);
    CHECK_ALL_NEAR(p.rm, wrm, C, 1e-5, 1e-6);
    CHECK_ALL_NEAR(p.rv, wrv, C, 1e-5, 0.0);
    free(want);
    bnp_free(&p);
}

static void test_forward_train(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    for (int t = 0; t < 4; t++) {
        check_forward_train(3, 53, all_acts[t], BN_MOMENTUM, &r);
        check_forward_train(2, 160, all_acts[t], BN_MOMENTUM, &r);
    }
    check_forward_train(4, 7, ACT_RELU, 0.25f, &r); /* the momentum given is used */
    check_forward_train(2, 2, ACT_NONE, BN_MOMENTUM, &r);
}

/* momentum 0: the running statistics are left alone (the batch ones are used). */
static void test_forward_train_no_momentum(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    check_forward_train(3, 40, ACT_HSWISH, 0.0f, &r);
}

/* The constants are PyTorch's. */
static void test_constants(void)
{
    CHECK(BN_EPS == 1e-5f);
    CHECK(BN_MOMENTUM == 0.1f);
}

static void test_forward_eval(void)
{
    struct rng r;
    rng_seed(&r, 3, 0);
    for (int t = 0; t < 4; t++) {
        struct bnp p;
        int C = 3;
        size_t S = 37;
        bnp_make(&p, C, S, all_acts[t], &r);
        float rm0[3], rv0[3];
        memcpy(rm0, p.rm, sizeof rm0);
        memcpy(rv0, p.rv, sizeof rv0);
        bn_forward(p.y, p.x, p.gamma, p.beta, &p.st, C, S, p.a, 0, BN_MOMENTUM);
        double *want = dalloc((size_t)C * S), winv[3], wm[3];
        for (int c = 0; c < C; c++) {
            wm[c] = rm0[c];
            winv[c] = 1.0 / sqrt(rv0[c] + 1e-5);
            for (size_t i = 0; i < S; i++)
                want[(size_t)c * S + i] = ref_act(
                    p.a, p.gamma[c] * (p.x[(size_t)c * S + i] - wm[c]) * winv[c] + p.beta[c]);
        }
        CHECK_ALL_NEAR(p.y, want, (size_t)C * S, 1e-5, 1e-5);
        CHECK_ALL_EQ(p.rm, rm0, C); /* running statistics untouched */
        CHECK_ALL_EQ(p.rv, rv0, C);
        CHECK_ALL_NEAR(p.mean, wm, C, 0.0, 0.0); /* the cache holds what was used */
        CHECK_ALL_NEAR(p.invstd, winv, C, 1e-6, 0.0);
        free(want);
        bnp_free(&p);
    }
}

/* ---- backward ---- */

static double bn_loss(void *ctx, struct kinks *k)
{
    struct bnp *p = ctx;
    bn_forward(p->y, p->x, p->gamma, p->beta, &p->st, p->C, p->S, p->a, 1, 0.0f);
    kinks_add_bn(k, p->x, p->mean, p->invstd, p->gamma, p->beta, p->C, p->S, p->a);
    return dotd(p->y, p->R, (size_t)p->C * p->S);
}

static void check_backward(int C, size_t S, enum act a, struct rng *r)
{
    struct bnp p;
    bnp_make(&p, C, S, a, r);
    size_t n = (size_t)C * S;
    float *dx = falloc(n), *dg = falloc(C), *db = falloc(C), *dg0 = falloc(C), *db0 = falloc(C);
    fill_uniform(dg0, C, -1, 1, r);
    fill_uniform(db0, C, -1, 1, r);
    memcpy(dg, dg0, C * sizeof *dg);
    memcpy(db, db0, C * sizeof *db);
    fill_const(dx, n, NAN);
    bn_loss(&p, NULL);
    bn_backward(dx, dg, db, p.R, p.x, p.gamma, p.beta, &p.st, C, S, a);
    for (int c = 0; c < C; c++) {
        dg[c] -= dg0[c];
        db[c] -= db0[c];
    }

    struct fd f;
    fd_init(&f, bn_loss, &p, EPS, RTOL, ATOL, 1e-2);
    FD_TENSOR(&f, "x", p.x, dx, n, 0);
    FD_TENSOR(&f, "gamma", p.gamma, dg, C, 0);
    FD_TENSOR(&f, "beta", p.beta, db, C, 0);
    CHECK_FD_SKIPS(&f, 0.05);
    fd_done(&f);

    /* the running statistics did not move in these forwards (momentum 0) */
    free(dx);
    free(dg);
    free(db);
    free(dg0);
    free(db0);
    bnp_free(&p);
}

static void test_backward_none(void)
{
    struct rng r;
    rng_seed(&r, 4, 0);
    check_backward(3, 53, ACT_NONE, &r);
    check_backward(2, 160, ACT_NONE, &r);
}

static void test_backward_relu(void)
{
    struct rng r;
    rng_seed(&r, 5, 0);
    check_backward(3, 53, ACT_RELU, &r);
    check_backward(2, 160, ACT_RELU, &r);
}

static void test_backward_hswish(void)
{
    struct rng r;
    rng_seed(&r, 6, 0);
    check_backward(3, 53, ACT_HSWISH, &r);
    check_backward(2, 160, ACT_HSWISH, &r);
}

static void test_backward_hsigmoid(void)
{
    struct rng r;
    rng_seed(&r, 7, 0);
    check_backward(3, 53, ACT_HSIGMOID, &r);
    check_backward(2, 160, ACT_HSIGMOID, &r);
}

/* ---- in place ---- */

/* Equal up to the last bits (the compiler may vectorise the aliased and the
 * separate case differently; an aliasing bug is an O(1) difference). */
#define CHECK_SAME(a, b, n)                                                                        \
    do {                                                                                           \
        double *ref_ = dalloc(n);                                                                  \
        for (size_t j_ = 0; j_ < (size_t)(n); j_++)                                                \
            ref_[j_] = (b)[j_];                                                                    \
        CHECK_ALL_NEAR(a, ref_, (size_t)(n), 1e-6, 1e-7);                                          \
        free(ref_);                                                                                \
    } while (0)

static void test_in_place(void)
{
    struct rng r;
    rng_seed(&r, 8, 0);
    for (int t = 0; t < 4; t++) {
        int C = 3;
        size_t S = 83, n = (size_t)C * S;
        struct bnp p;
        bnp_make(&p, C, S, all_acts[t], &r);
        float rm0[3], rv0[3];
        memcpy(rm0, p.rm, sizeof rm0);
        memcpy(rv0, p.rv, sizeof rv0);

        /* forward out of place, then in place from the same running statistics */
        bn_forward(p.y, p.x, p.gamma, p.beta, &p.st, C, S, p.a, 1, BN_MOMENTUM);
        float rm1[3], rv1[3], mean1[3], inv1[3];
        memcpy(rm1, p.rm, sizeof rm1);
        memcpy(rv1, p.rv, sizeof rv1);
        memcpy(mean1, p.mean, sizeof mean1);
        memcpy(inv1, p.invstd, sizeof inv1);
        float *buf = falloc(n);
        memcpy(buf, p.x, n * sizeof *buf);
        memcpy(p.rm, rm0, sizeof rm0);
        memcpy(p.rv, rv0, sizeof rv0);
        bn_forward(buf, buf, p.gamma, p.beta, &p.st, C, S, p.a, 1, BN_MOMENTUM);
        CHECK_SAME(buf, p.y, n);
        CHECK_SAME(p.rm, rm1, C);
        CHECK_SAME(p.rv, rv1, C);
        CHECK_SAME(p.mean, mean1, C);
        CHECK_SAME(p.invstd, inv1, C);

        /* backward out of place, then with dx == dy */
        float *dx = falloc(n), dg1[3] = {0}, db1[3] = {0}, dg2[3] = {0}, db2[3] = {0};
        bn_backward(dx, dg1, db1, p.R, p.x, p.gamma, p.beta, &p.st, C, S, p.a);
        memcpy(buf, p.R, n * sizeof *buf);
        bn_backward(buf, dg2, db2, buf, p.x, p.gamma, p.beta, &p.st, C, S, p.a);
        CHECK_SAME(buf, dx, n);
        CHECK_SAME(dg2, dg1, C);
        CHECK_SAME(db2, db1, C);

        /* evaluation mode in place */
        bn_forward(p.y, p.x, p.gamma, p.beta, &p.st, C, S, p.a, 0, BN_MOMENTUM);
        memcpy(buf, p.x, n * sizeof *buf);
        bn_forward(buf, buf, p.gamma, p.beta, &p.st, C, S, p.a, 0, BN_MOMENTUM);
        CHECK_SAME(buf, p.y, n);
        free(buf);
        free(dx);
        bnp_free(&p);
    }
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_constants);
    RUN(test_forward_train);
    RUN(test_forward_train_no_momentum);
    RUN(test_forward_eval);
    RUN(test_backward_none);
    RUN(test_backward_relu);
    RUN(test_backward_hswish);
    RUN(test_backward_hsigmoid);
    RUN(test_in_place);
    return check_done();
}
