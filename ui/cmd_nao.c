/* oneshot nao: NAO-V2's search (src/naosearch.h) into a directory, then a
 * short stand-alone training of its best architectures to re-rank them (as
 * the authors end their search).  The search is the engine's; this file
 * turns options into its settings, draws its progress, prints its rounds
 * and results, and does the re-rank (the engine trains no architecture
 * alone). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "cli.h"
#include "json.h"
#include "model.h"
#include "naosearch.h"
#include "opts.h"
#include "progress.h"
#include "strbuf.h"
#include "train.h"

#define ARCH_TEXT (SPACE_MAX_LAYERS * CHOICE_NAME_MAX)
#define SHOW_TOP 10
#define RERANK_MAX 100

struct nao_opts {
    const char *space, *out, *resume, *data, *bn, *reinit;
    int rounds, seed_archs, new_archs, top_k, max_eta, epochs_per_round, controller_epochs;
    int train_images, val_images, calib_images, batch, seed, threads, rerank, rerank_epochs;
    int stop_after, json;
    double lr;
    char saved_space[SPACE_NAME_MAX]; /* --resume without --space: the search's */
};

/* One re-ranked architecture. */
struct rerank_row {
    int idx;                /* pool index */
    double supernet_acc;    /* its accuracy in the search's last round */
    double standalone_acc;  /* after --rerank-epochs alone */
    double seconds;
};

/* "0.1234", or "-" for NAN, into buf (16 bytes). */
static const char *fig(double x, char *buf)
{
    if (isnan(x))
        snprintf(buf, 16, "-");
    else
        snprintf(buf, 16, "%.4f", x);
    return buf;
}

static void round_line(const struct naosearch *ns, const struct naosearch_round *r)
{
    char arch[ARCH_TEXT], a[16], b[16], c[16];
    arch_format(ns->space, &ns->pool[r->best].arch, arch, sizeof arch);
    fprintf(stderr, "round %d/%d: %d new, %lld steps (%.1f updates each), loss %.4f, best %.4f "
                    "%s, mean %.4f, held-out tau %s pairwise %s, predictor tau %s",
            r->round, ns->cfg.rounds, r->new_archs, (long long)r->steps, r->updates_mean,
            r->train_loss, r->best_acc, arch, r->mean_acc, fig(r->heldout_tau, a),
            fig(r->heldout_pairwise, b), fig(r->tau, c));
    if (r->generated >= 0)
        fprintf(stderr, ", %d generated (eta up to %d)", r->generated, r->last_eta);
    fprintf(stderr, ", %.1f s\n", r->seconds);
}

static void progress_text(const struct naosearch *ns, char *buf, size_t n)
{
    int r = ns->round, R = ns->cfg.rounds;
    switch (ns->phase) {
    case NAOSEARCH_TRAIN:
        snprintf(buf, n, "round %d/%d  training  loss %.4f  lr %.4f", r, R, ns->loss, ns->lr);
        break;
    case NAOSEARCH_EVALUATE:
        snprintf(buf, n, "round %d/%d  evaluating %d/%d", r, R, ns->eval_next, ns->npool);
        break;
    case NAOSEARCH_CONTROLLER:
        snprintf(buf, n, "round %d/%d  controller epoch %d/%d  loss %.4f", r, R, ns->nao->epoch,
                 ns->nao->epochs, ns->rounds[ns->evaluated - 1].controller_loss);
        break;
    case NAOSEARCH_GENERATE:
        snprintf(buf, n, "round %d/%d  generating", r, R);
        break;
    case NAOSEARCH_DONE:
        snprintf(buf, n, "done");
        break;
    }
}

/* ---- the re-rank ---- */

/* Trains each of rows[0..k) alone (the recipe of oneshot train, --rerank-epochs
 * epochs of the training images) and scores it on the validation images.
 * *done: how many finished (fewer when stopped).  0 or -1. */
