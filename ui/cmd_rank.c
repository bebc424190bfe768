/* oneshot rank: how well a supernet ranks the architectures of a ground-truth
 * table, next to the trivial rankings by parameters and multiply-adds. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "opts.h"
#include "progress.h"
#include "rank.h"
#include "supernet.h"
#include "train.h"
#include "truth.h"

/* One architecture of the table: seeds averaged. */
struct ranked {
    struct arch a;
    char name[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    double truth, params, macs, before, after;
    int seeds;
};

/* The table's own statistics: spread of accuracy, seed noise, the tau of seed
 * 0 against seed 1 (the ceiling any supernet can reach), and the trivial
 * rankings by size. */
static int table_stats(const struct truth *t, const struct ranked *r, int n, int use_test,
                       int as_json)
{
    double lo = 1, hi = 0, noise = 0;
    int pairs = 0;
    double *a = malloc((size_t)n * sizeof *a), *b = malloc((size_t)n * sizeof *b);
    double *truth = malloc((size_t)n * sizeof *truth), *params = malloc((size_t)n * sizeof *params);
    double *macs = malloc((size_t)n * sizeof *macs);
    if (!a || !b || !truth || !params || !macs) {
        free(a), free(b), free(truth), free(params), free(macs);
        fprintf(stderr, "oneshot: error: out of memory\n");
        return 1;
    }
    for (int k = 0; k < n; k++) {
        truth[k] = r[k].truth;
        params[k] = r[k].params;
        macs[k] = r[k].macs;
        lo = truth[k] < lo ? truth[k] : lo;
        hi = truth[k] > hi ? truth[k] : hi;
        int i0 = truth_find(t, r[k].name, 0), i1 = truth_find(t, r[k].name, 1);
        if (i0 >= 0 && i1 >= 0) {
            const struct truth_row *x = &t->rows[i0], *y = &t->rows[i1];
            a[pairs] = use_test ? x->test_accuracy : x->val_accuracy;
            b[pairs] = use_test ? y->test_accuracy : y->val_accuracy;
            noise += a[pairs] > b[pairs] ? a[pairs] - b[pairs] : b[pairs] - a[pairs];
            pairs++;
        }
    }
    double seed_tau = kendall_tau(a, b, pairs);
    noise = pairs ? noise / pairs : 0;
    double tp = kendall_tau(params, truth, n), tm = kendall_tau(macs, truth, n);
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_int(&j, "n", n);
        json_int(&j, "rows", t->n);
        json_num(&j, "spread", hi - lo);
        json_int(&j, "n_seeded", pairs);
        if (pairs) {
            json_num(&j, "seed_noise", noise);
            json_num(&j, "seed_tau", seed_tau);
        }
        json_num(&j, "params_tau", tp);
        json_num(&j, "macs_tau", tm);
        json_str(&j, "metric", use_test ? "test_accuracy" : "val_accuracy");
        json_end(&j);
    } else {
        char b0[16], b1[16], b2[16];
        printf("%d architectures (%d rows): accuracy from %.4f to %.4f, spread %.4f\n", n, t->n,
               lo, hi, hi - lo);
        if (pairs)
            printf("seed noise (mean |seed 0 - seed 1| over %d architectures) %.4f: spread / noise "
                   "%.1f; seed-to-seed tau %s\n",
                   pairs, noise, noise > 0 ? (hi - lo) / noise : 0, rank_text(seed_tau, b0, 16));
        printf("ranking by parameters: tau %s; by multiply-adds: tau %s\n", rank_text(tp, b1, 16),
               rank_text(tm, b2, 16));
    }
    free(a), free(b), free(truth), free(params), free(macs);
    return 0;
}

