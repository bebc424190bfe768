#include "job.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "latency.h"
#include "luasampler.h"
#include "luasearch.h"
#include "pareto.h"
#include "rank.h"
#include "truth.h"
#include "progress.h"
#include "rundir.h"
#include "suggest.h"

#define SAVE_EVERY_SECONDS 60.0
#define EVAL_BATCH 256

static const char *const engine_metrics[] = {"accuracy", "accuracy_no_recal", "params", "macs"};
enum { M_ACCURACY, M_ACCURACY_NO_RECAL, M_PARAMS, M_MACS, N_ENGINE };

const char *job_phase_name(enum job_phase p)
{
    static const char *const names[] = {"setup", "training", "searching",
                                        "done",  "stopped",  "failed"};
    return names[p];
}

int job_nmetrics(const struct job *j) { return j->search ? luasearch_nmetrics(j->search) : 0; }

const char *job_metric_name(const struct job *j, int i)
{
    return luasearch_metric_name(j->search, i);
}

int job_nevaluations(const struct job *j) { return j->search ? luasearch_count(j->search) : 0; }

const double *job_evaluation(const struct job *j, int i, struct arch *a)
{
    return luasearch_at(j->search, i, a);
}

/* ------------------------------------------------------------- files */

/* dir/name into out (n bytes; job_open keeps dir short enough). */
static void path_in(char *out, size_t n, const struct job *j, const char *name)
{
    size_t a = strlen(j->dir), b = strlen(name);
    if (a + b + 2 > n) {
        out[0] = 0;
        return;
    }
    memcpy(out, j->dir, a);
    out[a] = '/';
    memcpy(out + a + 1, name, b + 1);
}

static void set_status(struct job *j, const char *fmt, ...)
{
    char buf[ERR_MAX + 64], path[EXP_PATH_MAX + 16];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    path_in(path, sizeof path, j, "status");
    struct err ignored;
    rundir_write_atomic(path, buf, (size_t)n, &ignored); /* best effort: the run's files matter more */
}

static void set_phase(struct job *j, enum job_phase p)
{
    j->phase = p;
    if (p == JOB_TRAIN || p == JOB_SEARCH || p == JOB_DONE)
        set_status(j, "%s", job_phase_name(p));
    if (j->ev && j->ev->phase)
        j->ev->phase(j->ev->ud, j);
}

/* A line for the front end's log.  Lines of job_open (before a front end
 * listens) are kept and handed over when job_run starts, so a TUI that takes
 * the screen after job_open still shows them. */
static void emit(struct job *j, const char *text)
{
    if (j->ev && j->ev->log) {
        j->ev->log(j->ev->ud, text);
    } else if (j->phase == JOB_SETUP && !j->flushed) {
        size_t used = strlen(j->early), len = strlen(text);
        if (used + len + 2 < sizeof j->early) {
            memcpy(j->early + used, text, len);
            j->early[used + len] = '\n';
            j->early[used + len + 1] = 0;
        }
    } else {
        fprintf(stderr, "%s\n", text);
    }
}

/* Hands the lines kept by emit to the front end (or stderr). */
static void flush_early(struct job *j)
{
    j->flushed = 1;
    char *p = j->early;
    while (*p) {
        char *nl = strchr(p, '\n');
        *nl = 0;
        emit(j, p);
        p = nl + 1;
    }
    j->early[0] = 0;
}

static void logf_(struct job *j, const char *fmt, ...)
{
    char buf[ERR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    emit(j, buf);
}

/* ------------------------------------------------------------- setup */

/* The directory of the shipped strategies (lua/ found as cli_find_data
 * finds files) into out; 0, or -1 when there is none. */
static int shipped_dir(char *out, size_t n)
{
    struct err ignored;
    if (cli_find_data("lua", "random.lua", out, n, &ignored))
        return -1;
    *strrchr(out, '/') = 0;
    return 0;
}

/* The names of the shipped strategies into names[] (NULL-terminated, the
 * text in store) and as "random, nsga2, ..." into out (n bytes); returns
 * how many. */
static int shipped_strategies(char store[][64], int max, const char **names, char *out, size_t n)
{
    char dir[EXP_PATH_MAX];
    int count = 0;
    out[0] = 0;
    names[0] = NULL;
    DIR *d = shipped_dir(dir, sizeof dir) ? NULL : opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) && count < max - 1) {
        size_t l = strlen(de->d_name);
        if (l < 5 || l > 60 || strcmp(de->d_name + l - 4, ".lua") != 0)
            continue;
        snprintf(store[count], 64, "%.*s", (int)(l - 4), de->d_name);
        /* in name order, whatever order the directory lists them in */
        int k = count++;
        for (; k > 0 && strcmp(names[k - 1], store[count - 1]) > 0; k--)
            names[k] = names[k - 1];
        names[k] = store[count - 1];
    }
    names[count] = NULL;
    closedir(d);
    size_t used = 0;
    for (int i = 0; i < count; i++)
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s", i ? ", " : "",
                                 names[i]);
    return count;
}

/* The strategy file of the experiment: a path, or a name shipped in lua/. */
static int find_strategy(const struct experiment *x, char *out, size_t n, struct err *e)
{
    const struct exp_ref *r = &x->search.strategy;
    if (r->is_path) {
        if (access(r->resolved, R_OK) != 0)
            return err_set(e, x->file, r->line, r->col, "search.strategy: cannot read %s: %s",
                           r->resolved, strerror(errno));
        snprintf(out, n, "%s", r->resolved);
        return 0;
    }
    char file[EXP_PATH_MAX + 8];
    snprintf(file, sizeof file, "%s.lua", r->text);
    struct err where;
    if (cli_find_data("lua", file, out, n, &where) == 0)
        return 0;
    char list[1024], store[32][64];
    const char *names[33];
    int count = shipped_strategies(store, 32, names, list, sizeof list);
    const char *near = count ? suggest_word(r->text, names) : NULL;
    if (near)
        return err_set(e, x->file, r->line, r->col,
                       "search.strategy: no strategy '%s' (did you mean '%s'?)", r->text, near);
    if (count)
        return err_set(e, x->file, r->line, r->col,
                       "search.strategy: no strategy '%s' (shipped: %s; or give a .lua file)",
                       r->text, list);
    return err_set(e, x->file, r->line, r->col, "search.strategy: no strategy '%s': %s", r->text,
                   where.msg);
}

