#include "tui_state.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "ctx.h"
#include "progress.h"
#include "standalone.h"
#include "tui_nao.h"

/* ------------------------------------------------------------ helpers */

/* Appends one row of r->cols values; a failed allocation drops the row. */
static void rows_push(struct tui_rows *r, const double *row)
{
    if (r->n == r->cap) {
        int cap = r->cap ? 2 * r->cap : 256;
        double *v = realloc(r->v, (size_t)cap * r->cols * sizeof *v);
        if (!v)
            return;
        r->v = v;
        r->cap = cap;
    }
    memcpy(r->v + (size_t)r->n * r->cols, row, (size_t)r->cols * sizeof *row);
    r->n++;
}

/* Drops the rows whose first value (a step) is >= step: they are about to be
 * made again (a resumed run retrains past its checkpoint). */
static void rows_cut(struct tui_rows *r, double step)
{
    while (r->n > 0 && r->v[(size_t)(r->n - 1) * r->cols] >= step)
        r->n--;
}

const char *tui_metric_unit(const char *name, double *scale)
{
    *scale = 1;
    if (strncmp(name, "accuracy", 8) == 0) {
        *scale = 100;
        return "%";
    }
    if (strncmp(name, "latency", 7) == 0)
        return "ms";
    if (strcmp(name, "params") == 0)
        return "count";
    if (strcmp(name, "macs") == 0)
        return "MACs";
    return "";
}

static int guess_level(const char *text)
{
    if (strstr(text, "error") || strstr(text, "stack traceback") || text[0] == '\t')
        return TUI_ERROR;
    if (strstr(text, "warning"))
        return TUI_WARN;
    return TUI_INFO;
}

/* One line into the ring, under lock. */
static void log_line(struct tui_state *s, int level, const char *text, size_t len)
{
    struct tui_log_line *l = &s->log[(s->log_head + s->log_n) % TUI_LOG_LINES];
    if (s->log_n == TUI_LOG_LINES)
        s->log_head = (s->log_head + 1) % TUI_LOG_LINES;
    else
        s->log_n++;
    size_t o = 0;
    for (size_t i = 0; i < len && o + 1 < sizeof l->text; i++) {
        unsigned char c = (unsigned char)text[i];
        if (c == '\t') {
            do
                l->text[o++] = ' ';
            while (o % 4 && o + 1 < sizeof l->text);
        } else if (c >= 0x20 && c != 0x7f) {
            l->text[o++] = (char)c;
        }
    }
    l->text[o] = 0;
    l->level = (uint8_t)(level < 0 ? guess_level(l->text) : level);
    s->log_total++;
    s->version++;
}

void tui_state_log(struct tui_state *s, int level, const char *fmt, ...)
{
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    /* a multi-line text (an error and its traceback) keeps one level */
    int lv = level >= 0 ? level : guess_level(buf);
    pthread_mutex_lock(&s->lock);
    const char *p = buf;
    for (;;) {
        const char *nl = strchr(p, '\n');
        log_line(s, lv, p, nl ? (size_t)(nl - p) : strlen(p));
        if (!nl || !nl[1])
            break;
        p = nl + 1;
    }
    pthread_mutex_unlock(&s->lock);
}

const struct tui_log_line *tui_state_log_line(const struct tui_state *s, int i)
{
    if (i < 0 || i >= s->log_n)
        return NULL;
    return &s->log[(s->log_head + s->log_n - 1 - i) % TUI_LOG_LINES];
}

const struct tui_result *tui_state_result(const struct tui_state *s, const struct arch *a)
{
    for (int i = s->nresults - 1; i >= 0; i--)
        if (s->results[i].arch.n == a->n &&
            memcmp(s->results[i].arch.choice, a->choice, (size_t)a->n * sizeof *a->choice) == 0)
            return &s->results[i];
    return NULL;
}

static void add_result(struct tui_state *s, const struct tui_result *r)
{
    if (s->nresults == s->capresults) {
        int cap = s->capresults ? 2 * s->capresults : 16;
        struct tui_result *v = realloc(s->results, (size_t)cap * sizeof *v);
        if (!v)
            return;
        s->results = v;
        s->capresults = cap;
    }
    s->results[s->nresults++] = *r;
}

/* ------------------------------------------------------------ setup */

