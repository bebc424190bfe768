#include "sprun.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "ctx.h"
#include "rundir.h"
#include "strbuf.h"

#define SP_SAVE_EVERY_SECONDS 60.0
#define SP_EVAL_BATCH 256
#define ARCH_TEXT (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

static const char log_header[] =
    "step,epoch,warm,lr,lambda,loss,cross_entropy,runtime_ms,arch,seconds";
static const char decisions_header[] =
    "epoch,step,layer,choice,d5,d7,d6,d_se,d_keep,m5,m7,m6,m_se,m_keep";

/* ------------------------------------------------------------ checks */

int sprun_check(const struct experiment *x, const struct space *s,
                const struct latency_table *lat, struct err *e)
{
    struct sk_space g;
    struct err why;
    if (sk_space_analyse(&g, s, &why))
        return err_set(e, x->file, x->space.line, x->space.col, "space: %s: %s", s->name,
                       why.text);
    if (!lat)
        return 0;
    /* the table has every entry the runtime term reads (spnet_new checks) */
    struct spnet *n = spnet_new(s, lat, 0, &why);
    if (!n)
        return err_set(e, x->file, x->latency.device.line, x->latency.device.col,
                       "latency.device %s: %s", x->latency.device.text, why.text);
    spnet_free(n);
    return 0;
}

/* ------------------------------------------------------------ recovery */

/* The step (field step_field, 1-based) of a row of `fields` comma-separated
 * fields whose first `numbers` are numbers: -1 when it is not such a row. */
static long long row_step(const char *line, int fields, int numbers, int step_field)
{
    int commas = 0;
    for (const char *p = line; *p; p++)
        commas += *p == ',';
    if (commas != fields - 1)
        return -1;
    char head[256];
    const char *p = line;
    for (int i = 0; i < numbers; i++)
        p = strchr(p, ',') + 1;
    size_t n = (size_t)(p - line) - 1;
    if (n >= sizeof head)
        return -1;
    memcpy(head, line, n);
    head[n] = 0;
    if (!rundir_numbers(head, numbers))
        return -1;
    p = head;
    for (int i = 1; i < step_field; i++)
        p = strchr(p, ',') + 1;
    long long step = strtoll(p, NULL, 10);
    return step >= 1 ? step : -1;
}

/* singlepath.csv: 8 numbers, the architecture, the seconds; kept up to the
 * checkpoint's step */
static int keep_log(void *ud, char *line, int lineno, struct err *e)
{
    const struct sprun *p = ud;
    (void)lineno;
    long long step = row_step(line, 10, 8, 1);
    const char *secs = strrchr(line, ',');
    if (step < 0 || !secs || !rundir_numbers(secs + 1, 1))
        return err_plain(e, "expected 8 numbers, an architecture and the seconds"),
               RUNDIR_DAMAGED;
    return step <= p->saved;
}

/* decisions.csv: epoch, step, layer, then the choice and the decisions;
 * kept up to the checkpoint's step */
static int keep_decisions(void *ud, char *line, int lineno, struct err *e)
{
    const struct sprun *p = ud;
    (void)lineno;
    long long step = row_step(line, 14, 3, 2);
    if (step < 0)
        return err_plain(e, "expected an epoch, a step, a layer, a choice and 10 decisions and "
                            "margins"),
               RUNDIR_DAMAGED;
    return step <= p->saved;
}

/* ------------------------------------------------------------ open, save */

static void file_path(const struct sprun *p, const char *name, char *out, size_t n)
{
    rundir_path(out, n, p->dir, name);
}

/* Reads the decisions of t off after a step and notes the layers whose
 * choice changed (fresh: a new search, nothing changed). */
static void read_off(struct sprun *p, struct singlepath *t, int fresh)
{
    struct arch before = p->now.arch;
    singlepath_readout(t, &p->now);
    p->last.step = t->step;
    p->last.total = t->total;
    p->last.warmup_steps = t->warmup_steps;
    p->last.steps_per_epoch = t->steps_per_epoch;
    p->last.epoch = t->epoch;
    p->last.warm = t->warm;
    p->last.loss = t->loss.total;
    p->last.ce = t->loss.ce;
    p->last.runtime_ms = t->loss.runtime_ms;
    p->last.lambda = t->lambda;
    p->last.lr = t->lr;
    p->last.seconds = t->seconds;
    if (fresh)
        memset(p->flips, 0, sizeof p->flips), memset(p->flipped, 0, sizeof p->flipped);
    for (int l = 0; l < p->now.arch.n && !fresh; l++)
        if (before.n == p->now.arch.n && before.choice[l] != p->now.arch.choice[l]) {
            p->flipped[l] = t->step;
            p->flips[l]++;
        }
}

