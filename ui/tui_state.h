/* tui_state: what the TUI shows, and the threads that produce it.
 *
 * The run (exp/runner.h) works in a worker thread; its event callbacks copy what
 * the panels need into this snapshot under one mutex, and the UI thread
 * draws from the snapshot only (holding the mutex while it draws, which
 * takes a millisecond).  The worker never waits on the UI except where the
 * user asked it to: paused, it blocks in the step and evaluation callbacks
 * on a condition variable until resumed or allowed one more step.
 *
 * A second thread trains one architecture stand-alone on the run's data
 * (the experiment's training images, its epochs and batch) and appends the
 * result to RUN_DIR/standalone.csv: arch,epochs,val_accuracy,seconds.  Its
 * results and those of the run's retraining phase (retrained.csv) are the
 * stand-alone results the panels show.
 *
 * A run of method singlepath fills the Single-Path part instead of the
 * supernet's and the search's: the search as runner_singlepath has it, and
 * its loss and R over the steps; a run of method nao the NAO part: the
 * search as runner_nao has it, its pool and its rounds (ui/tui_nao.h).
 *
 * After runner_run ends (done or failed, e.g. a Lua error in the strategy) the
 * worker waits: tui_state_retry makes it reload the strategy and metrics
 * files and call runner_run again; tui_state_quit ends it (a run that is still
 * going is stopped, which saves the supernet).
 *
 * Fields marked (fixed) are set by tui_state_init and never change; every
 * other field is read and written under lock. */
#ifndef ONESHOT_TUI_STATE_H
#define ONESHOT_TUI_STATE_H

#include <pthread.h>
#include <signal.h>
#include <stdint.h>

#include "runner.h"
#include "latency.h"

#define TUI_LOG_LINES 2000
#define TUI_LOG_WIDTH 256
#define TUI_NAME_MAX 64

enum tui_level { TUI_INFO, TUI_WARN, TUI_ERROR };

struct tui_log_line {
    char text[TUI_LOG_WIDTH]; /* one line, tabs expanded, no control characters */
    uint8_t level;            /* enum tui_level */
};

/* A growing table of rows of `cols` doubles. */
struct tui_rows {
    int n, cap, cols;
    double *v; /* [cap][cols] */
};

/* A finished stand-alone training (the TUI's, or the run's retraining). */
struct tui_result {
    struct arch arch;
    int epochs;
    double accuracy, seconds;
};

struct tui_state {
    pthread_mutex_t lock;
    pthread_cond_t wake;      /* the worker waits here (paused, or after runner_run) */
    struct runner *run;       /* borrowed (fixed); the UI thread calls only runner_request_save,
                                 runner_request_reload, runner_set_weights,
                                 runner_unsaved_steps and runner_info */
    volatile sig_atomic_t stop; /* the run's stop flag (runner_open's) */
    uint64_t version;         /* grows at every change: the UI redraws when it moved */

    /* (fixed) */
    struct space space;
    char dir[EXP_PATH_MAX];
    char name[EXP_NAME_MAX];
    char sampler[TUI_NAME_MAX], strategy[TUI_NAME_MAX];
    int nobj;
    char obj_name[EXP_MAX_OBJECTIVES][TUI_NAME_MAX];
    int obj_metric[EXP_MAX_OBJECTIVES]; /* metric index of each objective */
    int maximize[EXP_MAX_OBJECTIVES];
    double weight0[EXP_MAX_OBJECTIVES]; /* the experiment's weights */
    int nmetrics;
    char metric[METRICS_MAX][TUI_NAME_MAX];
    int epochs, generations, population, batch; /* epochs, batch: the method's */
    struct latency_table *latency; /* per-layer milliseconds, or NULL (owned) */
    int singlepath;                /* 1: a run of method singlepath */
    int nao;                       /* 1: a run of method nao */
    double lambda;                 /* its singlepath.lambda */

