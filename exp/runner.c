#include "runner_priv.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"
#include "probe.h"
#include "runlat.h"
#include "latency.h"
#include "luasampler.h"
#include "luasearch.h"
#include "naorun.h"
#include "report.h"
#include "atomic.h"
#include "retrain.h"
#include "rundir.h"
#include "sampler.h"
#include "scripts.h"
#include "shipped.h"
#include "sprun.h"
#include "supertrain.h"

#define SAVE_EVERY_SECONDS 60.0
#define EVAL_BATCH 256


const char *runner_phase_name(enum runner_phase p)
{
    static const char *const names[] = {"setup",     "training",   "single-path",
                                        "nao",       "searching",  "retraining",
                                        "done",      "stopped",    "failed"};
    return names[p];
}

/* ------------------------------------------------------------- setup */

static int load_data(struct runner *r, struct err *e)
{
    const struct experiment *x = &r->x;
    const struct space *s = &r->space;
    if (fmnist_load(x->dataset.path.resolved, &r->data.train_file, NULL, e) ||
        dataset_check_fits(&r->data.train_file, s->in_c, s->in_h, s->in_w, s->classes, s->name,
                           e))
        return -1;
    struct split val;
    if (dataset_split(&r->data.train_file, x->dataset.train_images, x->dataset.val_images,
                      &r->data.train, &r->data.val, e))
        return -1;
    r->data.retrain = r->data.train;
    if (x->retrain.epochs > 0 && dataset_split(&r->data.train_file, x->retrain.images,
                                               x->dataset.val_images, &r->data.retrain, &val, e)) {
        char msg[ERR_MAX];
        snprintf(msg, sizeof msg, "%s", e->text);
        if (r->only && r->only->images > 0) /* (oneshot retrain's, not the file's) */
            return err_plain(e, "--train-images %d: %s", r->only->images, msg);
        return err_set(e, x->file, 0, 0, "retrain.images: %s", msg);
    }
    return 0;
}

/* The engine's metrics of the run: the four every run has, the loss when an
 * objective asks for it, and a latency per device in use. */
static int engine_metrics(struct runner *r, struct err *e)
{
    metrics_init(&r->engine);
    for (int o = 0; o < r->x.nobjectives; o++)
        if (!strcmp(r->x.objectives[o].name, "loss") && metrics_find(&r->engine, "loss") < 0 &&
            metrics_add(&r->engine, "loss", METRIC_LOSS, NULL, e))
            return -1;
    return runlat_metrics(&r->lat, &r->engine, e);
}

/* The run's latency tables (exp/runlat.h); a check does not time the host:
 * the run does, when it starts. */
static int open_latency(struct runner *r, enum runner_mode mode, struct err *e)
{
    int resume = mode == RUNNER_RESUME || mode == RUNNER_RESUME_RELOAD;
    return runlat_open(&r->lat, &r->x, &r->space, &r->ctx, r->dir, resume, mode == RUNNER_CHECK,
                       runner_note_cb, r, e);
}

static int host_evaluate(void *ud, const struct arch *a, double *v, struct err *e);
static int host_recorded(void *ud, const struct arch *a, const double *v, int n, struct err *e);
static int init_training(struct runner *r, struct err *e);
static int host_report(void *ud, int g, const struct arch *pop, int n, const double *m,
                       int nmetrics, struct err *e);

/* The search strategy (a new one on a reload), with the objectives mapped
 * onto its metrics and the weights the run has now. */
static struct luasearch *open_search(struct runner *r, struct err *e)
{
    struct luasearch_config c = {.s = &r->space,
                                 .seed = r->x.seed,
                                 .generations = r->x.search.generations,
                                 .population = r->x.search.population,
                                 .strategy = r->scripts.strategy,
                                 .metrics = r->scripts.metrics[0] ? r->scripts.metrics : NULL,
                                 .x = &r->x,
                                 .engine = &r->engine,
                                 .interrupt = r->stop,
                                 .restart = &r->want_reload,
                                 .library = r->scripts.library[0] ? r->scripts.library : NULL};
    struct luasearch_host h = {.ud = r,
                               .evaluate = host_evaluate,
                               .recorded = host_recorded,
                               .report = host_report,
                               .print = runner_emit_cb};
    return luasearch_new(&c, &h, e);
}