static void say(const struct sprun *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(const struct sprun *p, const char *fmt, ...)
{
    char buf[ERR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (p->c.log)
        p->c.log(p->c.ud, buf);
}

/* A tuning in RUN_DIR/tuning (sptune_open) for the search cfg. */
static int open_tuning(struct sprun *p, const struct sp_config *cfg, struct err *e)
{
    const struct experiment *x = p->c.x;
    struct sptune_config tc;
    sptune_config_default(&tc);
    tc.target_ms = x->singlepath.target_ms;
    tc.trials = x->singlepath.trials;
    tc.lambda0 = x->singlepath.lambda;
    tc.eval_batch = SP_EVAL_BATCH;
    char dir[EXP_PATH_MAX + 32];
    file_path(p, "tuning", dir, sizeof dir);
    p->tuning = 1;
    if (sptune_open(&p->tn, dir, p->c.space, p->c.lat, p->c.train, p->c.val, cfg, &tc, e))
        return -1;
    p->tn_open = 1;
    if (p->tn.note[0])
        say(p, "warning: %s; it is not used", p->tn.note);
    if (p->tn.ntrials)
        say(p, "%d trial%s of the earlier run kept (tuning/trials.csv)", p->tn.ntrials,
            p->tn.ntrials == 1 ? "" : "s");
    if (p->tn.sp_open)
        read_off(p, &p->tn.sp, 1);
    return 0;
}

int sprun_open(struct sprun *p, const struct sprun_config *c, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->c = *c;
    snprintf(p->dir, sizeof p->dir, "%s", c->dir);
    const struct experiment *x = c->x;
    struct sp_config cfg;
    sp_config_default(&cfg);
    cfg.epochs = x->singlepath.epochs;
    cfg.batch = x->singlepath.batch;
    cfg.lr = x->singlepath.lr;
    cfg.lambda = x->singlepath.lambda;
    cfg.warmup_epochs = x->singlepath.warmup_epochs;
    cfg.keep = x->singlepath.keep;
    cfg.label_smoothing = x->singlepath.label_smoothing;
    cfg.seed = x->seed;
    cfg.train_images = x->dataset.train_images;
    cfg.calib_images = x->singlepath.bn_recalibration;
    if (x->singlepath.target_ms > 0)
        return open_tuning(p, &cfg, e);
    char ckpt[EXP_PATH_MAX + 32], path[EXP_PATH_MAX + 32];
    file_path(p, "singlepath.ckpt", ckpt, sizeof ckpt);
    if (singlepath_init(&p->sp, c->space, c->lat, c->train, &cfg,
                        rundir_exists(ckpt) ? ckpt : NULL, e))
        return -1;
    p->open = 1;
    p->saved = p->sp.step;
    file_path(p, "singlepath.csv", path, sizeof path);
    if (rundir_recover_csv(path, log_header, keep_log, p, c->log, e) ||
        !(p->log = rundir_open_append(path, log_header, e)))
        return -1;
    file_path(p, "decisions.csv", path, sizeof path);
    if (rundir_recover_csv(path, decisions_header, keep_decisions, p, c->log, e) ||
        !(p->decisions = rundir_open_append(path, decisions_header, e)))
        return -1;
    read_off(p, &p->sp, 1);
    return 0;
}

void sprun_close(struct sprun *p)
{
    if (p->open)
        singlepath_done(&p->sp);
    if (p->tn_open)
        sptune_close(&p->tn);
    p->tn_open = 0;
    if (p->log)
        fclose(p->log);
    if (p->decisions)
        fclose(p->decisions);
    p->open = 0;
    p->log = p->decisions = NULL;
}

int sprun_save(struct sprun *p, struct err *e)
{
    if (p->diverged)
        return 0;
    char path[EXP_PATH_MAX + 32];
    file_path(p, "singlepath.ckpt", path, sizeof path);
    if (p->tuning ? sptune_save(&p->tn, e) : singlepath_save(&p->sp, path, e))
        return -1;
    p->saved = p->sp.step;
    p->unsaved = 0;
    p->last_save = ctx_seconds();
    if (p->c.want_save)
        *p->c.want_save = 0;
    return 0;
}

/* ------------------------------------------------------------ rows */

static int append(FILE *f, struct sprun *p, const char *name, struct strbuf *b, struct err *e)
{
    char path[EXP_PATH_MAX + 32];
    file_path(p, name, path, sizeof path);
    int rc = strbuf_failed(b) ? err_plain(e, "out of memory")
                              : rundir_append(f, path, e, "%s", strbuf_text(b));
    strbuf_done(b);
    return rc;
}

static int log_row(struct sprun *p, struct err *e)
{
    const struct singlepath *t = &p->sp;
    char name[ARCH_TEXT];
    arch_format(p->c.space, &p->now.arch, name, (int)sizeof name);
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "%lld,%d,%d,", (long long)t->step, t->epoch + 1, t->warm);
    const double v[] = {t->lr, t->lambda, t->loss.total, t->loss.ce, t->loss.runtime_ms};
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        strbuf_double(&b, v[i]);
        strbuf_add(&b, ",", 1);
    }
    strbuf_printf(&b, "%s,%.6f\n", name, t->seconds);
    return append(p->log, p, "singlepath.csv", &b, e);
}