static int rerank(const struct nao_opts *o, const struct naosearch *ns, const struct cli_data *d,
                  struct rerank_row *rows, int k, int *done, struct err *e)
{
    struct progress p;
    progress_init(&p, stderr);
    *done = 0;
    for (int i = 0; i < k && !cli_stop_requested(); i++) {
        double t0 = ctx_seconds();
        const struct arch *a = &ns->pool[rows[i].idx].arch;
        char arch[ARCH_TEXT];
        arch_format(ns->space, a, arch, sizeof arch);
        struct train_config cfg;
        train_config_default(&cfg);
        cfg.epochs = o->rerank_epochs;
        cfg.seed = (uint64_t)o->seed;
        struct model *m = model_new(ns->space, a, cfg.seed, e);
        if (!m)
            return -1;
        struct trainer t;
        if (trainer_init(&t, m, &d->train, &cfg, e)) {
            model_free(m);
            return -1;
        }
        int rc = 0;
        while (t.step < t.total && !cli_stop_requested()) {
            if ((rc = trainer_step(&t, e)) < 0)
                break;
            progress_update(&p, ((double)i + (double)t.step / (double)t.total) / k, 0,
                            "re-rank %d/%d  %s  loss %.4f", i + 1, k, arch, t.loss);
        }
        progress_clear(&p);
        if (rc >= 0 && t.step == t.total) {
            rc = model_evaluate(m, &d->val, 256, &rows[i].standalone_acc, NULL, e);
            rows[i].seconds = ctx_seconds() - t0;
            if (!rc) {
                fprintf(stderr, "re-rank %d/%d: %s, stand-alone %.4f after %d epoch%s "
                                "(supernet %.4f), %.1f s\n",
                        i + 1, k, arch, rows[i].standalone_acc, o->rerank_epochs,
                        o->rerank_epochs == 1 ? "" : "s", rows[i].supernet_acc, rows[i].seconds);
                (*done)++;
            }
        }
        trainer_done(&t);
        model_free(m);
        if (rc < 0)
            return -1;
    }
    return 0;
}

static int write_rerank(const struct nao_opts *o, const struct naosearch *ns,
                        const struct rerank_row *rows, int k, struct err *e)
{
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "rank,arch,supernet_acc,standalone_acc,epochs,seconds\n");
    for (int i = 0; i < k; i++) {
        char arch[ARCH_TEXT];
        arch_format(ns->space, &ns->pool[rows[i].idx].arch, arch, sizeof arch);
        strbuf_printf(&b, "%d,%s,", i + 1, arch);
        strbuf_double(&b, rows[i].supernet_acc);
        strbuf_add(&b, ",", 1);
        strbuf_double(&b, rows[i].standalone_acc);
        strbuf_printf(&b, ",%d,%.3f\n", o->rerank_epochs, rows[i].seconds);
    }
    char path[NAOSEARCH_PATH_MAX + 32];
    snprintf(path, sizeof path, "%s/rerank.csv", ns->dir);
    int rc = strbuf_failed(&b) ? err_plain(e, "out of memory")
                               : atomic_save(path, b.text, b.len, e);
    strbuf_done(&b);
    return rc;
}

/* ---- the results ---- */

static const char *end_text(const struct naosearch *ns, int stopped)
{
    if (stopped)
        return "stopped";
    return ns->end == NAOSEARCH_EXHAUSTED ? "exhausted" : "rounds";
}

