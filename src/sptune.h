/* sptune: Single-Path Mobile AutoML's tuning of lambda for a target
 * latency, in bounded steps over src/singlepath.h's search.
 *
 * The warm-up (the first warmup_epochs, where lambda is 0 and the decisions
 * are dropped) is the same for every lambda, so it runs once and is saved;
 * every trial is forked from it (singlepath_fork) with its own lambda,
 * trains the rest of the epochs, and is read off: the architecture its hard
 * decisions decode to, the table's prediction of it (R), its proxy accuracy
 * (singlepath_evaluate on the validation images: hard decisions, BatchNorm
 * recalibrated for them on cfg.calib_images training images).
 *
 * The choice of lambda (our design; the paper tunes it without saying how):
 * R(lambda) falls, in steps, as lambda grows.  The first trial takes
 * lambda0; while every trial is too slow (R > T) the next multiplies the
 * largest lambda by `growth`, while every trial is feasible (R <= T) the
 * next divides the smallest by it (down to lambda_min, then lambda 0, the
 * search without a runtime term); once a too-slow lambda lo lies below the
 * smallest feasible lambda hi, the next is their geometric mean
 * sqrt(lo hi): bisection on ln lambda.  It ends when a trial's R is within
 * `tolerance` of T (|R - T| <= tolerance T), when the trials run out, when
 * lo and hi are within a factor SPTUNE_MIN_RATIO (R jumps over the band
 * between them: no lambda meets the tolerance), when lambda_max is still too
 * slow (the target is below what the search reaches) or when lambda 0 is
 * still faster than T (no runtime term at all already meets it).
 *
 * The chosen trial: the one within tolerance; else the best feasible one
 * (R <= T, the highest proxy accuracy; ties: the larger R, then the
 * earlier); else, none feasible, the fastest (the smallest R; ties: the
 * higher accuracy, then the earlier).
 *
 * Files, in the directory the caller gives (created, one level):
 *   warmup.ckpt       the warm-up's end (singlepath_save, lambda 0)
 *   warmup-part.ckpt  a warm-up stopped part way (sptune_save)
 *   trial.ckpt        a trial stopped part way (sptune_save)
 *   trials.csv        a line of the tuner's settings, a header, then one
 *                     row per trial, appended whole when the trial ends
 * Opening a directory that has them continues: the trials of trials.csv
 * are kept (its settings must be this tuning's: target, tolerance, lambda
 * schedule, space, validation images), the warm-up is reused from
 * warmup.ckpt when singlepath_fork takes it (the same training settings and
 * table), a stopped trial or warm-up goes on from its checkpoint when it is
 * the one due (else it starts again; `note` says why).  The trial budget may
 * differ: a tuning that ran out continues with a larger one.  A tuning with
 * trials whose warm-up checkpoint is missing or other is refused.
 *
 * Nothing here prints; errors come back in struct err. */
#ifndef ONESHOT_SPTUNE_H
#define ONESHOT_SPTUNE_H

#include <stdint.h>

#include "arch.h"
#include "err.h"
#include "singlepath.h"
#include "superkernel.h"

#define SPTUNE_MAX_TRIALS 64
#define SPTUNE_MIN_RATIO 1.01 /* lo and hi closer than this: no lambda between them */
#define SPTUNE_PATH_MAX 1024

struct sptune_config {
    double target_ms;  /* T > 0 */
    int trials;        /* budget, 1 to SPTUNE_MAX_TRIALS [8] */
    double tolerance;  /* relative, in (0, 1) [0.05] */
    double lambda0;    /* the first trial's lambda, > 0 [20] */
    double growth;     /* of the bracket search, > 1 [10] */
    double lambda_min; /* the smallest lambda but 0 the search tries, > 0 [0.01] */
    double lambda_max; /* the largest, >= lambda0 [1e6] */
    int eval_batch;    /* images per forward of the evaluations, >= 1 [256] */
};

void sptune_config_default(struct sptune_config *c);

/* One trial, as trials.csv keeps it. */
struct sptune_trial {
    double lambda;
    double predicted_ms;           /* R: the table's prediction of arch */
    double val_accuracy;           /* the proxy accuracy */
    double seconds;                /* its training and evaluation (of the session that
                                      finished it, from its checkpoint if resumed) */
    struct arch arch;              /* what the hard decisions decode to */
    unsigned on[SPACE_MAX_LAYERS]; /* bit j: decision j (enum sk_decision) on */
};

/* The read-off of search sp as it stands, as a trial: its lambda, the
 * architecture its hard decisions decode to, R, the decisions
 * (val_accuracy and seconds 0). */
void sptune_trial_read(struct sptune_trial *t, struct singlepath *sp);

