#include "truthrank.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rank.h"

void truthrank_close(struct truthrank *t)
{
    free(t->archs);
    free(t->truth);
    free(t->seeds);
    free(t->params);
    free(t->macs);
    memset(t, 0, sizeof *t);
}

/* Keeps max of the n architectures, every k-th by accuracy. */
static int keep_spanning(struct truthrank *t, int max)
{
    int n = t->n, *order = malloc((size_t)n * sizeof *order);
    struct truthrank k = *t;
    k.archs = malloc((size_t)max * sizeof *k.archs);
    k.truth = malloc((size_t)max * sizeof *k.truth);
    k.seeds = malloc((size_t)max * sizeof *k.seeds);
    if (!order || !k.archs || !k.truth || !k.seeds) {
        free(order), free(k.archs), free(k.truth), free(k.seeds);
        return -1;
    }
    for (int i = 0; i < n; i++)
        order[i] = i;
    for (int a = 1; a < n; a++)
        for (int b = a; b > 0 && t->truth[order[b]] < t->truth[order[b - 1]]; b--) {
            int tmp = order[b];
            order[b] = order[b - 1];
            order[b - 1] = tmp;
        }
    for (int j = 0; j < max; j++) {
        int i = order[(int)((double)j * (n - 1) / (max - 1) + 0.5)];
        k.archs[j] = t->archs[i];
        k.truth[j] = t->truth[i];
        k.seeds[j] = t->seeds[i];
    }
    free(order);
    free(t->archs), free(t->truth), free(t->seeds);
    t->archs = k.archs;
    t->truth = k.truth;
    t->seeds = k.seeds;
    t->n = max;
    return 0;
}

static double pearson(const double *a, const double *b, int n)
{
    if (n < 2)
        return NAN;
    double ma = 0, mb = 0, sab = 0, saa = 0, sbb = 0;
    for (int i = 0; i < n; i++)
        ma += a[i], mb += b[i];
    ma /= n;
    mb /= n;
    for (int i = 0; i < n; i++) {
        sab += (a[i] - ma) * (b[i] - mb);
        saa += (a[i] - ma) * (a[i] - ma);
        sbb += (b[i] - mb) * (b[i] - mb);
    }
    return saa > 0 && sbb > 0 ? sab / sqrt(saa * sbb) : NAN;
}

/* The table's own statistics, over the architectures kept. */
static int table_stats(struct truthrank *t, const struct truth *tb, const struct space *s,
                       int use_val)
{
    int n = t->n;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    if (!a || !b) {
        free(a), free(b);
        return -1;
    }
    t->lo = 1;
    t->hi = 0;
    double noise = 0;
    int pairs = 0;
    for (int k = 0; k < n; k++) {
        t->lo = t->truth[k] < t->lo ? t->truth[k] : t->lo;
        t->hi = t->truth[k] > t->hi ? t->truth[k] : t->hi;
        char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
        arch_format(s, &t->archs[k], name, (int)sizeof name);
        int i0 = truth_find(tb, name, 0), i1 = truth_find(tb, name, 1);
        if (i0 >= 0 && i1 >= 0) {
            const struct truth_row *x = &tb->rows[i0], *y = &tb->rows[i1];
            a[pairs] = use_val ? x->val_accuracy : x->test_accuracy;
            b[pairs] = use_val ? y->val_accuracy : y->test_accuracy;
            noise += fabs(a[pairs] - b[pairs]);
            pairs++;
        }
    }
    t->n_seeded = pairs;
    t->seed_noise = pairs ? noise / pairs : NAN;
    t->seed_tau = kendall_tau(a, b, pairs);
    t->seed_r = pearson(a, b, pairs);
    t->mean2_reliability = 2 * t->seed_r / (1 + t->seed_r);
    t->params_tau = kendall_tau(t->params, t->truth, n);
    t->macs_tau = kendall_tau(t->macs, t->truth, n);
    free(a);
    free(b);
    return 0;
}

int truthrank_open(struct truthrank *t, const char *path, const struct space *s, int use_val,
                   int max, struct err *e)
{
    memset(t, 0, sizeof *t);
    snprintf(t->path, sizeof t->path, "%s", path);
    struct truth tb;
    if (truth_load(&tb, path, s, 0, e))
        return -1;
    size_t cap = (size_t)(tb.n > 0 ? tb.n : 1);
    t->archs = malloc(cap * sizeof *t->archs);
    t->truth = malloc(cap * sizeof *t->truth);
    t->seeds = malloc(cap * sizeof *t->seeds);
    int rc = 0;
    if (!t->archs || !t->truth || !t->seeds) {
        rc = err_plain(e, "out of memory");
        goto out;
    }
    t->rows = tb.n;
    t->n = truth_average(&tb, s, use_val, t->archs, t->truth, t->seeds);
    if (t->n < 2) {
        rc = err_set(e, path, 0, 0, "needs at least 2 architectures to rank, has %d", t->n);
        goto out;
    }
    if (max > 1 && t->n > max && keep_spanning(t, max)) {
        rc = err_plain(e, "out of memory");
        goto out;
    }
    t->params = malloc((size_t)t->n * sizeof *t->params);
    t->macs = malloc((size_t)t->n * sizeof *t->macs);
    if (!t->params || !t->macs) {
        rc = err_plain(e, "out of memory");
        goto out;
    }
    for (int k = 0; k < t->n; k++) {
        struct cost c = arch_cost(s, &t->archs[k]);
        t->params[k] = (double)c.params;
        t->macs[k] = (double)c.macs;
    }
    if (table_stats(t, &tb, s, use_val))
        rc = err_plain(e, "out of memory");
out:
    truth_done(&tb);
    if (rc)
        truthrank_close(t);
    return rc;
}

int truthrank_score(const struct truthrank *t, int i, struct supernet *sn,
                    const struct split *val, const struct split *calib,
                    const struct supernet_eval *opt, struct supernet_score *out, struct err *e)
{
    return supernet_evaluate(sn, &t->archs[i], val, calib, opt, out, e);
}

int truthrank_compare(const struct truthrank *t, const struct supernet_score *sc, int by_loss,
                      int top_k, int resamples, struct truthrank_result *r)
{
    int n = t->n;
    double *after = malloc((size_t)n * sizeof *after), *before = malloc((size_t)n * sizeof *before);
    double *other = malloc((size_t)n * sizeof *other);
    if (!after || !before || !other) {
        free(after), free(before), free(other);
        return -1;
    }
    /* scores where higher is better: a lower loss ranks higher */
    for (int i = 0; i < n; i++) {
        after[i] = by_loss ? -sc[i].loss_after : sc[i].acc_after;
        before[i] = by_loss ? -sc[i].loss_before : sc[i].acc_before;
        other[i] = by_loss ? sc[i].acc_after : -sc[i].loss_after;
    }
    memset(r, 0, sizeof *r);
    r->n = n;
    r->by_loss = by_loss;
    r->tau = kendall_tau(after, t->truth, n);
    kendall_tau_ci(after, t->truth, n, resamples, TRUTHRANK_SEED, &r->tau_lo,
                   &r->tau_hi);
    r->rho = spearman_rho(after, t->truth, n);
    r->k = top_k < n ? top_k : n;
    r->precision = precision_at_k(after, t->truth, n, r->k);
    r->tau_no_recal = kendall_tau(before, t->truth, n);
    r->tau_other = kendall_tau(other, t->truth, n);
    r->params_tau = t->params_tau;
    r->macs_tau = t->macs_tau;
    free(after);
    free(before);
    free(other);
    return 0;
}
