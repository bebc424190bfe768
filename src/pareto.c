#include "pareto.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>

#include "rng.h"

/* 1 when a dominates b, -1 when b dominates a, 0 otherwise (incomparable or
 * equal).  A NaN compares as neither better nor worse. */
static int compare_points(const double *a, const double *b, const int *maximize, int m)
{
    int a_better = 0, b_better = 0;
    for (int j = 0; j < m; j++) {
        double x = a[j], y = b[j];
        int x_wins = 0, y_wins = 0;
        if (x < y)
            x_wins = 1;
        else if (x > y)
            y_wins = 1;
        if (maximize && maximize[j]) {
            int t = x_wins;
            x_wins = y_wins;
            y_wins = t;
        }
        a_better |= x_wins;
        b_better |= y_wins;
        if (a_better && b_better)
            return 0;
    }
    if (a_better)
        return 1;
    if (b_better)
        return -1;
    return 0;
}

int pareto_dominates(const double *a, const double *b, const int *maximize, int m)
{
    return compare_points(a, b, maximize, m) == 1;
}

/* 1 when all count values are finite. */
static int all_finite(const double *v, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (!isfinite(v[i]))
            return 0;
    return 1;
}

/* 1 when weights is NULL or holds m finite values >= 0. */
static int weights_valid(const double *weights, int m)
{
    if (!weights)
        return 1;
    for (int j = 0; j < m; j++)
        if (!isfinite(weights[j]) || weights[j] < 0)
            return 0;
    return 1;
}

int pareto_sort(const double *f, int n, int m, const int *maximize, int *rank)
{
    if (n < 0 || m < 1 || !all_finite(f, (size_t)n * (size_t)m))
        return -1;
    if (n == 0)
        return 0;
    /* dominated_by[i]: how many points dominate i; the points i dominates
     * are S[off[i] .. off[i + 1]) (compressed rows, filled in a second pass
     * so memory is the number of dominating pairs, not n^2) */
    int *dominated_by = calloc((size_t)n, sizeof *dominated_by);
    size_t *off = calloc((size_t)n + 1, sizeof *off);
    size_t *fill = calloc((size_t)n, sizeof *fill); /* next free slot of each row */
    int *queue = malloc((size_t)n * sizeof *queue);
    int *S = NULL;
    int fronts = -1;
    if (!dominated_by || !off || !fill || !queue)
        goto done;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int c = compare_points(f + (size_t)i * m, f + (size_t)j * m, maximize, m);
            if (c > 0)
                off[i + 1]++;
            else if (c < 0)
                off[j + 1]++;
        }
    for (int i = 0; i < n; i++)
        off[i + 1] += off[i];
    S = malloc((off[n] ? off[n] : 1) * sizeof *S);
    if (!S)
        goto done;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            int c = compare_points(f + (size_t)i * m, f + (size_t)j * m, maximize, m);
            if (c > 0) {
                S[off[i] + fill[i]++] = j;
                dominated_by[j]++;
            } else if (c < 0) {
                S[off[j] + fill[j]++] = i;
                dominated_by[i]++;
            }
        }
    /* peel the fronts: queue[lo .. hi) is the current front */
    int tail = 0;
    for (int i = 0; i < n; i++)
        if (dominated_by[i] == 0) {
            rank[i] = 0;
            queue[tail++] = i;
        }
    int lo = 0;
    fronts = 0;
    while (lo < tail) {
        int hi = tail;
        for (int t = lo; t < hi; t++) {
            int p = queue[t];
            for (size_t s = off[p]; s < off[p + 1]; s++) {
                int q = S[s];
                if (--dominated_by[q] == 0) {
                    rank[q] = fronts + 1;
                    queue[tail++] = q;
                }
            }
        }
        fronts++;
        lo = hi;
    }
done:
    free(dominated_by);
    free(off);
    free(fill);
    free(queue);
    free(S);
    return fronts;
}

struct by_label {
    int label;
    int i;
};