static void print_json(const struct naosearch *ns, const int *top, int ntop,
                       const struct rerank_row *rows, int nrows, int stopped, double seconds)
{
    struct json j;
    json_begin(&j, stdout);
    json_str(&j, "space", ns->space->name);
    json_str(&j, "dir", ns->dir);
    json_int(&j, "pool", ns->npool);
    json_int(&j, "rounds_evaluated", ns->evaluated);
    struct strbuf b;
    strbuf_init(&b);
    strbuf_add(&b, "[", 1);
    for (int k = 0; k < ns->evaluated; k++) {
        const struct naosearch_round *r = &ns->rounds[k];
        char arch[ARCH_TEXT];
        arch_format(ns->space, &ns->pool[r->best].arch, arch, sizeof arch);
        strbuf_printf(&b, "%s{\"round\": %d, \"new\": %d, \"steps\": %lld, \"updates_mean\": %.6g, "
                          "\"train_loss\": %.6g, \"best_acc\": %.6g, \"best_arch\": \"%s\", "
                          "\"mean_acc\": %.6g",
                      k ? ", " : "", r->round, r->new_archs, (long long)r->steps, r->updates_mean,
                      r->train_loss, r->best_acc, arch, r->mean_acc);
        const char *name[] = {"heldout_tau", "heldout_pairwise", "predictor_tau"};
        double v[] = {r->heldout_tau, r->heldout_pairwise, r->tau};
        for (int i = 0; i < 3; i++) {
            if (isnan(v[i]))
                strbuf_printf(&b, ", \"%s\": null", name[i]);
            else
                strbuf_printf(&b, ", \"%s\": %.6g", name[i], v[i]);
        }
        if (r->generated >= 0)
            strbuf_printf(&b, ", \"generated\": %d", r->generated);
        else
            strbuf_printf(&b, ", \"generated\": null");
        strbuf_printf(&b, ", \"seconds\": %.6g}", r->seconds);
    }
    strbuf_add(&b, "]", 1);
    json_raw(&j, "rounds", strbuf_failed(&b) ? "null" : strbuf_text(&b));
    strbuf_clear(&b);
    strbuf_add(&b, "[", 1);
    for (int k = 0; k < ntop; k++) {
        const struct naosearch_arch *p = &ns->pool[top[k]];
        char arch[ARCH_TEXT];
        arch_format(ns->space, &p->arch, arch, sizeof arch);
        strbuf_printf(&b, "%s{\"arch\": \"%s\", \"acc\": %.6g, \"round\": %d, \"params\": %lld, "
                          "\"macs\": %lld}",
                      k ? ", " : "", arch, naosearch_acc(ns, top[k], ns->evaluated), p->round,
                      (long long)p->params, (long long)p->macs);
    }
    strbuf_add(&b, "]", 1);
    json_raw(&j, "top", strbuf_failed(&b) ? "null" : strbuf_text(&b));
    strbuf_clear(&b);
    strbuf_add(&b, "[", 1);
    for (int k = 0; k < nrows; k++) {
        char arch[ARCH_TEXT];
        arch_format(ns->space, &ns->pool[rows[k].idx].arch, arch, sizeof arch);
        strbuf_printf(&b, "%s{\"arch\": \"%s\", \"supernet_acc\": %.6g, \"standalone_acc\": "
                          "%.6g, \"seconds\": %.6g}",
                      k ? ", " : "", arch, rows[k].supernet_acc, rows[k].standalone_acc,
                      rows[k].seconds);
    }
    strbuf_add(&b, "]", 1);
    json_raw(&j, "rerank", strbuf_failed(&b) ? "null" : strbuf_text(&b));
    strbuf_done(&b);
    json_str(&j, "end", end_text(ns, stopped));
    json_raw(&j, "stopped", stopped ? "true" : "false");
    json_num(&j, "seconds", seconds);
    json_end(&j);
}

static void print_text(const struct naosearch *ns, const int *top, int ntop,
                       const struct rerank_row *rows, int nrows)
{
    printf("NAO search of %s: %d round%s, %d architectures (%s)\n", ns->space->name,
           ns->evaluated, ns->evaluated == 1 ? "" : "s", ns->npool,
           ns->end == NAOSEARCH_EXHAUSTED ? "ended early: no new architecture was generated"
                                          : "every round ran");
    printf("%-5s %-4s %-6s %-7s %-7s %-7s %-7s %-7s %-8s %-8s %-9s %s\n", "round", "new",
           "steps", "updates", "loss", "best", "mean", "tau", "held-out", "pairwise", "generated",
           "seconds");
    for (int k = 0; k < ns->evaluated; k++) {
        const struct naosearch_round *r = &ns->rounds[k];
        char a[16], b[16], c[16], g[16];
        snprintf(g, sizeof g, r->generated >= 0 ? "%d" : "-", r->generated);
        printf("%-5d %-4d %-6lld %-7.1f %-7.4f %-7.4f %-7.4f %-7s %-8s %-8s %-9s %.1f\n",
               r->round, r->new_archs, (long long)r->steps, r->updates_mean, r->train_loss,
               r->best_acc, r->mean_acc, fig(r->tau, a), fig(r->heldout_tau, b),
               fig(r->heldout_pairwise, c), g, r->seconds);
    }
    printf("\ntop %d by supernet accuracy (round %d):\n", ntop, ns->evaluated);
    printf("%-4s %-7s %-8s %-10s %-5s %s\n", "rank", "acc", "params", "macs", "round", "arch");
    for (int k = 0; k < ntop; k++) {
        const struct naosearch_arch *p = &ns->pool[top[k]];
        char arch[ARCH_TEXT];
        arch_format(ns->space, &p->arch, arch, sizeof arch);
        printf("%-4d %-7.4f %-8lld %-10lld %-5d %s\n", k + 1,
               naosearch_acc(ns, top[k], ns->evaluated), (long long)p->params,
               (long long)p->macs, p->round, arch);
    }
    if (nrows) {
        int best = 0;
        for (int k = 1; k < nrows; k++)
            if (rows[k].standalone_acc > rows[best].standalone_acc)
                best = k;
        char arch[ARCH_TEXT];
        arch_format(ns->space, &ns->pool[rows[best].idx].arch, arch, sizeof arch);
        printf("\nre-ranked by stand-alone training: %s, %.4f (supernet rank %d)\n", arch,
               rows[best].standalone_acc, best + 1);
    }
    printf("results in %s\n", ns->dir);
}

