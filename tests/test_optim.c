/* Unit tests of optim's RMSProp and staircase exponential decay (the
 * optimiser of src/singlepath.c): the update rule against a reference written
 * out in double, a hand-computed first step from TensorFlow's initial state
 * (ms = 1), the weight decay term, the gradient left alone, convergence on a
 * quadratic, and the learning-rate steps.  Adam and clipping by the gradient
 * norm (the optimiser of src/nao.c): the update against the textbook form
 * with bias-corrected moments, the first step's size, a restart, convergence
 * on a badly scaled quadratic, and the clipped norm and direction. */
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

/* Kingma and Ba's form: m_hat = m / (1 - b1^t), v_hat = v / (1 - b2^t),
 * w -= lr * m_hat / (sqrt(v_hat) + eps); equal to optim.h's up to rounding. */
static void ref_adam(double *w, const double *g, double *m, double *v, size_t n, double b1,
                     double b2, double eps, double wd, double lr, long t)
{
    for (size_t i = 0; i < n; i++) {
        double d = g[i] + wd * w[i];
        m[i] = b1 * m[i] + (1 - b1) * d;
        v[i] = b2 * v[i] + (1 - b2) * d * d;
        double mh = m[i] / (1 - pow(b1, (double)t)), vh = v[i] / (1 - pow(b2, (double)t));
        w[i] -= lr * mh / (sqrt(vh) + eps);
    }
}

static void test_adam_reference(void)
{
    enum { N = 500, STEPS = 30 };
    struct rng r;
    rng_seed(&r, 5, 0);
    struct adam o;
    adam_default(&o);
    CHECK(o.beta1 == 0.9 && o.beta2 == 0.999 && o.eps == 1e-8 && o.weight_decay == 0);
    o.weight_decay = 0.01;
    double *w = dalloc(N), *g = dalloc(N), *m = dalloc(N), *v = dalloc(N);
    double *w2 = dalloc(N), *g2 = dalloc(N), *m2 = dalloc(N), *v2 = dalloc(N);
    for (int i = 0; i < N; i++)
        w[i] = w2[i] = rng_normal(&r);
    for (long t = 1; t <= STEPS; t++) {
        for (int i = 0; i < N; i++)
            g[i] = g2[i] = rng_normal(&r) * (i % 7 + 1) * 1e-3;
        adam_step(w, g, m, v, N, &o, 1e-2, t);
        ref_adam(w2, g2, m2, v2, N, o.beta1, o.beta2, o.eps, o.weight_decay, 1e-2, t);
        for (int i = 0; i < N; i++)
            CHECK(g[i] == g2[i]); /* the gradient is read, not changed */
    }
    for (int i = 0; i < N; i++) {
        CHECK_NEAR(w[i], w2[i], 1e-12);
        CHECK_NEAR(m[i], m2[i], 1e-15);
        CHECK_NEAR(v[i], v2[i], 1e-15);
    }
    free(w);
    free(g);
    free(m);
    free(v);
    free(w2);
    free(g2);
    free(m2);
    free(v2);
}

/* From zero moments the first step moves every weight by lr against its
 * gradient's sign, whatever the gradient's size: m_hat = g, v_hat = g^2
 * (but for eps, which shows at a gradient of 1e-4).
 * Zeroing the moments restarts that. */
static void test_adam_first_step(void)
{
    struct adam o;
    adam_default(&o);
    double w[3] = {1, 1, 1}, g[3] = {1e-4, -3, 200}, m[3] = {0}, v[3] = {0};
    adam_step(w, g, m, v, 3, &o, 0.01, 1);
    CHECK_NEAR(w[0], 1 - 0.01 * 1e-4 / (1e-4 + 1e-8), 1e-12); /* eps outside the root */
    CHECK_NEAR(w[1], 1 + 0.01, 1e-9);
    CHECK_NEAR(w[2], 1 - 0.01, 1e-9);
    adam_step(w, g, m, v, 3, &o, 0.01, 2); /* the same gradient: the same step again */
    CHECK_NEAR(w[2], 1 - 0.02, 1e-9);
    double z[3] = {0, 0, 0};
    memcpy(m, z, sizeof m);
    memcpy(v, z, sizeof v);
    g[2] = -5;
    adam_step(w, g, m, v, 3, &o, 0.01, 1);
    CHECK_NEAR(w[2], 1 - 0.02 + 0.01, 1e-9);
}

/* f(w) = sum c_i (w_i - a_i)^2 / 2 with curvatures six orders apart. */
static void test_adam_quadratic(void)
{
    enum { N = 4 };
    const double c[N] = {1000, 1, 0.01, 0.001}, a[N] = {1, -2, 3, 0.5};
    double w[N] = {0}, g[N], m[N] = {0}, v[N] = {0};
    struct adam o;
    adam_default(&o);
    for (long t = 1; t <= 6000; t++) {
        for (int i = 0; i < N; i++)
            g[i] = c[i] * (w[i] - a[i]);
        adam_step(w, g, m, v, N, &o, cosine_lr(0.05f, t - 1, 6000), t);
    }
    for (int i = 0; i < N; i++)
        CHECK_NEAR(w[i], a[i], 0.02);
}

static void test_clip_grad_norm(void)
{
    double g[3] = {3, -4, 12}, h[3] = {3, -4, 12}; /* norm 13 */
    CHECK_NEAR(clip_grad_norm(g, 3, 20), 13, 1e-12);
    for (int i = 0; i < 3; i++)
        CHECK(g[i] == h[i]);
    CHECK_NEAR(clip_grad_norm(g, 3, 0), 13, 1e-12); /* 0: no clipping */
    CHECK(g[2] == 12);
    CHECK_NEAR(clip_grad_norm(g, 3, 5), 13, 1e-12);
    double s = 0;
    for (int i = 0; i < 3; i++) {
        s += g[i] * g[i];
        CHECK_NEAR(g[i], h[i] * 5 / 13, 1e-6); /* the direction is kept */
    }
    CHECK_NEAR(sqrt(s), 5, 1e-6);
    CHECK(sqrt(s) <= 5);
}

int main(void)
{
    RUN(test_rmsprop_defaults);
    RUN(test_rmsprop_first_step);
    RUN(test_rmsprop_reference);
    RUN(test_rmsprop_quadratic);
    RUN(test_exp_decay_lr);
    RUN(test_adam_reference);
    RUN(test_adam_first_step);
    RUN(test_adam_quadratic);
    RUN(test_clip_grad_norm);
    return check_done();
}