/* The block of an epoch's end: a row per layer, with one write. */
static int decisions_rows(struct sprun *p, struct err *e)
{
    const struct spnet_readout *r = &p->now;
    const struct space *s = p->c.space;
    struct strbuf b;
    strbuf_init(&b);
    for (int l = 0; l < r->arch.n; l++) {
        strbuf_printf(&b, "%d,%lld,%d,%s", p->sp.epoch + 1, (long long)p->sp.step, l + 1,
                      s->choices[r->arch.choice[l]].name);
        for (int j = 0; j < SK_NDEC; j++)
            strbuf_printf(&b, (r->dec[l] >> j) & 1 ? ",%d" : ",", r->ind[l][j] >= 0.5f);
        for (int j = 0; j < SK_NDEC; j++) {
            strbuf_add(&b, ",", 1);
            if ((r->dec[l] >> j) & 1)
                strbuf_double(&b, (double)r->norm[l][j] - (double)r->threshold[l][j]);
        }
        strbuf_add(&b, "\n", 1);
    }
    return append(p->decisions, p, "decisions.csv", &b, e);
}

/* chosen.txt: the read-off (a tuning's chosen trial), its predicted latency
 * and proxy accuracy. */
static int write_chosen(struct sprun *p, struct err *e)
{
    const struct experiment *x = p->c.x;
    const struct sptune *tn = &p->tn;
    char name[ARCH_TEXT], path[EXP_PATH_MAX + 32];
    arch_format(p->c.space, &p->now.arch, name, (int)sizeof name);
    struct strbuf b;
    strbuf_init(&b);
    if (p->tuning)
        strbuf_printf(&b,
                      "# the architecture Single-Path NAS chose in %s, lambda tuned for %g ms: "
                      "trial %d of %d (lambda %g; %s)",
                      x->name, x->singlepath.target_ms, tn->chosen + 1, tn->ntrials,
                      tn->trial[tn->chosen].lambda, sptune_end_text(tn->end));
    else
        strbuf_printf(&b, "# the architecture Single-Path NAS chose in %s after %d epochs (lambda "
                          "%g)",
                      x->name, x->singlepath.epochs, x->singlepath.lambda);
    char calib[64] = "the search's BatchNorm statistics";
    if (x->singlepath.bn_recalibration > 0)
        snprintf(calib, sizeof calib, "BatchNorm recalibrated on %d training images",
                 x->singlepath.bn_recalibration < p->c.train->n ? x->singlepath.bn_recalibration
                                                                : p->c.train->n);
    strbuf_printf(&b,
                  ": label, architecture, predicted latency [ms on %s], proxy accuracy (hard "
                  "decisions, %s, %d validation images)\nsinglepath\t%s\t",
                  x->latency.device.text, calib, p->c.val->n, name);
    strbuf_double(&b, p->now.runtime_ms);
    strbuf_add(&b, "\t", 1);
    strbuf_double(&b, p->accuracy);
    strbuf_add(&b, "\n", 1);
    file_path(p, "chosen.txt", path, sizeof path);
    int rc = strbuf_failed(&b) ? err_plain(e, "out of memory")
                               : atomic_save(path, strbuf_text(&b), b.len, e);
    strbuf_done(&b);
    return rc;
}

