/* Unit tests of src/pareto.c: dominance edge cases, the fast non-dominated
 * sort against hand-made fronts and against a naive O(n^2 m) front peeling
 * kept here, crowding distances against hand-computed values (infinite
 * boundaries, zero ranges, weights), NSGA-II selection (determinism, whole
 * fronts first, MoGA's equal-weights-is-plain-NSGA-II requirement, unequal
 * weights moving the cut the expected way, maximised objectives honoured)
 * and the binary tournament. */
#include "pareto.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"

/* ---- independent reference implementations ---- */

/* a dominates b, written as a minimisation of sign * value. */
static int naive_dominates(const double *a, const double *b, const int *maximize, int m)
{
    int strictly = 0;
    for (int j = 0; j < m; j++) {
        double s = maximize && maximize[j] ? -1.0 : 1.0;
        if (s * a[j] > s * b[j])
            return 0;
        if (s * a[j] < s * b[j])
            strictly = 1;
    }
    return strictly;
}

/* Front peeling: front r is the set of remaining points no remaining point
 * dominates.  Returns the number of fronts. */
static int naive_fronts(const double *f, int n, int m, const int *maximize, int *rank)
{
    int *left = malloc((size_t)(n ? n : 1) * sizeof *left);
    int *in_front = malloc((size_t)(n ? n : 1) * sizeof *in_front);
    for (int i = 0; i < n; i++)
        left[i] = 1;
    int remaining = n, r = 0;
    while (remaining > 0) {
        for (int i = 0; i < n; i++) {
            in_front[i] = 0;
            if (!left[i])
                continue;
            int dominated = 0;
            for (int j = 0; j < n && !dominated; j++)
                if (left[j] && naive_dominates(f + j * m, f + i * m, maximize, m))
                    dominated = 1;
            in_front[i] = !dominated;
        }
        for (int i = 0; i < n; i++)
            if (in_front[i]) {
                rank[i] = r;
                left[i] = 0;
                remaining--;
            }
        r++;
    }
    free(left);
    free(in_front);
    return r;
}

/* n x m values from {0, .., levels-1} (ties and duplicates) or, with
 * levels == 0, uniform in [0, 1). */
static void random_points(struct rng *r, double *f, int n, int m, int levels)
{
    for (int i = 0; i < n * m; i++)
        f[i] = levels ? (double)rng_below(r, (uint64_t)levels) : (double)rng_uniform(r);
}

/* ---- dominance ---- */

static void test_dominates(void)
{
    const double a[] = {1, 2, 3};
    const double same[] = {1, 2, 3};
    const double worse1[] = {1, 2, 4};  /* a is better only in objective 2 */
    const double cross[] = {0, 2, 4};   /* better in 0, worse in 2 */
    const double better[] = {0, 1, 2};  /* better everywhere */
    CHECK_EQ_INT(pareto_dominates(a, same, NULL, 3), 0); /* equal points: neither */
    CHECK_EQ_INT(pareto_dominates(same, a, NULL, 3), 0);
    CHECK_EQ_INT(pareto_dominates(a, a, NULL, 3), 0);
    CHECK_EQ_INT(pareto_dominates(a, worse1, NULL, 3), 1);
    CHECK_EQ_INT(pareto_dominates(worse1, a, NULL, 3), 0);
    CHECK_EQ_INT(pareto_dominates(a, cross, NULL, 3), 0); /* incomparable */
    CHECK_EQ_INT(pareto_dominates(cross, a, NULL, 3), 0);
    CHECK_EQ_INT(pareto_dominates(better, a, NULL, 3), 1);
    CHECK_EQ_INT(pareto_dominates(a, better, NULL, 3), 0);
    /* all minimised spelled out equals NULL */
    const int none[] = {0, 0, 0};
    CHECK_EQ_INT(pareto_dominates(a, worse1, none, 3), 1);
    /* maximising objective 2 turns worse1 into the better point */
    const int max2[] = {0, 0, 1};
    CHECK_EQ_INT(pareto_dominates(a, worse1, max2, 3), 0);
    CHECK_EQ_INT(pareto_dominates(worse1, a, max2, 3), 1);
    /* ... and makes cross (better in 0, bigger in 2) dominate a */
    CHECK_EQ_INT(pareto_dominates(cross, a, max2, 3), 1);
    CHECK_EQ_INT(pareto_dominates(a, cross, max2, 3), 0);
    /* everything maximised: better (smaller everywhere) is dominated */
    const int all[] = {1, 1, 1};
    CHECK_EQ_INT(pareto_dominates(a, better, all, 3), 1);
    CHECK_EQ_INT(pareto_dominates(better, a, all, 3), 0);
    CHECK_EQ_INT(pareto_dominates(a, same, all, 3), 0);
    /* one objective: a strict order */
    const double x = 1, y = 2;
    CHECK_EQ_INT(pareto_dominates(&x, &y, NULL, 1), 1);
    CHECK_EQ_INT(pareto_dominates(&y, &x, NULL, 1), 0);
    CHECK_EQ_INT(pareto_dominates(&y, &x, all, 1), 1);
    CHECK_EQ_INT(pareto_dominates(&x, &x, all, 1), 0);
    /* a NaN is neither better nor worse */
    const double nan_pt[] = {NAN, 2, 3};
    CHECK_EQ_INT(pareto_dominates(nan_pt, a, NULL, 3), 0);
    CHECK_EQ_INT(pareto_dominates(a, nan_pt, NULL, 3), 0);
}