int cmd_rank(int argc, char **argv)
{
    const char *space_file = NULL, *ckpt = NULL, *truth_file = NULL, *data_dir = NULL;
    const char *metric = "test", *by = "accuracy";
    int as_json = 0, calib = 2000, threads = 0, top_k = 5, resamples = 1000, batch = 500;
    int train_images = 50000, val_images = 10000;
    struct opt opts[] = {
        {"supernet", OPT_STRING, &ckpt, "CKPT", "supernet checkpoint (without it: the table's own statistics)", 0, -1, 0},
        {"truth", OPT_STRING, &truth_file, "FILE.csv", "ground-truth table (required)", 0, -1, 0},
        {"space", OPT_STRING, &space_file, "NAME", "search space of both (default fmnist)", 0, -1, 0},
        {"metric", OPT_STRING, &metric, "test|val", "stand-alone accuracy to rank by (default test)", 0, -1, 0},
        {"by", OPT_STRING, &by, "accuracy|loss", "the supernet's score of a path: validation accuracy, or validation loss (lower ranks higher; continuous, no ties) (default accuracy)", 0, -1, 0},
        {"calib-images", OPT_INT, &calib, "N", "BN recalibration images, 0 for none (default 2000)", 0, 60000, 0},
        {"top-k", OPT_INT, &top_k, "K", "k of precision at top-k (default 5)", 1, 100000, 0},
        {"bootstrap", OPT_INT, &resamples, "N", "bootstrap resamples of tau's interval (default 1000)", 1, 1000000, 0},
        {"batch", OPT_INT, &batch, "B", "evaluation batch (default 500)", 1, 65536, 0},
        {"train-images", OPT_INT, &train_images, "N", "recalibration draws from the first N training images", 1, 60000, 0},
        {"val-images", OPT_INT, &val_images, "N", "validation images, the last of the training file (default 10000)", 1, 60000, 0},
        {"threads", OPT_INT, &threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"data", OPT_STRING, &data_dir, "DIR", "Fashion-MNIST directory", 0, -1, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "rank",
                             "oneshot rank --supernet CKPT --truth FILE.csv [--json]");
    if (status >= 0)
        return status;
    struct err e;
    if (!truth_file) {
        err_plain(&e, "--truth FILE.csv is required");
        return cli_usage_error(&e, "rank");
    }
    int by_loss = strcmp(by, "loss") == 0;
    if (!by_loss && strcmp(by, "accuracy") != 0) {
        err_plain(&e, "--by: '%s' is neither accuracy nor loss", by);
        return cli_usage_error(&e, "rank");
    }
    int use_test = strcmp(metric, "test") == 0;
    if (!use_test && strcmp(metric, "val") != 0) {
        err_plain(&e, "--metric: '%s' is neither test nor val", metric);
        return cli_usage_error(&e, "rank");
    }
    struct ctx ctx;
    cli_ctx(&ctx, threads);
    struct space s;
    struct truth t;
    if (cli_space(&s, space_file, &e) || truth_load(&t, truth_file, &s, 0, &e))
        return cli_fail(&e);
    struct ranked *r = calloc((size_t)(t.n ? t.n : 1), sizeof *r);
    struct supernet *sn = NULL;
    struct cli_data data = {0};
    double *col[5] = {NULL};
    int n = 0, rc = 1;
    if (!r) {
        err_plain(&e, "out of memory");
        goto fail;
    }
    {
        struct arch *archs = calloc((size_t)(t.n ? t.n : 1), sizeof *archs);
        double *acc = calloc((size_t)(t.n ? t.n : 1), sizeof *acc);
        int *seeds = calloc((size_t)(t.n ? t.n : 1), sizeof *seeds);
        if (archs && acc && seeds)
            n = truth_average(&t, &s, !use_test, archs, acc, seeds);
        for (int k = 0; k < n; k++) {
            struct cost c = arch_cost(&s, &archs[k]);
            r[k].a = archs[k];
            arch_format(&s, &archs[k], r[k].name, (int)sizeof r[k].name);
            r[k].params = (double)c.params;
            r[k].macs = (double)c.macs;
            r[k].truth = acc[k];
            r[k].seeds = seeds[k];
        }
        free(archs);
        free(acc);
        free(seeds);
    }
    if (n < 2) {
        err_set(&e, truth_file, 0, 0, "needs at least 2 architectures to rank, has %d", n);
        goto fail;
    }
    if (!ckpt) {
        rc = table_stats(&t, r, n, use_test, as_json);
        goto done;
    }
    void *extra = NULL;
    size_t extra_n;
    sn = supernet_load(&s, ckpt, &extra, &extra_n, &e);
    free(extra);
    if (!sn || cli_load_data(&data, data_dir, &s, train_images, val_images, 0, &e))
        goto fail;
    struct supernet_eval ev = {calib, batch};
    struct progress p;
    progress_init(&p, stderr);
    double t0 = now_seconds();
    for (int k = 0; k < n; k++) {
        progress_update(&p, (double)k / n, 1, "evaluating %d/%d through the supernet", k + 1, n);
        struct supernet_score sc;
        if (supernet_evaluate(sn, &r[k].a, &data.val, &data.train, &ev, &sc, &e))
            goto fail;
        /* the score: higher is better (a lower loss ranks higher) */
        r[k].before = by_loss ? -sc.loss_before : sc.acc_before;
        r[k].after = by_loss ? -sc.loss_after : sc.acc_after;
    }
    progress_clear(&p);
    for (int i = 0; i < 5; i++)
        if (!(col[i] = malloc((size_t)n * sizeof(double)))) {
            err_plain(&e, "out of memory");
            goto fail;
        }
    double *truth = col[0], *after = col[1], *before = col[2], *params = col[3], *macs = col[4];
    for (int k = 0; k < n; k++) {
        truth[k] = r[k].truth;
        after[k] = r[k].after;
        before[k] = r[k].before;
        params[k] = r[k].params;
        macs[k] = r[k].macs;
    }
    double tau = kendall_tau(after, truth, n), lo, hi;
    kendall_tau_ci(after, truth, n, resamples, 1, &lo, &hi);
    double rho = spearman_rho(after, truth, n);
    double tau_before = kendall_tau(before, truth, n);
    double tau_params = kendall_tau(params, truth, n), tau_macs = kendall_tau(macs, truth, n);
    int k_eff = top_k < n ? top_k : n;
    double prec = precision_at_k(after, truth, n, k_eff);
    double secs = now_seconds() - t0;
    if (as_json) {
        struct json j;
        char ci[64];
        if (isnan(lo))
            snprintf(ci, sizeof ci, "null");
        else
            snprintf(ci, sizeof ci, "[%.4f, %.4f]", lo, hi);
        json_begin(&j, stdout);
        json_int(&j, "n", n);
        json_num(&j, "kendall_tau", tau);
        json_raw(&j, "kendall_tau_ci", ci);
        json_num(&j, "spearman", rho);
        json_num(&j, "precision_at_k", prec);
        json_int(&j, "k", k_eff);
        json_num(&j, "kendall_tau_no_recal", tau_before);
        json_num(&j, "params_tau", tau_params);
        json_num(&j, "macs_tau", tau_macs);
        json_int(&j, "calib_images", calib);
        json_str(&j, "metric", use_test ? "test_accuracy" : "val_accuracy");
        json_str(&j, "by", by_loss ? "loss" : "accuracy");
        json_num(&j, "seconds", secs);
        json_end(&j);
    } else {
        printf("%-64s %9s %9s %9s\n", "architecture", "truth", by_loss ? "-loss" : "supernet",
               "no-recal");
        for (int k = 0; k < n; k++)
            printf("%-64s %9.4f %9.4f %9.4f\n", r[k].name, truth[k], after[k], before[k]);
        char b[7][16];
        printf("\nn %d, Kendall tau %s (95%% bootstrap [%s, %s]), Spearman rho %s, "
               "precision at top-%d %.2f\n",
               n, rank_text(tau, b[0], 16), rank_text(lo, b[1], 16), rank_text(hi, b[2], 16),
               rank_text(rho, b[3], 16), k_eff, prec);
        printf("without BN recalibration: tau %s; by parameters: tau %s; by multiply-adds: "
               "tau %s\n",
               rank_text(tau_before, b[4], 16), rank_text(tau_params, b[5], 16),
               rank_text(tau_macs, b[6], 16));
    }
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&e);
done:
    for (int i = 0; i < 5; i++)
        free(col[i]);
    free(r);
    supernet_free(sn);
    cli_data_done(&data);
    truth_done(&t);
    return rc;
}