static void script_print(void *ud, const char *text) { emit(ud, text); }

static int load_data(struct job *j, struct err *e)
{
    const struct experiment *x = &j->x;
    if (fmnist_load(x->dataset.path.resolved, &j->data.train_file, NULL, e))
        return -1;
    return dataset_split(&j->data.train_file, x->dataset.train_images, x->dataset.val_images,
                         &j->data.train, &j->data.val, e);
}

static int host_evaluate(void *ud, const struct arch *a, double *v, struct err *e);
static int host_recorded(void *ud, const struct arch *a, const double *v, int n, struct err *e);
static int host_report(void *ud, int g, const struct arch *pop, int n, const double *m,
                       int nmetrics, struct err *e);

static void open_probe(struct job *j);

/* Where table i of a run lives: latency.yaml, latency-2.yaml, ... */
static void latency_file(const struct job *j, int i, char *out, size_t n)
{
    char name[32];
    if (i == 0)
        snprintf(name, sizeof name, "latency.yaml");
    else
        snprintf(name, sizeof name, "latency-%d.yaml", i + 1);
    path_in(out, n, j, name);
}

/* The latency tables the experiment needs: one for latency.device when it is
 * a model or a file, or when an objective uses it (timing the host takes
 * a while), one for each objective on another device.  A resumed run loads
 * them from its directory (the host's timings of the first run); a check
 * does not time the host. */
static int open_latency(struct job *j, int mode, struct err *e)
{
    const struct experiment *x = &j->x;
    const struct exp_ref *dev[EXP_MAX_OBJECTIVES + 1];
    int uses_default = 0;
    for (int o = 0; o < x->nobjectives; o++)
        if (!strcmp(x->objectives[o].name, "latency") &&
            !strcmp(x->objectives[o].device.resolved, x->latency.device.resolved))
            uses_default = 1;
    j->nlat = 0;
    if (uses_default || strcmp(x->latency.device.resolved, "host") != 0) {
        dev[j->nlat] = &x->latency.device;
        snprintf(j->lat_metric[j->nlat++], EXP_NAME_MAX, "latency");
    }
    for (int o = 0; o < x->nobjectives; o++) {
        char m[EXP_PATH_MAX + 16];
        experiment_objective_metric(x, o, m, sizeof m);
        if (strncmp(m, "latency@", 8) != 0)
            continue;
        int seen = 0;
        for (int i = 0; i < j->nlat; i++)
            seen |= !strcmp(j->lat_metric[i], m);
        if (seen)
            continue;
        dev[j->nlat] = &x->objectives[o].device;
        snprintf(j->lat_metric[j->nlat++], EXP_NAME_MAX, "%.120s", m);
    }
    for (int i = 0; i < j->nlat; i++) {
        j->lat[i] = calloc(1, sizeof *j->lat[i]);
        if (!j->lat[i])
            return err_plain(e, "out of memory");
        const struct exp_ref *d = dev[i];
        char file[EXP_PATH_MAX + 32];
        latency_file(j, i, file, sizeof file);
        struct err le;
        int rc;
        if (mode == JOB_RESUME || mode == JOB_RESUME_RELOAD)
            rc = latency_table_load(j->lat[i], file, &j->space, e);
        else if (mode == JOB_CHECK && !strcmp(d->resolved, "host"))
            rc = 0; /* timed when the run starts */
        else if ((rc = cli_latency_device(j->lat[i], d->resolved, &j->space, &j->ctx, &le)))
            err_set(e, x->file, d->line, d->col, "latency device %s: %s", d->text,
                    strstr(le.msg, "error: ") ? strstr(le.msg, "error: ") + 7 : le.msg);
        if (rc)
            return -1;
    }
    return 0;
}

static int save_latency(struct job *j, struct err *e)
{
    for (int i = 0; i < j->nlat; i++) {
        char file[EXP_PATH_MAX + 32];
        latency_file(j, i, file, sizeof file);
        /* and read back, so that this run and a resumed one use the very
         * numbers of the file */
        if (latency_table_save(j->lat[i], file, e) ||
            latency_table_load(j->lat[i], file, &j->space, e))
            return -1;
    }
    return 0;
}

static int open_search(struct job *j, struct err *e)
{
    struct luasearch_config c = {.s = &j->space,
                                 .seed = j->x.seed,
                                 .generations = j->x.search.generations,
                                 .population = j->x.search.population,
                                 .strategy = j->strategy_file,
                                 .metrics = j->metrics_file[0] ? j->metrics_file : NULL,
                                 .x = &j->x,
                                 .engine_metrics = j->metric_names,
                                 .nengine = j->nengine,
                                 .interrupt = j->stop,
                                 .restart = &j->want_reload,
                                 .library = j->library[0] ? j->library : NULL};
    struct luasearch_host h = {.ud = j,
                               .evaluate = host_evaluate,
                               .recorded = host_recorded,
                               .report = host_report,
                               .print = script_print};
    j->search = luasearch_new(&c, &h, e);
    if (!j->search)
        return -1;
    j->nmetrics = luasearch_nmetrics(j->search);
    for (int o = 0; o < j->x.nobjectives; o++) {
        char m[EXP_PATH_MAX + 16];
        experiment_objective_metric(&j->x, o, m, sizeof m);
        for (int i = 0; i < j->nmetrics; i++)
            if (!strcmp(m, luasearch_metric_name(j->search, i)))
                j->obj_metric[o] = i;
    }
    return 0;
}

static int open_sampler(struct job *j, struct err *e)
{
    const struct experiment *x = &j->x;
    if (j->sampler_file[0]) {
        j->lsampler = luasampler_new(j->sampler_file, &j->space, j->stop, script_print, j, e);
        if (!j->lsampler)
            return -1;
        struct sampler_custom c;
        luasampler_custom(j->lsampler, &c);
        sampler_init_custom(&j->sampler, &c, &j->space, x->seed);
        return 0;
    }
    if (sampler_init(&j->sampler, x->supernet.sampler.resolved, &j->space, x->seed,
                     x->supernet.repeat, x->supernet.pool, e)) {
        char msg[ERR_MAX];
        snprintf(msg, sizeof msg, "%s", e->msg);
        return err_set(e, x->file, x->supernet.sampler.line, x->supernet.sampler.col,
                       "supernet.sampler: %s", msg);
    }
    return 0;
}