/* ---- non-dominated sort ---- */

static void test_sort_hand(void)
{
    /* minimise both:
     *   front 0: (1,5) (2,3) (4,1) and a duplicate of (2,3)
     *   front 1: (2,6) (3,4) (5,2)     each behind one front-0 point
     *   front 2: (4,6) (6,3)           behind (3,4) and (5,2) */
    const double f[] = {3, 4, 1, 5, 4, 6, 2, 3, 6, 3, 5, 2, 2, 6, 4, 1, 2, 3};
    const int want[] = {1, 0, 2, 0, 2, 1, 1, 0, 0};
    enum { N = 9 };
    int rank[N];
    CHECK_EQ_INT(pareto_sort(f, N, 2, NULL, rank), 3);
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(rank[i], want[i]);
    /* the same points with objective 1 negated and maximised */
    double g[2 * N];
    for (int i = 0; i < N; i++) {
        g[2 * i] = f[2 * i];
        g[2 * i + 1] = -f[2 * i + 1];
    }
    const int max1[] = {0, 1};
    for (int i = 0; i < N; i++)
        rank[i] = -7;
    CHECK_EQ_INT(pareto_sort(g, N, 2, max1, rank), 3);
    for (int i = 0; i < N; i++)
        CHECK_EQ_INT(rank[i], want[i]);
    /* read as minimise-both, the negated set sorts differently */
    CHECK(pareto_sort(g, N, 2, NULL, rank) != 3 || memcmp(rank, want, sizeof want) != 0);
    /* a chain: every point its own front */
    const double chain[] = {4, 4, 1, 1, 3, 3, 2, 2};
    int cr[4];
    CHECK_EQ_INT(pareto_sort(chain, 4, 2, NULL, cr), 4);
    CHECK_EQ_INT(cr[0], 3);
    CHECK_EQ_INT(cr[1], 0);
    CHECK_EQ_INT(cr[2], 2);
    CHECK_EQ_INT(cr[3], 1);
    /* edge cases and bad arguments */
    CHECK_EQ_INT(pareto_sort(f, 0, 2, NULL, rank), 0);
    CHECK_EQ_INT(pareto_sort(f, 1, 2, NULL, rank), 1);
    CHECK_EQ_INT(rank[0], 0);
    CHECK_EQ_INT(pareto_sort(f, -1, 2, NULL, rank), -1);
    CHECK_EQ_INT(pareto_sort(f, N, 0, NULL, rank), -1);
    const double bad[] = {1, 2, NAN, 1};
    CHECK_EQ_INT(pareto_sort(bad, 2, 2, NULL, rank), -1);
    const double inf[] = {1, 2, INFINITY, 1};
    CHECK_EQ_INT(pareto_sort(inf, 2, 2, NULL, rank), -1);
}

static void test_sort_random(void)
{
    enum { NMAX = 60, MMAX = 4 };
    static double f[NMAX * MMAX];
    int rank[NMAX], want[NMAX], maximize[MMAX];
    struct rng r;
    rng_seed(&r, 2024, 1);
    int mismatches = 0, deep = 0;
    for (int trial = 0; trial < 400; trial++) {
        int n = (int)rng_below(&r, NMAX + 1);
        int m = 1 + (int)rng_below(&r, MMAX);
        int levels = trial % 4 == 3 ? 0 : 2 + (int)rng_below(&r, 6);
        random_points(&r, f, n, m, levels);
        for (int j = 0; j < m; j++)
            maximize[j] = (int)rng_below(&r, 2);
        const int *mx = trial % 5 == 0 ? NULL : maximize;
        int fronts = pareto_sort(f, n, m, mx, rank);
        int wfronts = naive_fronts(f, n, m, mx, want);
        if (fronts != wfronts || memcmp(rank, want, (size_t)n * sizeof *rank) != 0) {
            if (mismatches++ < 3)
                printf("  trial %d (n %d, m %d): %d fronts, want %d\n", trial, n, m, fronts,
                       wfronts);
        }
        if (fronts >= 4)
            deep++;
    }
    CHECK_EQ_INT(mismatches, 0);
    CHECK(deep > 50); /* the random sets really have several fronts */
}

