/* runner: one experiment run end to end, into a run directory.
 *
 * Both front ends drive it: `oneshot run` (headless, a progress bar on
 * stderr) and the TUI (in a worker thread).  A run of method oneshot trains
 * the supernet with the experiment's sampler (ranking the space's
 * ground-truth table at the end of each epoch), then runs the Lua search
 * strategy against it; a run of method singlepath runs Single-Path NAS
 * instead, whose training is the search (exp/sprun.h: its files,
 * singlepath.ckpt, singlepath.csv, decisions.csv, or with
 * singlepath.target_ms the tuning's in tuning/, and chosen.txt); a run of
 * method nao runs NAO-V2's rounds and re-ranks their best (exp/naorun.h:
 * nao/, pool.csv, candidates.csv, rerank.csv, chosen.txt).  Then (with
 * retrain.epochs set) a run trains the architectures the search picked
 * stand-alone (exp/standalone.h), each for each seed (exp/retrain.h).
 * Everything it learns goes to files
 * as it happens, so a run stopped or killed at any point loses nothing but
 * the retraining in progress, and runner_open(..., RUNNER_RESUME) continues
 * it:
 *
 *   experiment.yaml    the experiment as resolved (every key, paths absolute)
 *   info.txt           version, BLAS kernel, seed, threads, strategy and its
 *                      parameters, start and resume times
 *   strategy.lua ...   copies of the Lua files the run uses (exp/scripts.h)
 *   latency*.yaml      the latency tables of its devices
 *   supernet.ckpt      the supernet, its optimiser, sampler and step
 *                      (written atomically every minute and at the end of
 *                      training)
 *   history.csv        step,epoch,lr,loss,paths,seconds: one row per step
 *   ranking.csv        step,n,kendall_tau,tau_lo,tau_hi,spearman: the
 *                      ground-truth ranking at each epoch's end (src/truthrank.h)
 *   evaluations.csv, generations.csv, pareto.csv, chosen.txt  (exp/report.h)
 *   retrained.csv      arch,seed,epochs,images,inherited_accuracy,val_accuracy,
 *                      params,macs, a latency per device (evaluations.csv's
 *                      names), seconds: a row per retraining (architecture,
 *                      seed), appended whole when it ends; inherited_accuracy
 *                      is the supernet's (evaluations.csv's accuracy)
 *   standalone.csv     the TUI's stand-alone trainings (exp/standalone.h)
 *   status             training, single-path, nao, searching, retraining, done,
 *                      stopped or failed: why
 *
 * Resuming: training continues from the checkpoint (rows of history.csv
 * past it are dropped: they are trained again, identically); the search
 * strategy runs again from its start with every evaluation already made
 * taken from evaluations.csv, so it replays (the same seed gives the same
 * proposals) to where it stopped and goes on; retraining trains what
 * retrained.csv does not hold yet (a training cut short by the stop or a
 * kill is started again from its beginning: stand-alone trainings keep no
 * checkpoint).
 *
 * Front ends see the run through the getters below and the events; they
 * never reach into it. */
#ifndef ONESHOT_RUNNER_H
#define ONESHOT_RUNNER_H

#include <signal.h>
#include <stdint.h>

#include "data.h"
#include "err.h"
#include "experiment.h"
#include "metrics.h"
#include "naosearch.h"
#include "objective.h"
#include "space.h"
#include "superkernel.h"

enum runner_phase {
    RUNNER_SETUP,
    RUNNER_TRAIN,
    RUNNER_SINGLEPATH, /* method singlepath: the search that is a training */
    RUNNER_NAO,        /* method nao: NAO-V2's rounds and the re-rank (exp/naorun.h) */
    RUNNER_SEARCH,
    RUNNER_RETRAIN,
    RUNNER_DONE,
    RUNNER_STOPPED,
    RUNNER_FAILED
};

/* How runner_open opens: a new run of an experiment file, the run directory
 * of a stopped one (with its strategy and metrics files read again from the
 * experiment's originals after a fix: RESUME_RELOAD), or a dry run that
 * loads and checks everything and writes nothing. */
enum runner_mode { RUNNER_NEW, RUNNER_RESUME, RUNNER_CHECK, RUNNER_RESUME_RELOAD };

struct runner;

/* How well the supernet ranks the ground-truth table at a step (the arrays
 * hold n entries and are valid during the callback). */
struct runner_ranking {
    int64_t step;
    int n;
    double tau, tau_lo, tau_hi, spearman;
    const struct arch *archs;
    const double *predicted; /* the supernet's accuracy */
    const double *truth;     /* stand-alone accuracy, seeds averaged */
};