static int open_sampler(struct runner *r, struct err *e)
{
    const struct experiment *x = &r->x;
    if (r->scripts.sampler[0]) {
        r->lsampler = luasampler_new(r->scripts.sampler, &r->space, r->stop, runner_emit_cb, r, e);
        if (!r->lsampler)
            return -1;
        struct sampler_custom c;
        luasampler_custom(r->lsampler, &c);
        sampler_init_custom(&r->sampler, &c, &r->space, x->seed);
        return 0;
    }
    if (sampler_init(&r->sampler, x->supernet.sampler.resolved, &r->space, x->seed,
                     x->supernet.repeat, x->supernet.pool, e)) {
        char msg[ERR_MAX];
        snprintf(msg, sizeof msg, "%s", e->msg);
        return err_set(e, x->file, x->supernet.sampler.line, x->supernet.sampler.col,
                       "supernet.sampler: %s", msg);
    }
    return 0;
}

/* A new run directory (exp/rundir.h's rundir_new_run): out, or the
 * experiment's output. */
static int new_dir(struct runner *r, const char *out, struct err *e)
{
    char note[EXP_PATH_MAX + 64] = "";
    int rc = rundir_new_run(r->dir, sizeof r->dir, out, r->x.output.resolved, r->x.name, note,
                            sizeof note, e);
    if (note[0])
        runner_logf(r, "%s", note);
    return rc;
}

static void fill_info(struct runner *r)
{
    struct runner_info *in = &r->info;
    in->dir = r->dir;
    in->experiment = r->path;
    in->x = &r->x;
    in->space = &r->space;
    in->sampler = r->search ? sampler_name(&r->sampler) : "";
    in->strategy = r->search ? luasearch_name(r->search) : "";
    in->strategy_params = r->search ? luasearch_params(r->search) : "";
    in->resumed = r->resumed;
    in->threads = r->ctx.threads;
    in->truth_file = r->have_probe ? r->probe.t.path : "";
    in->nprobe = r->have_probe ? r->probe.t.n : 0;
    in->params_tau = r->have_probe ? r->probe.t.params_tau : NAN;
    in->macs_tau = r->have_probe ? r->probe.t.macs_tau : NAN;
}