/* ---- crowding ---- */

static void test_crowding_hand(void)
{
    /* label 0: P (0,4,7) (1,2,7) (3,1,7) (4,0,7); objective 2 has zero range.
     *   x sorted 0 1 3 4, y sorted 0 1 2 4, ranges 4 and 4:
     *   (1,2): 3/4 + 3/4 = 1.5; (3,1): 3/4 + 2/4 = 1.25; the ends infinite.
     * label 5: one point; label 2: two points (infinite);
     * label 3: three identical points (no range anywhere: 0). */
    const double f[] = {
        0, 4, 7, /* 0: label 0 */
        9, 9, 9, /* 1: label 5 */
        4, 0, 7, /* 2: label 0 */
        1, 1, 1, /* 3: label 2 */
        5, 5, 5, /* 4: label 3 */
        3, 1, 7, /* 5: label 0 */
        2, 0, 1, /* 6: label 2 */
        5, 5, 5, /* 7: label 3 */
        1, 2, 7, /* 8: label 0 */
        5, 5, 5, /* 9: label 3 */
    };
    const int label[] = {0, 5, 0, 2, 3, 0, 2, 3, 0, 3};
    double c[10];
    for (int i = 0; i < 10; i++)
        c[i] = -1;
    CHECK_EQ_INT(pareto_crowding(f, 10, 3, label, NULL, c), 0);
    CHECK(isinf(c[0]) && c[0] > 0);
    CHECK(isinf(c[2]) && c[2] > 0);
    CHECK(c[8] == 1.5);
    CHECK(c[5] == 1.25);
    CHECK(isinf(c[1]) && c[1] > 0);
    CHECK(isinf(c[3]) && isinf(c[6]));
    CHECK(c[4] == 0 && c[7] == 0 && c[9] == 0);

    /* duplicates inside a front: (0,2) (1,1) (1,1) (2,0), ranges 2 and 2;
     * each copy of (1,1) has one real neighbour per objective: 1/2 + 1/2 */
    const double d[] = {0, 2, 1, 1, 1, 1, 2, 0};
    const int zero[] = {0, 0, 0, 0};
    double cd[4];
    CHECK_EQ_INT(pareto_crowding(d, 4, 2, zero, NULL, cd), 0);
    CHECK(isinf(cd[0]) && isinf(cd[3]));
    CHECK(cd[1] == 1.0 && cd[2] == 1.0);

    /* a front with 3+ points: not everything is infinite; n = 0 is fine */
    CHECK_EQ_INT(pareto_crowding(f, 0, 3, label, NULL, c), 0);
    /* bad arguments */
    CHECK_EQ_INT(pareto_crowding(f, 10, 0, label, NULL, c), -1);
    const double bad[] = {0, 1, NAN, 0, 2, 2};
    CHECK_EQ_INT(pareto_crowding(bad, 3, 2, zero, NULL, cd), -1);
}