/* The scripts of the run, by their names in a run directory. */
struct script {
    const char *copy; /* name in the run directory */
    char *file;       /* where the job loads it from */
    int used;
    const char *src;  /* the experiment's file */
};

static int list_scripts(struct job *j, struct script *s, char *strategy, size_t n, struct err *e)
{
    const struct experiment *x = &j->x;
    struct script v[] = {
        {"strategy.lua", j->strategy_file, 1, strategy},
        {"sampler.lua", j->sampler_file, x->supernet.sampler.is_path,
         x->supernet.sampler.resolved},
        {"metrics.lua", j->metrics_file, x->search.metrics.text[0] != 0,
         x->search.metrics.resolved},
        {"space.lua", j->space_file, x->space.is_path, x->space.resolved},
    };
    memcpy(s, v, sizeof v);
    return j->resumed ? 0 : find_strategy(x, strategy, n, e);
}

/* A new run loads the experiment's files (errors name them); a resumed one
 * the copies in its directory, so files edited since do not change it. */
static int locate_scripts(struct job *j, char *strategy, size_t n, struct err *e)
{
    struct script s[4];
    if (list_scripts(j, s, strategy, n, e))
        return -1;
    for (int i = 0; i < 4; i++) {
        if (!s[i].used)
            continue;
        if (!j->resumed) {
            snprintf(s[i].file, EXP_PATH_MAX, "%s", s[i].src);
            continue;
        }
        path_in(s[i].file, EXP_PATH_MAX, j, s[i].copy);
        if (!rundir_exists(s[i].file))
            return err_set(e, s[i].file, 0, 0, "is missing: the run directory is incomplete");
    }
    return 0;
}

/* Where oneshot.strategy(name) finds strategies: the shipped ones, or for a
 * resumed run the copies in its lib/ (those the first run loaded). */
static void shipped_library(struct job *j, int resumed)
{
    j->library[0] = 0;
    if (resumed)
        path_in(j->library, sizeof j->library, j, "lib");
    else if (shipped_dir(j->library, sizeof j->library))
        j->library[0] = 0;
}

/* Copies the strategies oneshot.strategy loaded into the run's lib/. */
static int copy_library(struct job *j, struct err *e)
{
    int n = luasearch_nloaded(j->search);
    if (n == 0)
        return 0;
    char dir[EXP_PATH_MAX + 16], to[EXP_PATH_MAX + 96];
    path_in(dir, sizeof dir, j, "lib");
    if (rundir_mkdirs(dir, e))
        return -1;
    for (int i = 0; i < n; i++) {
        const char *from = luasearch_loaded(j->search, i), *base = strrchr(from, '/');
        snprintf(to, sizeof to, "%s/%.60s", dir, base ? base + 1 : from);
        if (strcmp(from, to) != 0 && rundir_copy_file(from, to, e))
            return -1;
    }
    return 0;
}

static int copy_scripts(struct job *j, struct err *e)
{
    struct script s[4];
    char strategy[EXP_PATH_MAX], to[EXP_PATH_MAX + 16];
    snprintf(strategy, sizeof strategy, "%s", j->strategy_file);
    j->resumed = 1; /* list only */
    list_scripts(j, s, strategy, sizeof strategy, e);
    j->resumed = 0;
    for (int i = 0; i < 4; i++) {
        if (!s[i].used)
            continue;
        path_in(to, sizeof to, j, s[i].copy);
        if (rundir_copy_file(s[i].file, to, e))
            return -1;
    }
    return 0;
}

