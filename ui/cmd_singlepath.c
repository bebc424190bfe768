/* oneshot singlepath: a Single-Path NAS search (src/singlepath.h), or with
 * --target-ms Single-Path Mobile AutoML's tuning of lambda for a target
 * latency (src/sptune.h). */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ckpt.h"
#include "cli.h"
#include "json.h"
#include "opts.h"
#include "progress.h"
#include "singlepath.h"
#include "sptune.h"
#include "strbuf.h"

#define ARCH_TEXT (SPACE_MAX_LAYERS * CHOICE_NAME_MAX)
#define EVAL_BATCH 256

struct sp_opts {
    const char *space, *device, *lut, *data, *save, *resume;
    int epochs, train_images, val_images, calib_images, batch, seed, threads, json, trials,
        stop_after;
    double lr, lambda, warmup_epochs, target_ms;
};

static const char *const dec_name[SK_NDEC] = {"d5", "d7", "d6", "d_se", "d_keep"};

/* The decisions layer by layer as a JSON array: the choice they decode to
 * and each decision the layer has, 0 or 1. */
static void decisions_json(struct json *j, const struct space *s, const struct sk_space *g,
                           const struct sptune_trial *f)
{
    struct strbuf b;
    strbuf_init(&b);
    strbuf_add(&b, "[", 1);
    for (int l = 0; l < s->nlayers; l++) {
        strbuf_printf(&b, "%s{\"choice\": \"%s\"", l ? ", " : "",
                      s->choices[f->arch.choice[l]].name);
        for (int k = 0; k < SK_NDEC; k++)
            if ((g->dec[l] >> k) & 1)
                strbuf_printf(&b, ", \"%s\": %u", dec_name[k], (f->on[l] >> k) & 1);
        strbuf_add(&b, "}", 1);
    }
    strbuf_add(&b, "]", 1);
    json_raw(j, "decisions", strbuf_failed(&b) ? "null" : strbuf_text(&b));
    strbuf_done(&b);
}

/* The decisions as a table, one line per layer ('-' where a layer has none). */
static void decisions_text(const struct space *s, const struct sk_space *g,
                           const struct sptune_trial *f)
{
    printf("%-6s %-8s", "layer", "choice");
    for (int k = 0; k < SK_NDEC; k++)
        printf(" %6s", dec_name[k]);
    printf("\n");
    for (int l = 0; l < s->nlayers; l++) {
        printf("%-6d %-8s", l + 1, s->choices[f->arch.choice[l]].name);
        for (int k = 0; k < SK_NDEC; k++)
            printf(" %6s", !((g->dec[l] >> k) & 1) ? "-" : (f->on[l] >> k) & 1 ? "1" : "0");
        printf("\n");
    }
}

/* What both modes print of a search's read-off (a trial's, with
 * --target-ms the chosen one's): val_accuracy < 0 is none (stopped). */
static void result_json(struct json *j, const struct space *s, const struct sk_space *g,
                        const struct latency_table *lat, const struct sptune_trial *f)
{
    char arch[ARCH_TEXT];
    arch_format(s, &f->arch, arch, sizeof arch);
    json_str(j, "arch", arch);
    json_str(j, "space", s->name);
    json_num(j, "lambda", f->lambda);
    decisions_json(j, s, g, f);
    json_num(j, "predicted_ms", f->predicted_ms);
    json_str(j, "device", lat->device);
    if (f->val_accuracy >= 0)
        json_num(j, "val_accuracy", f->val_accuracy);
    else
        json_raw(j, "val_accuracy", "null");
}

static void result_text(const struct space *s, const struct sk_space *g,
                        const struct latency_table *lat, const struct sptune_trial *f,
                        int val_images)
{
    char arch[ARCH_TEXT];
    arch_format(s, &f->arch, arch, sizeof arch);
    printf("arch %s\n", arch);
    printf("lambda %g (of lambda ln R, R in ms)\n", f->lambda);
    decisions_text(s, g, f);
    printf("predicted %.4f ms on %s%s\n", f->predicted_ms, lat->device,
           lat->kind == LATENCY_MODEL ? " (a model, not a measurement)" : "");
    if (f->val_accuracy >= 0)
        printf("proxy val accuracy %.4f (%d images, hard decisions)\n", f->val_accuracy,
               val_images);
}

/* The progress bar's text of a search's last step: its cross-entropy (not
 * the total, whose lambda ln R is negative where R < 1 ms), R and lambda. */
