/* gradcheck: helpers shared by the unit tests of the engine's ops (test_act,
 * test_conv, test_bn, ... test_net): random tensors, naive references in
 * double, and central finite differences of a scalar loss.
 *
 * Finite differences.  A test supplies a callback that runs the forward from
 * scratch and returns a loss in double (for most ops L = sum(out * R) with a
 * fixed random R).  fd_tensor perturbs one float parameter at a time by +-eps,
 * and compares (L+ - L-) / (p+ - p-) with the analytic gradient:
 *
 *     |analytic - numeric| <= rtol * max(|analytic|, |numeric|) + atol * scale
 *
 * where scale is the largest analytic gradient of the tensor (at least
 * `floor`).  The atol term absorbs float rounding of the forward, which the
 * central difference divides by 2 eps; the rtol term the O(eps^2) truncation.
 * A test may add an estimate of the loss's absolute rounding noise (fd.noise),
 * which adds noise / eps: it matters for tensors whose true gradient is ~0.
 *
 * Kinks.  ReLU, hard-swish and hard-sigmoid are piecewise; a central
 * difference across a kink measures neither side's slope.  The callback may
 * record the piece every activation input lies on (struct kinks); a coordinate
 * whose +-eps forwards change that pattern is retried with eps / 10 (and a ten
 * times larger absolute tolerance), and skipped if that crosses a kink too; a
 * test checks that only a small share was skipped.  A skip never hides a wrong
 * gradient at the other coordinates.
 *
 * Everything is static inline: each test binary uses a different part. */
#ifndef ONESHOT_GRADCHECK_H
#define ONESHOT_GRADCHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "act.h"
#include "check.h"
#include "rng.h"

/* ---- memory and random tensors ---- */