/* ---- the search ---- */

static int search(const struct nao_opts *o, const struct space *s, const struct cli_data *d,
                  const struct naosearch_config *cfg, const struct ctx *ctx)
{
    struct err e;
    struct naosearch ns;
    const char *dir = o->resume ? o->resume : o->out;
    if (naosearch_open(&ns, dir, s, &d->train, &d->val, cfg, ctx, o->resume != NULL, &e))
        return cli_fail(&e);
    if (ns.resumed)
        fprintf(stderr, "resumed: %d round%s evaluated, the pool holds %d architectures\n",
                ns.evaluated, ns.evaluated == 1 ? "" : "s", ns.npool);
    for (int k = 0; ns.resumed && k < ns.evaluated; k++)
        round_line(&ns, &ns.rounds[k]);
    struct progress p;
    progress_init(&p, stderr);
    double t0 = ctx_seconds();
    long steps = 0;
    int rc, stopped = 0;
    char text[200];
    while ((rc = naosearch_step(&ns, &e)) == 1) {
        steps++;
        if (ns.round_done) {
            progress_clear(&p);
            round_line(&ns, &ns.rounds[ns.evaluated - 1]);
        }
        progress_text(&ns, text, sizeof text);
        progress_update(&p, naosearch_fraction(&ns), 0, "%s", text);
        if (cli_stop_requested() || (o->stop_after && steps >= o->stop_after)) {
            stopped = 1;
            break;
        }
    }
    progress_clear(&p);
    if (rc < 0) {
        naosearch_close(&ns);
        return cli_fail(&e);
    }
    if (!stopped && ns.round_done) /* the last round's line */
        round_line(&ns, &ns.rounds[ns.evaluated - 1]);
    if (stopped)
        fprintf(stderr, "stopped in round %d; --resume %s goes on from the start of it\n",
                ns.round, dir);
    int *top = malloc((size_t)(ns.npool ? ns.npool : 1) * sizeof *top);
    struct rerank_row rows[RERANK_MAX];
    int ntop = 0, nrows = 0, status = 0;
    if (!top) {
        err_plain(&e, "out of memory");
        status = cli_fail(&e);
        goto out;
    }
    ntop = stopped ? 0 : naosearch_ranked(&ns, top);
    int k = o->rerank < ntop ? o->rerank : ntop;
    for (int i = 0; i < k; i++)
        rows[i] = (struct rerank_row){top[i], naosearch_acc(&ns, top[i], ns.evaluated), NAN, 0};
    if (k > 0 && (rerank(o, &ns, d, rows, k, &nrows, &e) ||
                  (nrows == k && write_rerank(o, &ns, rows, k, &e)))) {
        status = cli_fail(&e);
        goto out;
    }
    if (nrows < k) {
        stopped = 1;
        fprintf(stderr, "stopped in the re-rank; --resume %s trains it again\n", dir);
        nrows = 0;
    }
    if (ntop > SHOW_TOP)
        ntop = SHOW_TOP;
    if (o->json)
        print_json(&ns, top, ntop, rows, nrows, stopped, ctx_seconds() - t0);
    else if (!stopped)
        print_text(&ns, top, ntop, rows, nrows);
    status = stopped && cli_stop_requested() ? 130 : 0;
out:
    free(top);
    naosearch_close(&ns);
    return status;
}