/* A retraining finished: the row it appended to retrained.csv. */
struct runner_retrained {
    struct arch arch;
    uint64_t seed;
    int epochs, images;
    double inherited; /* the supernet's accuracy (evaluations.csv) */
    double accuracy;  /* stand-alone, on the validation images */
    double seconds;
};

/* What a front end hears.  Every callback may be NULL; they run in the
 * thread that calls runner_run and may block (a paused TUI). */
struct runner_events {
    void *ud;
    void (*phase)(void *ud, const struct runner *r);
    /* after each supernet step (runner_progress says where it is) */
    void (*step)(void *ud, const struct runner *r);
    /* an architecture was evaluated (m: every metric's value) */
    void (*evaluated)(void *ud, const struct runner *r, const struct arch *a, const double *m);
    /* generation g is done: its population and their metrics (row-major) */
    void (*generation)(void *ud, const struct runner *r, int g, const struct arch *pop, int n,
                       const double *m);
    /* a line from a script (print) or a warning of the run */
    void (*log)(void *ud, const char *text);
    /* the supernet ranked the ground-truth table (end of each epoch) */
    void (*ranking)(void *ud, const struct runner *r, const struct runner_ranking *rk);
    /* after each step of a retraining (runner_progress says where it is) */
    void (*retrain_step)(void *ud, const struct runner *r);
    /* a retraining ended, its row written */
    void (*retrained)(void *ud, const struct runner *r, const struct runner_retrained *rt);
    /* method singlepath: after each step of the search (runner_progress and
     * runner_singlepath say where it is) */
    void (*sp_step)(void *ud, const struct runner *r);
    /* an epoch of it ended: its decisions are in decisions.csv and saved */
    void (*sp_epoch)(void *ud, const struct runner *r);
    /* method nao: after each step of the search or of a re-rank training
     * (runner_nao says where it is) */
    void (*nao_step)(void *ud, const struct runner *r);
    /* a round of it committed (runner_nao_round has its figures) */
    void (*nao_round)(void *ud, const struct runner *r);
    /* a re-rank training ended, its row in rerank.csv */
    void (*nao_reranked)(void *ud, const struct runner *r);
};

/* Opens a run: of the experiment file `path` into a new run directory (out,
 * or the experiment's output; when that holds a run already, output.1, ...),
 * or the run directory `path` itself (RUNNER_RESUME...).  Loads the data,
 * space, sampler, latency tables and strategy, so that every error of the
 * experiment or its scripts shows here, before any work and before a run
 * directory is made.  stop (may be NULL, borrowed) is checked at every step
 * and evaluation and interrupts a Lua script.  The run, or NULL with e
 * filled. */
struct runner *runner_open(const char *path, const char *out, enum runner_mode mode,
                           volatile sig_atomic_t *stop, struct err *e);
void runner_close(struct runner *r);

/* `oneshot retrain` (ui/cmd_retrain.c): the retraining phase of a run
 * directory alone, by one process or by a farm of them (exp/retrain.h's
 * steps), with the run's retrain settings or others (0: the run's). */
struct runner_retrain_opts {
    int epochs, images, seeds; /* retrain.epochs, .images, .seeds */
    int threads;               /* 0: the run's */
    int writer;                /* 1: the process that writes the run's files; 0:
                                  one that only trains (nothing written) */
};

struct retrain;
struct retrain_pick;
struct retrain_hooks;

/* Opens run directory dir for its retraining phase (as RUNNER_RESUME would,
 * with o's settings in place of the run's; a process that is not the
 * writer writes nothing, not even info.txt's line).  The run, or NULL with
 * e filled. */
struct runner *runner_open_retrain(const char *dir, const struct runner_retrain_opts *o,
                                   volatile sig_atomic_t *stop, struct err *e);

/* The phase of r (opened by runner_open_retrain), owned by r: on the
 * writer, the search replayed from the run's files (nothing evaluated
 * anew) and its picks, as runner_run's phase has them; elsewhere picks
 * p[0..n) (the writer's, copied).  h (may be NULL, copied): the caller's
 * step, between and retrained hooks, called after the run's own (begin and
 * warn are the run's: the status file and its log).  A run whose search
 * has not ended (no chosen.txt) is refused, nothing written: it must be
 * resumed with `oneshot run --resume`, whose retraining phase follows.
 * NULL with e filled (also when *stop was set). */
struct retrain *runner_retraining(struct runner *r, const struct retrain_pick *p, int n,
                                  const struct retrain_hooks *h, struct err *e);

/* After the phase of runner_retraining, on the writer: the status file and
 * info.txt as runner_run leaves them (rc: 0 done, 1 stopped, -1 failed
 * with e). */
void runner_retraining_end(struct runner *r, int rc, const struct err *e);

/* Runs to the end, or until *stop is set (the supernet is saved first).
 * Returns 0 when done, 1 when stopped, -1 on error (e filled; the status
 * file says so too; runner_traceback has a script's traceback).  May be
 * called again after an error (the TUI's retry). */