static void test_crowding_weighted(void)
{
    /* the label-0 front above with weights 2, 0.5, 3:
     *   (1,2): 2*3/4 + 0.5*3/4 = 1.875; (3,1): 2*3/4 + 0.5*2/4 = 1.75;
     *   the zero-range objective adds nothing whatever its weight */
    const double f[] = {0, 4, 7, 4, 0, 7, 3, 1, 7, 1, 2, 7};
    const int zero[] = {0, 0, 0, 0};
    const double w[] = {2, 0.5, 3};
    double c[4];
    CHECK_EQ_INT(pareto_crowding(f, 4, 3, zero, w, c), 0);
    CHECK(isinf(c[0]) && isinf(c[1]));
    CHECK(c[3] == 1.875);
    CHECK(c[2] == 1.75);

    /* a weight of 0 removes an objective, its boundary points included:
     * (0,1) (1,0) (2,3) (3,2): x ends are 0 and 3, y ends are 1 and 2 */
    const double g[] = {0, 1, 1, 0, 2, 3, 3, 2};
    double cg[4];
    CHECK_EQ_INT(pareto_crowding(g, 4, 2, zero, NULL, cg), 0);
    CHECK(isinf(cg[0]) && isinf(cg[1]) && isinf(cg[2]) && isinf(cg[3]));
    const double only_y[] = {0, 1};
    CHECK_EQ_INT(pareto_crowding(g, 4, 2, zero, only_y, cg), 0);
    CHECK(isinf(cg[1]) && isinf(cg[2]));
    CHECK_NEAR(cg[0], 2.0 / 3, 1e-15); /* y neighbours 0 and 2, range 3 */
    CHECK_NEAR(cg[3], 2.0 / 3, 1e-15); /* y neighbours 1 and 3 */
    const double only_x[] = {1, 0};
    CHECK_EQ_INT(pareto_crowding(g, 4, 2, zero, only_x, cg), 0);
    CHECK(isinf(cg[0]) && isinf(cg[3]));
    CHECK_NEAR(cg[1], 2.0 / 3, 1e-15);
    CHECK_NEAR(cg[2], 2.0 / 3, 1e-15);

    /* bad weights */
    const double neg[] = {1, -1, 1};
    const double nan_w[] = {1, NAN, 1};
    CHECK_EQ_INT(pareto_crowding(f, 4, 3, zero, neg, c), -1);
    CHECK_EQ_INT(pareto_crowding(f, 4, 3, zero, nan_w, c), -1);

    /* weights of all 1.0 equal no weights bit for bit, on random fronts */
    enum { N = 50, M = 3 };
    static double rf[N * M];
    int rank[N];
    double plain[N], ones_c[N], twos_c[N];
    const double ones[] = {1, 1, 1}, twos[] = {2, 2, 2};
    struct rng r;
    rng_seed(&r, 11, 2);
    int differ = 0, scaled_wrong = 0, finite_interior = 0;
    for (int trial = 0; trial < 100; trial++) {
        random_points(&r, rf, N, M, trial % 2 ? 0 : 5);
        CHECK(pareto_sort(rf, N, M, NULL, rank) > 0);
        pareto_crowding(rf, N, M, rank, NULL, plain);
        pareto_crowding(rf, N, M, rank, ones, ones_c);
        pareto_crowding(rf, N, M, rank, twos, twos_c);
        differ += memcmp(plain, ones_c, sizeof plain) != 0;
        for (int i = 0; i < N; i++) {
            /* doubling is exact: weights 2 give exactly twice the distance */
            if (!(twos_c[i] == 2 * plain[i]))
                scaled_wrong++;
            finite_interior += isfinite(plain[i]) && plain[i] > 0;
        }
    }
    CHECK_EQ_INT(differ, 0);
    CHECK_EQ_INT(scaled_wrong, 0);
    CHECK(finite_interior > 500); /* the comparison is not all infinities */
}

/* ---- selection ---- */

static int count_in(const int *v, int k, int x)
{
    int c = 0;
    for (int i = 0; i < k; i++)
        c += v[i] == x;
    return c;
}

static void test_truncate(void)
{
    const int rank[] = {1, 0, 0, 1, 2, 0};
    const double key[] = {5, 1, INFINITY, 9, 100, 1};
    const int want[] = {2, 1, 5, 3, 0, 4}; /* rank, key descending, index */
    int chosen[6];
    CHECK_EQ_INT(nsga2_truncate(rank, key, 6, 6, chosen), 0);
    for (int i = 0; i < 6; i++)
        CHECK_EQ_INT(chosen[i], want[i]);
    for (int i = 0; i < 6; i++)
        chosen[i] = -1;
    CHECK_EQ_INT(nsga2_truncate(rank, key, 6, 4, chosen), 0);
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(chosen[i], want[i]);
    CHECK_EQ_INT(chosen[4], -1); /* only k entries are written */
    CHECK_EQ_INT(nsga2_truncate(rank, key, 6, 0, chosen), 0);
    CHECK_EQ_INT(nsga2_truncate(rank, key, 6, 7, chosen), -1);
    CHECK_EQ_INT(nsga2_truncate(rank, key, 6, -1, chosen), -1);
    const double nan_key[] = {5, 1, NAN, 9, 100, 1};
    CHECK_EQ_INT(nsga2_truncate(rank, nan_key, 6, 2, chosen), -1);
}