/* With --resume, every option not given takes the saved search's value. */
static int saved_settings(struct nao_opts *o, const struct opt *opts, struct err *e)
{
    struct naosearch_config c;
    int train_images, val_images;
    if (naosearch_peek(o->resume, &c, o->saved_space, sizeof o->saved_space, &train_images,
                       &val_images, e))
        return -1;
    struct {
        const char *name;
        int *target, value;
    } ints[] = {
        {"rounds", &o->rounds, c.rounds},
        {"seed-archs", &o->seed_archs, c.seed_archs},
        {"new-archs", &o->new_archs, c.new_archs},
        {"top-k", &o->top_k, c.top_k},
        {"max-eta", &o->max_eta, c.max_eta},
        {"epochs-per-round", &o->epochs_per_round, c.epochs_per_round},
        {"controller-epochs", &o->controller_epochs, c.controller_epochs},
        {"train-images", &o->train_images, train_images},
        {"val-images", &o->val_images, val_images},
        {"calib-images", &o->calib_images, c.bn == NAOSEARCH_BN_RECAL ? c.calib_images
                                                                       : o->calib_images},
        {"batch", &o->batch, c.batch},
        {"seed", &o->seed, (int)c.seed},
    };
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++)
        if (!opts_seen(opts, ints[i].name))
            *ints[i].target = ints[i].value;
    if (!opts_seen(opts, "lr"))
        o->lr = c.lr;
    if (!opts_seen(opts, "bn"))
        o->bn = c.bn == NAOSEARCH_BN_BATCH ? "batch" : "recal";
    if (!opts_seen(opts, "reinit"))
        o->reinit = c.reinit == NAOSEARCH_REINIT_WEIGHTS ? "weights" : "schedule";
    if (!opts_seen(opts, "space"))
        o->space = o->saved_space;
    return 0;
}

