/* Unit tests of src/rank.c against hand-computed values: Kendall's tau-b
 * with ties (in x only, in y only and in both), Spearman's rho with average
 * ranks, the bootstrap interval of tau, precision at k with ties at the
 * boundary, and NAO's pairwise accuracy. */
#include "rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "rng.h"

static void test_tau_extremes(void)
{
    const double x[] = {1, 2, 3, 4, 5, 6};
    const double y[] = {10, 20, 25, 40, 41, 90};
    const double r[] = {9, 8, 7, 3, 2, -1};
    CHECK_NEAR(kendall_tau(x, y, 6), 1.0, 1e-12);
    CHECK_NEAR(kendall_tau(x, r, 6), -1.0, 1e-12);
    CHECK_NEAR(kendall_tau(y, x, 6), 1.0, 1e-12);
    CHECK_NEAR(kendall_tau(x, y, 2), 1.0, 1e-12);
    CHECK_NEAR(kendall_tau(x, r, 2), -1.0, 1e-12);
    /* a constant side has no ordering: tau is undefined, not 0 */
    const double c[] = {3, 3, 3, 3, 3, 3};
    CHECK(isnan(kendall_tau(x, c, 6)));
    CHECK(isnan(kendall_tau(c, x, 6)));
    CHECK(isnan(kendall_tau(c, c, 6)));
    CHECK(isnan(kendall_tau(x, y, 1)));
    double lo, hi;
    kendall_tau_ci(x, c, 6, 100, 1, &lo, &hi);
    CHECK(isnan(lo) && isnan(hi));
    char buf[16];
    CHECK_STR(rank_text(kendall_tau(x, c, 6), buf, sizeof buf), "undefined");
    CHECK_STR(rank_text(kendall_tau(x, y, 6), buf, sizeof buf), "1.000");
    CHECK_STR(rank_text(-0.3456, buf, sizeof buf), "-0.346");
}

/* A bootstrap of a few pairs draws some resamples with one side constant:
 * those have no tau and are left out, they do not pull the interval to 0. */
static void test_ci_undefined_resamples(void)
{
    const double x[] = {1, 2, 3}, y[] = {1, 2, 3};
    double lo, hi;
    kendall_tau_ci(x, y, 3, 1000, 9, &lo, &hi);
    /* every defined resample of a perfectly ordered set orders perfectly */
    CHECK_NEAR(lo, 1.0, 0);
    CHECK_NEAR(hi, 1.0, 0);
}

static void test_tau_ties(void)
{
    /* The 15 pairs of
     *   x = 1 2 2 3 4 2
     *   y = 1 3 2 2 5 3
     * concordant: (0,1) (0,2) (0,3) (0,4) (0,5) (1,4) (2,4) (3,4) (4,5) = 9
     * discordant: (1,3) (3,5) = 2
     * tied in x only: (1,2) (2,5); in y only: (2,3); in both: (1,5).
     * Pairs tied in x: n1 = 3 (three 2s); in y: n2 = 2 (two 3s, two 2s).
     * tau-b = (9 - 2) / sqrt((15 - 3) (15 - 2)) = 7 / sqrt(156). */
    const double x[] = {1, 2, 2, 3, 4, 2};
    const double y[] = {1, 3, 2, 2, 5, 3};
    CHECK_NEAR(kendall_tau(x, y, 6), 7.0 / sqrt(156.0), 1e-12);
    CHECK_NEAR(kendall_tau(y, x, 6), 7.0 / sqrt(156.0), 1e-12);
    /* tau-a would be 7/15: the ties matter */
    CHECK(fabs(kendall_tau(x, y, 6) - 7.0 / 15.0) > 0.05);
    /* order of the pairs does not matter */
    const double xp[] = {2, 4, 3, 2, 2, 1};
    const double yp[] = {3, 5, 2, 2, 3, 1};
    CHECK_NEAR(kendall_tau(xp, yp, 6), 7.0 / sqrt(156.0), 1e-12);
    /* a negative with ties: y reversed in sign */
    const double yn[] = {-1, -3, -2, -2, -5, -3};
    CHECK_NEAR(kendall_tau(x, yn, 6), -7.0 / sqrt(156.0), 1e-12);
}

