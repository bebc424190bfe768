/* runner_priv: the inside of a run (exp/runner.h), shared by the files
 * that hold its parts: runner.c (opening, the phases, requests),
 * runner_log.c (its log, status file and info.txt) and runner_get.c (what
 * front ends read of it).  Nothing outside them includes this. */
#ifndef ONESHOT_RUNNER_PRIV_H
#define ONESHOT_RUNNER_PRIV_H

#include <pthread.h>
#include <signal.h>
#include <stdio.h>

#include "ctx.h"
#include "probe.h"
#include "report.h"
#include "retrain.h"
#include "runlat.h"
#include "runner.h"
#include "sampler.h"
#include "scripts.h"
#include "naorun.h"
#include "sprun.h"
#include "supertrain.h"

struct runner {
    struct experiment x;     /* as loaded (a resume: the run directory's copy) */
    char path[EXP_PATH_MAX]; /* the experiment file or run directory it was opened from */
    char dir[EXP_PATH_MAX];  /* the run directory */
    struct space space;
    enum runner_phase phase;
    int resumed;             /* 1: continued an earlier run */
    struct {
        struct dataset train_file;
        struct split train, val;
        struct split retrain;  /* retraining's training images */
    } data;
    struct ctx ctx;
    struct sampler sampler;
    struct luasampler *lsampler;
    struct supertrain train;
    int trained;             /* 1: supertrain is initialised */
    int from_pending;        /* 1: started from supernet.from, not saved in the run dir yet */
    struct sprun sp;         /* method singlepath: the search (exp/sprun.h) */
    int sp_open;             /* 1: sp is open */
    struct naorun nao;       /* method nao: the search and re-rank (exp/naorun.h) */
    int nao_open;            /* 1: nao is open */
    struct run_scripts scripts;
    struct luasearch *search;
    struct objectives obj;   /* the objectives and their weights (the TUI changes them) */
    struct report report;
    int search_ready;        /* the search's files are open (runner_run may run again) */
    int generation;          /* the last generation reported */
    int64_t nevals;          /* evaluations made, earlier runs' included */
    double last_save;        /* wall clock of the last checkpoint */
    double eval_seconds;     /* of the last evaluation */
    int64_t saved_step;      /* the step in supernet.ckpt */
    int64_t stop_after;      /* > 0: set *stop after this many steps + evaluations */
    int64_t work;            /* steps + evaluations of this session */
    struct retrain rt;       /* the retraining phase (exp/retrain.h) */
    struct retrain_pick *picks; /* its architectures (owned) */
    const struct runner_retrain_opts *only; /* runner_open_retrain's (NULL otherwise) */
    int replay_only;         /* 1: the search may not evaluate anew (oneshot retrain) */
    int only_writer;         /* oneshot retrain: this process writes the run's files */
    struct retrain_hooks more; /* and what it hears of the phase (step, between, retrained) */
    FILE *history;
    const struct runner_events *ev;
    volatile sig_atomic_t *stop;
    char traceback[4096];    /* of a script error that ended runner_run ("" if none) */
    /* the ranking probe: the space's ground-truth table, if any */
    struct probe probe;      /* (exp/probe.h) */
    int have_probe;
    struct runlat lat;       /* the latency tables (exp/runlat.h) */
    struct metrics engine;   /* the engine's metrics of an evaluation */
    /* requests from other threads */
    volatile sig_atomic_t want_save, want_reload; /* want_reload also interrupts the strategy */
    pthread_mutex_t lock;    /* guards weights and weights_changed */
    double weights[EXP_MAX_OBJECTIVES];
    int weights_changed;
    char early[4096];        /* log lines of runner_open, for runner_run to hand over */
    int flushed;
    struct runner_info info;
};

/* runner_log.c: the phase, into the status file (exp/rundir.h's
 * rundir_status) and the front end's event. */
void runner_set_phase(struct runner *r, enum runner_phase p);
/* A line for the front end's log (kept until runner_flush_early hands the
 * lines of runner_open over, when no front end listens yet). */
void runner_emit(struct runner *r, const char *text);
void runner_flush_early(struct runner *r);
void runner_logf(struct runner *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The engine's log sink (ud: the run) and runner_emit as callbacks. */
void runner_log_sink(void *user, enum log_level level, const char *msg);
void runner_emit_cb(void *ud, const char *text);
void runner_note_cb(void *ud, const char *text);

#endif
