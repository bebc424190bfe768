/* sprun: the Single-Path NAS search of a run (method: singlepath), the
 * phase exp/runner.c dispatches to instead of the supernet's training and
 * the search: src/singlepath.h's search in bounded steps under the run's
 * stop flag, into the run directory:
 *
 *   singlepath.ckpt  the network, its thresholds, optimiser state and step
 *                    (written atomically at the end of every epoch, every
 *                    minute, when asked, when stopped and at the end)
 *   singlepath.csv   step,epoch,warm,lr,lambda,loss,cross_entropy,runtime_ms,
 *                    arch,seconds: a row per step; loss = cross_entropy +
 *                    lambda ln R, runtime_ms = R of the step's decisions
 *                    (spnet.h: the table's milliseconds), warm = 1 in the
 *                    warm-up (lambda 0, decisions dropped: R is not pulled
 *                    down yet), arch = what the decisions decode to after
 *                    the step's update
 *   decisions.csv    epoch,step,layer,choice,d5,d7,d6,d_se,d_keep,m5,m7,m6,
 *                    m_se,m_keep: at the end of every epoch, a row per layer:
 *                    its choice, each decision (1 on, 0 off, empty where the
 *                    layer has not that decision: src/superkernel.h) and its
 *                    margin, norm - threshold (on when >= 0)
 *   chosen.txt       the architecture the final hard decisions decode to,
 *                    labelled singlepath, with its predicted latency (ms on
 *                    latency.device) and proxy accuracy (hard decisions,
 *                    BatchNorm recalibrated for them on
 *                    singlepath.bn_recalibration training images, on the
 *                    run's validation images), tab-separated
 *
 * A resumed run continues from singlepath.ckpt, to the bit (with the same
 * thread count: the same bytes); rows of the CSV files past its step are
 * dropped (a row torn by a kill too, a damaged one with a warning) and made
 * again.
 *
 * With singlepath.target_ms, lambda is tuned for that latency instead
 * (Single-Path Mobile AutoML, src/sptune.h: one warm-up, then trials forked
 * from it, the first with singlepath.lambda): the tuning's files are in
 * RUN_DIR/tuning (warmup.ckpt, trials.csv with a row per trial, the stopped
 * warm-up's or trial's checkpoint), chosen.txt holds the chosen trial's
 * architecture, and no singlepath.ckpt, singlepath.csv or decisions.csv is
 * written (each trial is a search of its own); a resumed run continues the
 * tuning as src/sptune.h says.  Nothing here prints. */
#ifndef ONESHOT_SPRUN_H
#define ONESHOT_SPRUN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "experiment.h"
#include "latency.h"
#include "runner.h"
#include "singlepath.h"
#include "sptune.h"

/* What a search borrows from its run (everything must outlive it). */
struct sprun_config {
    const char *dir;                   /* the run directory */
    const struct experiment *x;        /* method singlepath */
    const struct space *space;
    const struct latency_table *lat;   /* latency.device's table of space */
    const struct split *train, *val;
    volatile sig_atomic_t *stop;       /* may be NULL: set, the search saves and stops */
    volatile sig_atomic_t *want_save;  /* may be NULL: set, the search saves at the next
                                          step and clears it */
    void (*log)(void *ud, const char *text); /* hears damaged rows dropped, and a tuning's
                                                trials and notes (may be NULL) */
    void *ud;
};

/* What sprun_run tells its run, in the run's thread.  Either may be NULL. */
struct sprun_hooks {
    void *ud;
    /* after each step, its row written */
    void (*step)(void *ud);
    /* an epoch ended: its decisions are written and saved (a tuning's
     * warm-up or trial: at its epochs' ends) */
    void (*epoch)(void *ud);
};

struct sprun {
    struct sprun_config c;
    char dir[EXP_PATH_MAX];
    struct singlepath sp;    /* the search (src/singlepath.h) */
    int open;                /* sp is initialised */
    int tuning;              /* 1: lambda is tuned for singlepath.target_ms: */
    struct sptune tn;        /* the tuning, in RUN_DIR/tuning (sp unused) */
    int tn_open;             /* tn is open */
    int64_t unsaved;         /* tuning: steps since the running search was saved */
    FILE *log, *decisions;   /* singlepath.csv, decisions.csv (rundir_append) */
    int64_t saved;           /* the step in singlepath.ckpt */
    double last_save;        /* wall clock of the last save */
    int64_t diverged;        /* the step whose loss was not finite (the search ended
                                there; that state is never saved), or 0 */
    /* the decisions after the last step (at the checkpoint's when none yet;
     * a tuning's chosen trial's at its end, without norms and thresholds) */
    struct spnet_readout now;
    struct {                 /* the last step's figures (kept after a tuning's end) */
        int64_t step, total, warmup_steps;
        int steps_per_epoch, epoch, warm;
        double loss, ce, runtime_ms, lambda, lr, seconds;
    } last;
    int64_t flipped[SPACE_MAX_LAYERS]; /* the step after which a layer's choice last
                                          changed (0: not in this session) */
    int flips[SPACE_MAX_LAYERS];       /* its changes in this session */
    /* once the search is over: */
    int done;
    double accuracy;         /* proxy accuracy of now.arch */
};

/* Checks that the experiment can run (the space is one Single-Path NAS
 * searches, and lat, unless NULL, has what its runtime term needs): errors
 * at the experiment's position of the space (`t.yaml:7:8: error: space:
 * tiny: Single-Path NAS cannot search this space: ...`) or of the device.
 * 0 or -1. */
int sprun_check(const struct experiment *x, const struct space *s,
                const struct latency_table *lat, struct err *e);

/* Opens the search of run directory c->dir: from its singlepath.ckpt when
 * there is one (a resume; its settings must be the experiment's), else a new
 * network; the CSV files recovered and opened for appending (a tuning:
 * RUN_DIR/tuning opened or continued, sptune_open).  Nothing is trained.
 * 0, or -1 with e filled (sprun_close is still needed). */
int sprun_open(struct sprun *p, const struct sprun_config *c, struct err *e);
void sprun_close(struct sprun *p);

/* Runs the search to its end (or on from where it stands), then reads off
 * and evaluates the architecture into chosen.txt (p->now, p->accuracy,
 * p->done; a tuning: runs it to its end, the chosen trial's).  Returns 0
 * when done, 1 when stopped (saved first), -1 on
 * error (a loss that is not finite among them: nothing past the last good
 * checkpoint is saved).  May be called again after it returned. */
int sprun_run(struct sprun *p, const struct sprun_hooks *h, struct err *e);

/* Writes singlepath.ckpt now (a tuning: the running warm-up's or trial's
 * checkpoint, sptune_save; nothing after a divergence).  0 or -1. */
int sprun_save(struct sprun *p, struct err *e);

/* Steps of the running search not in a checkpoint yet (0 after a
 * divergence: that state is never saved). */
int64_t sprun_unsaved(const struct sprun *p);

/* Where search p of experiment x stands, for runner_singlepath (p NULL: not
 * begun, zeros). */
void sprun_status(const struct sprun *p, const struct experiment *x, struct runner_singlepath *s);

/* "method: singlepath: ..." for the run's info.txt (n bytes). */
void sprun_describe(const struct experiment *x, char *buf, size_t n);

#endif
