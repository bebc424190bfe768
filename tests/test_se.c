/* Unit tests of se: squeeze-and-excitation, forward (output and every cached
 * vector) against a naive double computation, backward (dx written; dw1, db1,
 * dw2, db2 accumulated) against central differences of L = sum(y * R), with
 * ReLU and hard-swish hidden activations and some saturated channel scales. */
#include "se.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

/* Within one piece of every activation L is at most quadratic in any one
 * parameter, so the central difference is exact up to float rounding. */
#define EPS 1e-2
#define RTOL 2e-3
#define ATOL 1e-3

struct sep {
    struct se_dims d;
    float *x, *y, *w1, *b1, *w2, *b2, *R, *cache;
    struct se_cache k;
};

static double se_loss(void *ctx, struct kinks *k)
{
    struct sep *p = ctx;
    const struct se_dims *d = &p->d;
    se_forward(p->y, &p->k, p->x, p->w1, p->b1, p->w2, p->b2, d);
    kinks_add(k, p->k.h, (size_t)d->R * d->N, d->act);
    kinks_add(k, p->k.z, (size_t)d->C * d->N, ACT_HSIGMOID);
    return dotd(p->y, p->R, (size_t)d->C * d->P * d->N);
}

static void sep_make(struct sep *p, int C, int R, int P, int N, enum act a, struct rng *r)
{
    p->d = (struct se_dims){C, R, P, N, a};
    size_t nx = (size_t)C * P * N;
    p->x = falloc(nx);
    p->y = falloc(nx);
    p->R = falloc(nx);
    p->w1 = falloc((size_t)R * C);
    p->b1 = falloc(R);
    p->w2 = falloc((size_t)C * R);
    p->b2 = falloc(C);
    p->cache = falloc((size_t)se_cache_floats(&p->d));
    se_cache_bind(&p->k, p->cache, &p->d);
    /* x: a post-activation map with a channel-dependent level, so the pooled
     * values differ between channels and samples */
    for (int c = 0; c < C; c++)
        for (size_t i = 0; i < (size_t)P * N; i++)
            p->x[(size_t)c * P * N + i] = (float)(c % 3) - 0.5f + 2.0f * rng_uniform(r);
    fill_uniform(p->w1, (size_t)R * C, -1.0f, 1.0f, r);
    fill_uniform(p->b1, R, -0.5f, 0.5f, r);
    fill_uniform(p->w2, (size_t)C * R, -1.0f, 1.0f, r);
    fill_uniform(p->b2, C, -4.0f, 4.0f, r); /* some channels saturate */
    fill_normal(p->R, nx, r);
}

static void sep_free(struct sep *p)
{
    free(p->x);
    free(p->y);
    free(p->R);
    free(p->w1);
    free(p->b1);
    free(p->w2);
    free(p->b2);
    free(p->cache);
}

static void test_sizes(void)
{
    struct se_dims d = {24, 8, 49, 5, ACT_RELU};
    CHECK_EQ_INT(se_cache_floats(&d), (3 * 24 + 2 * 8) * 5);
    CHECK_EQ_INT(se_scratch_floats(&d), (2 * 24 + 8) * 5);
    float mem[(3 * 24 + 2 * 8) * 5];
    struct se_cache k;
    se_cache_bind(&k, mem, &d);
    /* five disjoint parts inside mem */
    float *lo[5] = {k.pooled, k.h, k.a, k.z, k.s};
    long len[5] = {24 * 5, 8 * 5, 8 * 5, 24 * 5, 24 * 5};
    for (int i = 0; i < 5; i++) {
        CHECK(lo[i] >= mem && lo[i] + len[i] <= mem + sizeof mem / sizeof *mem);
        for (int j = 0; j < i; j++)
            CHECK(lo[i] + len[i] <= lo[j] || lo[j] + len[j] <= lo[i]);
    }
}