int runner_run(struct runner *r, const struct runner_events *ev, struct err *e);

/* Stops the run (as *stop would) after n more training steps (the
 * supernet's or Single-Path's), evaluations, NAO steps (a supernet step, an
 * architecture scored, a controller epoch, a generation, a re-rank step) and
 * retraining steps (tests; 0: never). */
void runner_stop_after(struct runner *r, int64_t n);

/* Requests from another thread than runner_run's (flags the run reads at
 * its next step or evaluation):
 *   runner_request_save    write the supernet checkpoint now;
 *   runner_request_reload  read the strategy and metrics files again (the
 *                          originals, copied anew into the run directory)
 *                          and restart the strategy, reusing every
 *                          evaluation; a file with an error is reported
 *                          through the log and the old one stays;
 *   runner_set_weights     the objectives' weights (n values > 0) that
 *                          oneshot.weights() returns from now on; -1 for
 *                          bad values. */
void runner_request_save(struct runner *r);
void runner_request_reload(struct runner *r);
int runner_set_weights(struct runner *r, const double *w, int n);

/* In the run's thread, inside an event callback (a paused front end waits
 * there): does the save runner_request_save asked for, now.  0, or -1. */
int runner_save_pending(struct runner *r, struct err *e);

/* Steps of training not yet in a checkpoint (0 when all is saved, and after
 * training diverged: that state is never saved). */
int64_t runner_unsaved_steps(const struct runner *r);

/* What does not change once the run is open (valid while it lives). */
struct runner_info {
    const char *dir;             /* the run directory */
    const char *experiment;      /* the experiment file it was opened from */
    const struct experiment *x;  /* as resolved */
    const struct space *space;
    const char *sampler;         /* its name ("" for method singlepath) */
    const char *strategy;        /* its name ("" for method singlepath) */
    const char *strategy_params; /* "k=v k=v" */
    int resumed;                 /* 1: continues an earlier run */
    int threads;
    const char *truth_file;      /* the ground-truth table ranked at each epoch ("": none) */
    int nprobe;                  /* its architectures ranked */
    double params_tau, macs_tau; /* how their sizes rank them: the baselines a
                                    supernet has to beat (NAN: no table) */
};
const struct runner_info *runner_info(const struct runner *r);

/* Where the run is: read in the run's thread or while it waits in an event
 * callback. */
struct runner_progress {
    enum runner_phase phase;
    int64_t step, total;  /* training steps: the supernet's (or Single-Path's) */
    int epoch;            /* 0-based epoch of the last step */
    int npaths;           /* paths of the last step */
    double loss, lr;      /* of the last step */
    double step_seconds;  /* wall-clock seconds of the last step */
    int64_t saved;        /* the step in supernet.ckpt (singlepath.ckpt) */
    int64_t diverged;     /* the step whose numbers were not finite (training stopped
                             there, the checkpoint keeps the last good state), or 0 */
    int generation;       /* the last generation reported */
    int64_t nevals;       /* evaluations, an earlier session's included */
    int retrained;        /* retrainings (architecture, seed) done, an earlier
                             session's included */
    int retrainings;      /* and in all (0 until the retraining phase) */
    int64_t rstep, rtotal; /* steps of the retraining in progress */
    double rloss;          /* of its last step */
};
void runner_progress(const struct runner *r, struct runner_progress *p);

/* Where the supernet's training starts, for the line that announces it:
 * "" (new weights), " (resumed)" or " (from supernet.from, step N)". */
const char *runner_train_origin(const struct runner *r, char *buf, size_t size);

/* Method singlepath: where the search stands, read as runner_progress. */
struct runner_singlepath {
    int64_t step, total;         /* steps taken, in all */
    int64_t warmup_steps;        /* the first steps are the warm-up (lambda 0, decisions
                                    dropped) */
    int steps_per_epoch, epoch, epochs; /* epoch: 0-based, of the last step */
    int warm;                    /* 1: the last step was a warm-up step */
    double loss, ce, runtime_ms; /* of the last step: ce + lambda ln R, its cross-entropy,
                                    R (ms on the device) */
    double lambda, lr;           /* of the last step (lambda 0 in the warm-up) */
    double step_seconds;
    const char *device;          /* latency.device as written */
    /* the hard decisions as they stand (after the last step) */
    struct arch arch;            /* what they decode to */
    double arch_ms;              /* its predicted latency (the table's) */
    unsigned has[SPACE_MAX_LAYERS]; /* bit j: layer l has decision j (enum sk_decision:
                                       d5, d7, d6, d_se, d_keep) */
    unsigned on[SPACE_MAX_LAYERS];  /* bit j: it is on */
    float margin[SPACE_MAX_LAYERS][SK_NDEC]; /* norm - threshold (on when >= 0) */
    int64_t flipped[SPACE_MAX_LAYERS]; /* the step after which the layer's choice last
                                          changed (0: not in this session) */
    int flips[SPACE_MAX_LAYERS];       /* its changes in this session */
    int done;                    /* the search is over: arch is chosen.txt's */
    double accuracy;             /* its proxy accuracy once done (NAN before) */
    /* with singlepath.target_ms, lambda tuned for a latency (Single-Path Mobile
     * AutoML): the fields above are the running warm-up's or trial's, the
     * margins NAN at the end (the chosen trial's decisions keep no norms) */
    int tuning;                  /* 1: a tuning */
    double target_ms;
    int trial, trials;           /* the trial in progress (1-based; 0: the warm-up), the
                                    budget */
    int trials_done;
    double fraction;             /* how far the whole is, in [0, 1] */
};
/* 1 with *p filled for a run of method singlepath (once the search has
 * begun: zeros before), 0 for any other run. */