int cmd_nao(int argc, char **argv)
{
    struct nao_opts o = {.bn = "recal", .reinit = "schedule", .rounds = 3, .seed_archs = 40,
                         .new_archs = 20, .top_k = 20, .max_eta = 50, .epochs_per_round = 4,
                         .controller_epochs = 300, .train_images = 10000, .val_images = 1000,
                         .calib_images = 500, .batch = 128, .lr = 0.1, .rerank = 5,
                         .rerank_epochs = 1};
    struct opt opts[] = {
        {"space", OPT_STRING, &o.space, "NAME", "search space (default fmnist)", 0, -1, 0},
        {"rounds", OPT_INT, &o.rounds, "R", "rounds: supernet phases; the last trains no controller (default 3)", 1, NAOSEARCH_MAX_ROUNDS, 0},
        {"seed-archs", OPT_INT, &o.seed_archs, "N", "random architectures of round 1 (default 40)", 2, NAOSEARCH_MAX_POOL, 0},
        {"new-archs", OPT_INT, &o.new_archs, "M", "architectures generated each round (default 20)", 1, NAOSEARCH_MAX_POOL, 0},
        {"top-k", OPT_INT, &o.top_k, "K", "generation moves the K best of the pool (default 20)", 1, NAOSEARCH_MAX_POOL, 0},
        {"max-eta", OPT_INT, &o.max_eta, "E", "generation's largest step along the predictor's gradient (default 50)", 1, 100000, 0},
        {"epochs-per-round", OPT_INT, &o.epochs_per_round, "E", "supernet epochs a round, on its new architectures (default 4)", 1, 100000, 0},
        {"controller-epochs", OPT_INT, &o.controller_epochs, "C", "controller epochs a round (default 300)", 0, 1000000, 0},
        {"train-images", OPT_INT, &o.train_images, "N", "training images, the first of the train file (default 10000)", 1, 60000, 0},
        {"val-images", OPT_INT, &o.val_images, "N", "validation images every architecture is scored on, the last of the train file (default 1000)", 1, 60000, 0},
        {"calib-images", OPT_INT, &o.calib_images, "N", "--bn recal: training images of the BatchNorm re-estimate (default 500)", 1, 60000, 0},
        {"bn", OPT_STRING, &o.bn, "recal|batch", "BatchNorm of the evaluation: recalibrated (default) or each batch's own statistics (the authors')", 0, -1, 0},
        {"reinit", OPT_STRING, &o.reinit, "schedule|weights", "each round restarts the schedule, keeping weights and momentum (default), or the weights too", 0, -1, 0},
        {"batch", OPT_INT, &o.batch, "B", "supernet batch size (default 128)", 1, 65536, 0},
        {"lr", OPT_FLOAT, &o.lr, "X", "the supernet's peak learning rate, restarted each round (default 0.1)", 0, -1, 0},
        {"rerank", OPT_INT, &o.rerank, "K", "train the K best alone at the end to re-rank them, 0 = none (default 5)", 0, RERANK_MAX, 0},
        {"rerank-epochs", OPT_INT, &o.rerank_epochs, "E", "epochs of each re-rank training (default 1)", 1, 100000, 0},
        {"seed", OPT_INT, &o.seed, "S", "random seed (default 0)", 0, 2147483647, 0},
        {"threads", OPT_INT, &o.threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"data", OPT_STRING, &o.data, "DIR", "Fashion-MNIST directory (default " FMNIST_DIR ")", 0, -1, 0},
        {"out", OPT_STRING, &o.out, "DIR", "the search's directory (created; required unless --resume)", 0, -1, 0},
        {"resume", OPT_STRING, &o.resume, "DIR", "continue the search in DIR (options not given are its own)", 0, -1, 0},
        {"stop-after", OPT_INT, &o.stop_after, "STEPS", "stop after STEPS steps of this session", 1, 2147483647, 0},
        {"json", OPT_FLAG, &o.json, NULL, "end with one JSON object on stdout", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "nao",
                             "oneshot nao --space S --out DIR [options] | --resume DIR [options]");
    if (status >= 0)
        return status;
    struct err e;
    const char *why = NULL;
    if (!o.out == !o.resume)
        why = "give --out DIR for a new search or --resume DIR to continue one";
    else if (opts_seen(opts, "lr") && !(o.lr > 0 && isfinite(o.lr)))
        why = "--lr must be a positive number";
    if (!why && o.resume && saved_settings(&o, opts, &e))
        return cli_fail(&e);
    if (!why && strcmp(o.bn, "recal") && strcmp(o.bn, "batch"))
        why = "--bn takes recal or batch";
    else if (!why && strcmp(o.reinit, "schedule") && strcmp(o.reinit, "weights"))
        why = "--reinit takes schedule or weights";
    if (why) {
        err_plain(&e, "%s", why);
        return cli_usage_error(&e, "nao");
    }
    struct space s;
    if (shipped_space(&s, o.space, &e))
        return cli_fail(&e);
    struct naosearch_config cfg;
    naosearch_config_default(&cfg);
    cfg.rounds = o.rounds;
    cfg.seed_archs = o.seed_archs;
    cfg.new_archs = o.new_archs;
    cfg.top_k = o.top_k;
    cfg.max_eta = o.max_eta;
    cfg.epochs_per_round = o.epochs_per_round;
    cfg.controller_epochs = o.controller_epochs;
    cfg.batch = o.batch;
    cfg.lr = o.lr;
    cfg.bn = strcmp(o.bn, "batch") ? NAOSEARCH_BN_RECAL : NAOSEARCH_BN_BATCH;
    cfg.calib_images = o.calib_images;
    cfg.reinit = strcmp(o.reinit, "weights") ? NAOSEARCH_REINIT_SCHEDULE
                                             : NAOSEARCH_REINIT_WEIGHTS;
    cfg.seed = (uint64_t)o.seed;
    cfg.controller.seed = (uint64_t)o.seed;
    struct ctx ctx;
    cli_ctx(&ctx, o.threads);
    struct cli_data data;
    if (cli_load_data(&data, o.data, &s, o.train_images, o.val_images, 0, &e))
        return cli_fail(&e);
    cli_catch_stop();
    int rc = search(&o, &s, &data, &cfg, &ctx);
    cli_release_stop();
    cli_data_done(&data);
    return rc;
}