static void test_select_properties(void)
{
    enum { NMAX = 48, M = 3 };
    static double f[NMAX * M];
    int rank[NMAX], chosen[NMAX], again[NMAX], picked[NMAX];
    double crowd[NMAX];
    const int maximize[] = {1, 0, 1};
    struct rng r;
    rng_seed(&r, 7, 3);
    int bad_distinct = 0, bad_front = 0, bad_crowd = 0, bad_repeat = 0, cuts = 0;
    for (int trial = 0; trial < 300; trial++) {
        int n = 1 + (int)rng_below(&r, NMAX);
        int k = (int)rng_below(&r, (uint64_t)n + 1);
        random_points(&r, f, n, M, trial % 3 ? 6 : 0);
        CHECK_EQ_INT(nsga2_select(f, n, M, maximize, NULL, k, chosen), 0);
        CHECK_EQ_INT(nsga2_select(f, n, M, maximize, NULL, k, again), 0);
        bad_repeat += memcmp(chosen, again, (size_t)k * sizeof *chosen) != 0;
        pareto_sort(f, n, M, maximize, rank);
        pareto_crowding(f, n, M, rank, NULL, crowd);
        for (int i = 0; i < n; i++)
            picked[i] = 0;
        for (int t = 0; t < k; t++) {
            if (chosen[t] < 0 || chosen[t] >= n || picked[chosen[t]])
                bad_distinct++;
            else
                picked[chosen[t]] = 1;
        }
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++) {
                if (!picked[i] || picked[j])
                    continue;
                /* every survivor is in an earlier front than, or the same
                 * front as, every dropped point; in the cut front it is
                 * at least as crowded, and earlier in index on a tie */
                if (rank[i] > rank[j])
                    bad_front++;
                else if (rank[i] == rank[j]) {
                    cuts++;
                    if (crowd[i] < crowd[j] || (crowd[i] == crowd[j] && i > j))
                        bad_crowd++;
                }
            }
    }
    CHECK_EQ_INT(bad_repeat, 0);
    CHECK_EQ_INT(bad_distinct, 0);
    CHECK_EQ_INT(bad_front, 0);
    CHECK_EQ_INT(bad_crowd, 0);
    CHECK(cuts > 100); /* fronts were really cut */

    /* the hand example of test_sort_hand: k = 5 takes front 0 (4 points)
     * whole, then the most crowded of front 1 */
    const double h[] = {3, 4, 1, 5, 4, 6, 2, 3, 6, 3, 5, 2, 2, 6, 4, 1, 2, 3};
    CHECK_EQ_INT(nsga2_select(h, 9, 2, NULL, NULL, 4, chosen), 0);
    for (int i = 0; i < 4; i++)
        picked[i] = chosen[i];
    CHECK(count_in(picked, 4, 1) && count_in(picked, 4, 3) && count_in(picked, 4, 7) &&
          count_in(picked, 4, 8));
    CHECK_EQ_INT(nsga2_select(h, 9, 2, NULL, NULL, 5, chosen), 0);
    /* front 1 = (3,4) (5,2) (2,6): its ends (2,6) and (5,2) are infinite,
     * the lower index of the two wins */
    CHECK_EQ_INT(chosen[4], 5);

    /* bad arguments */
    CHECK_EQ_INT(nsga2_select(h, 9, 2, NULL, NULL, 10, chosen), -1);
    CHECK_EQ_INT(nsga2_select(h, 9, 2, NULL, NULL, -1, chosen), -1);
    const double zero_w[] = {0, 0};
    CHECK_EQ_INT(nsga2_select(h, 9, 2, NULL, zero_w, 3, chosen), -1);
    const double neg_w[] = {1, -2};
    CHECK_EQ_INT(nsga2_select(h, 9, 2, NULL, neg_w, 3, chosen), -1);
    CHECK_EQ_INT(nsga2_select(h, 0, 2, NULL, NULL, 0, chosen), 0);
}

static void test_select_equal_weights(void)
{
    /* MoGA's requirement: with all weights equal the weighted selection is
     * plain NSGA-II's, index for index */
    enum { NMAX = 60, MMAX = 4 };
    static double f[NMAX * MMAX];
    int plain[NMAX], weighted[NMAX], maximize[MMAX];
    const double values[] = {2.0, 0.3, 1.0 / 3, 1e-3, 7.25};
    struct rng r;
    rng_seed(&r, 99, 4);
    int differ = 0;
    for (int trial = 0; trial < 300; trial++) {
        int n = 1 + (int)rng_below(&r, NMAX);
        int m = 1 + (int)rng_below(&r, MMAX);
        int k = (int)rng_below(&r, (uint64_t)n + 1);
        random_points(&r, f, n, m, trial % 2 ? 0 : 7);
        for (int j = 0; j < m; j++)
            maximize[j] = (int)rng_below(&r, 2);
        CHECK_EQ_INT(nsga2_select(f, n, m, maximize, NULL, k, plain), 0);
        for (size_t v = 0; v < sizeof values / sizeof *values; v++) {
            double w[MMAX];
            for (int j = 0; j < m; j++)
                w[j] = values[v];
            CHECK_EQ_INT(nsga2_select(f, n, m, maximize, w, k, weighted), 0);
            differ += memcmp(plain, weighted, (size_t)k * sizeof *plain) != 0;
        }
    }
    CHECK_EQ_INT(differ, 0);
}