/* Why a tuning ended. */
enum sptune_end {
    SPTUNE_GOING,    /* it has not */
    SPTUNE_MET,      /* a trial is within the tolerance of the target */
    SPTUNE_BUDGET,   /* the trials ran out */
    SPTUNE_JUMP,     /* R jumps over the band between two lambdas SPTUNE_MIN_RATIO apart
                        (or between lambda 0 and the smallest feasible one) */
    SPTUNE_TOO_FAST, /* lambda_max is still too slow: T is below what the search reaches */
    SPTUNE_TOO_SLOW  /* lambda 0 is still faster than T (outside the tolerance) */
};

/* What each end means, in a few words ("the target is met"). */
const char *sptune_end_text(enum sptune_end end);

/* The lambda of the next trial after trials t[0..n), as the header says: 1
 * with *lambda set, or 0 with *end saying why the tuning is over.  Pure:
 * a tuning resumed from its trials plans what it would have. */
int sptune_plan(const struct sptune_trial *t, int n, const struct sptune_config *c,
                double *lambda, enum sptune_end *end);

/* The chosen trial of t[0..n) for target c->target_ms (as the header says),
 * or -1 when n == 0. */
int sptune_choose(const struct sptune_trial *t, int n, const struct sptune_config *c);

enum sptune_phase { SPTUNE_WARMUP, SPTUNE_TRIAL, SPTUNE_DONE };

struct sptune {
    /* borrowed, as given to sptune_open */
    const struct space *space;
    const struct latency_table *lat;
    const struct split *train, *val;
    struct sp_config cfg;       /* the search's settings (lambda: of the running trial) */
    struct sptune_config tc;
    struct sk_space grid;       /* which decisions each layer has */
    char dir[SPTUNE_PATH_MAX];

    enum sptune_phase phase;
    struct singlepath sp;       /* the warm-up or trial running (phase WARMUP, TRIAL) */
    int sp_open;
    struct sptune_trial trial[SPTUNE_MAX_TRIALS];
    int ntrials;                /* done */
    enum sptune_end end;        /* SPTUNE_GOING until phase DONE */
    int chosen;                 /* sptune_choose, once DONE (-1: no trial) */

    /* the last step: */
    int stepped;                /* 1: it was a training step of sp (its fields say which) */
    int finished;               /* 1: it ended trial[ntrials - 1] (its evaluation) */
    int warmup_done;            /* 1: it ended the warm-up (warmup.ckpt written) */

    /* this session: */
    int64_t warmup_steps_run;   /* warm-up steps taken */
    int64_t trial_steps_run;    /* trial steps taken */
    double warmup_seconds;      /* of the warm-up steps */
    double trial_seconds;       /* of the running trial so far */
    int warmup_reused;          /* 1: warmup.ckpt was there and taken */
    int resumed;                /* 1: the running warm-up or trial went on from its checkpoint */
    char note[ERR_MAX];         /* why a checkpoint of dir was not used ("" if none was
                                   refused) */
};

/* Opens (or continues) a tuning in directory dir for a search of space s with
 * runtimes from lat, training images train, proxy accuracy on val, the
 * search's settings cfg (its lambda is ignored) and the tuner's tc.
 * Everything but the strings is borrowed and must outlive tn.  The space
 * must be one Single-Path NAS can search (sk_space_analyse's error), the
 * warm-up must leave steps for lambda to act on.  Nothing is trained here;
 * a warm-up of 0 steps is saved at once.  0, or -1 with e filled (nothing
 * to close then). */
int sptune_open(struct sptune *tn, const char *dir, const struct space *s,
                const struct latency_table *lat, const struct split *train,
                const struct split *val, const struct sp_config *cfg,
                const struct sptune_config *tc, struct err *e);
void sptune_close(struct sptune *tn);

/* One bounded step: a step of the warm-up (the last also writes
 * warmup.ckpt and forks the first trial), a step of a trial, or a trial's
 * evaluation (its row appended to trials.csv; the next trial forked, or the
 * tuning ends).  Returns 1 while work remains, 0 when the tuning is over
 * (also when called after that), -1 on error. */
int sptune_step(struct sptune *tn, struct err *e);

/* Saves the warm-up or trial in progress (warmup-part.ckpt, trial.ckpt) so
 * a tuning opened again goes on from it; nothing when DONE.  0 or -1. */
int sptune_save(struct sptune *tn, struct err *e);

/* How far the tuning is, in [0, 1]: its steps taken (the warm-up's, the
 * trials') over the warm-up's and the trial budget's. */
double sptune_fraction(const struct sptune *tn);

/* The decisions of trial t as text, five characters a layer in the order of
 * enum sk_decision ('1' on, '0' off, '.' a decision the layer has not),
 * layers joined by '-' ("10.1.-0..1."), into buf of n bytes. */
void sptune_format_decisions(const struct sptune *tn, const struct sptune_trial *t, char *buf,
                             int n);

#endif