void tui_state_clear(struct tui_state *s)
{
    memset(s, 0, sizeof *s);
    pthread_mutex_init(&s->lock, NULL);
    pthread_cond_init(&s->wake, NULL);
    s->history.cols = 3;
    s->taus.cols = 4;
    s->sp_history.cols = 5;
    s->rc = 0;
}

/* The rows of a CSV file of the run directory, after its header: each line
 * is handed to row() (a resumed run's history). */
static void read_csv(struct tui_state *s, const char *name,
                     void (*row)(struct tui_state *s, const char *line))
{
    char path[EXP_PATH_MAX + 32], line[8192];
    snprintf(path, sizeof path, "%s/%s", s->dir, name);
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    int first = 1;
    while (fgets(line, sizeof line, f)) {
        size_t l = strlen(line);
        if (l == 0 || line[l - 1] != '\n') /* torn by a kill */
            break;
        line[l - 1] = 0;
        if (!first)
            row(s, line);
        first = 0;
    }
    fclose(f);
}

static void history_row(struct tui_state *s, const char *line)
{
    long long step;
    int epoch;
    double lr, loss;
    if (sscanf(line, "%lld,%d,%lf,%lf", &step, &epoch, &lr, &loss) == 4) {
        double row[3] = {(double)step, loss, lr};
        rows_push(&s->history, row);
        s->step = step;
        s->loss = loss;
        s->lr = lr;
        s->epoch = epoch - 1;
    }
}

static void ranking_row(struct tui_state *s, const char *line)
{
    long long step;
    int n;
    double tau, lo, hi, rho;
    if (sscanf(line, "%lld,%d,%lf,%lf,%lf,%lf", &step, &n, &tau, &lo, &hi, &rho) == 6) {
        double row[4] = {(double)step, tau, lo, hi};
        rows_push(&s->taus, row);
        s->tau = tau;
        s->tau_lo = lo;
        s->tau_hi = hi;
        s->rho = rho;
        s->rank_step = step;
    }
}

/* singlepath.csv: step,epoch,warm,lr,lambda,loss,cross_entropy,runtime_ms,arch,seconds */
static void sp_row(struct tui_state *s, const char *line)
{
    long long step;
    int epoch, warm;
    double lr, lambda, loss, ce, ms;
    if (sscanf(line, "%lld,%d,%d,%lf,%lf,%lf,%lf,%lf", &step, &epoch, &warm, &lr, &lambda, &loss,
               &ce, &ms) == 8) {
        double row[5] = {(double)step, loss, ce, ms, warm};
        rows_push(&s->sp_history, row);
    }
}

/* The architecture a row of a results file starts with, into *a: what
 * follows its comma, or NULL. */
static const char *row_arch(const struct tui_state *s, const char *line, struct arch *a)
{
    char name[1024];
    struct err e;
    const char *comma = strchr(line, ',');
    if (!comma || (size_t)(comma - line) >= sizeof name)
        return NULL;
    memcpy(name, line, (size_t)(comma - line));
    name[comma - line] = 0;
    return arch_parse(&s->space, name, "", a, &e) == 0 ? comma + 1 : NULL;
}

/* standalone.csv: arch,epochs,val_accuracy,seconds */
static void result_row(struct tui_state *s, const char *line)
{
    struct tui_result r;
    const char *rest = row_arch(s, line, &r.arch);
    if (rest && sscanf(rest, "%d,%lf,%lf", &r.epochs, &r.accuracy, &r.seconds) == 3)
        add_result(s, &r);
}

/* retrained.csv: arch,seed,epochs,images,inherited_accuracy,val_accuracy,...,seconds */
static void retrained_row(struct tui_state *s, const char *line)
{
    struct tui_result r;
    const char *rest = row_arch(s, line, &r.arch);
    if (rest && sscanf(rest, "%*f,%d,%*f,%*f,%lf", &r.epochs, &r.accuracy) == 2 &&
        sscanf(strrchr(rest, ',') + 1, "%lf", &r.seconds) == 1)
        add_result(s, &r);
}