int runner_singlepath(const struct runner *r, struct runner_singlepath *p);

/* Method nao: where the search stands, read as runner_progress. */
#define RUNNER_NAO_RERANK (NAOSEARCH_DONE + 1) /* the stage after the search */
struct runner_nao {
    int round, rounds;          /* the round in progress (1-based; once over, the last), in
                                   all */
    int evaluated;              /* rounds scored */
    int stage;                  /* enum naosearch_phase, or RUNNER_NAO_RERANK */
    int64_t step, round_steps;  /* the round's supernet steps: taken, in all */
    double loss, lr;            /* of the last supernet step */
    int scored, npool;          /* the round's scoring: architectures done, the pool */
    int controller_epoch, controller_epochs;
    double fraction;            /* how far the search is, in [0, 1] */
    int rerank, reranked;       /* the re-rank: architectures, done */
    int64_t rstep, rtotal;      /* steps of its training in progress */
    double rloss;               /* of its last step */
    int last_reranked;          /* pool index of the last re-ranked (-1: none) */
    const char *device;         /* latency.device as written */
    int done;                   /* chosen.txt is written */
    int chosen;                 /* pool index of the chosen architecture (-1: none yet) */
};
/* 1 with *p filled for a run of method nao (zeros before the search has
 * begun), 0 for any other run. */
int runner_nao(const struct runner *r, struct runner_nao *p);

/* An architecture of NAO's pool. */
struct runner_nao_arch {
    struct arch arch;
    int round;                  /* the round it entered (1: a seed) */
    int64_t params, macs, updates;
    double latency_ms;          /* on latency.device */
    double predicted;           /* the controller's prediction when it decoded it (NAN: a
                                   seed) */
    double accuracy;            /* the supernet's, of the latest round that scored it (NAN:
                                   none yet) */
    int scored;                 /* that round (0: none) */
    double standalone;          /* the re-rank's accuracy (NAN: not re-ranked) */
};
/* Pool architecture i (0-based, below runner_nao's npool) into *a: 0, or -1
 * when there is none.  Read as runner_progress. */
int runner_nao_arch(const struct runner *r, int i, struct runner_nao_arch *a);
/* The figures of round k (1-based, at most runner_nao's evaluated) into *rd
 * (src/naosearch.h): 0, or -1 when there are none. */
int runner_nao_round(const struct runner *r, int k, struct naosearch_round *rd);

/* Per layer and choice: paths trained through it and optimiser updates
 * (zeros before training has begun).  Read as runner_progress. */
void runner_counts(const struct runner *r, int64_t (*trainings)[SPACE_MAX_CHOICES],
                   int64_t (*updates)[SPACE_MAX_CHOICES]);

/* The metrics of an evaluation (engine ones, then a metrics file's), and a
 * copy of the objectives with their current weights. */
const struct metrics *runner_metrics(const struct runner *r);
void runner_objectives(const struct runner *r, struct objectives *o);

/* Every evaluation so far (an earlier session's first), in order: how many,
 * and the i-th (into *a) with its metrics (valid until the next evaluation;
 * read as runner_progress). */
int runner_nevaluations(const struct runner *r);
const double *runner_evaluation(const struct runner *r, int i, struct arch *a);

/* Why the run failed, and a script error's traceback ("" when none). */
const char *runner_traceback(const struct runner *r);

/* The run's images: training (the supernet's, and recalibration's) and
 * validation (valid while the run lives; read-only). */
const struct split *runner_train_split(const struct runner *r);
const struct split *runner_val_split(const struct runner *r);

/* "setup", "training", "single-path", "nao", "searching", "retraining",
 * "done", "stopped", "failed". */
const char *runner_phase_name(enum runner_phase p);

#endif
