/* fdd: central finite differences in double, for the engine's double-
 * precision modules (src/dense.c, src/lstm.c, src/nao.c).
 *
 * gradcheck.h's helpers perturb float tensors and allow for float rounding;
 * here the forward runs in double, so a step of 1e-5 leaves a truncation
 * error of order 1e-10 and a rounding error of order 1e-11, and a gradient
 * is checked to a relative 1e-6.  The loss has no kinks (sigmoid, tanh,
 * softmax, normalisation away from zero), so nothing is skipped.
 *
 * Everything is static inline: each test binary uses a different part. */
#ifndef ONESHOT_FDD_H
#define ONESHOT_FDD_H

#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "gradcheck.h" /* dalloc */
#include "rng.h"

/* Runs the forward from scratch and returns the loss. */
typedef double (*fdd_loss_fn)(void *ctx);

static inline void fdd_fill(double *x, size_t n, double lo, double hi, struct rng *r)
{
    for (size_t i = 0; i < n; i++)
        x[i] = lo + (hi - lo) * rng_uniform(r);
}

/* Checks g[i] against (L(p + h) - L(p - h)) / 2h at every index of p (count
 * == 0 or >= n) or at count of them (the first, the last and random ones
 * drawn from pick):
 *     |analytic - numeric| <= rtol * max(|analytic|, |numeric|) + atol.
 * Leaves p as it found it.  Returns the largest error / tolerance (a
 * failure past 1, reported with what and the index, three at most). */
static inline double fdd_check_at(fdd_loss_fn loss, void *ctx, const char *what, double *p,
                                  const double *g, size_t n, size_t count, struct rng *pick,
                                  double h, double rtol, double atol, const char *file, int line)
{
    int all = count == 0 || count >= n, reported = 0;
    size_t want = all ? n : count;
    double worst = 0;
    for (size_t t = 0; t < want; t++) {
        size_t i = all ? t : t == 0 ? 0 : t == 1 ? n - 1 : (size_t)rng_below(pick, n);
        double old = p[i];
        p[i] = old + h;
        double lp = loss(ctx);
        p[i] = old - h;
        double lm = loss(ctx);
        p[i] = old;
        double num = (lp - lm) / (2 * h), a = g[i];
        double tol = rtol * fmax(fabs(a), fabs(num)) + atol;
        double q = fabs(a - num) / tol;
        if (!(q <= worst))
            worst = isnan(q) ? INFINITY : q;
        if (!(q <= 1.0) && reported++ < 3)
            check_fail_msg(file, line, "d loss / d %s[%zu]: analytic %.10g, numeric %.10g (tol %.3g)",
                           what, i, a, num, tol);
    }
    if (getenv("FD_VERBOSE"))
        printf("  %-10s worst err/tol %.3f over %zu\n", what, worst, want);
    return worst;
}

#define FDD_CHECK(loss, ctx, what, p, g, n, count, pick, h, rtol, atol)                           \
    fdd_check_at((loss), (ctx), (what), (p), (g), (n), (count), (pick), (h), (rtol), (atol),     \
                 __FILE__, __LINE__)

#endif