static void step_text(char *buf, size_t n, const struct singlepath *t)
{
    snprintf(buf, n, "%sepoch %d/%d  loss %.4f  R %.3f ms%s  lambda %g",
             t->warm ? "warm-up " : "", t->epoch + 1, t->cfg.epochs, t->loss.ce,
             t->loss.runtime_ms, t->warm ? " (inflated by the drops)" : "", t->lambda);
}

/* ---- one search ---- */

static int run_search(const struct sp_opts *o, const struct space *s, const struct sk_space *g,
                      const struct latency_table *lat, const struct cli_data *d,
                      const struct sp_config *cfg)
{
    struct err e;
    struct singlepath t;
    if (singlepath_init(&t, s, lat, &d->train, cfg, o->resume, &e))
        return cli_fail(&e);
    if (o->resume)
        fprintf(stderr, "resumed at step %lld of %lld\n", (long long)t.step, (long long)t.total);
    struct progress p;
    progress_init(&p, stderr);
    int64_t first = t.step;
    double seconds = 0, loss_sum = 0, R_sum = 0;
    int n = 0, stopped = 0, rc = 1;
    char text[160];
    while (t.step < t.total) {
        if (singlepath_step(&t, &e) < 0)
            goto fail;
        seconds += t.seconds;
        loss_sum += t.loss.ce;
        R_sum += t.loss.runtime_ms;
        n++;
        int end_of_epoch = t.step % t.steps_per_epoch == 0;
        step_text(text, sizeof text, &t);
        progress_update(&p, (double)t.step / (double)t.total, end_of_epoch, "%s", text);
        if (end_of_epoch) {
            progress_clear(&p);
            fprintf(stderr, "epoch %d/%d%s: loss %.4f, R %.4f ms%s, lambda %g\n", t.epoch + 1,
                    t.cfg.epochs, t.warm ? " (warm-up)" : "", loss_sum / n, R_sum / n,
                    t.warm ? " (inflated by the warm-up's drops)" : "", t.lambda);
            loss_sum = R_sum = 0;
            n = 0;
        }
        int stop_now = (cli_stop_requested() ||
                        (o->stop_after && t.step - first >= o->stop_after)) &&
                       t.step < t.total;
        if (o->save && (end_of_epoch || stop_now) && singlepath_save(&t, o->save, &e))
            goto fail;
        if (stop_now) {
            stopped = 1;
            break;
        }
    }
    progress_clear(&p);
    struct sptune_trial f;
    sptune_trial_read(&f, &t);
    f.val_accuracy = -1; /* (none when stopped) */
    if (!stopped) {
        double t0 = ctx_seconds();
        if (singlepath_evaluate(&t, &d->val, EVAL_BATCH, &f.val_accuracy, NULL, &e))
            goto fail;
        seconds += ctx_seconds() - t0;
    }
    f.seconds = seconds;
    if (o->json) {
        struct json j;
        json_begin(&j, stdout);
        result_json(&j, s, g, lat, &f);
        json_num(&j, "seconds", f.seconds);
        json_int(&j, "steps", t.step);
        json_int(&j, "total_steps", t.total);
        json_int(&j, "warmup_steps", t.warmup_steps);
        json_raw(&j, "stopped", stopped ? "true" : "false");
        json_end(&j);
    } else {
        result_text(s, g, lat, &f, d->val.n);
        printf("%.1f s\n", f.seconds);
    }
    if (stopped)
        fprintf(stderr, "stopped after step %lld of %lld (the decisions above are where it "
                        "stands)%s%s\n",
                (long long)t.step, (long long)t.total,
                o->save ? "; continue with --resume " : "; nothing saved (no --save)",
                o->save ? o->save : "");
    rc = stopped && cli_stop_requested() ? 130 : 0;
    goto done;
fail:
    progress_clear(&p);
    rc = cli_fail(&e);
done:
    singlepath_done(&t);
    return rc;
}

/* ---- tuning lambda ---- */

static void trials_json(struct json *j, const struct sptune *tn)
{
    struct strbuf b;
    strbuf_init(&b);
    strbuf_add(&b, "[", 1);
    for (int i = 0; i < tn->ntrials; i++) {
        const struct sptune_trial *tr = &tn->trial[i];
        char arch[ARCH_TEXT];
        arch_format(tn->space, &tr->arch, arch, sizeof arch);
        strbuf_printf(&b, "%s{\"trial\": %d, \"lambda\": %.6g, \"predicted_ms\": %.6g, "
                          "\"val_accuracy\": %.6g, \"arch\": \"%s\", \"seconds\": %.6g}",
                      i ? ", " : "", i + 1, tr->lambda, tr->predicted_ms, tr->val_accuracy, arch,
                      tr->seconds);
    }
    strbuf_add(&b, "]", 1);
    json_raw(j, "trials", strbuf_failed(&b) ? "null" : strbuf_text(&b));
    strbuf_done(&b);
}

