/* job: one experiment run end to end, into a run directory.
 *
 * Both front ends drive it: `oneshot run` (headless, a progress bar on
 * stderr) and the TUI (in a worker thread).  A run trains the supernet with
 * the experiment's sampler, then runs the Lua search strategy against it.
 * Everything it learns goes to files as it happens, so a run stopped or
 * killed at any point loses nothing and `job_open(..., resume)` continues it:
 *
 *   experiment.yaml    the experiment as resolved (every key, paths absolute)
 *   info.txt           version, BLAS kernel, seed, threads, strategy and its
 *                      parameters, start and resume times, command lines
 *   strategy.lua ...   copies of the Lua files the run uses (a resume uses
 *                      the copies, not files edited since)
 *   supernet.ckpt      the supernet, its optimiser, sampler and step
 *                      (written atomically every minute and at the end of
 *                      training)
 *   history.csv        step,epoch,lr,loss,paths,seconds: one row per step
 *   evaluations.csv    every evaluated architecture and its metrics
 *   generations.csv    each generation's population, front and objectives
 *   pareto.csv         the non-dominated architectures of all evaluations
 *   chosen.txt         the front's best architecture for each objective and
 *                      the best balanced one (weighted, normalised)
 *   status             training, searching, done, stopped or failed: why
 *
 * Resuming: training continues from the checkpoint (rows of history.csv
 * past it are dropped: they are trained again, identically); the search
 * strategy runs again from its start with every evaluation already made
 * taken from evaluations.csv, so it replays (the same seed gives the same
 * proposals) to where it stopped and goes on. */
#ifndef ONESHOT_JOB_H
#define ONESHOT_JOB_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "data.h"
#include "err.h"
#include "experiment.h"
#include "sampler.h"
#include "space.h"
#include "supertrain.h"

#define JOB_MAX_METRICS 32

enum job_phase { JOB_SETUP, JOB_TRAIN, JOB_SEARCH, JOB_DONE, JOB_STOPPED, JOB_FAILED };

struct job;

/* How well the supernet ranks the architectures of the space's ground-truth
 * table (spaces/SPACE.truth.csv, when there is one) at a training step:
 * Kendall tau-b of the supernet's accuracy (recalibrated) against the
 * table's stand-alone accuracy, its 95% bootstrap interval, Spearman rho.
 * The arrays hold n entries and are valid during the callback. */
struct job_ranking {
    int64_t step;
    int n;
    double tau, tau_lo, tau_hi, spearman;
    const struct arch *archs;
    const double *predicted; /* supernet accuracy */
    const double *truth;     /* stand-alone accuracy of the table */
};

/* What a front end hears.  Every callback may be NULL; they run in the
 * thread that calls job_run and may block (a paused TUI). */
struct job_events {
    void *ud;
    void (*phase)(void *ud, const struct job *j);
    /* after each supernet step: j->train.step, .loss, .lr, ... */
    void (*step)(void *ud, const struct job *j);
    /* an architecture was evaluated (m: job_nmetrics values) */
    void (*evaluated)(void *ud, const struct job *j, const struct arch *a, const double *m);
    /* generation g is done: its population and their metrics (row-major) */
    void (*generation)(void *ud, const struct job *j, int g, const struct arch *pop, int n,
                       const double *m);
    /* a line from a script (print) or a warning of the run */
    void (*log)(void *ud, const char *text);
    /* the supernet ranked the ground-truth table (end of each epoch) */
    void (*ranking)(void *ud, const struct job *j, const struct job_ranking *r);
};

struct luasearch;
struct luasampler;