static void test_spearman(void)
{
    const double x[] = {1, 2, 3, 4, 5};
    const double y[] = {2, 4, 8, 16, 32};
    const double r[] = {5, 4, 3, 2, 1};
    CHECK_NEAR(spearman_rho(x, y, 5), 1.0, 1e-12);
    CHECK_NEAR(spearman_rho(x, r, 5), -1.0, 1e-12);
    /* x = 10 20 20 30 40 -> ranks 1 2.5 2.5 4 5
     * y =  3  1  2  2  5 -> ranks 4 1 2.5 2.5 5
     * deviations from the mean rank 3: (-2 -.5 -.5 1 2), (1 -2 -.5 -.5 2)
     * sxy = -2 + 1 + .25 - .5 + 4 = 2.75, sxx = syy = 9.5: rho = 11/38. */
    const double tx[] = {10, 20, 20, 30, 40};
    const double ty[] = {3, 1, 2, 2, 5};
    CHECK_NEAR(spearman_rho(tx, ty, 5), 11.0 / 38.0, 1e-12);
    CHECK_NEAR(spearman_rho(ty, tx, 5), 11.0 / 38.0, 1e-12);
    /* x = 1 2 2 3, y = 1 3 2 4: ranks (1 2.5 2.5 4), (1 3 2 4);
     * sxy = 4.5, sxx = 4.5, syy = 5: rho = sqrt(0.9). */
    const double ux[] = {1, 2, 2, 3};
    const double uy[] = {1, 3, 2, 4};
    CHECK_NEAR(spearman_rho(ux, uy, 4), sqrt(0.9), 1e-12);
    const double c[] = {7, 7, 7, 7};
    CHECK(isnan(spearman_rho(ux, c, 4)));
}

static int cmp_double(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

/* n pairs with y = x + noise * sd. */
static void correlated(double *x, double *y, int n, double sd, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 1);
    for (int i = 0; i < n; i++) {
        x[i] = rng_normal(&r);
        y[i] = x[i] + sd * rng_normal(&r);
    }
}

static void test_tau_ci(void)
{
    enum { N = 60, BIG = 240 };
    double x[BIG], y[BIG];
    correlated(x, y, N, 1.0, 3);
    double tau = kendall_tau(x, y, N);
    CHECK(tau > 0.3 && tau < 0.8); /* moderately correlated */
    double lo, hi, lo2, hi2;
    kendall_tau_ci(x, y, N, 1000, 42, &lo, &hi);
    if (!CHECK(lo <= tau && tau <= hi && lo < hi))
        printf("  tau %g not in [%g, %g]\n", tau, lo, hi);
    CHECK(lo > 0 && hi < 1);            /* clearly positive, not perfect */
    CHECK(hi - lo > 0.05 && hi - lo < 0.6); /* a plausible width for 60 pairs */
    /* the 2.5 % and 97.5 % points of an independent bootstrap of the same
     * pairs (Monte Carlo error of each: ~0.005) */
    {
        enum { B = 4000 };
        static double taus[B];
        double bx[N], by[N];
        struct rng r;
        rng_seed(&r, 777, 2);
        for (int b = 0; b < B; b++) {
            for (int i = 0; i < N; i++) {
                int k = (int)rng_below(&r, N);
                bx[i] = x[k];
                by[i] = y[k];
            }
            taus[b] = kendall_tau(bx, by, N);
        }
        qsort(taus, B, sizeof taus[0], cmp_double);
        double rlo = taus[(int)(0.025 * (B - 1))], rhi = taus[(int)ceil(0.975 * (B - 1))];
        double blo, bhi;
        kendall_tau_ci(x, y, N, B, 42, &blo, &bhi);
        if (!CHECK(fabs(blo - rlo) < 0.02 && fabs(bhi - rhi) < 0.02))
            printf("  [%g, %g], reference [%g, %g]\n", blo, bhi, rlo, rhi);
    }
    /* deterministic for a seed; another seed resamples differently */
    kendall_tau_ci(x, y, N, 1000, 42, &lo2, &hi2);
    CHECK(lo2 == lo && hi2 == hi);
    kendall_tau_ci(x, y, N, 1000, 43, &lo2, &hi2);
    CHECK(lo2 != lo || hi2 != hi);
    CHECK(fabs(lo2 - lo) < 0.1 && fabs(hi2 - hi) < 0.1);
    /* four times the pairs: about half the width */
    double blo, bhi;
    correlated(x, y, BIG, 1.0, 3);
    kendall_tau_ci(x, y, BIG, 1000, 42, &blo, &bhi);
    CHECK(bhi - blo < 0.75 * (hi - lo));
    /* no resamples: the point estimate */
    kendall_tau_ci(x, y, N, 0, 42, &lo2, &hi2);
    CHECK(lo2 == kendall_tau(x, y, N) && hi2 == lo2);
    /* perfect agreement survives every resample */
    for (int i = 0; i < N; i++)
        y[i] = 2 * x[i] + 1;
    kendall_tau_ci(x, y, N, 200, 5, &lo2, &hi2);
    CHECK_NEAR(lo2, 1.0, 1e-12);
    CHECK_NEAR(hi2, 1.0, 1e-12);
}