static inline float *falloc(size_t n)
{
    float *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static inline double *dalloc(size_t n)
{
    double *p = calloc(n ? n : 1, sizeof *p);
    if (!p) {
        fprintf(stderr, "out of memory\n");
        exit(2);
    }
    return p;
}

static inline void fill_uniform(float *x, size_t n, float lo, float hi, struct rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_uniform(r);
}

static inline void fill_normal(float *x, size_t n, struct rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = rng_normal(r);
}

static inline void fill_const(float *x, size_t n, float v)
{
    for (size_t i = 0; i < n; i++)
        x[i] = v;
}

/* sum a[i] * b[i] in double */
static inline double dotd(const float *a, const float *b, size_t n)
{
    double s = 0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * b[i];
    return s;
}

static inline double absmax(const float *x, size_t n)
{
    double m = 0;
    for (size_t i = 0; i < n; i++)
        if (fabs(x[i]) > m)
            m = fabs(x[i]);
    return m;
}

/* Largest |a[i] - b[i]| / (rtol * max(|a[i]|, |b[i]|) + atol); > 1 means a
 * mismatch.  *at gets the index of the worst element. */
static inline double worst_ratio_fd(const float *a, const double *b, size_t n, double rtol,
                                    double atol, size_t *at)
{
    double w = 0;
    *at = 0;
    for (size_t i = 0; i < n; i++) {
        double d = fabs(a[i] - b[i]);
        double tol = rtol * fmax(fabs(a[i]), fabs(b[i])) + atol;
        double q = d == 0 ? 0 : d / tol;
        if (!(q <= w)) { /* NaN counts as worst */
            w = isnan(q) ? INFINITY : q;
            *at = i;
        }
    }
    return w;
}

/* Checks every a[i] (float, from the engine) against b[i] (double, naive):
 * |a - b| <= rtol * max(|a|, |b|) + atol.  Reports the first mismatch only. */
#define CHECK_ALL_NEAR(a, b, n, rtol, atol)                                                        \
    do {                                                                                           \
        size_t at_;                                                                                \
        double w_ = worst_ratio_fd((a), (b), (n), (rtol), (atol), &at_);                           \
        if (!(w_ <= 1.0))                                                                          \
            check_fail_msg(__FILE__, __LINE__,                                                     \
                           "%s ~ %s at [%zu]: %.9g vs %.9g (rtol %g, atol %g)", #a, #b, at_,       \
                           (double)(a)[at_], (double)(b)[at_], (double)(rtol), (double)(atol));    \
    } while (0)

/* Exact equality of two float arrays (bit patterns may differ only for 0/-0). */
#define CHECK_ALL_EQ(a, b, n)                                                                      \
    do {                                                                                           \
        for (size_t i_ = 0; i_ < (size_t)(n); i_++)                                                \
            if ((a)[i_] != (b)[i_]) {                                                              \
                check_fail_msg(__FILE__, __LINE__, "%s == %s at [%zu]: %.9g vs %.9g", #a, #b,   \
                               i_, (double)(a)[i_], (double)(b)[i_]);                              \
                break;                                                                             \
            }                                                                                      \
    } while (0)

/* ---- the piece of a piecewise activation ---- */

static inline int act_region(enum act a, float v)
{
    switch (a) {
    case ACT_RELU:
        return v > 0.0f;
    case ACT_HSWISH:
    case ACT_HSIGMOID:
        return v <= -3.0f ? 0 : v >= 3.0f ? 2 : 1;
    default:
        return 0;
    }
}

/* The pieces of every activation input of one forward, in a fixed order. */
struct kinks {
    unsigned char *r;
    size_t n, cap;
};

static inline void kinks_push(struct kinks *k, int region)
{
    if (k->n == k->cap) {
        size_t cap = k->cap ? 2 * k->cap : 1024;
        unsigned char *r = realloc(k->r, cap);
        if (!r) {
            fprintf(stderr, "out of memory\n");
            exit(2);
        }
        k->r = r;
        k->cap = cap;
    }
    k->r[k->n++] = (unsigned char)region;
}

/* Records the pieces of act(v[i]), i < n (nothing for ACT_NONE). */
static inline void kinks_add(struct kinks *k, const float *v, size_t n, enum act a)
{
    if (!k || a == ACT_NONE)
        return;
    for (size_t i = 0; i < n; i++)
        kinks_push(k, act_region(a, v[i]));
}

/* Records the pieces of a fused BN + act over x [C][S] with the statistics the
 * forward used (the pre-activation as bn.c computes it). */
static inline void kinks_add_bn(struct kinks *k, const float *x, const float *mean,
                                const float *invstd, const float *gamma, const float *beta, int C,
                                size_t S, enum act a)
{
    if (!k || a == ACT_NONE)
        return;
    for (int c = 0; c < C; c++) {
        float scale = gamma[c] * invstd[c], shift = beta[c] - mean[c] * scale;
        for (size_t i = 0; i < S; i++)
            kinks_push(k, act_region(a, x[(size_t)c * S + i] * scale + shift));
    }
}

static inline int kinks_equal(const struct kinks *a, const struct kinks *b)
{
    return a->n == b->n && (a->n == 0 || memcmp(a->r, b->r, a->n) == 0);
}

/* ---- finite differences ---- */

/* Runs the forward from scratch and returns the loss; records the pieces of
 * its activations in k when k is not NULL. */
typedef double (*fd_loss_fn)(void *ctx, struct kinks *k);

struct fd {
    fd_loss_fn loss;
    void *ctx;
    double eps;   /* perturbation of one parameter */
    double rtol;  /* relative tolerance */
    double atol;  /* absolute tolerance, times the tensor's scale */
    double floor; /* least scale of a tensor */
    double noise; /* absolute rounding noise of the loss (0 by default): adds noise / step */
    struct kinks base, kp, km;
    struct rng pick; /* picks the sampled coordinates */
    int checked, retried, skipped;
    double worst; /* largest error / tolerance seen */
};

static inline void fd_init(struct fd *f, fd_loss_fn loss, void *ctx, double eps, double rtol,
                           double atol, double floor)
{
    memset(f, 0, sizeof *f);
    f->loss = loss;
    f->ctx = ctx;
    f->eps = eps;
    f->rtol = rtol;
    f->atol = atol;
    f->floor = floor;
    rng_seed(&f->pick, 12345, 99);
}

static inline void fd_done(struct fd *f)
{
    free(f->base.r);
    free(f->kp.r);
    free(f->km.r);
}

/* The central difference of the loss in p[i] with step h; returns 0 when a kink
 * was crossed (then *num is not valid).  Leaves p[i] as it found it. */
static inline int fd_one(struct fd *f, float *p, size_t i, double h, double *num)
{
    float old = p[i];
    float hi = (float)(old + h), lo = (float)(old - h);
    f->kp.n = f->km.n = 0;
    p[i] = hi;
    double lp = f->loss(f->ctx, &f->kp);
    p[i] = lo;
    double lm = f->loss(f->ctx, &f->km);
    p[i] = old;
    if (!kinks_equal(&f->kp, &f->base) || !kinks_equal(&f->km, &f->base))
        return 0;
    *num = (lp - lm) / ((double)hi - (double)lo);
    return 1;
}

/* Checks g against central differences on p, both of n floats: at every index
 * when count == 0 or count >= n; else at count indices, the first, the last and
 * random ones (drawing more, up to 4 * count draws, when some are skipped).
 * what names the tensor in failure messages.  Fails when fewer than half of
 * the coordinates wanted could be checked.  The loss must currently be at the
 * unperturbed point (the base pattern is taken here).
 *
 * A coordinate whose +-eps steps cross a kink is retried with eps / 10, where
 * the absolute tolerance is ten times larger (float rounding of the loss is
 * divided by a ten times smaller step); if that crosses too it is skipped. */
static inline void fd_tensor_at(struct fd *f, const char *what, float *p, const float *g, size_t n,
                                size_t count, const char *file, int line)
{
    f->base.n = 0;
    f->loss(f->ctx, &f->base);
    double scale = fmax(absmax(g, n), f->floor);
    int all = count == 0 || count >= n;
    size_t want = all ? n : count, draws = all ? n : 4 * count, done = 0;
    int reported = 0;
    for (size_t t = 0; t < draws && done < want; t++) {
        size_t i = all ? t : t == 0 ? 0 : t == 1 ? n - 1 : (size_t)rng_below(&f->pick, n);
        double num, widen = 1;
        if (!fd_one(f, p, i, f->eps, &num)) {
            widen = 10;
            if (!fd_one(f, p, i, f->eps / widen, &num)) {
                f->skipped++;
                continue;
            }
            f->retried++;
        }
        f->checked++;
        done++;
        double a = g[i];
        double tol = f->rtol * fmax(fabs(a), fabs(num)) + widen * f->atol * scale +
                     f->noise * widen / f->eps;
        double q = a == num ? 0 : fabs(a - num) / tol;
        if (!(q <= f->worst))
            f->worst = isnan(q) ? INFINITY : q;
        if (!(q <= 1.0) && reported++ < 3)
            check_fail_msg(file, line, "d loss / d %s[%zu]: analytic %.7g, numeric %.7g (tol %.3g)",
                           what, i, a, num, tol);
    }
    if (2 * done < want)
        check_fail_msg(file, line, "%s: only %zu of %zu coordinates checked (kinks)", what, done,
                       want);
    if (getenv("FD_VERBOSE"))
        printf("  %-10s worst err/tol %.3f (checked %d, %d with eps/10, skipped %d so far)\n", what,
               f->worst, f->checked, f->retried, f->skipped);
}

#define FD_TENSOR(f, what, p, g, n, count)                                                         \
    fd_tensor_at((f), (what), (p), (g), (n), (count), __FILE__, __LINE__)

/* Fails unless a share of at most max_skip of the coordinates was skipped at
 * kinks and something was checked at all. */
#define CHECK_FD_SKIPS(f, max_skip)                                                                \
    do {                                                                                           \
        int tot_ = (f)->checked + (f)->skipped;                                                    \
        if (!((f)->checked > 0 && (f)->skipped <= (max_skip) * tot_))                              \
            check_fail_msg(__FILE__, __LINE__,                                                     \
                           "finite differences: %d checked, %d skipped at kinks", (f)->checked,    \
                           (f)->skipped);                                                          \
    } while (0)

/* The activations written out in double, independent of act.h's inline forms. */
static inline double ref_act(enum act a, double x)
{
    switch (a) {
    case ACT_RELU:
        return x > 0 ? x : 0;
    case ACT_HSWISH:
        return x <= -3 ? 0 : x >= 3 ? x : x * (x + 3) / 6;
    case ACT_HSIGMOID:
        return x <= -3 ? 0 : x >= 3 ? 1 : (x + 3) / 6;
    default:
        return x;
    }
}

#endif