struct job {
    struct experiment x;     /* as loaded (a resume: the run directory's copy) */
    char dir[EXP_PATH_MAX];  /* the run directory */
    struct space space;
    enum job_phase phase;
    int resumed;             /* 1: continued an earlier run */
    struct {
        struct dataset train_file;
        struct split train, val;
    } data;
    struct ctx ctx;
    struct sampler sampler;
    struct luasampler *lsampler;
    struct supertrain train;
    int trained;             /* 1: supertrain is initialised */
    struct luasearch *search;
    int generation;          /* the last generation reported */
    int generations_written; /* generations already in generations.csv (resume) */
    int64_t nevals;          /* evaluations made, earlier runs' included */
    int64_t cached;          /* evaluations taken from an earlier run */
    double last_save;        /* wall clock of the last checkpoint */
    FILE *history, *evaluations, *generations;
    char strategy_file[EXP_PATH_MAX], sampler_file[EXP_PATH_MAX], metrics_file[EXP_PATH_MAX],
        space_file[EXP_PATH_MAX];
    const struct job_events *ev;
    volatile sig_atomic_t *stop;
    struct err failure;      /* why the run failed (phase JOB_FAILED) */
    char traceback[4096];    /* of a script error that ended job_run ("" if none): a
                                front end shows it after the error */
    int nmetrics;            /* metrics of an evaluation (engine's, then Lua's) */
    int obj_metric[EXP_MAX_OBJECTIVES]; /* metric index of each objective */
    double eval_seconds;     /* of the last evaluation */
    int64_t stop_after;      /* > 0: set *stop after this many steps + evaluations */
    int64_t work;            /* steps + evaluations of this session */
    int64_t saved_step;      /* the step in supernet.ckpt */
    int search_ready;        /* the search's files are open (job_run may run again) */
    /* the ranking probe: the space's ground-truth table, if any */
    char truth_file[EXP_PATH_MAX];
    int nprobe;
    struct arch *probe;      /* [nprobe] */
    double *probe_truth, *probe_pred; /* [nprobe] */
    FILE *ranking;           /* ranking.csv */
    /* requests from other threads */
    volatile sig_atomic_t want_save, want_reload; /* want_reload also interrupts the strategy */
    /* latency metrics: "latency" on latency.device, "latency@DEVICE" for
     * objectives on other devices */
    int nlat;
    struct latency_table *lat[EXP_MAX_OBJECTIVES + 1]; /* owned */
    char lat_metric[EXP_MAX_OBJECTIVES + 1][EXP_NAME_MAX];
    const char *metric_names[JOB_MAX_METRICS];          /* the engine's metrics */
    int nengine;
    pthread_mutex_t lock;    /* guards weights and weights_changed */
    double weights[EXP_MAX_OBJECTIVES];
    int weights_changed;
    char library[EXP_PATH_MAX];  /* strategies oneshot.strategy() loads */
    char early[4096];        /* log lines of job_open, for job_run to hand over */
    int flushed;
};

/* Opens a run.  JOB_NEW: of the experiment file `path`, into a new run
 * directory (out, or the experiment's output; when that default already
 * holds a run, output.1, output.2, ...).  JOB_RESUME: the run directory
 * `path` itself.  JOB_RESUME_RELOAD: the same with the strategy and metrics
 * files read from the experiment's originals again (after a fix) and copied
 * anew into the run directory.  JOB_CHECK: a dry run of the experiment file `path`:
 * everything is loaded and checked, nothing is written, and job_run must not
 * be called.  Loads the data, space, sampler and strategy, so every error of
 * the experiment or its scripts shows here, before any work.  stop (may be
 * NULL, borrowed) is the flag that stops the run: it is checked at every
 * step and evaluation and interrupts a Lua script.  0, or -1 with e filled
 * (job_close is still needed). */
enum { JOB_NEW = 0, JOB_RESUME = 1, JOB_CHECK = 2, JOB_RESUME_RELOAD = 3 };
int job_open(struct job *j, const char *path, const char *out, int mode,
             volatile sig_atomic_t *stop, struct err *e);

/* Runs to the end, or until *stop is set (the supernet is saved first).
 * Returns 0 when done, 1 when stopped, -1 on error (e filled; the status
 * file says so too). */
int job_run(struct job *j, const struct job_events *ev, struct err *e);

void job_close(struct job *j);

/* Requests from another thread than job_run's (they only set flags the run
 * reads at its next step or evaluation):
 *   job_request_save    write the supernet checkpoint now;
 *   job_request_reload  read the strategy and metrics files again (the
 *                       originals, copied anew into the run directory) and
 *                       restart the strategy, reusing every evaluation made;
 *                       a file with an error is reported through log and
 *                       the run goes on with the old one;
 *   job_set_weights     the objectives' weights (n = x.nobjectives values >
 *                       0) that oneshot.weights() returns from now on
 *                       (MoGA's weighted NSGA-II); -1 for bad values. */
void job_request_save(struct job *j);
void job_request_reload(struct job *j);
int job_set_weights(struct job *j, const double *w, int n);

/* In the run's thread, inside an event callback (a paused front end waits
 * there): does the save job_request_save asked for, now.  0 (also when none
 * was asked for), or -1 with e filled. */
int job_save_pending(struct job *j, struct err *e);

/* Steps of training not yet in a checkpoint (0 when all is saved, and after
 * training diverged: that state is never saved). */
int64_t job_unsaved_steps(const struct job *j);

/* The metrics of evaluations: count, names. */
int job_nmetrics(const struct job *j);
const char *job_metric_name(const struct job *j, int i);

/* Every evaluation so far (an earlier session's first), in order: how many,
 * and the i-th architecture (into *a) with its job_nmetrics values (valid
 * until the next evaluation; in the run's thread or while it waits). */
int job_nevaluations(const struct job *j);
const double *job_evaluation(const struct job *j, int i, struct arch *a);

/* The phase's name: "setup", "training", "searching", "done", "stopped", "failed". */
const char *job_phase_name(enum job_phase p);

#endif