static void check_forward(int C, int R, int P, int N, enum act a, struct rng *r)
{
    struct sep p;
    sep_make(&p, C, R, P, N, a, r);
    size_t nx = (size_t)C * P * N;
    fill_const(p.y, nx, NAN);
    se_forward(p.y, &p.k, p.x, p.w1, p.b1, p.w2, p.b2, &p.d);
    double *pooled = dalloc((size_t)C * N), *h = dalloc((size_t)R * N), *av = dalloc((size_t)R * N);
    double *z = dalloc((size_t)C * N), *s = dalloc((size_t)C * N), *y = dalloc(nx);
    for (int c = 0; c < C; c++)
        for (int n = 0; n < N; n++) {
            double t = 0;
            for (int q = 0; q < P; q++)
                t += p.x[((size_t)c * P + q) * N + n];
            pooled[(size_t)c * N + n] = t / P;
        }
    for (int j = 0; j < R; j++)
        for (int n = 0; n < N; n++) {
            double t = p.b1[j];
            for (int c = 0; c < C; c++)
                t += (double)p.w1[(size_t)j * C + c] * pooled[(size_t)c * N + n];
            h[(size_t)j * N + n] = t;
            av[(size_t)j * N + n] = ref_act(a, t);
        }
    int saturated = 0;
    for (int c = 0; c < C; c++)
        for (int n = 0; n < N; n++) {
            double t = p.b2[c];
            for (int j = 0; j < R; j++)
                t += (double)p.w2[(size_t)c * R + j] * av[(size_t)j * N + n];
            z[(size_t)c * N + n] = t;
            s[(size_t)c * N + n] = ref_act(ACT_HSIGMOID, t);
            saturated += fabs(t) > 3;
            for (int q = 0; q < P; q++) {
                size_t i = ((size_t)c * P + q) * N + n;
                y[i] = p.x[i] * s[(size_t)c * N + n];
            }
        }
    CHECK_ALL_NEAR(p.k.pooled, pooled, (size_t)C * N, 1e-5, 1e-6);
    CHECK_ALL_NEAR(p.k.h, h, (size_t)R * N, 1e-5, 1e-5);
    CHECK_ALL_NEAR(p.k.a, av, (size_t)R * N, 1e-5, 1e-5);
    CHECK_ALL_NEAR(p.k.z, z, (size_t)C * N, 1e-5, 1e-5);
    CHECK_ALL_NEAR(p.k.s, s, (size_t)C * N, 1e-5, 1e-5);
    CHECK_ALL_NEAR(p.y, y, nx, 1e-5, 1e-5);
    CHECK(saturated > 0); /* the data exercises the flat parts of the hard sigmoid */
    free(pooled);
    free(h);
    free(av);
    free(z);
    free(s);
    free(y);
    sep_free(&p);
}

static void test_forward(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    check_forward(12, 8, 25, 3, ACT_RELU, &r);
    check_forward(24, 8, 49, 17, ACT_HSWISH, &r);
    check_forward(40, 10, 16, 5, ACT_RELU, &r);
}

static void check_backward(int C, int R, int P, int N, enum act a, size_t sample, struct rng *r)
{
    struct sep p;
    sep_make(&p, C, R, P, N, a, r);
    const struct se_dims *d = &p.d;
    size_t nx = (size_t)C * P * N;
    float *dx = falloc(nx), *scratch = falloc((size_t)se_scratch_floats(d));
    float *g[4], *g0[4];
    size_t len[4] = {(size_t)R * C, (size_t)R, (size_t)C * R, (size_t)C};
    for (int i = 0; i < 4; i++) {
        g[i] = falloc(len[i]);
        g0[i] = falloc(len[i]);
        fill_uniform(g0[i], len[i], -1, 1, r);
        memcpy(g[i], g0[i], len[i] * sizeof *g[i]);
    }
    fill_const(dx, nx, NAN);
    fill_const(scratch, (size_t)se_scratch_floats(d), NAN); /* scratch needs no init */
    se_loss(&p, NULL);
    se_backward(dx, g[0], g[1], g[2], g[3], scratch, p.R, p.x, &p.k, p.w1, p.w2, d);
    for (int i = 0; i < 4; i++)
        for (size_t j = 0; j < len[i]; j++)
            g[i][j] -= g0[i][j];

    struct fd f;
    fd_init(&f, se_loss, &p, EPS, RTOL, ATOL, 1e-2);
    FD_TENSOR(&f, "x", p.x, dx, nx, sample);
    FD_TENSOR(&f, "w1", p.w1, g[0], len[0], 0);
    FD_TENSOR(&f, "b1", p.b1, g[1], len[1], 0);
    FD_TENSOR(&f, "w2", p.w2, g[2], len[2], 0);
    FD_TENSOR(&f, "b2", p.b2, g[3], len[3], 0);
    CHECK_FD_SKIPS(&f, 0.1);
    fd_done(&f);

    free(dx);
    free(scratch);
    for (int i = 0; i < 4; i++) {
        free(g[i]);
        free(g0[i]);
    }
    sep_free(&p);
}

static void test_backward_relu(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    check_backward(12, 8, 25, 3, ACT_RELU, 0, &r);
    check_backward(24, 8, 16, 17, ACT_RELU, 400, &r);
}

static void test_backward_hswish(void)
{
    struct rng r;
    rng_seed(&r, 3, 0);
    check_backward(12, 8, 25, 3, ACT_HSWISH, 0, &r);
    check_backward(24, 8, 16, 17, ACT_HSWISH, 400, &r);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_sizes);
    RUN(test_forward);
    RUN(test_backward_relu);
    RUN(test_backward_hswish);
    return check_done();
}