/* ------------------------------------------------------------ the search */

static int diverged(const struct sprun *p, struct err *e)
{
    char kept[96] = "";
    if (!p->tuning)
        snprintf(kept, sizeof kept, ": singlepath.ckpt keeps step %lld", (long long)p->saved);
    return err_plain(e,
                     "the Single-Path search diverged at step %lld%s; run the experiment anew "
                     "with a lower singlepath.lr",
                     (long long)p->diverged, kept);
}

/* A step's numbers not finite: the search ends there, unsaved. */
static int check_finite(struct sprun *p, const struct singlepath *t, struct err *e)
{
    if (isfinite(t->loss.total))
        return 0;
    p->diverged = t->step;
    return diverged(p, e);
}

/* A save asked for, or due (every minute). */
static int save_due(struct sprun *p, struct err *e)
{
    if ((p->c.want_save && *p->c.want_save) ||
        ctx_seconds() - p->last_save >= SP_SAVE_EVERY_SECONDS)
        return sprun_save(p, e);
    return 0;
}

/* One step with its row, its hook, and at an epoch's end the decisions and a
 * save.  0, or -1. */
static int step(struct sprun *p, const struct sprun_hooks *h, struct err *e)
{
    struct singlepath *t = &p->sp;
    if (singlepath_step(t, e) < 0 || check_finite(p, t, e))
        return -1;
    read_off(p, t, 0);
    if (log_row(p, e))
        return -1;
    if (h && h->step)
        h->step(h->ud);
    if (t->step % t->steps_per_epoch == 0 || t->step == t->total) {
        if (decisions_rows(p, e) || sprun_save(p, e))
            return -1;
        if (h && h->epoch)
            h->epoch(h->ud);
        return 0;
    }
    return save_due(p, e);
}

/* The plain search to its end and its proxy accuracy.  0, 1 when stopped,
 * -1. */
static int run_search(struct sprun *p, const struct sprun_hooks *h, struct err *e)
{
    struct singlepath *t = &p->sp;
    while (t->step < t->total) {
        if (p->c.stop && *p->c.stop)
            return sprun_save(p, e) ? -1 : 1;
        if (step(p, h, e))
            return -1;
    }
    if (p->saved != t->step && sprun_save(p, e))
        return -1;
    double loss;
    return singlepath_evaluate(t, p->c.val, SP_EVAL_BATCH, &p->accuracy, &loss, e);
}

static void trial_line(const struct sprun *p, int i)
{
    const struct sptune_trial *tr = &p->tn.trial[i];
    char name[ARCH_TEXT];
    arch_format(p->c.space, &tr->arch, name, (int)sizeof name);
    say(p, "trial %d/%d: lambda %g, R %.4g ms (target %g), proxy accuracy %.4f: %s (%.1f s)",
        i + 1, p->tn.tc.trials, tr->lambda, tr->predicted_ms, p->tn.tc.target_ms,
        tr->val_accuracy, name, tr->seconds);
}

/* A tuning to its end (sptune_step): the steps of its warm-up and trials
 * heard as a plain search's, each trial said when it ends; then the chosen
 * trial's read-off.  0, 1 when stopped, -1. */