int tui_state_init(struct tui_state *s, struct runner *r, struct err *e)
{
    const struct runner_info *in = runner_info(r);
    const struct experiment *x = in->x;
    s->run = r;
    s->space = *in->space;
    snprintf(s->dir, sizeof s->dir, "%s", in->dir);
    snprintf(s->name, sizeof s->name, "%s", x->name);
    snprintf(s->sampler, sizeof s->sampler, "%s", in->sampler);
    snprintf(s->strategy, sizeof s->strategy, "%s", in->strategy);
    struct objectives o;
    runner_objectives(r, &o);
    s->nobj = o.n;
    for (int i = 0; i < s->nobj; i++) {
        snprintf(s->obj_name[i], sizeof s->obj_name[i], "%s", x->objectives[i].name);
        s->obj_metric[i] = o.metric[i];
        s->maximize[i] = o.maximize[i];
        s->weight0[i] = x->objectives[i].weight;
    }
    const struct metrics *mt = runner_metrics(r);
    s->nmetrics = mt->n;
    for (int i = 0; i < s->nmetrics; i++)
        snprintf(s->metric[i], sizeof s->metric[i], "%s", mt->m[i].name);
    s->singlepath = x->method == EXP_SINGLEPATH;
    s->nao = x->method == EXP_NAO;
    s->epochs = s->singlepath ? x->singlepath.epochs : x->supernet.epochs;
    s->batch = experiment_batch(x);
    s->lambda = x->singlepath.lambda;
    runner_singlepath(r, &s->sp);
    s->generations = x->search.generations;
    s->population = x->search.population;
    struct runner_progress p;
    runner_progress(r, &p);
    s->phase = p.phase;
    s->log = calloc(TUI_LOG_LINES, sizeof *s->log);
    if (!s->log)
        return err_plain(e, "out of memory");
    if (in->resumed) {
        read_csv(s, "history.csv", history_row);
        read_csv(s, "ranking.csv", ranking_row);
        read_csv(s, "singlepath.csv", sp_row);
    }
    read_csv(s, "standalone.csv", result_row);
    read_csv(s, "retrained.csv", retrained_row);
    const struct exp_ref *dev = &x->latency.device;
    const char *device = dev->is_path ? dev->resolved : dev->text;
    if (strcmp(device, "host") != 0) {
        s->latency = malloc(sizeof *s->latency);
        struct err le;
        struct ctx c;
        ctx_init(&c, in->threads);
        if (s->latency && cli_latency_device(s->latency, device, &s->space, &c, &le) != 0) {
            tui_state_log(s, TUI_WARN, "warning: no per-layer latencies: %s", le.msg);
            free(s->latency);
            s->latency = NULL;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ the run's events */

/* Blocks while paused, unless a single step is allowed.  Under lock. */
static void gate(struct tui_state *s)
{
    while (s->paused && s->steps_allowed == 0 && !s->quit) {
        if (!s->held) {
            s->held = 1;
            s->version++;
        }
        pthread_cond_wait(&s->wake, &s->lock);
        /* a save asked for while paused: done here, in the run's thread,
         * without holding the UI up */
        pthread_mutex_unlock(&s->lock);
        struct err e;
        int rc = runner_save_pending(s->run, &e);
        pthread_mutex_lock(&s->lock);
        if (rc)
            log_line(s, TUI_ERROR, e.msg, strlen(e.msg));
    }
    s->held = 0;
    if (s->paused && s->steps_allowed > 0)
        s->steps_allowed--;
}

/* Copies what the run has and the snapshot not yet: training figures,
 * counts, new evaluations.  Under lock, in the run's thread. */
static void sync_run(struct tui_state *s, const struct runner *r)
{
    struct runner_progress p;
    runner_progress(r, &p);
    s->phase = p.phase;
    s->generation = p.generation;
    s->nevals = p.nevals;
    s->total = p.total;
    s->step = p.step;
    s->loss = p.loss;
    s->lr = p.lr;
    s->epoch = p.epoch;
    s->npaths = p.npaths;
    s->step_seconds = p.step_seconds;
    s->retrained = p.retrained;
    s->retrainings = p.retrainings;
    s->rstep = p.rstep;
    s->rtotal = p.rtotal;
    runner_counts(r, s->trainings, s->updates);
    runner_singlepath(r, &s->sp);
    if (s->nao)
        tui_nao_sync(s, r);
    while (s->nev < runner_nevaluations(r)) {
        if (s->nev == s->capev) {
            int cap = s->capev ? 2 * s->capev : 256;
            struct arch *a = realloc(s->ev_arch, (size_t)cap * sizeof *a);
            if (a)
                s->ev_arch = a;
            double *m = realloc(s->ev_m, (size_t)cap * (s->nmetrics ? s->nmetrics : 1) * sizeof *m);
            if (m)
                s->ev_m = m;
            if (!a || !m)
                break;
            s->capev = cap;
        }
        const double *m = runner_evaluation(r, s->nev, &s->ev_arch[s->nev]);
        memcpy(&s->ev_m[(size_t)s->nev * s->nmetrics], m, (size_t)s->nmetrics * sizeof *m);
        s->nev++;
    }
    s->version++;
}

static void ev_phase(void *ud, const struct runner *r)
{
    struct tui_state *s = ud;
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    pthread_mutex_unlock(&s->lock);
    struct runner_progress p;
    runner_progress(r, &p);
    char from[EXP_PATH_MAX + 64];
    if (p.phase == RUNNER_TRAIN)
        tui_state_log(s, TUI_INFO, "training the supernet of %s with the %s sampler: %lld steps%s",
                      s->space.name, s->sampler, (long long)p.total,
                      runner_train_origin(r, from, sizeof from));
    else if (p.phase == RUNNER_SINGLEPATH && s->sp.tuning)
        tui_state_log(s, TUI_INFO,
                      "Single-Path NAS over %s with lambda tuned for %g ms: up to %d trials "
                      "forked from one warm-up, the first with lambda %g",
                      s->space.name, s->sp.target_ms, s->sp.trials, s->lambda);
    else if (p.phase == RUNNER_SINGLEPATH)
        tui_state_log(s, TUI_INFO,
                      "Single-Path NAS over %s: %lld steps, the first %lld the warm-up (lambda 0, "
                      "decisions dropped), then lambda %g%s",
                      s->space.name, (long long)s->sp.total, (long long)s->sp.warmup_steps,
                      s->lambda, s->sp.step ? " (resumed)" : "");
    else if (p.phase == RUNNER_NAO)
        tui_state_log(s, TUI_INFO,
                      "NAO over %s: %d rounds, each training the supernet on its new "
                      "architectures, scoring the pool and decoding new ones; then a re-rank%s",
                      s->space.name, s->nao_run.rounds, s->nao_run.evaluated ? " (resumed)" : "");
    else if (p.phase == RUNNER_SEARCH)
        tui_state_log(s, TUI_INFO, "searching with %s: %d generations of %d", s->strategy,
                      s->generations, s->population);
    else if (p.phase == RUNNER_RETRAIN)
        tui_state_log(s, TUI_INFO, "retraining %d of the search's picks stand-alone%s",
                      p.retrainings - p.retrained, p.retrained ? " (resumed)" : "");
    else if (p.phase == RUNNER_DONE && s->nao)
        tui_state_log(s, TUI_INFO, "done: chosen.txt has NAO's architecture; results in %s",
                      s->dir);
    else if (p.phase == RUNNER_DONE && s->singlepath)
        tui_state_log(s, TUI_INFO, "done: Single-Path NAS chose the architecture shown; results "
                                   "in %s",
                      s->dir);
    else if (p.phase == RUNNER_DONE)
        tui_state_log(s, TUI_INFO, "done: %lld architectures evaluated; results in %s",
                      (long long)p.nevals, s->dir);
}

static void ev_step(void *ud, const struct runner *r)
{
    struct tui_state *s = ud;
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    rows_cut(&s->history, (double)s->step);
    double row[3] = {(double)s->step, s->loss, s->lr};
    rows_push(&s->history, row);
    gate(s);
    pthread_mutex_unlock(&s->lock);
}

static void ev_sp_step(void *ud, const struct runner *r)
{
    struct tui_state *s = ud;
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    rows_cut(&s->sp_history, (double)s->sp.step);
    double row[5] = {(double)s->sp.step, s->sp.loss, s->sp.ce, s->sp.runtime_ms, s->sp.warm};
    rows_push(&s->sp_history, row);
    gate(s);
    pthread_mutex_unlock(&s->lock);
}

static void ev_sp_epoch(void *ud, const struct runner *r)
{
    struct tui_state *s = ud;
    struct runner_singlepath sp;
    runner_singlepath(r, &sp);
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(&s->space, &sp.arch, name, (int)sizeof name);
    int changed = 0;
    for (int l = 0; l < sp.arch.n; l++)
        changed += sp.flipped[l] > sp.step - sp.steps_per_epoch;
    char trial[32] = "";
    if (sp.tuning && sp.trial > 0)
        snprintf(trial, sizeof trial, "trial %d, ", sp.trial);
    tui_state_log(s, TUI_INFO, "%sepoch %d/%d: R %.4g ms%s; decisions: %s (%.4g ms), %d changed",
                  trial, sp.epoch + 1, sp.epochs, sp.runtime_ms, sp.warm ? " (warm-up)" : "",
                  name, sp.arch_ms, changed);
}

static void ev_evaluated(void *ud, const struct runner *r, const struct arch *a, const double *m)
{
    struct tui_state *s = ud;
    (void)a;
    (void)m;
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    gate(s);
    pthread_mutex_unlock(&s->lock);
}

static void ev_generation(void *ud, const struct runner *r, int g, const struct arch *pop, int n,
                          const double *m)
{
    struct tui_state *s = ud;
    (void)pop;
    (void)m;
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    s->generation = g;
    int64_t nevals = s->nevals;
    pthread_mutex_unlock(&s->lock);
    tui_state_log(s, TUI_INFO, "generation %d/%d: %d architectures, %lld evaluated", g,
                  s->generations, n, (long long)nevals);
}

static void ev_retrain_step(void *ud, const struct runner *r)
{
    struct tui_state *s = ud;
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    gate(s);
    pthread_mutex_unlock(&s->lock);
}

static void ev_retrained(void *ud, const struct runner *r, const struct runner_retrained *rt)
{
    struct tui_state *s = ud;
    struct tui_result res = {rt->arch, rt->epochs, rt->accuracy, rt->seconds};
    pthread_mutex_lock(&s->lock);
    add_result(s, &res);
    sync_run(s, r);
    pthread_mutex_unlock(&s->lock);
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(&s->space, &rt->arch, name, (int)sizeof name);
    tui_state_log(s, TUI_INFO,
                  "retrained %s (seed %llu): val accuracy %.4f stand-alone, %.4f %s (%.1f s)",
                  name, (unsigned long long)rt->seed, rt->accuracy, rt->inherited,
                  s->singlepath ? "by the search" : "in the supernet", rt->seconds);
}

/* Method nao: a round committed (rerank 0) or a re-rank ended (1): its line
 * in the log. */
static void nao_note(struct tui_state *s, const struct runner *r, int rerank)
{
    char text[TUI_LOG_WIDTH];
    pthread_mutex_lock(&s->lock);
    sync_run(s, r);
    if (rerank)
        tui_nao_rerank_text(s, text, sizeof text);
    else
        tui_nao_round_text(s, text, sizeof text);
    pthread_mutex_unlock(&s->lock);
    if (text[0])
        tui_state_log(s, TUI_INFO, "%s", text);
}

static void ev_nao_round(void *ud, const struct runner *r) { nao_note(ud, r, 0); }

static void ev_nao_reranked(void *ud, const struct runner *r) { nao_note(ud, r, 1); }

static void ev_log(void *ud, const char *text)
{
    struct tui_state *s = ud;
    tui_state_log(s, -1, "%s", text);
}

static void ev_ranking(void *ud, const struct runner *run, const struct runner_ranking *r)
{
    struct tui_state *s = ud;
    (void)run;
    pthread_mutex_lock(&s->lock);
    if (r->n != s->nrank) {
        double *p = realloc(s->rank_pred, (size_t)(r->n > 0 ? r->n : 1) * sizeof *p);
        if (p)
            s->rank_pred = p;
        double *t = realloc(s->rank_truth, (size_t)(r->n > 0 ? r->n : 1) * sizeof *t);
        if (t)
            s->rank_truth = t;
        s->nrank = p && t ? r->n : 0;
    }
    if (s->nrank) {
        memcpy(s->rank_pred, r->predicted, (size_t)s->nrank * sizeof *s->rank_pred);
        memcpy(s->rank_truth, r->truth, (size_t)s->nrank * sizeof *s->rank_truth);
    }
    s->tau = r->tau;
    s->tau_lo = r->tau_lo;
    s->tau_hi = r->tau_hi;
    s->rho = r->spearman;
    s->rank_step = r->step;
    rows_cut(&s->taus, (double)r->step);
    double row[4] = {(double)r->step, r->tau, r->tau_lo, r->tau_hi};
    rows_push(&s->taus, row);
    s->version++;
    pthread_mutex_unlock(&s->lock);
}

static void *worker_main(void *arg)
{
    struct tui_state *s = arg;
    struct runner *r = s->run;
    struct ctx c;
    ctx_init(&c, runner_info(r)->threads); /* OpenMP's thread count is per thread */
    const struct runner_events ev = {.ud = s,
                                  .phase = ev_phase,
                                  .step = ev_step,
                                  .evaluated = ev_evaluated,
                                  .generation = ev_generation,
                                  .log = ev_log,
                                  .ranking = ev_ranking,
                                  .retrain_step = ev_retrain_step,
                                  .retrained = ev_retrained,
                                  .sp_step = ev_sp_step,
                                  .sp_epoch = ev_sp_epoch,
                                  .nao_step = ev_retrain_step, /* (a sync, and the pause) */
                                  .nao_round = ev_nao_round,
                                  .nao_reranked = ev_nao_reranked};
    for (;;) {
        struct err e = {0};
        int rc = runner_run(r, &ev, &e);
        pthread_mutex_lock(&s->lock);
        s->rc = rc;
        s->running = 0;
        struct runner_progress p;
        runner_progress(r, &p);
        s->phase = p.phase;
        s->version++;
        if (rc < 0)
            s->failure = e;
        int quit = s->quit;
        pthread_mutex_unlock(&s->lock);
        if (rc < 0)
            tui_state_log(s, TUI_ERROR, "%s", e.msg);
        if (rc < 0 && runner_traceback(r)[0]) /* the run's thread: runner_run has returned */
            tui_state_log(s, TUI_ERROR, "%s", runner_traceback(r));
        if (rc < 0 && !quit)
            tui_state_log(s, TUI_WARN,
                          "the run is paused: fix the file and press r to reload it and go on, "
                          "or q to quit (oneshot tui --resume %s continues later)",
                          s->dir);
        if (rc > 0 || quit)
            break;
        pthread_mutex_lock(&s->lock);
        while (!s->retry && !s->quit)
            pthread_cond_wait(&s->wake, &s->lock);
        quit = s->quit;
        s->retry = 0;
        if (!quit)
            s->running = 1;
        pthread_mutex_unlock(&s->lock);
        if (quit)
            break;
        runner_request_reload(r);
    }
    pthread_mutex_lock(&s->lock);
    s->worker_done = 1;
    s->version++;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int tui_state_start(struct tui_state *s, struct err *e)
{
    s->running = 1;
    int rc = pthread_create(&s->worker, NULL, worker_main, s);
    if (rc != 0) {
        s->running = 0;
        return err_plain(e, "cannot start the run's thread: %s", strerror(rc));
    }
    s->started = 1;
    return 0;
}

void tui_state_save(struct tui_state *s)
{
    runner_request_save(s->run);
    pthread_mutex_lock(&s->lock);
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void tui_state_pause(struct tui_state *s, int paused)
{
    pthread_mutex_lock(&s->lock);
    s->paused = paused;
    s->steps_allowed = 0;
    s->version++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void tui_state_step(struct tui_state *s)
{
    pthread_mutex_lock(&s->lock);
    if (s->paused)
        s->steps_allowed++;
    else
        s->paused = 1;
    s->version++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void tui_state_quit(struct tui_state *s)
{
    pthread_mutex_lock(&s->lock);
    s->quit = 1;
    s->stop = 1;
    s->solo_stop = 1;
    s->version++;
    pthread_cond_broadcast(&s->wake);
    pthread_mutex_unlock(&s->lock);
}

void tui_state_retry(struct tui_state *s)
{
    pthread_mutex_lock(&s->lock);
    int running = s->running;
    if (!running) {
        s->retry = 1;
        pthread_cond_broadcast(&s->wake);
    }
    int paused = s->paused;
    pthread_mutex_unlock(&s->lock);
    if (running && s->singlepath) {
        tui_state_log(s, TUI_INFO, "nothing to reload: a Single-Path run has no strategy or "
                                   "metrics files");
    } else if (running) {
        runner_request_reload(s->run);
        tui_state_log(s, TUI_INFO, "reload requested: the strategy and metrics files are read "
                                   "again at the next evaluation%s",
                      paused ? " (the run is paused)" : "");
    } else {
        tui_state_log(s, TUI_INFO, "reloading the strategy and metrics files and running again");
    }
}

/* ------------------------------------------------------------ stand-alone training */

static void *solo_main(void *arg)
{
    struct tui_state *s = arg;
    struct ctx c;
    ctx_init(&c, 1); /* in the background: one core */
    struct standalone sa;
    struct err e;
    int rc = standalone_begin(&sa, s->run, &s->solo_arch, s->epochs, &e);
    if (rc == 0) {
        pthread_mutex_lock(&s->lock);
        s->solo_total = sa.t.total;
        pthread_mutex_unlock(&s->lock);
        rc = 1;
        while (rc > 0 && !s->solo_stop) {
            rc = standalone_step(&sa, &e);
            pthread_mutex_lock(&s->lock);
            s->solo_step = sa.t.step;
            s->solo_loss = sa.t.loss;
            s->version++;
            pthread_mutex_unlock(&s->lock);
        }
    }
    int finished = 0;
    if (rc == 0) {
        if (standalone_finish(&sa, &e) != 0 && sa.seconds > 0)
            tui_state_log(s, TUI_ERROR, "%s", e.msg); /* trained, but not written */
        finished = sa.seconds > 0;
    }
    if (finished) {
        struct tui_result res = {sa.arch, sa.t.cfg.epochs, sa.accuracy, sa.seconds};
        pthread_mutex_lock(&s->lock);
        add_result(s, &res);
        pthread_mutex_unlock(&s->lock);
        tui_state_log(s, TUI_INFO, "stand-alone %s: val accuracy %.4f after %d epoch%s (%.0f s)",
                      sa.name, sa.accuracy, res.epochs, res.epochs == 1 ? "" : "s", sa.seconds);
    } else if (rc > 0) {
        tui_state_log(s, TUI_INFO, "stand-alone training of %s stopped", sa.name);
    } else {
        tui_state_log(s, TUI_ERROR, "stand-alone training: %s", e.msg);
    }
    standalone_end(&sa);
    pthread_mutex_lock(&s->lock);
    s->solo_running = 0;
    s->version++;
    pthread_mutex_unlock(&s->lock);
    return NULL;
}

int tui_state_train(struct tui_state *s, const struct arch *a, struct err *e)
{
    pthread_mutex_lock(&s->lock);
    if (s->solo_running) {
        pthread_mutex_unlock(&s->lock);
        return err_plain(e, "a stand-alone training runs already");
    }
    if (s->solo_started) { /* the last one has ended: reap it */
        pthread_join(s->solo_thread, NULL);
        s->solo_started = 0;
    }
    s->solo_arch = *a;
    s->solo_step = 0;
    s->solo_total = 0;
    s->solo_loss = 0;
    s->solo_stop = 0;
    s->solo_running = 1;
    int rc = pthread_create(&s->solo_thread, NULL, solo_main, s);
    if (rc != 0) {
        s->solo_running = 0;
        pthread_mutex_unlock(&s->lock);
        return err_plain(e, "cannot start the training thread: %s", strerror(rc));
    }
    s->solo_started = 1;
    pthread_mutex_unlock(&s->lock);
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(&s->space, a, name, (int)sizeof name);
    tui_state_log(s, TUI_INFO, "training %s stand-alone in the background: %d epoch%s of %d images",
                  name, s->epochs, s->epochs == 1 ? "" : "s", runner_train_split(s->run)->n);
    return 0;
}

void tui_state_done(struct tui_state *s)
{
    if (s->started)
        pthread_join(s->worker, NULL);
    if (s->solo_started) {
        s->solo_stop = 1;
        pthread_join(s->solo_thread, NULL);
    }
    free(s->history.v);
    free(s->taus.v);
    free(s->sp_history.v);
    free(s->nao_pool);
    free(s->rank_pred);
    free(s->rank_truth);
    free(s->ev_arch);
    free(s->ev_m);
    free(s->log);
    free(s->results);
    free(s->latency);
    pthread_cond_destroy(&s->wake);
    pthread_mutex_destroy(&s->lock);
    memset(s, 0, sizeof *s);
}
