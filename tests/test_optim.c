/* Unit tests of optim's RMSProp and staircase exponential decay (the
 * optimiser of src/singlepath.c): the update rule against a reference written
 * out in double, a hand-computed first step from TensorFlow's initial state
 * (ms = 1), the weight decay term, the gradient left alone, convergence on a
 * quadratic, and the learning-rate steps. */
#include "optim.h"

#include <math.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"

/* The rule of optim.h in double. */
static void ref_rmsprop(double *w, const double *g, double *ms, double *mom, size_t n,
                        double rho, double mu, double eps, double wd, double lr)
{
    for (size_t i = 0; i < n; i++) {
        double d = g[i] + wd * w[i];
        ms[i] = rho * ms[i] + (1 - rho) * d * d;
        mom[i] = mu * mom[i] + lr * d / sqrt(ms[i] + eps);
        w[i] -= mom[i];
    }
}

static void test_rmsprop_defaults(void)
{
    struct rmsprop o;
    rmsprop_default(&o);
    CHECK(o.decay == 0.9f && o.momentum == 0.9f && o.eps == 1e-3f && o.weight_decay == 0);
    float ms[5], mom[5];
    fill_const(ms, 5, NAN);
    fill_const(mom, 5, NAN);
    rmsprop_state_init(ms, mom, 5);
    for (int i = 0; i < 5; i++)
        CHECK(ms[i] == 1.0f && mom[i] == 0.0f);
}

/* w = 1, g = 0.5, lr 0.1 from ms = 1: ms = 0.9 + 0.1 * 0.25 = 0.925,
 * mom = 0.1 * 0.5 / sqrt(0.926), w = 1 - mom. */
static void test_rmsprop_first_step(void)
{
    struct rmsprop o;
    rmsprop_default(&o);
    float w = 1, g = 0.5f, ms, mom;
    rmsprop_state_init(&ms, &mom, 1);
    rmsprop_step(&w, &g, &ms, &mom, 1, &o, 0.1f);
    CHECK_NEAR(ms, 0.925, 1e-7);
    CHECK_NEAR(mom, 0.05 / sqrt(0.926), 1e-7);
    CHECK_NEAR(w, 1 - 0.05 / sqrt(0.926), 1e-7);
    CHECK(g == 0.5f);
    /* a zero gradient from the start moves nothing */
    float w0 = 3, g0 = 0, ms0, mom0;
    rmsprop_state_init(&ms0, &mom0, 1);
    rmsprop_step(&w0, &g0, &ms0, &mom0, 1, &o, 0.1f);
    CHECK(w0 == 3 && mom0 == 0);
}

static void test_rmsprop_reference(void)
{
    enum { N = 1000, STEPS = 20 };
    struct rng r;
    rng_seed(&r, 3, 0);
    struct rmsprop o = {0.8f, 0.7f, 1e-2f, 0.05f};
    float *w = falloc(N), *g = falloc(N), *ms = falloc(N), *mom = falloc(N);
    double *wd = dalloc(N), *gd = dalloc(N), *msd = dalloc(N), *momd = dalloc(N);
    fill_normal(w, N, &r);
    rmsprop_state_init(ms, mom, N);
    for (int i = 0; i < N; i++) {
        wd[i] = w[i];
        msd[i] = 1;
    }
    for (int s = 0; s < STEPS; s++) {
        fill_normal(g, N, &r);
        for (int i = 0; i < N; i++)
            gd[i] = g[i];
        float lr = 0.01f * (float)(s + 1);
        rmsprop_step(w, g, ms, mom, N, &o, lr);
        ref_rmsprop(wd, gd, msd, momd, N, o.decay, o.momentum, o.eps, o.weight_decay, lr);
    }
    CHECK_ALL_NEAR(w, wd, N, 1e-4, 1e-5);
    CHECK_ALL_NEAR(ms, msd, N, 1e-4, 1e-6);
    CHECK_ALL_NEAR(mom, momd, N, 1e-4, 1e-6);
    /* the weight decay term: with g = 0 every weight shrinks towards 0 */
    float a[2] = {2, -2}, z[2] = {0, 0}, s2[2], m2[2];
    rmsprop_state_init(s2, m2, 2);
    rmsprop_step(a, z, s2, m2, 2, &o, 0.1f);
    CHECK(a[0] < 2 && a[0] > 0 && a[1] > -2 && a[1] < 0 && a[0] == -a[1]);
    free(w);
    free(g);
    free(ms);
    free(mom);
    free(wd);
    free(gd);
    free(msd);
    free(momd);
}

/* f(w) = sum c_i (w_i - a_i)^2 / 2 with curvatures four orders apart: RMSProp
 * scales each coordinate's step by its own gradient size, so all converge. */
static void test_rmsprop_quadratic(void)
{
    enum { N = 4 };
    const float c[N] = {100, 1, 0.1f, 0.01f}, a[N] = {1, -2, 3, 0.5f};
    float w[N] = {0}, g[N], ms[N], mom[N];
    struct rmsprop o;
    rmsprop_default(&o);
    rmsprop_state_init(ms, mom, N);
    for (int s = 0; s < 3000; s++) {
        for (int i = 0; i < N; i++)
            g[i] = c[i] * (w[i] - a[i]);
        rmsprop_step(w, g, ms, mom, N, &o, exp_decay_lr(0.01f, s, 100, 0.97f));
    }
    for (int i = 0; i < N; i++)
        CHECK_NEAR(w[i], a[i], 0.05);
}

static void test_exp_decay_lr(void)
{
    CHECK(exp_decay_lr(0.016f, 0, 2.4, 0.97f) == 0.016f);
    CHECK(exp_decay_lr(0.016f, 2, 2.4, 0.97f) == 0.016f);
    CHECK_NEAR(exp_decay_lr(0.016f, 3, 2.4, 0.97f), 0.016 * 0.97, 1e-8);
    CHECK_NEAR(exp_decay_lr(0.016f, 4, 2.4, 0.97f), 0.016 * 0.97, 1e-8);
    CHECK_NEAR(exp_decay_lr(0.016f, 5, 2.4, 0.97f), 0.016 * 0.97 * 0.97, 1e-8);
    CHECK_NEAR(exp_decay_lr(1.0f, 2400, 2.4, 0.5f), pow(0.5, 1000), 1e-30);
    /* non-increasing over a run */
    float prev = 1;
    for (long t = 0; t < 1000; t++) {
        float lr = exp_decay_lr(1.0f, t, 7.5, 0.97f);
        CHECK(lr <= prev);
        prev = lr;
    }
    CHECK(exp_decay_lr(0.5f, 10, 0, 0.97f) == 0.5f); /* no period: constant */
}

int main(void)
{
    RUN(test_rmsprop_defaults);
    RUN(test_rmsprop_first_step);
    RUN(test_rmsprop_reference);
    RUN(test_rmsprop_quadratic);
    RUN(test_exp_decay_lr);
    return check_done();
}