static int run_tuning(struct sprun *p, const struct sprun_hooks *h, struct err *e)
{
    struct sptune *tn = &p->tn;
    int rc = tn->phase != SPTUNE_DONE;
    while (rc > 0) {
        if (p->c.stop && *p->c.stop)
            return sprun_save(p, e) ? -1 : 1;
        if ((rc = sptune_step(tn, e)) < 0)
            return -1;
        if (tn->stepped) {
            if (check_finite(p, &tn->sp, e))
                return -1;
            read_off(p, &tn->sp, 0);
            p->unsaved++;
            if (h && h->step)
                h->step(h->ud);
            if (tn->sp.step % tn->sp.steps_per_epoch == 0 && h && h->epoch)
                h->epoch(h->ud);
        }
        if (tn->warmup_done || tn->finished)
            p->unsaved = 0; /* (warmup.ckpt, a row of trials.csv) */
        if (tn->warmup_done)
            say(p, "warm-up done (tuning/warmup.ckpt): trials fork from it");
        if (tn->finished) {
            trial_line(p, tn->ntrials - 1);
            if (tn->sp_open)
                read_off(p, &tn->sp, 1);
        } else if (rc > 0 && save_due(p, e)) {
            return -1;
        }
    }
    if (tn->chosen < 0)
        return err_plain(e, "the tuning ended without a trial");
    const struct sptune_trial *c = &tn->trial[tn->chosen];
    say(p, "tuning: %s after %d trial%s; trial %d chosen", sptune_end_text(tn->end),
        tn->ntrials, tn->ntrials == 1 ? "" : "s", tn->chosen + 1);
    memset(&p->now, 0, sizeof p->now);
    p->now.arch = c->arch;
    p->now.runtime_ms = c->predicted_ms;
    for (int l = 0; l < c->arch.n; l++) {
        p->now.dec[l] = tn->grid.dec[l];
        for (int j = 0; j < SK_NDEC; j++) {
            p->now.ind[l][j] = (float)((c->on[l] >> j) & 1);
            p->now.norm[l][j] = NAN; /* (a trial keeps no norms) */
        }
    }
    p->accuracy = c->val_accuracy;
    return 0;
}

int sprun_run(struct sprun *p, const struct sprun_hooks *h, struct err *e)
{
    if (p->diverged)
        return diverged(p, e);
    p->last_save = ctx_seconds();
    int rc = p->tuning ? run_tuning(p, h, e) : run_search(p, h, e);
    if (rc)
        return rc;
    if (write_chosen(p, e))
        return -1;
    p->done = 1;
    return 0;
}

int64_t sprun_unsaved(const struct sprun *p)
{
    if (p->diverged)
        return 0;
    return p->tuning ? p->unsaved : p->sp.step - p->saved;
}

void sprun_status(const struct sprun *p, const struct experiment *x, struct runner_singlepath *s)
{
    memset(s, 0, sizeof *s);
    s->device = x->latency.device.text;
    s->epochs = x->singlepath.epochs;
    s->accuracy = NAN;
    s->tuning = x->singlepath.target_ms > 0;
    s->target_ms = x->singlepath.target_ms;
    s->trials = x->singlepath.trials;
    if (!p)
        return;
    s->step = p->last.step;
    s->total = p->last.total;
    s->warmup_steps = p->last.warmup_steps;
    s->steps_per_epoch = p->last.steps_per_epoch;
    s->epoch = p->last.epoch;
    s->warm = p->last.warm;
    s->loss = p->last.loss;
    s->ce = p->last.ce;
    s->runtime_ms = p->last.runtime_ms;
    s->lambda = p->last.lambda;
    s->lr = p->last.lr;
    s->step_seconds = p->last.seconds;
    if (p->tuning) {
        s->trials_done = p->tn.ntrials;
        s->trial = p->tn.phase == SPTUNE_TRIAL ? p->tn.ntrials + 1 : 0;
        s->fraction = sptune_fraction(&p->tn);
        if (p->tn.phase == SPTUNE_TRIAL)
            s->lambda = p->tn.sp.cfg.lambda;
    } else {
        s->fraction = s->total ? (double)s->step / (double)s->total : 1;
    }
    s->arch = p->now.arch;
    s->arch_ms = p->now.runtime_ms;
    for (int l = 0; l < p->now.arch.n; l++) {
        s->has[l] = p->now.dec[l];
        for (int j = 0; j < SK_NDEC; j++) {
            s->on[l] |= (unsigned)(p->now.ind[l][j] >= 0.5f) << j;
            s->margin[l][j] = p->now.norm[l][j] - p->now.threshold[l][j];
        }
        s->flipped[l] = p->flipped[l];
        s->flips[l] = p->flips[l];
    }
    s->done = p->done;
    if (p->done)
        s->accuracy = p->accuracy;
}

void sprun_describe(const struct experiment *x, char *buf, size_t n)
{
    snprintf(buf, n,
             "method: singlepath: %d epochs of batch %d, lr %g, lambda %g, warm-up %g epochs "
             "(keep %g), label smoothing %g, latency on %s",
             x->singlepath.epochs, x->singlepath.batch, x->singlepath.lr, x->singlepath.lambda,
             x->singlepath.warmup_epochs, x->singlepath.keep, x->singlepath.label_smoothing,
             x->latency.device.text);
}