static void trial_line(const struct sptune *tn, int i)
{
    const struct sptune_trial *tr = &tn->trial[i];
    char arch[ARCH_TEXT];
    arch_format(tn->space, &tr->arch, arch, sizeof arch);
    fprintf(stderr, "trial %d: lambda %g, R %.4f ms (target %g), val accuracy %.4f, %s, %.1f s\n",
            i + 1, tr->lambda, tr->predicted_ms, tn->tc.target_ms, tr->val_accuracy, arch,
            tr->seconds);
}

static int run_tuning(const struct sp_opts *o, const struct space *s, const struct sk_space *g,
                      const struct latency_table *lat, const struct cli_data *d,
                      const struct sp_config *cfg)
{
    struct err e;
    struct sptune_config tc;
    sptune_config_default(&tc);
    tc.target_ms = o->target_ms;
    tc.trials = o->trials;
    tc.lambda0 = o->lambda;
    tc.eval_batch = EVAL_BATCH;
    const char *dir = o->save ? o->save : o->resume;
    struct sptune tn;
    if (sptune_open(&tn, dir, s, lat, &d->train, &d->val, cfg, &tc, &e))
        return cli_fail(&e);
    if (tn.note[0])
        fprintf(stderr, "oneshot: warning: %s; it is not used\n", tn.note);
    for (int i = 0; i < tn.ntrials; i++)
        trial_line(&tn, i);
    if (tn.phase == SPTUNE_WARMUP)
        fprintf(stderr, "warm-up: %lld steps of lambda 0 with the decisions dropped%s\n",
                (long long)tn.sp.warmup_steps, tn.resumed ? " (resumed)" : "");
    else if (tn.warmup_reused)
        fprintf(stderr, "warm-up: %s/warmup.ckpt\n", dir);
    if (tn.phase == SPTUNE_TRIAL && tn.resumed)
        fprintf(stderr, "trial %d (lambda %g) resumed at step %lld\n", tn.ntrials + 1,
                tn.sp.cfg.lambda, (long long)tn.sp.step);
    struct progress p;
    progress_init(&p, stderr);
    int stopped = 0, rc;
    int64_t steps = 0;
    char text[160];
    while ((rc = sptune_step(&tn, &e)) >= 0) {
        if (tn.stepped) {
            steps++;
            step_text(text, sizeof text, &tn.sp);
            if (tn.phase == SPTUNE_WARMUP)
                progress_update(&p, sptune_fraction(&tn), 0, "%s", text);
            else
                progress_update(&p, sptune_fraction(&tn), 0, "trial %d/%d  %s", tn.ntrials + 1,
                                tn.tc.trials, text);
        }
        if (tn.warmup_done) {
            progress_clear(&p);
            fprintf(stderr, "warm-up done (%.1f s), saved to %s/warmup.ckpt\n",
                    tn.warmup_seconds, dir);
        }
        if (tn.finished) {
            progress_clear(&p);
            trial_line(&tn, tn.ntrials - 1);
        }
        if (rc == 0)
            break;
        if (cli_stop_requested() || (o->stop_after && steps >= o->stop_after)) {
            stopped = 1;
            break;
        }
    }
    progress_clear(&p);
    if (rc < 0) {
        sptune_close(&tn);
        return cli_fail(&e);
    }
    if (stopped) {
        if (sptune_save(&tn, &e)) {
            sptune_close(&tn);
            return cli_fail(&e);
        }
        fprintf(stderr, "stopped in %s; continue with --resume %s\n",
                tn.phase == SPTUNE_WARMUP ? "the warm-up" : "a trial", dir);
    }
    double seconds = tn.warmup_seconds;
    for (int i = 0; i < tn.ntrials; i++)
        seconds += tn.trial[i].seconds;
    struct sptune_trial f = {.val_accuracy = -1};
    if (tn.chosen >= 0)
        f = tn.trial[tn.chosen];
    if (o->json) {
        struct json j;
        json_begin(&j, stdout);
        if (tn.chosen >= 0) {
            result_json(&j, s, g, lat, &f);
        } else {
            json_str(&j, "space", s->name);
            json_str(&j, "device", lat->device);
        }
        json_num(&j, "seconds", seconds);
        json_num(&j, "target_ms", tc.target_ms);
        trials_json(&j, &tn);
        if (tn.chosen >= 0)
            json_int(&j, "chosen", tn.chosen + 1);
        else
            json_raw(&j, "chosen", "null");
        json_str(&j, "end", stopped ? "stopped" : sptune_end_text(tn.end));
        json_raw(&j, "stopped", stopped ? "true" : "false");
        json_end(&j);
    } else if (!stopped) {
        printf("target %g ms on %s: %s after %d trial%s\n", tc.target_ms, lat->device,
               sptune_end_text(tn.end), tn.ntrials, tn.ntrials == 1 ? "" : "s");
        printf("%-6s %-10s %-12s %-12s %-8s %s\n", "trial", "lambda", "predicted_ms",
               "val_accuracy", "seconds", "arch");
        for (int i = 0; i < tn.ntrials; i++) {
            char arch[ARCH_TEXT];
            arch_format(s, &tn.trial[i].arch, arch, sizeof arch);
            printf("%-6d %-10.4g %-12.4f %-12.4f %-8.1f %s%s\n", i + 1, tn.trial[i].lambda,
                   tn.trial[i].predicted_ms, tn.trial[i].val_accuracy, tn.trial[i].seconds,
                   arch, i == tn.chosen ? "  <- chosen" : "");
        }
        printf("\nchosen: trial %d (%s)\n",
               tn.chosen + 1,
               fabs(f.predicted_ms - tc.target_ms) <= tc.tolerance * tc.target_ms
                   ? "within 5% of the target"
               : f.predicted_ms <= tc.target_ms ? "the most accurate under the target"
                                                : "none is under the target: the fastest");
        result_text(s, g, lat, &f, d->val.n);
        printf("%.1f s in all\n", seconds);
    }
    sptune_close(&tn);
    return stopped && cli_stop_requested() ? 130 : 0;
}