static void test_select_unequal_weights(void)
{
    /* front 0, minimise both: A(0,10) B(1,3) C(7,2) D(10,0); behind it
     * E(8,8) F(9,9).  Ranges 10 and 10:
     *   B: x gap (7-0)/10 = 0.7, y gap (10-2)/10 = 0.8 -> 1.5
     *   C: x gap (10-1)/10 = 0.9, y gap (3-0)/10 = 0.3 -> 1.2
     * k = 3 keeps A and D and one of B, C: plain NSGA-II keeps B.
     * Weighting x by 3: B 2.1 + 0.8 = 2.9 < C 2.7 + 0.3 = 3.0, so C, the
     * point filling the larger gap along the heavy objective, survives.
     * Weighting y by 3 keeps B. */
    const double f[] = {8, 8, 0, 10, 1, 3, 9, 9, 7, 2, 10, 0};
    enum { A = 1, B = 2, C = 4, D = 5 };
    int chosen[6];
    CHECK_EQ_INT(nsga2_select(f, 6, 2, NULL, NULL, 3, chosen), 0);
    CHECK(count_in(chosen, 3, A) && count_in(chosen, 3, D));
    CHECK(count_in(chosen, 3, B) && !count_in(chosen, 3, C));
    const double heavy_x[] = {3, 1};
    CHECK_EQ_INT(nsga2_select(f, 6, 2, NULL, heavy_x, 3, chosen), 0);
    CHECK(count_in(chosen, 3, A) && count_in(chosen, 3, D));
    CHECK(count_in(chosen, 3, C) && !count_in(chosen, 3, B));
    const double heavy_y[] = {1, 3};
    CHECK_EQ_INT(nsga2_select(f, 6, 2, NULL, heavy_y, 3, chosen), 0);
    CHECK(count_in(chosen, 3, B) && !count_in(chosen, 3, C));
    /* only the ratio matters: 30 and 10 act like 3 and 1 */
    const double heavy_x10[] = {30, 10};
    CHECK_EQ_INT(nsga2_select(f, 6, 2, NULL, heavy_x10, 3, chosen), 0);
    CHECK(count_in(chosen, 3, C) && !count_in(chosen, 3, B));
    /* directions do not matter to crowding: x negated and maximised */
    double g[12];
    memcpy(g, f, sizeof g);
    for (int i = 0; i < 6; i++)
        g[2 * i] = -g[2 * i];
    const int max_x[] = {1, 0};
    CHECK_EQ_INT(nsga2_select(g, 6, 2, max_x, heavy_x, 3, chosen), 0);
    CHECK(count_in(chosen, 3, C) && !count_in(chosen, 3, B));
    CHECK_EQ_INT(nsga2_select(g, 6, 2, max_x, NULL, 3, chosen), 0);
    CHECK(count_in(chosen, 3, B) && !count_in(chosen, 3, C));
    /* weights never reorder fronts: k = 5 takes all of front 0 whatever
     * the weights, then E, front 1 (F, behind E, is front 2) */
    const double extreme[] = {1000, 1};
    CHECK_EQ_INT(nsga2_select(f, 6, 2, NULL, extreme, 5, chosen), 0);
    CHECK(count_in(chosen, 5, A) && count_in(chosen, 5, B) && count_in(chosen, 5, C) &&
          count_in(chosen, 5, D) && count_in(chosen, 5, 0));
}