static void test_precision_at_k(void)
{
    /* best by x: 0 1 2 3 4; best by y: 2 1 4 3 0 */
    const double x[] = {5, 4, 3, 2, 1};
    const double y[] = {1, 4, 5, 2, 3};
    CHECK_NEAR(precision_at_k(x, y, 5, 1), 0.0, 0);       /* {0} vs {2} */
    CHECK_NEAR(precision_at_k(x, y, 5, 2), 0.5, 1e-12);   /* {0,1} vs {2,1} */
    CHECK_NEAR(precision_at_k(x, y, 5, 3), 2.0 / 3, 1e-12); /* {0,1,2} vs {2,1,4} */
    CHECK_NEAR(precision_at_k(x, y, 5, 4), 0.75, 1e-12);  /* {0,1,2,3} vs {2,1,4,3} */
    CHECK_NEAR(precision_at_k(x, y, 5, 5), 1.0, 1e-12);
    CHECK_NEAR(precision_at_k(x, y, 5, 9), 1.0, 1e-12);   /* k > n: all */
    CHECK_NEAR(precision_at_k(x, y, 5, 0), 0.0, 0);
    CHECK_NEAR(precision_at_k(x, x, 5, 2), 1.0, 1e-12);
    /* ties at the boundary go to the lower index:
     * x = 1 1 1 0 -> top 2 {0,1}; y = 0 1 1 1 -> top 2 {1,2}: share 1/2 */
    const double tx[] = {1, 1, 1, 0};
    const double ty[] = {0, 1, 1, 1};
    CHECK_NEAR(precision_at_k(tx, ty, 4, 2), 0.5, 1e-12);
    CHECK_NEAR(precision_at_k(ty, tx, 4, 2), 0.5, 1e-12);
    CHECK_NEAR(precision_at_k(tx, ty, 4, 3), 2.0 / 3, 1e-12); /* {0,1,2} vs {1,2,3} */
    /* the tie-break is by index, not by position from the end:
     * x = 1 1 1 0 -> top 2 {0,1}; y = 3 2 1 0 -> {0,1} */
    const double tz[] = {3, 2, 1, 0};
    CHECK_NEAR(precision_at_k(tx, tz, 4, 2), 1.0, 1e-12);
    CHECK_NEAR(precision_at_k(tz, tx, 4, 2), 1.0, 1e-12);
    /* higher is better: x = 3 2 1 and y = 3 1 2 agree on the best only */
    const double hx[] = {3, 2, 1};
    const double hy[] = {3, 1, 2};
    CHECK_NEAR(precision_at_k(hx, hy, 3, 1), 1.0, 1e-12);
    CHECK_NEAR(precision_at_k(hx, hy, 3, 2), 0.5, 1e-12);
    /* also for negative values */
    const double nx[] = {-3, -1, -2};
    const double ny[] = {-30, -10, -20};
    CHECK_NEAR(precision_at_k(nx, ny, 3, 1), 1.0, 1e-12);
    const double ry[] = {-10, -30, -20};
    CHECK_NEAR(precision_at_k(nx, ry, 3, 1), 0.0, 0);
}

/* Pairwise accuracy: all pairs right, all wrong, ties on either side, the
 * tie-free identity with tau, and undefined without a pair to order. */
static void test_pairwise_accuracy(void)
{
    double y[] = {1, 2, 3, 4, 5};
    double up[] = {10, 20, 30, 40, 50}, down[] = {5, 4, 3, 2, 1};
    CHECK_NEAR(pairwise_accuracy(up, y, 5), 1, 0);
    CHECK_NEAR(pairwise_accuracy(down, y, 5), 0, 0);
    double flat[] = {7, 7, 7, 7, 7};
    CHECK_NEAR(pairwise_accuracy(flat, y, 5), 0.5, 0);
    CHECK(isnan(pairwise_accuracy(up, flat, 5)));
    CHECK(isnan(pairwise_accuracy(up, y, 1)));
    /* y ties (1 and 2 equal) leave their pair out: 9 pairs, 1 wrong */
    double yt[] = {1, 1, 3, 4, 5}, x[] = {2, 1, 3, 5, 4};
    CHECK_NEAR(pairwise_accuracy(x, yt, 5), 8.0 / 9, 1e-15);
    /* without ties, (tau + 1) / 2 */
    double a[] = {0.3, 0.1, 0.7, 0.2, 0.9, 0.5}, b[] = {1, 3, 2, 6, 5, 4};
    CHECK_NEAR(pairwise_accuracy(a, b, 6), (kendall_tau(a, b, 6) + 1) / 2, 1e-15);
}

/* Best first, ties by index, NaN left out. */
static void test_order_desc(void)
{
    const double v[6] = {0.5, NAN, 0.9, 0.5, 0.1, 0.9};
    int idx[6] = {-1, -1, -1, -1, -1, -1};
    CHECK_EQ_INT(rank_order_desc(v, 6, idx), 5);
    const int want[5] = {2, 5, 0, 3, 4};
    for (int k = 0; k < 5; k++)
        CHECK_EQ_INT(idx[k], want[k]);
    CHECK_EQ_INT(rank_order_desc(v, 0, idx), 0);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_tau_extremes);
    RUN(test_tau_ties);
    RUN(test_spearman);
    RUN(test_ci_undefined_resamples);
    RUN(test_tau_ci);
    RUN(test_precision_at_k);
    RUN(test_pairwise_accuracy);
    RUN(test_order_desc);
    return check_done();
}