/* Everything runner_open does, on r (runner_close frees what it made). */
static int open_run(struct runner *r, const char *path, const char *out, enum runner_mode mode,
                    struct err *e)
{
    int resume = mode == RUNNER_RESUME || mode == RUNNER_RESUME_RELOAD;
    char yaml[EXP_PATH_MAX + 32];
    if (strlen(path) > EXP_PATH_MAX - 64)
        return err_set(e, path, 0, 0, "the %s path is too long",
                       resume ? "run directory's" : "experiment's");
    snprintf(r->path, sizeof r->path, "%s", path);
    if (resume) {
        snprintf(r->dir, sizeof r->dir, "%s", path);
        snprintf(yaml, sizeof yaml, "%s/experiment.yaml", path);
        if (!rundir_exists(yaml))
            return err_set(e, path, 0, 0,
                           "is not a run directory of oneshot (it has no experiment.yaml)");
        if (experiment_load(&r->x, yaml, e))
            return -1;
        if (r->only) { /* oneshot retrain's settings */
            const struct runner_retrain_opts *o = r->only;
            r->x.retrain.epochs = o->epochs > 0 ? o->epochs : r->x.retrain.epochs;
            r->x.retrain.images = o->images > 0 ? o->images : r->x.retrain.images;
            r->x.retrain.seeds = o->seeds > 0 ? o->seeds : r->x.retrain.seeds;
            r->x.threads = o->threads > 0 ? o->threads : r->x.threads;
            if (o->images > 0 && o->images < experiment_batch(&r->x))
                return err_plain(e, "--train-images %d: fewer than one batch of %d", o->images,
                                 experiment_batch(&r->x));
        }
    } else if (experiment_load(&r->x, path, e)) {
        return -1;
    }
    ctx_init(&r->ctx, r->x.threads);
    r->ctx.log = runner_log_sink;
    r->ctx.log_user = r;
    if (scripts_locate(&r->scripts, &r->x, r->dir, resume, e))
        return -1;
    /* --resume --reload: the strategy and metrics files as they are now
     * (fixed, say); the space and the sampler stay the run's: the supernet
     * depends on them */
    if (mode == RUNNER_RESUME_RELOAD && scripts_relocate_search(&r->scripts, &r->x, e))
        return -1;
    const char *space = r->scripts.space[0] ? r->scripts.space : r->x.space.resolved;
    int sp = r->x.method == EXP_SINGLEPATH, nao = r->x.method == EXP_NAO;
    /* (a check does not time the host: no table to check then) */
    const struct latency_table *lat =
        mode == RUNNER_CHECK && !strcmp(r->x.latency.device.resolved, "host") ? NULL : r->lat.lat[0];
    if (shipped_space(&r->space, space, e) || open_latency(r, mode, e) || engine_metrics(r, e) ||
        (sp    ? sprun_check(&r->x, &r->space, lat, e)
         : nao ? 0 /* (experiment_load checked what NAO needs) */
               : open_sampler(r, e) || !(r->search = open_search(r, e))) ||
        load_data(r, e))
        return -1;
    runner_objectives(r, &r->obj); /* the search's, with the experiment's weights */
    if (r->x.method == EXP_ONESHOT) {
        struct err pe;
        int found = probe_open(&r->probe, &r->x, &r->space, &pe);
        if (found < 0)
            runner_logf(r, "warning: no ranking of the ground truth: %s", pe.msg);
        r->have_probe = found > 0;
        /* a checkpoint to start from is checked before anything is written */
        if (!resume && r->x.supernet.from.text[0] && init_training(r, e))
            return -1;
    }
    fill_info(r);
    if (mode == RUNNER_CHECK) {
        runner_flush_early(r);
        return 0;
    }
    /* everything loaded: only now is a new run directory made */
    if (!resume && (new_dir(r, out, e) || scripts_copy(&r->scripts, &r->x, r->dir, r->search, e) ||
                    runlat_save(&r->lat, r->dir, &r->space, e)))
        return -1;
    char when[64], blas[160];
    rundir_now(when, sizeof when);
    if (!resume) {
        snprintf(r->x.output.resolved, sizeof r->x.output.resolved, "%s", r->dir);
        snprintf(r->x.output.text, sizeof r->x.output.text, "%s", r->dir);
        snprintf(yaml, sizeof yaml, "%s/experiment.yaml", r->dir);
        if (experiment_save(&r->x, yaml, e))
            return -1;
        char how[EXP_PATH_MAX + 256];
        const struct experiment *x = &r->x;
        if (sp)
            sprun_describe(x, how, sizeof how);
        else if (nao)
            naorun_describe(x, how, sizeof how);
        else
            snprintf(how, sizeof how, "sampler: %s%s%s\nstrategy: %s (%s)",
                     sampler_name(&r->sampler), x->supernet.from.text[0] ? ", from " : "",
                     x->supernet.from.resolved, luasearch_name(r->search),
                     luasearch_params(r->search));
        rundir_info(r->dir,
             "oneshot %s (built %s %s)\nblas: %s\nexperiment: %s\nseed: %llu\nthreads: %d\n"
             "space: %s (%.0f architectures)\n%s\nstarted: %s\n",
             ONESHOT_VERSION, __DATE__, __TIME__, ctx_blas_line(blas, sizeof blas), path,
             (unsigned long long)r->x.seed, r->ctx.threads, r->space.name,
             space_count(&r->space), how, when);
    } else if (!r->only || r->only->writer) {
        if (mode == RUNNER_RESUME_RELOAD &&
            scripts_copy(&r->scripts, &r->x, r->dir, r->search, e))
            return -1;
        rundir_info(r->dir, "resumed: %s (oneshot %s, %s, %d threads)%s\n", when, ONESHOT_VERSION,
             ctx_blas_line(blas, sizeof blas), r->ctx.threads,
             mode == RUNNER_RESUME_RELOAD ? ", strategy and metrics files read again"
             : r->only                    ? ", its retraining phase alone (oneshot retrain)"
                                          : "");
    }
    return 0;
}

