/* luasearch: a search strategy written in Lua, run against the engine.
 *
 * A strategy file returns a table:
 *
 *     return {
 *         name = "nsga2",
 *         about = "NSGA-II (Deb et al. 2002) over the experiment's objectives",
 *         params = {mutation = 0.1, crossover = 0.9},  -- defaults of search.params
 *         run = function() ... end,                   -- the search
 *     }
 *
 * run() proposes architectures, asks for their metrics (oneshot.evaluate)
 * and reports each generation (oneshot.report).  The experiment's
 * search.params override the declared defaults; a key the strategy does not
 * declare is an error at its YAML line with a suggestion, and a value is
 * converted to the type of its default (integer, number, boolean, string).
 *
 * Metrics of an architecture: the engine's (the host names them: accuracy,
 * params, macs, latency, ...), then those of an optional metrics file, a
 * table of functions `name = function(m, a) return number end` called in
 * name order with the metrics so far.  Every architecture is evaluated once:
 * results are cached (the host may preload the cache from a run being
 * resumed).  Objectives are metrics with a direction and a weight.
 *
 * The Lua functions are in oneshot-lua(7) (and luaarch.h for architectures). */
#ifndef ONESHOT_LUASEARCH_H
#define ONESHOT_LUASEARCH_H

#include <signal.h>
#include <stdint.h>

#include "err.h"
#include "experiment.h"
#include "metrics.h"
#include "space.h"

#define LUASEARCH_MAX_METRICS METRICS_MAX
#define LUASEARCH_MEMORY (256u << 20)
#define LUASEARCH_INSTRUCTIONS 200000000L /* between two new evaluations or reports */

/* What the host does for a strategy.  Every callback returns 0, or -1 with e
 * filled (the search then stops with that error). */
struct luasearch_host {
    void *ud;
    /* The engine metrics of a (values[i] for the i-th engine metric name). */
    int (*evaluate)(void *ud, const struct arch *a, double *values, struct err *e);
    /* Generation `generation` (from 1) is done: its population pop[0..n) with
     * their metrics (all metrics, engine ones first), row i at values + i*nmetrics. */
    int (*report)(void *ud, int generation, const struct arch *pop, int n, const double *values,
                  int nmetrics, struct err *e);
    /* a was evaluated for the first time: all its metrics (may be NULL). */
    int (*recorded)(void *ud, const struct arch *a, const double *values, int nmetrics,
                    struct err *e);
    /* A line a script printed (print, oneshot.log). */
    void (*print)(void *ud, const char *text);
};

struct luasearch_config {
    const struct space *s;            /* borrowed */
    uint64_t seed;
    int generations, population;
    const char *strategy;             /* the strategy file */
    const char *metrics;              /* a metrics file, or NULL */
    const struct experiment *x;       /* search.params and objectives (borrowed) */
    const struct metrics *engine;     /* the engine's metrics (copied): the host's
                                         evaluate fills their values */
    volatile sig_atomic_t *interrupt; /* may be NULL: stops the search */
    volatile sig_atomic_t *restart;   /* may be NULL: interrupts it too, for the host to
                                         start another (a reload) */
    const char *library;              /* directory of the strategies that
                                         oneshot.strategy(name) loads, or NULL */
};

#define LUASEARCH_MAX_LOADED 8

struct luasearch;

/* Loads the strategy (and metrics) file, checks its table, the params and
 * that every objective names a metric.  NULL with e filled:
 *   nsga2.lua:12: error: ...                      the script failed
 *   nsga2.lua: error: the strategy must return a table with a function 'run'
 *   exp.yaml:14:5: error: search.params: unknown parameter 'mutaton' of strategy nsga2 (did you mean 'mutation'?)
 *   exp.yaml:14:15: error: search.params.mutation: expected a number, got 'lots'
 *   exp.yaml:20:11: error: objectives[1]: no metric 'reward' (known: accuracy, params, ...) */
struct luasearch *luasearch_new(const struct luasearch_config *c, const struct luasearch_host *h,
                                struct err *e);
void luasearch_free(struct luasearch *ls);

/* Every metric: the engine's, then the metrics file's (valid while ls
 * lives); and the same by count and name. */
const struct metrics *luasearch_metrics(const struct luasearch *ls);
int luasearch_nmetrics(const struct luasearch *ls);
const char *luasearch_metric_name(const struct luasearch *ls, int i);
/* The strategy's name (its table's `name`, else the file name). */
const char *luasearch_name(const struct luasearch *ls);
/* The files oneshot.strategy loaded (i < luasearch_nloaded), so a run can
 * keep copies of them. */
int luasearch_nloaded(const struct luasearch *ls);
const char *luasearch_loaded(const struct luasearch *ls, int i);

/* The value of each parameter after the YAML's overrides, as "k=v k=v". */
const char *luasearch_params(const struct luasearch *ls);

/* Puts metrics known from an earlier run (all nmetrics values) in the cache,
 * so they are not evaluated again; each counts against a run()'s budget
 * (generations x population) once the strategy asks for it.  0 or -1 (out
 * of memory). */
int luasearch_preload(struct luasearch *ls, const struct arch *a, const double *values);

/* The objectives' weights that oneshot.weights() returns from now on (n =
 * the number of objectives, each finite and > 0): MoGA's weights changed
 * while a search runs.  Call it from the thread that runs the search, between
 * two of its calls into the host.  0, or -1 for bad values. */
int luasearch_set_weights(struct luasearch *ls, const double *w, int n);

/* Every architecture evaluated or preloaded so far, in the order it was
 * first recorded: how many, and the i-th (into *a, may be NULL) with its
 * metrics (luasearch_nmetrics values; valid until the next evaluation). */
int luasearch_count(const struct luasearch *ls);
const double *luasearch_at(const struct luasearch *ls, int i, struct arch *a);

/* Runs the strategy's run() to its end, with a budget of generations x
 * population architectures asked for (new or cached) and its generations
 * counted from 1, both again at each call.  0, or -1 with e filled: a script
 * error (`nsga2.lua:40: error: in run: ...`, with luasearch_traceback), a
 * host callback's error, or `...: error: in run: interrupted`. */
int luasearch_run(struct luasearch *ls, struct err *e);
const char *luasearch_traceback(const struct luasearch *ls);
/* 1 when the last run ended because *interrupt was set. */
int luasearch_interrupted(const struct luasearch *ls);

#endif