/* ---- the command ---- */

static int seen(const struct opt *opts, const char *name)
{
    for (const struct opt *q = opts; q->name; q++)
        if (!strcmp(q->name, name))
            return q->seen;
    return 0;
}

int cmd_singlepath(int argc, char **argv)
{
    struct sp_opts o = {.epochs = 8, .train_images = 50000, .val_images = 10000,
                        .calib_images = 2000, .batch = 128,
                        .lr = 0.016, .lambda = 20, .warmup_epochs = -1, .trials = 8};
    struct opt opts[] = {
        {"space", OPT_STRING, &o.space, "NAME", "search space (default fmnist); its choices must be kernels {3,5,7} times two expansions", 0, -1, 0},
        {"epochs", OPT_INT, &o.epochs, "N", "epochs of the search (default 8)", 1, 100000, 0},
        {"train-images", OPT_INT, &o.train_images, "N", "training images, the first N of the train file (default 50000)", 1, 60000, 0},
        {"val-images", OPT_INT, &o.val_images, "N", "images of the proxy accuracy, the last N of the train file (default 10000)", 1, 60000, 0},
        {"calib-images", OPT_INT, &o.calib_images, "N", "BatchNorm recalibration of the proxy accuracy on N training images, 0 = none (default 2000)", 0, 60000, 0},
        {"batch", OPT_INT, &o.batch, "B", "batch size (default 128)", 1, 65536, 0},
        {"lr", OPT_FLOAT, &o.lr, "X", "RMSProp's learning rate per 256 images (default 0.016)", 0, -1, 0},
        {"lambda", OPT_FLOAT, &o.lambda, "L", "weight of lambda ln R, R in ms (default 20, the authors' 0.020); with --target-ms the first trial's", 0, -1, 0},
        {"warmup-epochs", OPT_FLOAT, &o.warmup_epochs, "W", "epochs of warm-up: lambda 0, decisions dropped (default 5/8 of the epochs)", 0, -1, 0},
        {"device", OPT_STRING, &o.device, "DEVICE", "latency of host (measured now), mobile-gpu, mobile-cpu or a table file (default host)", 0, -1, 0},
        {"lut", OPT_STRING, &o.lut, "FILE", "latency table or device model file (instead of --device)", 0, -1, 0},
        {"target-ms", OPT_FLOAT, &o.target_ms, "T", "tune lambda until the latency is within 5% of T ms (needs --save DIR or --resume DIR)", 0, -1, 0},
        {"trials", OPT_INT, &o.trials, "K", "with --target-ms: at most K trials (default 8)", 1, SPTUNE_MAX_TRIALS, 0},
        {"seed", OPT_INT, &o.seed, "S", "random seed (default 0)", 0, 2147483647, 0},
        {"threads", OPT_INT, &o.threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"data", OPT_STRING, &o.data, "DIR", "Fashion-MNIST directory (default " FMNIST_DIR ")", 0, -1, 0},
        {"save", OPT_STRING, &o.save, "CKPT", "save a checkpoint after every epoch and when stopped; with --target-ms the tuning's directory", 0, -1, 0},
        {"resume", OPT_STRING, &o.resume, "CKPT", "continue a stopped search (with --target-ms: a tuning's directory)", 0, -1, 0},
        {"stop-after", OPT_INT, &o.stop_after, "STEPS", "stop (and save) after STEPS steps of this run", 1, 2147483647, 0},
        {"json", OPT_FLAG, &o.json, NULL, "end with one JSON object on stdout", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "singlepath",
                             "oneshot singlepath --space S --epochs N [--lambda L | --target-ms T] "
                             "[options]");
    if (status >= 0)
        return status;
    struct err e;
    int tuning = seen(opts, "target-ms");
    if (!seen(opts, "warmup-epochs"))
        o.warmup_epochs = -1; /* 5/8 of the epochs */
    const char *why = NULL;
    if (!(o.lr > 0 && isfinite(o.lr)))
        why = "--lr must be positive";
    else if (!(o.lambda >= 0 && isfinite(o.lambda)))
        why = "--lambda must be a finite number >= 0";
    else if (tuning && !(o.lambda > 0))
        why = "--lambda, the first trial's with --target-ms, must be positive";
    else if (o.warmup_epochs != -1 && !(o.warmup_epochs >= 0 && o.warmup_epochs <= o.epochs))
        why = "--warmup-epochs must lie between 0 and --epochs";
    else if (o.device && o.lut)
        why = "--device and --lut name the latency twice: give one";
    else if (tuning && !(o.target_ms > 0 && isfinite(o.target_ms)))
        why = "--target-ms must be a positive number of milliseconds";
    else if (seen(opts, "trials") && !tuning)
        why = "--trials counts the trials of --target-ms";
    else if (tuning && !o.save && !o.resume)
        why = "--target-ms needs --save DIR (or --resume DIR): the directory keeps the warm-up "
              "and the trials";
    else if (tuning && o.save && o.resume && strcmp(o.save, o.resume))
        why = "with --target-ms, --save and --resume name the same directory: give one";
    if (why) {
        err_plain(&e, "%s", why);
        return cli_usage_error(&e, "singlepath");
    }
    struct space s;
    struct sk_space g;
    if (shipped_space(&s, o.space, &e) || sk_space_analyse(&g, &s, &e))
        return cli_fail(&e);
    /* an output that cannot be written, a tuning that is not there, fail
     * now, not after an epoch */
    if (!tuning && o.save && ckpt_check_writable(o.save, &e))
        return cli_fail(&e);
    char csv[1100];
    snprintf(csv, sizeof csv, "%s/trials.csv", o.resume ? o.resume : "");
    if (tuning && o.resume && access(csv, F_OK)) {
        err_set(&e, o.resume, 0, 0, "holds no tuning to resume (no trials.csv)");
        return cli_fail(&e);
    }
    struct ctx ctx;
    cli_ctx(&ctx, o.threads);
    struct cli_data data;
    if (cli_load_data(&data, o.data, &s, o.train_images, o.val_images, 0, &e))
        return cli_fail(&e);
    /* --lut is a file even without a '/' or '.' in its name */
    char lut[1100];
    if (o.lut)
        snprintf(lut, sizeof lut, "%s%s", strpbrk(o.lut, "/.") ? "" : "./", o.lut);
    struct latency_table lat;
    if (cli_latency_device(&lat, o.lut ? lut : o.device ? o.device : "host", &s, &ctx, &e)) {
        cli_data_done(&data);
        return cli_fail(&e);
    }
    struct sp_config cfg;
    sp_config_default(&cfg);
    cfg.epochs = o.epochs;
    cfg.batch = o.batch;
    cfg.lr = o.lr;
    cfg.lambda = o.lambda;
    cfg.warmup_epochs = o.warmup_epochs;
    cfg.seed = (uint64_t)o.seed;
    cfg.train_images = o.train_images;
    cfg.calib_images = o.calib_images;
    cli_catch_stop();
    int rc = tuning ? run_tuning(&o, &s, &g, &lat, &data, &cfg)
                    : run_search(&o, &s, &g, &lat, &data, &cfg);
    cli_release_stop();
    cli_data_done(&data);
    return rc;
}
