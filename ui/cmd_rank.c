/* oneshot rank: how well a supernet ranks the architectures of a ground-truth
 * table, next to the trivial rankings by parameters and multiply-adds
 * (src/truthrank.h does the work; a run's ranking.csv uses the same). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "opts.h"
#include "progress.h"
#include "rank.h"
#include "truthrank.h"

/* The table's own statistics: spread of accuracy, seed noise, the tau of seed
 * 0 against seed 1 and the reliability of a 2-seed mean, and the trivial
 * rankings by size. */
static int table_stats(const struct truthrank *t, int use_test, int as_json)
{
    double spread = t->hi - t->lo;
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_int(&j, "n", t->n);
        json_int(&j, "rows", t->rows);
        json_num(&j, "spread", spread);
        json_int(&j, "n_seeded", t->n_seeded);
        if (t->n_seeded) {
            json_num(&j, "seed_noise", t->seed_noise);
            json_num(&j, "seed_tau", t->seed_tau);
            json_num(&j, "seed_r", t->seed_r);
            json_num(&j, "mean2_reliability", t->mean2_reliability);
        }
        json_num(&j, "params_tau", t->params_tau);
        json_num(&j, "macs_tau", t->macs_tau);
        json_str(&j, "metric", use_test ? "test_accuracy" : "val_accuracy");
        json_end(&j);
        return 0;
    }
    char b[5][16];
    printf("%d architectures (%d rows): accuracy from %.4f to %.4f, spread %.4f\n", t->n, t->rows,
           t->lo, t->hi, spread);
    if (t->n_seeded)
        printf("seed noise (mean |seed 0 - seed 1| over %d architectures) %.4f: spread / noise "
               "%.1f; seed-to-seed tau %s, r %s; reliability of a 2-seed mean %s "
               "(Spearman-Brown)\n",
               t->n_seeded, t->seed_noise, t->seed_noise > 0 ? spread / t->seed_noise : 0,
               rank_text(t->seed_tau, b[0], 16), rank_text(t->seed_r, b[1], 16),
               rank_text(t->mean2_reliability, b[2], 16));
    printf("ranking by parameters: tau %s; by multiply-adds: tau %s\n",
           rank_text(t->params_tau, b[3], 16), rank_text(t->macs_tau, b[4], 16));
    return 0;
}

static void print_result(const struct truthrank *t, const struct space *s,
                         const struct supernet_score *sc, const struct truthrank_result *r,
                         int calib, int use_test, double secs, int as_json)
{
    if (as_json) {
        struct json j;
        char ci[64];
        if (isnan(r->tau_lo))
            snprintf(ci, sizeof ci, "null");
        else
            snprintf(ci, sizeof ci, "[%.4f, %.4f]", r->tau_lo, r->tau_hi);
        json_begin(&j, stdout);
        json_int(&j, "n", r->n);
        json_num(&j, "kendall_tau", r->tau);
        json_raw(&j, "kendall_tau_ci", ci);
        json_num(&j, "spearman", r->rho);
        json_num(&j, "precision_at_k", r->precision);
        json_int(&j, "k", r->k);
        json_num(&j, "kendall_tau_no_recal", r->tau_no_recal);
        json_num(&j, "params_tau", r->params_tau);
        json_num(&j, "macs_tau", r->macs_tau);
        json_int(&j, "calib_images", calib);
        json_str(&j, "metric", use_test ? "test_accuracy" : "val_accuracy");
        json_str(&j, "by", r->by_loss ? "loss" : "accuracy");
        json_num(&j, r->by_loss ? "kendall_tau_by_accuracy" : "kendall_tau_by_loss", r->tau_other);
        json_num(&j, "seconds", secs);
        json_end(&j);
        return;
    }
    printf("%-64s %9s %9s %9s\n", "architecture", "truth", r->by_loss ? "-loss" : "supernet",
           "no-recal");
    for (int k = 0; k < t->n; k++) {
        char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
        arch_format(s, &t->archs[k], name, (int)sizeof name);
        printf("%-64s %9.4f %9.4f %9.4f\n", name, t->truth[k],
               r->by_loss ? -sc[k].loss_after : sc[k].acc_after,
               r->by_loss ? -sc[k].loss_before : sc[k].acc_before);
    }
    char b[8][16];
    printf("\nn %d, Kendall tau %s (95%% bootstrap [%s, %s]), Spearman rho %s, "
           "precision at top-%d %.2f\n",
           r->n, rank_text(r->tau, b[0], 16), rank_text(r->tau_lo, b[1], 16),
           rank_text(r->tau_hi, b[2], 16), rank_text(r->rho, b[3], 16), r->k, r->precision);
    printf("without BN recalibration: tau %s; by parameters: tau %s; by multiply-adds: "
           "tau %s\n",
           rank_text(r->tau_no_recal, b[4], 16), rank_text(r->params_tau, b[5], 16),
           rank_text(r->macs_tau, b[6], 16));
    printf("ranked by the supernet's validation %s instead: tau %s\n",
           r->by_loss ? "accuracy" : "loss", rank_text(r->tau_other, b[7], 16));
}

int cmd_rank(int argc, char **argv)
{
    const char *space_file = NULL, *ckpt = NULL, *truth_file = NULL, *data_dir = NULL;
    const char *metric = "test", *by = "accuracy";
    int as_json = 0, calib = 2000, threads = 0, top_k = 5, resamples = TRUTHRANK_RESAMPLES;
    int batch = 500, train_images = 50000, val_images = 10000;
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
    struct truthrank t;
    if (shipped_space(&s, space_file, &e) || truthrank_open(&t, truth_file, &s, !use_test, 0, &e))
        return cli_fail(&e);
    if (!ckpt) {
        int rc = table_stats(&t, use_test, as_json);
        truthrank_close(&t);
        return rc;
    }
    struct supernet_score *sc = calloc((size_t)t.n, sizeof *sc);
    struct cli_data data = {0};
    void *extra = NULL;
    size_t extra_n;
    int rc = 1;
    struct supernet *sn = supernet_load(&s, ckpt, &extra, &extra_n, &e);
    free(extra);
    if (!sc) {
        err_plain(&e, "out of memory");
        goto fail;
    }
    if (!sn || cli_load_data(&data, data_dir, &s, train_images, val_images, 0, &e))
        goto fail;
    struct supernet_eval ev = {calib, batch};
    struct progress p;
    progress_init(&p, stderr);
    double t0 = ctx_seconds();
    for (int k = 0; k < t.n; k++) {
        progress_update(&p, (double)k / t.n, 1, "evaluating %d/%d through the supernet", k + 1,
                        t.n);
        if (truthrank_score(&t, k, sn, &data.val, &data.train, &ev, &sc[k], &e))
            goto fail;
    }
    progress_clear(&p);
    struct truthrank_result r;
    if (truthrank_compare(&t, sc, by_loss, top_k, resamples, &r)) {
        err_plain(&e, "out of memory");
        goto fail;
    }
    print_result(&t, &s, sc, &r, calib, use_test, ctx_seconds() - t0, as_json);
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&e);
done:
    free(sc);
    supernet_free(sn);
    cli_data_done(&data);
    truthrank_close(&t);
    return rc;
}