static void test_maximize_params(void)
{
    /* MoGA's objectives: accuracy (max), latency (min), params (MAXIMISED).
     * Points 0 and 1 tie on accuracy and latency; 1 has more params and
     * must win; point 2 trades accuracy for latency and stays in front 0. */
    const double f[] = {
        0.75, 10, 5.0, /* 0 */
        0.75, 10, 5.5, /* 1 */
        0.70, 8, 4.0,  /* 2 */
        0.75, 10, 5.5, /* 3: a copy of 1 */
    };
    const int moga[] = {1, 0, 1};
    const int min_params[] = {1, 0, 0};
    CHECK_EQ_INT(pareto_dominates(f + 3, f, moga, 3), 1);
    CHECK_EQ_INT(pareto_dominates(f, f + 3, moga, 3), 0);
    CHECK_EQ_INT(pareto_dominates(f, f + 3, min_params, 3), 1);
    int rank[4], chosen[4];
    CHECK_EQ_INT(pareto_sort(f, 3, 3, moga, rank), 2);
    CHECK_EQ_INT(rank[0], 1);
    CHECK_EQ_INT(rank[1], 0);
    CHECK_EQ_INT(rank[2], 0);
    CHECK_EQ_INT(nsga2_select(f, 3, 3, moga, NULL, 2, chosen), 0);
    CHECK(count_in(chosen, 2, 1) && count_in(chosen, 2, 2));
    CHECK_EQ_INT(nsga2_select(f, 3, 3, min_params, NULL, 2, chosen), 0);
    CHECK(count_in(chosen, 2, 0) && count_in(chosen, 2, 2));
    /* with a copy of the winner both copies share front 0 */
    CHECK_EQ_INT(pareto_sort(f, 4, 3, moga, rank), 2);
    CHECK(rank[1] == 0 && rank[3] == 0 && rank[0] == 1);
}

static void test_weighted_sum(void)
{
    /* accuracy (max), latency (min), params (max, constant here):
     * acc 0.7 0.8 0.75 -> 0 1 0.5; lat 10 20 15 -> 1 0 0.5; params -> 0.
     * weights 2 1 4: scores 1, 2, 1.5 */
    const double f[] = {0.7, 10, 5, 0.8, 20, 5, 0.75, 15, 5};
    const int moga[] = {1, 0, 1};
    const double w[] = {2, 1, 4};
    double s[3];
    CHECK_EQ_INT(pareto_weighted_sum(f, 3, 3, moga, w, s), 0);
    CHECK_NEAR(s[0], 1.0, 1e-12);
    CHECK_NEAR(s[1], 2.0, 1e-12);
    CHECK_NEAR(s[2], 1.5, 1e-12);
    /* no weights: 1 1 1 -> each point 1 (the trade-off is balanced) */
    CHECK_EQ_INT(pareto_weighted_sum(f, 3, 3, moga, NULL, s), 0);
    CHECK_NEAR(s[0], 1.0, 1e-12);
    CHECK_NEAR(s[1], 1.0, 1e-12);
    CHECK_NEAR(s[2], 1.0, 1e-12);
    /* everything minimised: accuracy now counts against: 1+1, 0+0, .5+.5 */
    CHECK_EQ_INT(pareto_weighted_sum(f, 3, 3, NULL, NULL, s), 0);
    CHECK_NEAR(s[0], 2.0, 1e-12);
    CHECK_NEAR(s[1], 0.0, 1e-12);
    CHECK_NEAR(s[2], 1.0, 1e-12);
    /* option (b): front first, then the weighted sum */
    int rank[3], chosen[3];
    CHECK_EQ_INT(pareto_sort(f, 3, 3, moga, rank), 1);
    CHECK_EQ_INT(pareto_weighted_sum(f, 3, 3, moga, w, s), 0);
    CHECK_EQ_INT(nsga2_truncate(rank, s, 3, 1, chosen), 0);
    CHECK_EQ_INT(chosen[0], 1);
    const double nan_w[] = {1, NAN, 1};
    CHECK_EQ_INT(pareto_weighted_sum(f, 3, 3, moga, nan_w, s), -1);
}

/* ---- tournament ---- */

