#include "rank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "rng.h"

double kendall_tau(const double *x, const double *y, int n)
{
    /* O(n^2): tables here hold tens to a few thousand rows */
    double conc = 0, disc = 0, tx = 0, ty = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dx == 0 && dy == 0)
                continue;
            if (dx == 0)
                tx++;
            else if (dy == 0)
                ty++;
            else if ((dx > 0) == (dy > 0))
                conc++;
            else
                disc++;
        }
    double den = sqrt((conc + disc + tx) * (conc + disc + ty));
    return den > 0 ? (conc - disc) / den : NAN;
}

double pairwise_accuracy(const double *x, const double *y, int n)
{
    double right = 0, pairs = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) {
            double dx = x[i] - x[j], dy = y[i] - y[j];
            if (dy == 0)
                continue;
            pairs++;
            right += dx == 0 ? 0.5 : (dx > 0) == (dy > 0);
        }
    return pairs > 0 ? right / pairs : NAN;
}

struct idx_val {
    int i;
    double v;
};

static int by_value(const void *a, const void *b)
{
    const struct idx_val *p = a, *q = b;
    if (p->v < q->v)
        return -1;
    if (p->v > q->v)
        return 1;
    return p->i - q->i;
}

static int by_value_desc(const void *a, const void *b)
{
    const struct idx_val *p = a, *q = b;
    if (p->v != q->v)
        return p->v > q->v ? -1 : 1;
    return p->i - q->i;
}

int rank_order_desc(const double *v, int n, int *idx)
{
    struct idx_val *t = malloc((size_t)(n > 0 ? n : 1) * sizeof *t);
    if (!t)
        return -1;
    int m = 0;
    for (int i = 0; i < n; i++)
        if (!isnan(v[i]))
            t[m++] = (struct idx_val){i, v[i]};
    qsort(t, (size_t)m, sizeof *t, by_value_desc);
    for (int k = 0; k < m; k++)
        idx[k] = t[k].i;
    free(t);
    return m;
}

/* Average ranks (1-based) of v into r. */
static int ranks(const double *v, int n, double *r)
{
    struct idx_val *t = malloc((size_t)n * sizeof *t);
    if (!t)
        return -1;
    for (int i = 0; i < n; i++)
        t[i] = (struct idx_val){i, v[i]};
    qsort(t, (size_t)n, sizeof *t, by_value);
    for (int i = 0; i < n;) {
        int j = i;
        while (j + 1 < n && t[j + 1].v == t[i].v)
            j++;
        for (int k = i; k <= j; k++)
            r[t[k].i] = (i + j) / 2.0 + 1;
        i = j + 1;
    }
    free(t);
    return 0;
}

double spearman_rho(const double *x, const double *y, int n)
{
    double *rx = malloc((size_t)n * sizeof *rx), *ry = malloc((size_t)n * sizeof *ry);
    double rho = NAN;
    if (n >= 2 && rx && ry && !ranks(x, n, rx) && !ranks(y, n, ry)) {
        double mx = 0, my = 0, sxy = 0, sxx = 0, syy = 0;
        for (int i = 0; i < n; i++) {
            mx += rx[i];
            my += ry[i];
        }
        mx /= n;
        my /= n;
        for (int i = 0; i < n; i++) {
            sxy += (rx[i] - mx) * (ry[i] - my);
            sxx += (rx[i] - mx) * (rx[i] - mx);
            syy += (ry[i] - my) * (ry[i] - my);
        }
        rho = sxx > 0 && syy > 0 ? sxy / sqrt(sxx * syy) : NAN;
    }
    free(rx);
    free(ry);
    return rho;
}

static int cmp_double(const void *a, const void *b)
{
    double p = *(const double *)a, q = *(const double *)b;
    return (p > q) - (p < q);
}

void kendall_tau_ci(const double *x, const double *y, int n, int resamples, uint64_t seed,
                    double *lo, double *hi)
{
    double *bx = malloc((size_t)n * sizeof *bx), *by = malloc((size_t)n * sizeof *by);
    double *taus = malloc((size_t)resamples * sizeof *taus);
    *lo = *hi = kendall_tau(x, y, n);
    if (bx && by && taus && resamples > 0 && !isnan(*lo)) {
        struct rng r;
        rng_seed(&r, seed, RNG_STREAM_SEARCH + 100);
        for (int b = 0; b < resamples; b++) {
            for (int i = 0; i < n; i++) {
                int k = (int)rng_below(&r, (uint64_t)n);
                bx[i] = x[k];
                by[i] = y[k];
            }
            taus[b] = kendall_tau(bx, by, n);
        }
        /* a resample that drew one side constant has no tau: left out */
        int defined = 0;
        for (int b = 0; b < resamples; b++)
            if (!isnan(taus[b]))
                taus[defined++] = taus[b];
        if (defined > 0) {
            qsort(taus, (size_t)defined, sizeof *taus, cmp_double);
            *lo = taus[(int)floor(0.025 * (defined - 1))];
            *hi = taus[(int)ceil(0.975 * (defined - 1))];
        }
    }
    free(bx);
    free(by);
    free(taus);
}

const char *rank_text(double v, char *buf, int n)
{
    if (isnan(v))
        snprintf(buf, (size_t)n, "undefined");
    else
        snprintf(buf, (size_t)n, "%.3f", v);
    return buf;
}

/* Marks in top[] the k largest of v (ties by lower index first). */
static int top_k(const double *v, int n, int k, unsigned char *top)
{
    struct idx_val *t = malloc((size_t)n * sizeof *t);
    if (!t)
        return -1;
    for (int i = 0; i < n; i++)
        t[i] = (struct idx_val){i, -v[i]};
    qsort(t, (size_t)n, sizeof *t, by_value);
    for (int i = 0; i < n; i++)
        top[t[i].i] = i < k;
    free(t);
    return 0;
}

double precision_at_k(const double *x, const double *y, int n, int k)
{
    if (k <= 0 || n <= 0)
        return 0;
    if (k > n)
        k = n;
    unsigned char *tx = malloc((size_t)n), *ty = malloc((size_t)n);
    double p = 0;
    if (tx && ty && !top_k(x, n, k, tx) && !top_k(y, n, k, ty)) {
        int both = 0;
        for (int i = 0; i < n; i++)
            both += tx[i] && ty[i];
        p = (double)both / k;
    }
    free(tx);
    free(ty);
    return p;
}