struct runner *runner_open(const char *path, const char *out, enum runner_mode mode,
                           volatile sig_atomic_t *stop, struct err *e)
{
    struct runner *r = calloc(1, sizeof *r);
    if (!r) {
        err_plain(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->stop = stop;
    r->phase = RUNNER_SETUP;
    r->resumed = mode == RUNNER_RESUME || mode == RUNNER_RESUME_RELOAD;
    if (open_run(r, path, out, mode, e)) {
        runner_close(r);
        return NULL;
    }
    return r;
}

struct runner *runner_open_retrain(const char *dir, const struct runner_retrain_opts *o,
                                   volatile sig_atomic_t *stop, struct err *e)
{
    struct runner *r = calloc(1, sizeof *r);
    if (!r) {
        err_plain(e, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&r->lock, NULL);
    r->stop = stop;
    r->phase = RUNNER_SETUP;
    r->resumed = 1;
    r->only = o;
    int rc = open_run(r, dir, NULL, RUNNER_RESUME, e);
    r->only = NULL; /* (borrowed for the opening only) */
    if (rc) {
        runner_close(r);
        return NULL;
    }
    r->replay_only = 1;
    r->only_writer = o->writer;
    return r;
}

void runner_close(struct runner *r)
{
    if (!r)
        return;
    retrain_close(&r->rt);
    free(r->picks);
    if (r->trained)
        supertrain_done(&r->train);
    if (r->sp_open)
        sprun_close(&r->sp);
    if (r->nao_open)
        naorun_close(&r->nao);
    sampler_done(&r->sampler);
    luasampler_free(r->lsampler);
    luasearch_free(r->search);
    report_close(&r->report);
    dataset_done(&r->data.train_file);
    if (r->history)
        fclose(r->history);
    runlat_done(&r->lat);
    probe_close(&r->probe);
    pthread_mutex_destroy(&r->lock);
    free(r);
}

/* ------------------------------------------------------------ requests */

static int save(struct runner *r, struct err *e)
{
    char path[EXP_PATH_MAX + 16];
    rundir_path(path, sizeof path, r->dir, "supernet.ckpt");
    if (supertrain_save(&r->train, path, e))
        return -1;
    r->last_save = ctx_seconds();
    r->saved_step = r->train.step;
    r->want_save = 0;
    r->from_pending = 0; /* the run directory has its own checkpoint now */
    return 0;
}

void runner_request_save(struct runner *r) { r->want_save = 1; }

void runner_request_reload(struct runner *r) { r->want_reload = 1; }

void runner_stop_after(struct runner *r, int64_t n) { r->stop_after = n; }

int runner_save_pending(struct runner *r, struct err *e)
{
    if (r->want_save && r->sp_open)
        return sprun_save(&r->sp, e);
    if (!r->want_save || !r->trained)
        return 0;
    return save(r, e);
}

int64_t runner_unsaved_steps(const struct runner *r)
{
    /* a diverged network is never saved: nothing is pending */
    if (r->sp_open)
        return sprun_unsaved(&r->sp);
    if (r->nao_open)
        return naorun_uncommitted(&r->nao);
    return r->trained && !r->train.diverged ? r->train.step - r->saved_step : 0;
}

int runner_set_weights(struct runner *r, const double *w, int n)
{
    if (n != r->x.nobjectives)
        return -1;
    for (int o = 0; o < n; o++)
        if (!(w[o] > 0) || w[o] > 1e12)
            return -1;
    pthread_mutex_lock(&r->lock);
    memcpy(r->weights, w, (size_t)n * sizeof *w);
    r->weights_changed = 1;
    pthread_mutex_unlock(&r->lock);
    return 0;
}

/* In the run's thread: hands weights set by runner_set_weights to the
 * objectives (the strategy's and the run's). */
static void apply_weights(struct runner *r)
{
    pthread_mutex_lock(&r->lock);
    if (r->weights_changed && r->search) {
        luasearch_set_weights(r->search, r->weights, r->x.nobjectives);
        objectives_set_weights(&r->obj, r->weights, r->x.nobjectives);
        for (int o = 0; o < r->x.nobjectives; o++)
            r->x.objectives[o].weight = r->weights[o];
        r->weights_changed = 0;
    }
    pthread_mutex_unlock(&r->lock);
}

/* One unit of work (a step, an evaluation) done: stops at stop_after. */
static void worked(struct runner *r)
{
    if (++r->work == r->stop_after && r->stop)
        *r->stop = 1;
}

/* ------------------------------------------------------------ ranking probe */

/* The supernet ranks the ground truth's architectures (exp/probe.h): 0, 1
 * when stopped, -1 on error. */
static int probe(struct runner *r, struct err *e)
{
    if (!r->have_probe)
        return 0;
    struct runner_ranking rk;
    int rc = probe_rank(&r->probe, r->dir, r->train.sn, &r->data.val, &r->data.train,
                        r->x.supernet.bn_recalibration, r->train.step, r->stop, &rk, e);
    if (rc == 0 && r->ev && r->ev->ranking)
        r->ev->ranking(r->ev->ud, r, &rk);
    return rc;
}

/* ------------------------------------------------------------ training */

static const char history_header[] = "step,epoch,lr,loss,paths,seconds";

/* Rows of history.csv (6 numbers) and ranking.csv (6) up to the checkpoint's
 * step are kept; later ones are trained again. */
static int keep_step_row(const struct runner *r, const char *line, int fields, struct err *e)
{
    if (!rundir_numbers(line, fields))
        return err_plain(e, "expected %d numbers", fields), RUNDIR_DAMAGED;
    long long step = strtoll(line, NULL, 10);
    if (step < 1)
        return err_plain(e, "step %lld", step), RUNDIR_DAMAGED;
    return step <= r->train.step;
}

static int keep_history(void *ud, char *line, int lineno, struct err *e)
{
    (void)lineno;
    return keep_step_row(ud, line, 6, e);
}

/* supertrain from the run directory's checkpoint, or for a new run from
 * supernet.from's (checked before the run directory is made), or new. */
static int init_training(struct runner *r, struct err *e)
{
    const struct experiment *x = &r->x;
    char ckpt[EXP_PATH_MAX + 16];
    rundir_path(ckpt, sizeof ckpt, r->dir, "supernet.ckpt");
    struct supertrain_config cfg = {.epochs = x->supernet.epochs,
                                    .batch = x->supernet.batch,
                                    .lr = x->supernet.lr,
                                    .iterations = x->supernet.iterations,
                                    .seed = x->seed,
                                    .train_images = x->dataset.train_images,
                                    .shared_lr = x->supernet.shared_lr,
                                    .label_smoothing = x->supernet.label_smoothing};
    const struct exp_ref *from = &x->supernet.from;
    int have = r->dir[0] && rundir_exists(ckpt);
    r->from_pending = !have && from->text[0];
    struct err why;
    if (supertrain_init(&r->train, &r->space, &r->sampler, &r->data.train, &cfg,
                        have ? ckpt : r->from_pending ? from->resolved : NULL,
                        r->from_pending ? &why : e)) {
        if (r->from_pending)
            err_set(e, x->file, from->line, from->col,
                    "supernet.from: %s %s; an experiment starts from a checkpoint of its own "
                    "space, sampler, seed, dataset.train_images and supernet settings",
                    why.file, why.text);
        return -1;
    }
    r->trained = 1;
    r->saved_step = r->train.step;
    return 0;
}

static int train(struct runner *r, struct err *e)
{
    char hist[EXP_PATH_MAX + 16];
    rundir_path(hist, sizeof hist, r->dir, "history.csv");
    if (!r->trained && init_training(r, e))
        return -1;
    if (!r->history) {
        char rk[EXP_PATH_MAX + 16];
        rundir_path(rk, sizeof rk, r->dir, "ranking.csv");
        if (rundir_recover_csv(hist, history_header, keep_history, r, runner_emit_cb, e) ||
            rundir_recover_csv(rk, PROBE_HEADER, keep_history, r, runner_emit_cb, e))
            return -1;
        r->history = rundir_open_append(hist, history_header, e);
        if (!r->history)
            return -1;
    }
    if (r->train.step == r->train.total && r->saved_step == r->train.total && !r->from_pending)
        return 0; /* trained already (a resumed run, or runner_run again) */
    if (r->replay_only)
        return err_plain(e, "%s: its supernet is not trained to the end: continue the run "
                            "with `oneshot run --resume %s`", r->dir, r->dir);
    runner_set_phase(r, RUNNER_TRAIN);
    r->last_save = ctx_seconds();
    while (r->train.step < r->train.total) {
        if (r->stop && *r->stop) {
            if (save(r, e))
                return -1;
            return 1;
        }
        if (supertrain_step(&r->train, e) < 0)
            return -1;
        const struct supertrain *t = &r->train;
        if (rundir_append(r->history, hist, e, "%lld,%d,%.9g,%.9g,%d,%.6f\n", (long long)t->step,
                          t->epoch + 1, t->lr, t->loss, t->npaths, t->seconds))
            return -1;
        worked(r);
        if (r->ev && r->ev->step)
            r->ev->step(r->ev->ud, r);
        if (t->step < t->total &&
            (r->want_save || ctx_seconds() - r->last_save >= SAVE_EVERY_SECONDS) && save(r, e))
            return -1;
        if (t->step % t->steps_per_epoch == 0 || t->step == t->total) {
            int rc = probe(r, e);
            if (rc)
                return rc < 0 ? -1 : (save(r, e) ? -1 : 1);
        }
    }
    /* a checkpoint trained to the end elsewhere: its ranking once */
    if (r->from_pending && r->train.step == r->train.total) {
        int rc = probe(r, e);
        if (rc)
            return rc < 0 ? -1 : (save(r, e) ? -1 : 1);
    }
    /* the final state (also when a resumed run found training complete:
     * saving again writes the same bytes), in the run directory */
    return save(r, e);
}

/* ------------------------------------------------------------ search */

static int host_evaluate(void *ud, const struct arch *a, double *v, struct err *e)
{
    struct runner *r = ud;
    apply_weights(r);
    if (r->stop && *r->stop)
        return err_plain(e, "stopped");
    if (r->replay_only)
        return err_plain(e, "%s: its search asks for an evaluation evaluations.csv lacks: "
                            "continue the run with `oneshot run --resume %s`",
                         r->dir, r->dir);
    double t0 = ctx_seconds();
    struct metrics_source src = {.sn = r->train.sn,
                                 .val = &r->data.val,
                                 .calib = &r->data.train,
                                 .opt = {.calib_images = r->x.supernet.bn_recalibration,
                                         .batch = EVAL_BATCH}};
    if (metrics_compute(&r->engine, &src, a, v, e))
        return -1;
    r->eval_seconds = ctx_seconds() - t0;
    return 0;
}

static int host_recorded(void *ud, const struct arch *a, const double *v, int n, struct err *e)
{
    struct runner *r = ud;
    (void)n;
    if (report_evaluation(&r->report, r->search, a, v, r->eval_seconds, e))
        return -1;
    r->nevals++;
    worked(r);
    if (r->ev && r->ev->evaluated)
        r->ev->evaluated(r->ev->ud, r, a, v);
    return 0;
}

static int host_report(void *ud, int g, const struct arch *pop, int n, const double *m,
                       int nmetrics, struct err *e)
{
    struct runner *r = ud;
    (void)nmetrics;
    apply_weights(r);
    r->generation = g;
    if (report_generation(&r->report, r->search, &r->obj, g, pop, n, m, e))
        return -1;
    if (r->ev && r->ev->generation)
        r->ev->generation(r->ev->ud, r, g, pop, n, m);
    return 0;
}

/* Reads the strategy and metrics files again (the experiment's originals,
 * copied anew into the run directory) and restarts the strategy with every
 * evaluation so far.  On an error the old strategy stays. */
static void reload(struct runner *r)
{
    struct luasearch *old = r->search;
    struct run_scripts kept = r->scripts;
    struct err e;
    if (scripts_relocate_search(&r->scripts, &r->x, &e)) {
        r->scripts = kept;
        runner_logf(r, "reload: %s", e.msg);
        return;
    }
    struct luasearch *fresh = open_search(r, &e);
    if (fresh && luasearch_nmetrics(fresh) != luasearch_nmetrics(old)) {
        err_plain(&e, "the metrics file now defines other metrics: start a new run to use them");
        luasearch_free(fresh);
        fresh = NULL;
    }
    int made = luasearch_count(old);
    for (int i = 0; fresh && i < made; i++) {
        struct arch a;
        const double *m = luasearch_at(old, i, &a);
        if (luasearch_preload(fresh, &a, m)) {
            err_plain(&e, "out of memory");
            luasearch_free(fresh);
            fresh = NULL;
        }
    }
    if (!fresh) {
        r->scripts = kept;
        runner_logf(r, "reload: %s; the search goes on with the files it had", e.msg);
        return;
    }
    /* the weights: open_search took them from r->x, kept up to date */
    r->search = fresh;
    luasearch_free(old);
    fill_info(r);
    if (scripts_copy(&r->scripts, &r->x, r->dir, r->search, &e))
        runner_logf(r, "reload: %s", e.msg);
    runner_logf(r, "reloaded %s: the strategy starts again with the %d evaluations made",
          r->scripts.strategy, made);
}

static int search(struct runner *r, struct err *e)
{
    if (!r->search_ready) {
        if (report_open(&r->report, r->dir, &r->space, r->search, &r->obj, runner_emit_cb, r, e))
            return -1;
        r->nevals += r->report.cached;
        r->search_ready = 1;
        if (r->report.cached)
            runner_logf(r, "%lld evaluations of the earlier run are reused",
                  (long long)r->report.cached);
    }
    runner_set_phase(r, RUNNER_SEARCH);
    for (;;) {
        if (r->want_reload) {
            r->want_reload = 0;
            reload(r);
        }
        if (luasearch_run(r->search, e) == 0)
            break;
        if (r->stop && *r->stop)
            return 1; /* a stop wins over a reload asked for at the same time */
        if (r->want_reload)
            continue;
        snprintf(r->traceback, sizeof r->traceback, "%s", luasearch_traceback(r->search));
        return -1;
    }
    return report_finish(&r->report, r->search, &r->obj, r->x.name, e);
}

/* ------------------------------------------------------------ Single-Path */

static void sp_stepped(void *ud)
{
    struct runner *r = ud;
    worked(r);
    if (r->ev && r->ev->sp_step)
        r->ev->sp_step(r->ev->ud, r);
}

static void sp_epoch(void *ud)
{
    struct runner *r = ud;
    if (r->ev && r->ev->sp_epoch)
        r->ev->sp_epoch(r->ev->ud, r);
}

/* Method singlepath's search (exp/sprun.h).  0, 1 when stopped, -1. */
static int singlepath(struct runner *r, struct err *e)
{
    if (!r->sp_open) {
        struct sprun_config c = {.dir = r->dir,
                                 .x = &r->x,
                                 .space = &r->space,
                                 .lat = r->lat.lat[0],
                                 .train = &r->data.train,
                                 .val = &r->data.val,
                                 .stop = r->stop,
                                 .want_save = &r->want_save,
                                 .log = runner_emit_cb,
                                 .ud = r};
        if (sprun_open(&r->sp, &c, e)) {
            sprun_close(&r->sp); /* (what the failed open made; runner_run may come again) */
            return -1;
        }
        r->sp_open = 1;
    }
    if (!r->sp.done)
        runner_set_phase(r, RUNNER_SINGLEPATH);
    const struct sprun_hooks h = {.ud = r, .step = sp_stepped, .epoch = sp_epoch};
    int rc = sprun_run(&r->sp, &h, e);
    if (rc == 0) {
        char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
        arch_format(&r->space, &r->sp.now.arch, name, (int)sizeof name);
        runner_logf(r, "Single-Path NAS chose %s: %.4g ms predicted on %s, proxy accuracy %.4f",
              name, r->sp.now.runtime_ms, r->x.latency.device.text, r->sp.accuracy);
    }
    return rc;
}

/* ------------------------------------------------------------ NAO */

static void nao_stepped(void *ud)
{
    struct runner *r = ud;
    worked(r);
    if (r->ev && r->ev->nao_step)
        r->ev->nao_step(r->ev->ud, r);
}

static void nao_round(void *ud)
{
    struct runner *r = ud;
    if (r->ev && r->ev->nao_round)
        r->ev->nao_round(r->ev->ud, r);
}

static void nao_reranked(void *ud)
{
    struct runner *r = ud;
    if (r->ev && r->ev->nao_reranked)
        r->ev->nao_reranked(r->ev->ud, r);
}

/* Method nao's search and re-rank (exp/naorun.h).  0, 1 when stopped, -1. */
static int nao(struct runner *r, struct err *e)
{
    if (!r->nao_open) {
        struct naorun_config c = {.dir = r->dir, .x = &r->x, .run = r, .space = &r->space,
                                  .lat = r->lat.lat[0], .train = &r->data.train,
                                  .val = &r->data.val, .ctx = &r->ctx, .stop = r->stop,
                                  .log = runner_emit_cb, .ud = r};
        if (naorun_open(&r->nao, &c, e)) {
            naorun_close(&r->nao); /* (runner_run may come again) */
            return -1;
        }
        r->nao_open = 1;
    }
    if (!r->nao.done)
        runner_set_phase(r, RUNNER_NAO);
    const struct naorun_hooks h = {.ud = r, .step = nao_stepped, .round = nao_round,
                                   .reranked = nao_reranked};
    return naorun_run(&r->nao, &h, e);
}

/* ------------------------------------------------------------ retraining */

static void rt_begin(void *ud) { runner_set_phase(ud, RUNNER_RETRAIN); }

static void rt_step(void *ud)
{
    struct runner *r = ud;
    worked(r);
    if (r->ev && r->ev->retrain_step)
        r->ev->retrain_step(r->ev->ud, r);
    if (r->more.step)
        r->more.step(r->more.ud);
}

static void rt_retrained(void *ud, const struct runner_retrained *rt)
{
    struct runner *r = ud;
    if (r->ev && r->ev->retrained)
        r->ev->retrained(r->ev->ud, r, rt);
    if (r->more.retrained)
        r->more.retrained(r->more.ud, rt);
}

static int rt_between(void *ud, struct err *e)
{
    struct runner *r = ud;
    return r->more.between ? r->more.between(r->more.ud, e) : 0;
}

/* What the search knew of architecture a: its accuracy (acc), size and
 * latency on each of the run's devices (the engine's metrics: as
 * evaluations.csv has them). */
static void pick_of(const struct runner *r, const struct arch *a, double acc,
                    struct retrain_pick *p)
{
    struct cost c = arch_cost(&r->space, a);
    p->arch = *a;
    p->inherited = acc;
    p->params = (double)c.params;
    p->macs = (double)c.macs;
    for (int i = 0; i < r->lat.n; i++)
        p->latency[i] = latency_predict(r->lat.lat[i], a);
}

/* r->rt for r->picks[0..n). */
static void retrain_setup(struct runner *r, int n)
{
    retrain_close(&r->rt);
    r->rt = (struct retrain){.run = r,
                             .dir = r->dir,
                             .x = &r->x,
                             .space = &r->space,
                             .train = &r->data.retrain,
                             .nlat = r->lat.n,
                             .lat_name = (const char(*)[EXP_NAME_MAX])r->lat.metric,
                             .stop = r->stop,
                             .hooks = {.ud = r,
                                       .begin = rt_begin,
                                       .step = rt_step,
                                       .retrained = rt_retrained,
                                       .between = rt_between,
                                       .warn = runner_emit_cb},
                             .picks = r->picks,
                             .npicks = n};
}

/* The search's picks (chosen.txt's, or pareto.csv's; Single-Path NAS's
 * one) into r->picks, r->rt set up to train them.  0 or -1. */
static int retrain_picks(struct runner *r, struct err *e)
{
    const struct experiment *x = &r->x;
    int all = r->search ? luasearch_count(r->search) : 1, n = 0;
    int *idx = malloc((size_t)(all > 0 ? all : 1) * sizeof *idx);
    free(r->picks);
    r->picks = malloc((size_t)(all > 0 ? all : 1) * sizeof *r->picks);
    if (idx && r->picks && r->search)
        n = report_picks(r->search, &r->obj, x->retrain.which, idx);
    for (int i = 0; i < n; i++) { /* the supernet's accuracy, as evaluations.csv has it */
        struct arch a;
        const double *m = luasearch_at(r->search, idx[i], &a);
        pick_of(r, &a, m[metrics_find(&r->engine, "accuracy")], &r->picks[i]);
    }
    struct runner_nao_arch na;
    if (idx && r->picks && r->nao_open && naorun_arch(&r->nao, r->nao.chosen, &na) == 0)
        pick_of(r, &na.arch, na.accuracy, &r->picks[n++]);
    else if (idx && r->picks && !r->search)
        pick_of(r, &r->sp.now.arch, r->sp.accuracy, &r->picks[n++]);
    int rc = idx && r->picks && n >= 0 ? 0 : err_plain(e, "out of memory");
    free(idx);
    retrain_setup(r, rc == 0 ? n : 0);
    return rc;
}

/* The retraining phase: the search's picks, each for each seed, that
 * retrained.csv does not hold yet.  0, 1 when stopped, -1 on error. */
static int retrain(struct runner *r, struct err *e)
{
    if (r->x.retrain.epochs == 0)
        return 0;
    if (retrain_picks(r, e))
        return -1;
    return retrain_run(&r->rt, e);
}

/* How runner_run ends (rc: its phases'). */
static void finish(struct runner *r, int rc, const struct err *e)
{
    if (rc == 0) {
        runner_set_phase(r, RUNNER_DONE);
        char when[64];
        rundir_now(when, sizeof when);
        rundir_info(r->dir, "done: %s\n", when);
    } else if (rc > 0) {
        rundir_status(r->dir, "stopped");
        runner_set_phase(r, RUNNER_STOPPED);
    } else {
        rundir_status(r->dir, "failed: %s", e->msg);
        runner_set_phase(r, RUNNER_FAILED);
    }
}
/* The run's method up to its picks: the supernet's training and search,
 * Single-Path NAS, or NAO.  0, 1 when stopped, -1. */
static int method(struct runner *r, struct err *e)
{
    if (r->x.method == EXP_SINGLEPATH)
        return singlepath(r, e);
    if (r->x.method == EXP_NAO)
        return nao(r, e);
    int rc = train(r, e);
    return rc == 0 ? search(r, e) : rc;
}


struct retrain *runner_retraining(struct runner *r, const struct retrain_pick *p, int n,
                                  const struct retrain_hooks *h, struct err *e)
{
    if (h)
        r->more = *h;
    if (!r->only_writer) {
        free(r->picks);
        r->picks = malloc((size_t)(n > 0 ? n : 1) * sizeof *r->picks);
        if (!r->picks)
            return err_plain(e, "out of memory"), NULL;
        if (n > 0)
            memcpy(r->picks, p, (size_t)n * sizeof *p);
        retrain_setup(r, n);
        return &r->rt;
    }
    char path[EXP_PATH_MAX + 32], status[ERR_MAX + 64] = "";
    rundir_path(path, sizeof path, r->dir, "chosen.txt");
    if (!rundir_exists(path)) {
        rundir_path(path, sizeof path, r->dir, "status");
        FILE *f = fopen(path, "r");
        if (f) {
            if (!fgets(status, sizeof status, f))
                status[0] = 0;
            fclose(f);
        }
        status[strcspn(status, "\n")] = 0;
        err_set(e, r->dir, 0, 0,
                "its search has not ended (status: %s; no chosen.txt): continue the run with "
                "`oneshot run --resume %s`, whose retraining phase follows",
                status[0] ? status : "none", r->dir);
        return NULL;
    }
    if (!r->flushed)
        runner_flush_early(r);
    /* the search again from the run's files, as a resumed run replays it */
    int rc = method(r, e);
    if (rc) { /* (the status says so, as runner_run leaves it) */
        finish(r, rc, e);
        if (rc > 0)
            err_plain(e, "stopped");
        return NULL;
    }
    return retrain_picks(r, e) ? NULL : &r->rt;
}

void runner_retraining_end(struct runner *r, int rc, const struct err *e)
{
    if (r->only_writer)
        finish(r, rc, e);
}

int runner_run(struct runner *r, const struct runner_events *ev, struct err *e)
{
    r->ev = ev;
    r->traceback[0] = 0;
    if (!r->flushed)
        runner_flush_early(r);
    int rc = method(r, e);
    if (rc == 0)
        rc = retrain(r, e);
    finish(r, rc, e);
    return rc;
}