static void test_tournament(void)
{
    struct rng r;
    rng_seed(&r, 5, 5);
    enum { T = 30000 };
    const int r01[] = {1, 0};
    const double c00[] = {0, 0};
    const int r00[] = {0, 0};
    const double c12[] = {1, 2};
    const double c21[] = {2, 1};
    int rank_wrong = 0, crowd_wrong = 0, rank_first = 0;
    for (int t = 0; t < 1000; t++) {
        rank_wrong += nsga2_tournament(r01, c00, 2, &r) != 1;
        crowd_wrong += nsga2_tournament(r00, c12, 2, &r) != 1;
        /* lower rank beats larger crowding */
        rank_first += nsga2_tournament(r01, c21, 2, &r) != 1;
    }
    CHECK_EQ_INT(rank_wrong, 0);
    CHECK_EQ_INT(crowd_wrong, 0);
    CHECK_EQ_INT(rank_first, 0);

    /* three points, ranks 0 1 2: point 0 wins both of its pairings (2/3),
     * point 1 only against 2 (1/3), point 2 never.  sd of a count ~82. */
    const int r012[] = {0, 1, 2};
    const double c000[] = {0, 0, 0};
    const int r000[] = {0, 0, 0};
    const double cinf[] = {1, 2, INFINITY};
    int wins[3] = {0}, cw[3] = {0};
    for (int t = 0; t < T; t++) {
        int a = nsga2_tournament(r012, c000, 3, &r);
        int b = nsga2_tournament(r000, cinf, 3, &r);
        if (a >= 0 && a < 3)
            wins[a]++;
        if (b >= 0 && b < 3)
            cw[b]++;
    }
    CHECK(abs(wins[0] - 2 * T / 3) < 500);
    CHECK(abs(wins[1] - T / 3) < 500);
    CHECK_EQ_INT(wins[2], 0);
    CHECK_EQ_INT(cw[0], 0);
    CHECK(abs(cw[1] - T / 3) < 500);
    CHECK(abs(cw[2] - 2 * T / 3) < 500);

    /* a full tie goes to the first drawn: both sides about half */
    int first = 0;
    for (int t = 0; t < T; t++)
        first += nsga2_tournament(r00, c00, 2, &r) == 0;
    CHECK(abs(first - T / 2) < 500);

    /* the stream decides: the same seed, the same winners */
    struct rng r1, r2;
    rng_seed(&r1, 8, 4);
    rng_seed(&r2, 8, 4);
    int same = 1;
    for (int t = 0; t < 200; t++)
        same &= nsga2_tournament(r000, cinf, 3, &r1) == nsga2_tournament(r000, cinf, 3, &r2);
    CHECK(same);
    /* ... and a full tie is won by the first index drawn from the stream */
    rng_seed(&r1, 8, 6);
    rng_seed(&r2, 8, 6);
    int first_drawn = 1;
    for (int t = 0; t < 200; t++) {
        int a = (int)rng_below(&r2, 3);
        (void)rng_below(&r2, 2);
        first_drawn &= nsga2_tournament(r000, c000, 3, &r1) == a;
    }
    CHECK(first_drawn);
    CHECK_EQ_INT(nsga2_tournament(r01, c00, 1, &r), 0);
    CHECK_EQ_INT(nsga2_tournament(r01, c00, 0, &r), -1);
}

/* The front: the non-dominated points in index order, equal points both;
 * the order helper sorts it best first by one objective, ties by index. */
static void test_front_and_order(void)
{
    /* (accuracy max, params min) */
    const double f[] = {0.9, 10, /* 0 front */
                        0.8, 20, /* 1 dominated by 0 */
                        0.95, 30, /* 2 front */
                        0.9, 10, /* 3 equal to 0: front too */
                        0.7, 5}; /* 4 front */
    const int mx[] = {1, 0};
    int idx[5];
    int n = pareto_front(f, 5, 2, mx, idx);
    CHECK_EQ_INT(n, 4);
    CHECK(idx[0] == 0 && idx[1] == 2 && idx[2] == 3 && idx[3] == 4);
    pareto_order(f, 2, mx, 0, idx, n);
    CHECK(idx[0] == 2 && idx[1] == 0 && idx[2] == 3 && idx[3] == 4);
    pareto_order(f, 2, mx, 1, idx, n);
    CHECK(idx[0] == 4 && idx[1] == 0 && idx[2] == 3 && idx[3] == 2);
    CHECK_EQ_INT(pareto_front(f, 0, 2, mx, idx), 0);
    const double bad[] = {NAN, 1};
    CHECK_EQ_INT(pareto_front(bad, 1, 2, mx, idx), -1);
    /* agrees with pareto_sort on random points */
    struct rng r;
    rng_seed(&r, 4, 0);
    enum { N = 200 };
    static double g[N * 3];
    for (int i = 0; i < N * 3; i++)
        g[i] = (double)rng_below(&r, 20);
    int rank[N], fi[N], mx3[] = {1, 0, 1};
    pareto_sort(g, N, 3, mx3, rank);
    int k = pareto_front(g, N, 3, mx3, fi), want = 0;
    for (int i = 0; i < N; i++)
        if (rank[i] == 0)
            CHECK(fi[want++] == i);
    CHECK_EQ_INT(k, want);
}

int main(void)
{
    RUN(test_front_and_order);
    RUN(test_dominates);
    RUN(test_sort_hand);
    RUN(test_sort_random);
    RUN(test_crowding_hand);
    RUN(test_crowding_weighted);
    RUN(test_truncate);
    RUN(test_select_properties);
    RUN(test_select_equal_weights);
    RUN(test_select_unequal_weights);
    RUN(test_maximize_params);
    RUN(test_weighted_sum);
    RUN(test_tournament);
    return check_done();
}