static void info(struct job *j, const char *fmt, ...)
{
    char path[EXP_PATH_MAX + 16];
    path_in(path, sizeof path, j, "info.txt");
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

static void now_text(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* 1 when the nearest existing directory on the way to path is writable. */
static int writable_ancestor(const char *path)
{
    char p[EXP_PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        if (rundir_exists(p))
            return access(p, W_OK) == 0;
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            return access("/", W_OK) == 0;
        *slash = 0;
    }
}

/* A new run directory: out, or the experiment's output (numbered when that
 * holds a run already). */
static int new_dir(struct job *j, const char *out, struct err *e)
{
    char probe[EXP_PATH_MAX + 32];
    if (strlen(out ? out : j->x.output.resolved) > EXP_PATH_MAX - 64)
        return err_set(e, out ? out : j->x.output.resolved, 0, 0,
                       "the run directory's path is too long");
    if (out) {
        snprintf(j->dir, sizeof j->dir, "%s", out);
        snprintf(probe, sizeof probe, "%s/experiment.yaml", out);
        if (rundir_exists(probe))
            return err_set(e, out, 0, 0,
                           "holds a run already: continue it with `oneshot run --resume %s` or "
                           "choose another --out",
                           out);
        return rundir_mkdirs(j->dir, e);
    }
    const char *base = j->x.output.resolved;
    char here[EXP_PATH_MAX], cwd[EXP_PATH_MAX - 200];
    if (!writable_ancestor(base) && getcwd(cwd, sizeof cwd)) {
        /* an experiment in a read-only place (an installed example) runs
         * into the current directory */
        snprintf(here, sizeof here, "%s/runs/%s", cwd, j->x.name);
        logf_(j, "%s is not writable: the run goes to %s", base, here);
        base = here;
    }
    for (int k = 0; k < 1000; k++) {
        if (k == 0)
            snprintf(j->dir, sizeof j->dir, "%s", base);
        else
            snprintf(j->dir, sizeof j->dir, "%.1000s.%d", base, k);
        snprintf(probe, sizeof probe, "%s/experiment.yaml", j->dir);
        if (!rundir_exists(probe))
            return rundir_mkdirs(j->dir, e);
    }
    return err_set(e, base, 0, 0, "1000 runs of this experiment exist already: give --out");
}

int job_open(struct job *j, const char *path, const char *out, int mode,
             volatile sig_atomic_t *stop, struct err *e)
{
    int resume = mode == JOB_RESUME || mode == JOB_RESUME_RELOAD;
    memset(j, 0, sizeof *j);
    pthread_mutex_init(&j->lock, NULL);
    j->stop = stop;
    j->phase = JOB_SETUP;
    j->resumed = resume;
    char yaml[EXP_PATH_MAX + 32];
    if (resume) {
        if (strlen(path) > EXP_PATH_MAX - 64)
            return err_set(e, path, 0, 0, "the run directory's path is too long");
        snprintf(j->dir, sizeof j->dir, "%s", path);
        snprintf(yaml, sizeof yaml, "%s/experiment.yaml", path);
        if (!rundir_exists(yaml))
            return err_set(e, path, 0, 0,
                           "is not a run directory of oneshot (it has no experiment.yaml)");
        if (experiment_load(&j->x, yaml, e))
            return -1;
    } else {
        if (experiment_load(&j->x, path, e))
            return -1;
    }
    cli_ctx(&j->ctx, j->x.threads);
    shipped_library(j, resume);
    char strategy[EXP_PATH_MAX];
    if (locate_scripts(j, strategy, sizeof strategy, e))
        return -1;
    if (mode == JOB_RESUME_RELOAD) {
        /* the strategy and metrics files as they are now (fixed, say); the
         * space and the sampler stay the run's: the supernet depends on them */
        shipped_library(j, 0);
        if (find_strategy(&j->x, j->strategy_file, sizeof j->strategy_file, e))
            return -1;
        if (j->x.search.metrics.text[0])
            snprintf(j->metrics_file, sizeof j->metrics_file, "%s", j->x.search.metrics.resolved);
    }
    const char *space = j->space_file[0] ? j->space_file : j->x.space.resolved;
    if (cli_space(&j->space, space, e))
        return -1;
    for (int i = 0; i < N_ENGINE; i++)
        j->metric_names[j->nengine++] = engine_metrics[i];
    if (open_latency(j, mode, e))
        return -1;
    for (int i = 0; i < j->nlat; i++)
        j->metric_names[j->nengine++] = j->lat_metric[i];
    if (open_sampler(j, e) || open_search(j, e) || load_data(j, e))
        return -1;
    open_probe(j);
    if (mode == JOB_CHECK) {
        flush_early(j);
        return 0;
    }
    /* everything loaded: only now is a new run directory made */
    if (!resume && (new_dir(j, out, e) || copy_scripts(j, e) || copy_library(j, e) ||
                    save_latency(j, e)))
        return -1;
    char when[64], blas[160];
    now_text(when, sizeof when);
    if (!resume) {
        snprintf(j->x.output.resolved, sizeof j->x.output.resolved, "%s", j->dir);
        snprintf(j->x.output.text, sizeof j->x.output.text, "%s", j->dir);
        snprintf(yaml, sizeof yaml, "%s/experiment.yaml", j->dir);
        if (experiment_save(&j->x, yaml, e))
            return -1;
        info(j,
             "oneshot %s (built %s %s)\nblas: %s\nexperiment: %s\nseed: %llu\nthreads: %d\n"
             "space: %s (%.0f architectures)\nsampler: %s\nstrategy: %s (%s)\nstarted: %s\n",
             ONESHOT_VERSION, __DATE__, __TIME__, cli_blas_line(blas, sizeof blas), path,
             (unsigned long long)j->x.seed, j->ctx.threads, j->space.name,
             space_count(&j->space), sampler_name(&j->sampler), luasearch_name(j->search),
             luasearch_params(j->search), when);
    } else {
        if (mode == JOB_RESUME_RELOAD && (copy_scripts(j, e) || copy_library(j, e)))
            return -1;
        info(j, "resumed: %s (oneshot %s, %s, %d threads)%s\n", when, ONESHOT_VERSION,
             cli_blas_line(blas, sizeof blas), j->ctx.threads,
             mode == JOB_RESUME_RELOAD ? ", strategy and metrics files read again" : "");
    }
    return 0;
}

void job_close(struct job *j)
{
    if (j->trained)
        supertrain_done(&j->train);
    sampler_done(&j->sampler);
    luasampler_free(j->lsampler);
    luasearch_free(j->search);
    dataset_done(&j->data.train_file);
    if (j->history)
        fclose(j->history);
    if (j->evaluations)
        fclose(j->evaluations);
    if (j->generations)
        fclose(j->generations);
    if (j->ranking)
        fclose(j->ranking);
    for (int i = 0; i < j->nlat; i++)
        free(j->lat[i]);
    free(j->probe);
    free(j->probe_truth);
    free(j->probe_pred);
    pthread_mutex_destroy(&j->lock);
    memset(j, 0, sizeof *j);
}

/* ------------------------------------------------------------ training */

static int keep_history(void *ud, char *line, int lineno, struct err *e)
{
    const struct job *j = ud;
    (void)lineno;
    (void)e;
    long long step = strtoll(line, NULL, 10);
    return step >= 1 && step <= j->train.step;
}

static int save(struct job *j, struct err *e)
{
    char path[EXP_PATH_MAX + 16];
    path_in(path, sizeof path, j, "supernet.ckpt");
    if (supertrain_save(&j->train, path, e))
        return -1;
    j->last_save = now_seconds();
    j->saved_step = j->train.step;
    j->want_save = 0;
    return 0;
}

void job_request_save(struct job *j) { j->want_save = 1; }

int job_save_pending(struct job *j, struct err *e)
{
    if (!j->want_save || !j->trained)
        return 0;
    return save(j, e);
}

int64_t job_unsaved_steps(const struct job *j)
{
    /* a diverged supernet is never saved: nothing is pending */
    return j->trained && !j->train.diverged ? j->train.step - j->saved_step : 0;
}

int job_set_weights(struct job *j, const double *w, int n)
{
    if (n != j->x.nobjectives)
        return -1;
    for (int o = 0; o < n; o++)
        if (!(w[o] > 0) || w[o] > 1e12)
            return -1;
    pthread_mutex_lock(&j->lock);
    memcpy(j->weights, w, (size_t)n * sizeof *w);
    j->weights_changed = 1;
    pthread_mutex_unlock(&j->lock);
    return 0;
}

/* In the run's thread: hands weights set by job_set_weights to the strategy. */
static void apply_weights(struct job *j)
{
    pthread_mutex_lock(&j->lock);
    if (j->weights_changed && j->search) {
        luasearch_set_weights(j->search, j->weights, j->x.nobjectives);
        for (int o = 0; o < j->x.nobjectives; o++)
            j->x.objectives[o].weight = j->weights[o];
        j->weights_changed = 0;
    }
    pthread_mutex_unlock(&j->lock);
}

void job_request_reload(struct job *j) { j->want_reload = 1; }

/* ------------------------------------------------------------ ranking probe */

static const char ranking_header[] = "step,n,kendall_tau,tau_lo,tau_hi,spearman";

#define PROBE_MAX_ARCHS 24 /* architectures of the table the probe ranks */
#define PROBE_VAL_IMAGES 1000

/* The space's ground-truth table: next to a space file (NAME.truth.csv for
 * NAME.lua), or shipped in spaces/ for a built-in space.  None is fine. */
static void open_probe(struct job *j)
{
    char path[EXP_PATH_MAX + 16];
    const struct exp_ref *sp = &j->x.space;
    if (sp->is_path) {
        snprintf(path, sizeof path, "%s", sp->resolved);
        size_t l = strlen(path);
        if (l > 4 && strcmp(path + l - 4, ".lua") == 0)
            path[l - 4] = 0;
        strcat(path, ".truth.csv");
        if (!rundir_exists(path))
            return;
    } else {
        char name[SPACE_NAME_MAX + 16];
        struct err ignored;
        snprintf(name, sizeof name, "%s.truth.csv", j->space.name);
        if (cli_find_data("spaces", name, path, sizeof path, &ignored))
            return;
    }
    struct truth t;
    struct err e;
    if (truth_load(&t, path, &j->space, 0, &e)) {
        logf_(j, "warning: no ranking of the ground truth: %s", e.msg);
        return;
    }
    j->probe = calloc((size_t)(t.n ? t.n : 1), sizeof *j->probe);
    j->probe_truth = calloc((size_t)(t.n ? t.n : 1), sizeof *j->probe_truth);
    j->probe_pred = calloc((size_t)(t.n ? t.n : 1), sizeof *j->probe_pred);
    if (j->probe && j->probe_truth && j->probe_pred)
        j->nprobe = truth_average(&t, &j->space, 0, j->probe, j->probe_truth, NULL);
    truth_done(&t);
    if (j->nprobe > PROBE_MAX_ARCHS) {
        /* every k-th of the table by stand-alone accuracy: the sample spans
         * its whole range */
        int n = j->nprobe, *order = malloc((size_t)n * sizeof *order);
        if (order) {
            for (int i = 0; i < n; i++)
                order[i] = i;
            for (int a = 1; a < n; a++)
                for (int b = a; b > 0 && j->probe_truth[order[b]] < j->probe_truth[order[b - 1]];
                     b--) {
                    int tmp = order[b];
                    order[b] = order[b - 1];
                    order[b - 1] = tmp;
                }
            struct arch pick[PROBE_MAX_ARCHS];
            double acc[PROBE_MAX_ARCHS];
            for (int k = 0; k < PROBE_MAX_ARCHS; k++) {
                int i = order[(int)((double)k * (n - 1) / (PROBE_MAX_ARCHS - 1) + 0.5)];
                pick[k] = j->probe[i];
                acc[k] = j->probe_truth[i];
            }
            memcpy(j->probe, pick, sizeof pick);
            memcpy(j->probe_truth, acc, sizeof acc);
            j->nprobe = PROBE_MAX_ARCHS;
            free(order);
        }
    }
    if (j->nprobe < 2) {
        j->nprobe = 0;
        return;
    }
    snprintf(j->truth_file, sizeof j->truth_file, "%.1000s", path);
}

#define PROBE_RESAMPLES 1000

/* Ranks the table's architectures with the supernet as it stands: 0, 1 when
 * stopped, -1 on error. */
static int probe(struct job *j, struct err *e)
{
    if (!j->nprobe)
        return 0;
    char path[EXP_PATH_MAX + 16];
    path_in(path, sizeof path, j, "ranking.csv");
    if (!j->ranking && !(j->ranking = rundir_open_append(path, ranking_header, e)))
        return -1;
    struct split val = j->data.val;
    if (val.n > PROBE_VAL_IMAGES)
        val.n = PROBE_VAL_IMAGES;
    struct supernet_eval opt = {.calib_images = j->x.supernet.bn_recalibration,
                                .batch = EVAL_BATCH};
    if (opt.calib_images > j->data.train.n)
        opt.calib_images = j->data.train.n;
    for (int i = 0; i < j->nprobe; i++) {
        if (j->stop && *j->stop)
            return 1;
        double before;
        if (supernet_evaluate(j->train.sn, &j->probe[i], &val, &j->data.train, &opt, &before,
                              &j->probe_pred[i], e))
            return -1;
    }
    struct job_ranking r = {.step = j->train.step,
                            .n = j->nprobe,
                            .archs = j->probe,
                            .predicted = j->probe_pred,
                            .truth = j->probe_truth};
    r.tau = kendall_tau(j->probe_pred, j->probe_truth, j->nprobe);
    r.spearman = spearman_rho(j->probe_pred, j->probe_truth, j->nprobe);
    kendall_tau_ci(j->probe_pred, j->probe_truth, j->nprobe, PROBE_RESAMPLES, j->x.seed,
                   &r.tau_lo, &r.tau_hi);
    if (rundir_append(j->ranking, path, e, "%lld,%d,%.6f,%.6f,%.6f,%.6f\n", (long long)r.step, r.n,
                   r.tau, r.tau_lo, r.tau_hi, r.spearman))
        return -1;
    if (j->ev && j->ev->ranking)
        j->ev->ranking(j->ev->ud, j, &r);
    return 0;
}

/* One unit of work (a step, an evaluation) done: stops at stop_after. */
static void worked(struct job *j)
{
    if (++j->work == j->stop_after && j->stop)
        *j->stop = 1;
}

static const char history_header[] = "step,epoch,lr,loss,paths,seconds";

static int keep_ranking(void *ud, char *line, int lineno, struct err *e)
{
    return keep_history(ud, line, lineno, e);
}

static int train(struct job *j, struct err *e)
{
    const struct experiment *x = &j->x;
    char ckpt[EXP_PATH_MAX + 16], hist[EXP_PATH_MAX + 16];
    path_in(ckpt, sizeof ckpt, j, "supernet.ckpt");
    path_in(hist, sizeof hist, j, "history.csv");
    struct supertrain_config cfg = {.epochs = x->supernet.epochs,
                                    .batch = x->supernet.batch,
                                    .lr = x->supernet.lr,
                                    .iterations = x->supernet.iterations,
                                    .seed = x->seed,
                                    .train_images = x->dataset.train_images};
    if (!j->trained) {
        int have = rundir_exists(ckpt);
        if (supertrain_init(&j->train, &j->space, &j->sampler, &j->data.train, &cfg,
                            have ? ckpt : NULL, e))
            return -1;
        j->trained = 1;
        j->saved_step = j->train.step;
        char rk[EXP_PATH_MAX + 16];
        path_in(rk, sizeof rk, j, "ranking.csv");
        if (rundir_recover_csv(hist, history_header, keep_history, j, e) ||
            rundir_recover_csv(rk, ranking_header, keep_ranking, j, e))
            return -1;
        j->history = rundir_open_append(hist, history_header, e);
        if (!j->history)
            return -1;
    }
    if (j->train.step == j->train.total && j->saved_step == j->train.total)
        return 0; /* trained already (a resumed run, or job_run again) */
    set_phase(j, JOB_TRAIN);
    j->last_save = now_seconds();
    while (j->train.step < j->train.total) {
        if (j->stop && *j->stop) {
            if (save(j, e))
                return -1;
            return 1;
        }
        if (supertrain_step(&j->train, e) < 0)
            return -1;
        const struct supertrain *t = &j->train;
        if (rundir_append(j->history, hist, e, "%lld,%d,%.9g,%.9g,%d,%.6f\n", (long long)t->step,
                       t->epoch + 1, t->lr, t->loss, t->npaths, t->seconds))
            return -1;
        worked(j);
        if (j->ev && j->ev->step)
            j->ev->step(j->ev->ud, j);
        if (t->step < t->total &&
            (j->want_save || now_seconds() - j->last_save >= SAVE_EVERY_SECONDS) && save(j, e))
            return -1;
        if (t->step % t->steps_per_epoch == 0 || t->step == t->total) {
            int rc = probe(j, e);
            if (rc)
                return rc < 0 ? -1 : (save(j, e) ? -1 : 1);
        }
    }
    /* the final state (also when a resumed run found training complete:
     * saving again writes the same bytes) */
    return save(j, e);
}

/* ------------------------------------------------------------ search */

static int host_evaluate(void *ud, const struct arch *a, double *v, struct err *e)
{
    struct job *j = ud;
    apply_weights(j);
    if (j->stop && *j->stop)
        return err_plain(e, "stopped");
    double t0 = now_seconds(), before, after;
    struct supernet_eval opt = {.calib_images = j->x.supernet.bn_recalibration,
                                .batch = EVAL_BATCH};
    if (opt.calib_images > j->data.train.n)
        opt.calib_images = j->data.train.n;
    if (supernet_evaluate(j->train.sn, a, &j->data.val, &j->data.train, &opt, &before, &after, e))
        return -1;
    struct cost c = arch_cost(&j->space, a);
    v[M_ACCURACY] = after;
    v[M_ACCURACY_NO_RECAL] = before;
    v[M_PARAMS] = (double)c.params;
    v[M_MACS] = (double)c.macs;
    for (int i = 0; i < j->nlat; i++)
        v[N_ENGINE + i] = latency_predict(j->lat[i], a);
    j->eval_seconds = now_seconds() - t0;
    return 0;
}

static int host_recorded(void *ud, const struct arch *a, const double *v, int n, struct err *e)
{
    struct job *j = ud;
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1], path[EXP_PATH_MAX + 16];
    arch_format(&j->space, a, name, (int)sizeof name);
    path_in(path, sizeof path, j, "evaluations.csv");
    char row[4096];
    size_t used = (size_t)snprintf(row, sizeof row, "%s", name);
    for (int i = 0; i < n && used < sizeof row; i++)
        used += (size_t)snprintf(row + used, sizeof row - used, ",%.17g", v[i]);
    if (used < sizeof row)
        snprintf(row + used, sizeof row - used, ",%.3f\n", j->eval_seconds);
    if (rundir_append(j->evaluations, path, e, "%s", row))
        return -1;
    j->nevals++;
    worked(j);
    if (j->ev && j->ev->evaluated)
        j->ev->evaluated(j->ev->ud, j, a, v);
    return 0;
}

/* The objective matrix of rows metric rows m (n x nobj). */
static void objective_rows(const struct job *j, const double *m, int n, double *f)
{
    int k = j->x.nobjectives;
    for (int i = 0; i < n; i++)
        for (int o = 0; o < k; o++)
            f[i * k + o] = m[(size_t)i * j->nmetrics + j->obj_metric[o]];
}

static void maximize_flags(const struct job *j, int *mx)
{
    for (int o = 0; o < j->x.nobjectives; o++)
        mx[o] = j->x.objectives[o].direction == EXP_MAXIMIZE;
}

/* Indices of the non-dominated evaluations (each architecture once: the
 * evaluations are distinct), best first by the first objective. */
static int front_of_all(const struct job *j, int *idx)
{
    int n = job_nevaluations(j), k = j->x.nobjectives, mx[EXP_MAX_OBJECTIVES];
    if (n == 0)
        return 0;
    maximize_flags(j, mx);
    double *f = calloc((size_t)n * k, sizeof *f);
    int *rank = malloc((size_t)n * sizeof *rank);
    int count = 0;
    if (f && rank) {
        for (int i = 0; i < n; i++)
            objective_rows(j, job_evaluation(j, i, NULL), 1, f + (size_t)i * k);
        if (pareto_sort(f, n, k, mx, rank) >= 0)
            for (int i = 0; i < n; i++)
                if (rank[i] == 0)
                    idx[count++] = i;
        /* insertion sort by objective 0 */
        for (int a = 1; a < count; a++)
            for (int b = a; b > 0; b--) {
                double x0 = f[idx[b - 1] * k], x1 = f[idx[b] * k];
                int better = mx[0] ? x1 > x0 : x1 < x0;
                if (!better)
                    break;
                int t = idx[b];
                idx[b] = idx[b - 1];
                idx[b - 1] = t;
            }
    }
    free(f);
    free(rank);
    return count;
}

static void metrics_header(const struct job *j, char *out, size_t n, const char *first,
                           const char *last)
{
    size_t used = (size_t)snprintf(out, n, "%s", first);
    for (int i = 0; i < j->nmetrics && used < n; i++)
        used += (size_t)snprintf(out + used, n - used, ",%s", luasearch_metric_name(j->search, i));
    if (last && used < n)
        snprintf(out + used, n - used, ",%s", last);
}

/* The string form of evaluation i into name (n bytes); returns its metrics. */
static const double *evaluation_name(const struct job *j, int i, char *name, int n)
{
    struct arch a;
    const double *m = job_evaluation(j, i, &a);
    arch_format(&j->space, &a, name, n);
    return m;
}

static int write_pareto(struct job *j, struct err *e)
{
    int all = job_nevaluations(j);
    int *idx = malloc((size_t)(all > 0 ? all : 1) * sizeof *idx);
    size_t cap = 4096 + (size_t)all * (size_t)(j->nmetrics * 26 + 400), used = 0;
    char *text = malloc(cap);
    if (!idx || !text) {
        free(idx);
        free(text);
        return err_plain(e, "out of memory");
    }
    int n = front_of_all(j, idx);
    char head[2048];
    metrics_header(j, head, sizeof head, "arch", NULL);
    used += (size_t)snprintf(text + used, cap - used, "%s\n", head);
    for (int r = 0; r < n; r++) {
        char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
        const double *m = evaluation_name(j, idx[r], name, (int)sizeof name);
        used += (size_t)snprintf(text + used, cap - used, "%s", name);
        for (int i = 0; i < j->nmetrics; i++)
            used += (size_t)snprintf(text + used, cap - used, ",%.17g", m[i]);
        used += (size_t)snprintf(text + used, cap - used, "\n");
    }
    char path[EXP_PATH_MAX + 16];
    path_in(path, sizeof path, j, "pareto.csv");
    int rc = rundir_write_atomic(path, text, used, e);
    free(idx);
    free(text);
    return rc;
}

/* chosen.txt: on the front, the best architecture for each objective and the
 * best balanced one (the largest weighted sum of min-max normalised
 * objectives, the objectives' weights). */
static int write_chosen(struct job *j, struct err *e)
{
    int k = j->x.nobjectives, mx[EXP_MAX_OBJECTIVES];
    maximize_flags(j, mx);
    int all = job_nevaluations(j);
    int *idx = malloc((size_t)(all > 0 ? all : 1) * sizeof *idx);
    if (!idx)
        return err_plain(e, "out of memory");
    int n = front_of_all(j, idx);
    char text[16384];
    size_t used = (size_t)snprintf(text, sizeof text,
                                   "# the chosen architectures of %s: label, architecture\n",
                                   j->x.name);
    double *f = malloc((size_t)(n > 0 ? n : 1) * k * sizeof *f);
    double *score = malloc((size_t)(n > 0 ? n : 1) * sizeof *score);
    double w[EXP_MAX_OBJECTIVES];
    for (int o = 0; o < k; o++)
        w[o] = j->x.objectives[o].weight;
    if (n > 0 && f && score) {
        for (int r = 0; r < n; r++)
            objective_rows(j, job_evaluation(j, idx[r], NULL), 1, f + (size_t)r * k);
        char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
        for (int o = 0; o < k && used < sizeof text; o++) {
            int best = 0;
            for (int r = 1; r < n; r++) {
                double a = f[r * k + o], b = f[best * k + o];
                if (mx[o] ? a > b : a < b)
                    best = r;
            }
            evaluation_name(j, idx[best], name, (int)sizeof name);
            used += (size_t)snprintf(text + used, sizeof text - used, "best_%s\t%s\n",
                                     luasearch_metric_name(j->search, j->obj_metric[o]), name);
        }
        if (pareto_weighted_sum(f, n, k, mx, w, score) == 0 && used < sizeof text) {
            int best = 0;
            for (int r = 1; r < n; r++)
                if (score[r] > score[best])
                    best = r;
            evaluation_name(j, idx[best], name, (int)sizeof name);
            used += (size_t)snprintf(text + used, sizeof text - used, "balanced\t%s\n", name);
        }
    }
    free(f);
    free(score);
    free(idx);
    char path[EXP_PATH_MAX + 16];
    path_in(path, sizeof path, j, "chosen.txt");
    return rundir_write_atomic(path, text, used < sizeof text ? used : sizeof text - 1, e);
}

static int host_report(void *ud, int g, const struct arch *pop, int n, const double *m,
                       int nmetrics, struct err *e)
{
    struct job *j = ud;
    (void)nmetrics;
    apply_weights(j);
    j->generation = g;
    if (g > j->generations_written) {
        int k = j->x.nobjectives, mx[EXP_MAX_OBJECTIVES];
        maximize_flags(j, mx);
        double *f = malloc((size_t)(n > 0 ? n : 1) * k * sizeof *f);
        int *rank = malloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
        size_t cap = (size_t)n * (size_t)(k * 26 + 300) + 16, used = 0;
        char *rows = malloc(cap);
        if (!f || !rank || !rows) {
            free(f);
            free(rank);
            free(rows);
            return err_plain(e, "out of memory");
        }
        objective_rows(j, m, n, f);
        if (n > 0 && pareto_sort(f, n, k, mx, rank) < 0)
            memset(rank, 0, (size_t)n * sizeof *rank);
        for (int i = 0; i < n; i++) {
            char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
            arch_format(&j->space, &pop[i], name, (int)sizeof name);
            used += (size_t)snprintf(rows + used, cap - used, "%d,%s,%d", g, name, rank[i] + 1);
            for (int o = 0; o < k; o++)
                used += (size_t)snprintf(rows + used, cap - used, ",%.17g", f[i * k + o]);
            used += (size_t)snprintf(rows + used, cap - used, "\n");
        }
        free(f);
        free(rank);
        char path[EXP_PATH_MAX + 16];
        path_in(path, sizeof path, j, "generations.csv");
        /* one write per generation: a kill leaves it whole or torn, and a
         * torn one is dropped and written again on resume */
        int rc = rundir_append(j->generations, path, e, "%s", rows);
        free(rows);
        if (rc)
            return -1;
        j->generations_written = g;
        if (write_pareto(j, e))
            return -1;
    }
    if (j->ev && j->ev->generation)
        j->ev->generation(j->ev->ud, j, g, pop, n, m);
    return 0;
}

struct eval_reader {
    struct job *j;
    const char *path;
};

static int keep_evaluation(void *ud, char *line, int lineno, struct err *e)
{
    struct eval_reader *r = ud;
    struct job *j = r->j;
    char *comma = strchr(line, ',');
    if (!comma)
        return err_set(e, r->path, lineno, 1, "expected an architecture and its metrics");
    *comma = 0;
    struct arch a;
    if (arch_parse_at(&j->space, line, r->path, lineno, 1, &a, e))
        return -1;
    double v[JOB_MAX_METRICS];
    char *p = comma + 1;
    for (int i = 0; i < j->nmetrics; i++) {
        char *end;
        v[i] = strtod(p, &end);
        if (end == p || (*end != ',' && *end != 0))
            return err_set(e, r->path, lineno, (int)(p - line) + 1,
                           "expected the value of %s", luasearch_metric_name(j->search, i));
        p = *end ? end + 1 : end;
    }
    if (luasearch_preload(j->search, &a, v))
        return err_plain(e, "out of memory");
    j->nevals++;
    j->cached++;
    return 1;
}

static int keep_generation(void *ud, char *line, int lineno, struct err *e)
{
    struct job *j = ud;
    (void)lineno;
    (void)e;
    int g = atoi(line);
    if (g > j->generations_written)
        j->generations_written = g;
    return 1;
}

/* The second pass over generations.csv: a kill can cut a generation's block
 * after whole rows (a short write), so the last generation in the file is
 * dropped and written again when the strategy's replay reports it. */
static int drop_last_generation(void *ud, char *line, int lineno, struct err *e)
{
    const struct job *j = ud;
    (void)lineno;
    (void)e;
    return atoi(line) <= j->generations_written;
}

static int open_search_files(struct job *j, struct err *e)
{
    char path[EXP_PATH_MAX + 16], head[2048];
    path_in(path, sizeof path, j, "evaluations.csv");
    metrics_header(j, head, sizeof head, "arch", "seconds");
    struct eval_reader r = {j, path};
    if (rundir_recover_csv(path, head, keep_evaluation, &r, e))
        return -1;
    j->evaluations = rundir_open_append(path, head, e);
    if (!j->evaluations)
        return -1;
    path_in(path, sizeof path, j, "generations.csv");
    size_t used = (size_t)snprintf(head, sizeof head, "generation,arch,front");
    for (int o = 0; o < j->x.nobjectives; o++)
        used += (size_t)snprintf(head + used, sizeof head - used, ",%s",
                                 luasearch_metric_name(j->search, j->obj_metric[o]));
    if (rundir_recover_csv(path, head, keep_generation, j, e))
        return -1;
    if (j->generations_written > 0) {
        j->generations_written--;
        if (rundir_recover_csv(path, head, drop_last_generation, j, e))
            return -1;
    }
    j->generations = rundir_open_append(path, head, e);
    if (!j->generations)
        return -1;
    j->search_ready = 1;
    if (j->cached)
        logf_(j, "%lld evaluations of the earlier run are reused", (long long)j->cached);
    return 0;
}

/* Reads the strategy and metrics files again (the experiment's originals,
 * copied anew into the run directory) and restarts the strategy with every
 * evaluation so far.  On an error the old strategy stays. */
static void reload(struct job *j)
{
    struct luasearch *old = j->search;
    char strategy[EXP_PATH_MAX];
    struct err e;
    int was_resumed = j->resumed;
    j->resumed = 0; /* the originals, not the copies */
    shipped_library(j, 0);
    if (locate_scripts(j, strategy, sizeof strategy, &e)) {
        j->resumed = was_resumed;
        logf_(j, "reload: %s", e.msg);
        return;
    }
    j->resumed = was_resumed;
    j->search = NULL;
    int n = j->nmetrics;
    if (open_search(j, &e) == 0 && j->nmetrics != n) {
        err_plain(&e, "the metrics file now defines other metrics: start a new run to use them");
        luasearch_free(j->search);
        j->search = NULL;
    }
    int made = luasearch_count(old);
    for (int i = 0; j->search && i < made; i++) {
        struct arch a;
        const double *m = luasearch_at(old, i, &a);
        if (luasearch_preload(j->search, &a, m)) {
            err_plain(&e, "out of memory");
            luasearch_free(j->search);
            j->search = NULL;
        }
    }
    if (!j->search) {
        j->search = old;
        j->nmetrics = n;
        logf_(j, "reload: %s; the search goes on with the files it had", e.msg);
        return;
    }
    luasearch_free(old); /* open_search took the weights from j->x, kept up to date */
    if (copy_scripts(j, &e) || copy_library(j, &e))
        logf_(j, "reload: %s", e.msg);
    logf_(j, "reloaded %s: the strategy starts again with the %d evaluations made", strategy,
          made);
}

static int search(struct job *j, struct err *e)
{
    if (!j->search_ready && open_search_files(j, e))
        return -1;
    set_phase(j, JOB_SEARCH);
    for (;;) {
        if (j->want_reload) {
            j->want_reload = 0;
            reload(j);
        }
        if (luasearch_run(j->search, e) == 0)
            break;
        if (j->stop && *j->stop)
            return 1; /* a stop wins over a reload asked for at the same time */
        if (j->want_reload)
            continue;
        snprintf(j->traceback, sizeof j->traceback, "%s", luasearch_traceback(j->search));
        return -1;
    }
    if (write_pareto(j, e) || write_chosen(j, e))
        return -1;
    return 0;
}

int job_run(struct job *j, const struct job_events *ev, struct err *e)
{
    j->ev = ev;
    j->traceback[0] = 0;
    if (!j->flushed)
        flush_early(j);
    int rc = train(j, e);
    if (rc == 0)
        rc = search(j, e);
    if (rc == 0) {
        set_phase(j, JOB_DONE);
        char when[64];
        now_text(when, sizeof when);
        info(j, "done: %s\n", when);
    } else if (rc > 0) {
        set_status(j, "stopped");
        set_phase(j, JOB_STOPPED);
    } else {
        j->failure = *e;
        set_status(j, "failed: %s", e->msg);
        set_phase(j, JOB_FAILED);
    }
    return rc;
}