    /* the run */
    enum runner_phase phase;
    int64_t step, total;
    int epoch, npaths;
    double loss, lr, step_seconds;
    struct tui_rows history;                              /* step, loss, lr */
    int64_t updates[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];   /* optimiser updates per (layer, choice) */
    int64_t trainings[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES]; /* paths trained through it */
    int nrank;                                            /* the last ranking */
    double *rank_pred, *rank_truth;                       /* [nrank] */
    double tau, tau_lo, tau_hi, rho;
    int64_t rank_step;
    struct tui_rows taus; /* step, tau, lo, hi */
    int generation;
    int64_t nevals;
    int retrained, retrainings; /* the retraining phase: done, in all */
    int64_t rstep, rtotal;      /* steps of the retraining in progress */
    struct runner_singlepath sp; /* method singlepath: the search as it stands */
    struct tui_rows sp_history;  /* and over its steps: step, loss, cross-entropy, R, warm */
    struct runner_nao nao_run;   /* method nao: the search as it stands (ui/tui_nao.h) */
    int nao_npool, nao_cap;
    struct runner_nao_arch *nao_pool; /* [nao_cap] its pool */
    struct naosearch_round nao_rounds[NAOSEARCH_MAX_ROUNDS]; /* [nao_run.evaluated] */
    int nev, capev;       /* every evaluation, in order */
    struct arch *ev_arch; /* [capev] */
    double *ev_m;         /* [capev][nmetrics] */

    /* the worker */
    pthread_t worker;
    int started, running, worker_done; /* running: inside runner_run */
    int paused, steps_allowed, quit, retry;
    int held;          /* 1: the run waits, paused (between two steps or evaluations) */
    int rc;            /* of the last runner_run: 0 done, 1 stopped, -1 failed */
    struct err failure;

    /* the log: a ring of the last TUI_LOG_LINES lines */
    struct tui_log_line *log; /* [TUI_LOG_LINES] */
    int log_head, log_n;
    uint64_t log_total;

    /* stand-alone training */
    pthread_t solo_thread;
    int solo_started, solo_running;
    volatile sig_atomic_t solo_stop;
    struct arch solo_arch;
    int64_t solo_step, solo_total;
    double solo_loss;
    int nresults, capresults;
    struct tui_result *results;
};

/* Prepares the snapshot of an opened run r (borrowed; it must outlive s):
 * copies what is fixed, reads the run directory's history.csv and
 * ranking.csv (singlepath.csv) when it was resumed, and its standalone.csv and
 * retrained.csv, and loads the per-layer latencies of the experiment's
 * latency device when that is a model or a table file (measuring `host`
 * would take minutes: then there are none).  runner_open must
 * have been given &s->stop as its stop flag, so s is initialised in two
 * steps: tui_state_clear before runner_open, tui_state_init after.  0, or -1
 * with e filled (tui_state_done is still needed). */
void tui_state_clear(struct tui_state *s);
int tui_state_init(struct tui_state *s, struct runner *r, struct err *e);

/* Joins the threads (tui_state_quit first, or this waits for the run's
 * end) and frees what s owns; the run is not closed. */
void tui_state_done(struct tui_state *s);

/* Starts the worker thread running the run.  0, or -1 with e filled. */
int tui_state_start(struct tui_state *s, struct err *e);

/* Called from the UI thread, without the lock held. */
void tui_state_pause(struct tui_state *s, int paused);
/* Asks the run to save the supernet: at the next step, or at once when the
 * run is paused. */
void tui_state_save(struct tui_state *s);
/* Paused: lets one more supernet step or evaluation through.  Running: pauses. */
void tui_state_step(struct tui_state *s);
/* Stops the run (saving the supernet) and the stand-alone training, and
 * lets the worker end; the UI then waits for worker_done. */
void tui_state_quit(struct tui_state *s);
/* After runner_run ended: reload the strategy and metrics files and run again.
 * While it runs: runner_request_reload.  Logs what it did. */
void tui_state_retry(struct tui_state *s);

/* Starts training architecture a stand-alone in the background.  0, or -1
 * with e filled (one is running already, or the thread cannot start). */
int tui_state_train(struct tui_state *s, const struct arch *a, struct err *e);

/* Appends a message to the log (split at newlines, tabs expanded), from any
 * thread, without the lock held.  level: enum tui_level, or -1 to guess it
 * from the text ("error" or "warning" in it). */
void tui_state_log(struct tui_state *s, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* The i-th most recent log line (0 the newest), or NULL.  Under lock. */
const struct tui_log_line *tui_state_log_line(const struct tui_state *s, int i);

/* The stand-alone result of a, or NULL.  Under lock. */
const struct tui_result *tui_state_result(const struct tui_state *s, const struct arch *a);

/* A metric's display unit and scale: accuracy is shown in percent
 * ("%", 100), latency in "ms", params as "count", macs as "MACs"; others
 * "" and 1. */
const char *tui_metric_unit(const char *name, double *scale);

#endif