static int cmp_by_label(const void *a, const void *b)
{
    const struct by_label *p = a, *q = b;
    if (p->label != q->label)
        return p->label < q->label ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

struct by_value {
    double v;
    int i;
};

/* Ascending value, ties by index: a total order (values are finite). */
static int cmp_by_value(const void *a, const void *b)
{
    const struct by_value *p = a, *q = b;
    if (p->v != q->v)
        return p->v < q->v ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

/* Crowding of the s points idx[0..s) of one front into crowd. */
static void crowd_front(const double *f, int m, const double *weights, const int *idx, int s,
                        struct by_value *buf, double *crowd)
{
    for (int t = 0; t < s; t++)
        crowd[idx[t]] = s <= 2 ? INFINITY : 0.0;
    if (s <= 2)
        return;
    for (int j = 0; j < m; j++) {
        double w = weights ? weights[j] : 1.0;
        if (w == 0)
            continue;
        for (int t = 0; t < s; t++)
            buf[t] = (struct by_value){f[(size_t)idx[t] * m + j], idx[t]};
        qsort(buf, (size_t)s, sizeof *buf, cmp_by_value);
        double range = buf[s - 1].v - buf[0].v;
        if (!(range > 0))
            continue;
        crowd[buf[0].i] = INFINITY;
        crowd[buf[s - 1].i] = INFINITY;
        for (int t = 1; t < s - 1; t++)
            crowd[buf[t].i] += w * ((buf[t + 1].v - buf[t - 1].v) / range);
    }
}

int pareto_crowding(const double *f, int n, int m, const int *rank, const double *weights,
                    double *crowd)
{
    if (n < 0 || m < 1 || !all_finite(f, (size_t)n * (size_t)m) || !weights_valid(weights, m))
        return -1;
    if (n == 0)
        return 0;
    struct by_label *order = malloc((size_t)n * sizeof *order);
    struct by_value *buf = malloc((size_t)n * sizeof *buf);
    int *idx = malloc((size_t)n * sizeof *idx);
    int rc = -1;
    if (!order || !buf || !idx)
        goto done;
    for (int i = 0; i < n; i++)
        order[i] = (struct by_label){rank[i], i};
    qsort(order, (size_t)n, sizeof *order, cmp_by_label);
    for (int a = 0; a < n;) {
        int b = a;
        while (b < n && order[b].label == order[a].label) {
            idx[b - a] = order[b].i;
            b++;
        }
        crowd_front(f, m, weights, idx, b - a, buf, crowd);
        a = b;
    }
    rc = 0;
done:
    free(order);
    free(buf);
    free(idx);
    return rc;
}

int pareto_weighted_sum(const double *f, int n, int m, const int *maximize, const double *weights,
                        double *score)
{
    if (n < 0 || m < 1 || !all_finite(f, (size_t)n * (size_t)m) || !weights_valid(weights, m))
        return -1;
    for (int i = 0; i < n; i++)
        score[i] = 0.0;
    for (int j = 0; j < m && n > 0; j++) {
        double w = weights ? weights[j] : 1.0;
        double lo = f[j], hi = f[j];
        for (int i = 1; i < n; i++) {
            double v = f[(size_t)i * m + j];
            lo = v < lo ? v : lo;
            hi = v > hi ? v : hi;
        }
        double range = hi - lo;
        if (!(range > 0) || w == 0)
            continue;
        int up = maximize && maximize[j];
        for (int i = 0; i < n; i++) {
            double v = f[(size_t)i * m + j];
            score[i] += w * ((up ? v - lo : hi - v) / range);
        }
    }
    return 0;
}

struct by_rank_key {
    int rank;
    double key;
    int i;
};

/* Rank ascending, key descending, index ascending (keys are not NaN). */
static int cmp_by_rank_key(const void *a, const void *b)
{
    const struct by_rank_key *p = a, *q = b;
    if (p->rank != q->rank)
        return p->rank < q->rank ? -1 : 1;
    if (p->key != q->key)
        return p->key > q->key ? -1 : 1;
    return (p->i > q->i) - (p->i < q->i);
}

int nsga2_truncate(const int *rank, const double *key, int n, int k, int *chosen)
{
    if (n < 0 || k < 0 || k > n)
        return -1;
    for (int i = 0; i < n; i++)
        if (isnan(key[i]))
            return -1;
    if (k == 0)
        return 0;
    struct by_rank_key *t = malloc((size_t)n * sizeof *t);
    if (!t)
        return -1;
    for (int i = 0; i < n; i++)
        t[i] = (struct by_rank_key){rank[i], key[i], i};
    qsort(t, (size_t)n, sizeof *t, cmp_by_rank_key);
    for (int i = 0; i < k; i++)
        chosen[i] = t[i].i;
    free(t);
    return 0;
}

int nsga2_select(const double *f, int n, int m, const int *maximize, const double *weights, int k,
                 int *chosen)
{
    if (n < 0 || m < 1 || k < 0 || k > n || !weights_valid(weights, m))
        return -1;
    double *w = NULL;
    if (weights) {
        double top = 0;
        for (int j = 0; j < m; j++)
            top = weights[j] > top ? weights[j] : top;
        if (!(top > 0))
            return -1;
        w = malloc((size_t)m * sizeof *w);
        if (!w)
            return -1;
        /* only ratios matter; equal weights become exactly 1.0 */
        for (int j = 0; j < m; j++)
            w[j] = weights[j] / top;
    }
    int *rank = malloc((size_t)(n ? n : 1) * sizeof *rank);
    double *crowd = malloc((size_t)(n ? n : 1) * sizeof *crowd);
    int rc = -1;
    if (!rank || !crowd)
        goto done;
    if (pareto_sort(f, n, m, maximize, rank) < 0)
        goto done;
    if (pareto_crowding(f, n, m, rank, w, crowd) < 0)
        goto done;
    rc = nsga2_truncate(rank, crowd, n, k, chosen);
done:
    free(w);
    free(rank);
    free(crowd);
    return rc;
}

int nsga2_tournament(const int *rank, const double *crowd, int n, struct rng *r)
{
    if (n < 1)
        return -1;
    if (n == 1)
        return 0;
    int a = (int)rng_below(r, (uint64_t)n);
    int b = (int)rng_below(r, (uint64_t)n - 1);
    if (b >= a)
        b++;
    if (rank[a] != rank[b])
        return rank[b] < rank[a] ? b : a;
    return crowd[b] > crowd[a] ? b : a;
}

int pareto_front(const double *f, int n, int m, const int *maximize, int *idx)
{
    if (n == 0)
        return 0;
    int *rank = malloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
    if (!rank)
        return -1;
    int count = -1;
    if (pareto_sort(f, n, m, maximize, rank) >= 0) {
        count = 0;
        for (int i = 0; i < n; i++)
            if (rank[i] == 0)
                idx[count++] = i;
    }
    free(rank);
    return count;
}

void pareto_order(const double *f, int m, const int *maximize, int j, int *idx, int count)
{
    /* insertion sort: stable, and fronts are small */
    int mx = maximize && maximize[j];
    for (int a = 1; a < count; a++)
        for (int b = a; b > 0; b--) {
            double x0 = f[(size_t)idx[b - 1] * m + j], x1 = f[(size_t)idx[b] * m + j];
            int better = mx ? x1 > x0 : x1 < x0;
            if (!better && !(x1 == x0 && idx[b] < idx[b - 1]))
                break;
            int t = idx[b];
            idx[b] = idx[b - 1];
            idx[b - 1] = t;
        }
}
