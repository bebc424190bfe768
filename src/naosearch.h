/* naosearch: NAO-V2's search loop (Luo et al., "Understanding and Improving
 * One-shot Neural Architecture Optimization", arXiv 1909.10815, as the
 * authors' NAO_V2/train_search.py runs it) over a supernet (src/supernet.h)
 * and NAO's controller (src/nao.h), in bounded steps, resumable between
 * rounds from a directory.
 *
 * The pool starts with seed_archs random architectures, distinct in the
 * canonical form of src/archset.h (and kept in it).  Round r (1-based):
 *   1. train   the supernet on the round's new architectures only (round 1:
 *              the seeds): epochs_per_round epochs of the training images,
 *              each step one architecture drawn with probability
 *              proportional to its parameter count (sampler_list, from the
 *              stream (seed, RNG_STREAM_SAMPLER + 16 r)), at a cosine
 *              learning rate restarted at lr for the round (logged through
 *              the ctx as `round R: learning rate restarted at ...`).  The
 *              weights and momentum carry over from round to round
 *              (reinit SCHEDULE, the authors' code), or are initialised
 *              afresh at each round's start (reinit WEIGHTS: the earlier
 *              architectures are then scored by weights that never trained
 *              them).  The batches are the run's steps (src/batches.h) as
 *              if the rounds were one run of rounds * epochs_per_round
 *              epochs.
 *   2. evaluate every architecture of the pool through the supernet on the
 *              validation images (one fixed subset), one architecture a
 *              step, BatchNorm per `bn`;
 *   3. controller (not in the last round) trained on the whole pool
 *              (nao_train: targets the round's accuracies min-max
 *              normalised), controller_epochs epochs, one a step; its
 *              Kendall tau on the pool is the round's predictor tau;
 *   4. generate (not in the last round) new_archs architectures from the
 *              top_k by this round's accuracy (naogen_generate, eta up to
 *              max_eta), each new in canonical form; they enter the pool as
 *              round r + 1's.  If none is new the search ends early.
 * Each new architecture's prediction at generation is kept; once the next
 * round has evaluated them, the prediction's Kendall tau and pairwise
 * accuracy against their accuracies (held out: the controller never saw
 * them) is that round's held-out figure.
 *
 * BatchNorm in the evaluation (`bn`): RECAL (the default) re-estimates each
 * architecture's running statistics on the first calib_images training
 * images and scores it with them (supernet_evaluate); BATCH normalises each
 * evaluation batch of eval_batch images by its own statistics, as the
 * authors' code does (BN in training mode).  RECAL is the default because
 * a prediction then depends on the image alone, not on the other images of
 * its batch, each architecture gets statistics estimated on images it is
 * not scored on, and it is how every other ranking of the workbench (oneshot
 * rank, the runner) scores a path, so NAO's accuracies compare with theirs.
 * It costs calib_images forward passes more per architecture.
 *
 * Files, in the directory (created, one level):
 *   supernet.ckpt       the supernet, with the search's state (its settings,
 *                       the pool with every accuracy, each round's figures)
 *                       in the checkpoint's extra section: written when the
 *                       search starts (round 0) and at each round's end, the
 *                       commit point of a round
 *   controller-R.ckpt   the controller after round R's training (naockpt)
 *   pool.csv            arch,round,params,macs,predicted,updates,acc_1..acc_R
 *                       (the round it entered, its prediction when generated
 *                       (empty for a seed), the supernet steps that trained
 *                       it, its accuracy after each round; empty where none)
 *   rounds.csv          one row per evaluated round (columns ROUNDS_COLUMNS
 *                       in naosearch.c, documented in man/oneshot.1)
 *   top.csv             rank,arch,acc,round,params,macs: the pool by its
 *                       latest accuracy
 * The CSV files are rewritten whole (atomically) at each commit, from the
 * state; opening a search writes them again, so a kill between the
 * checkpoint and the CSV files loses nothing.
 *
 * Resuming: a search opened again goes on from its last commit; a round
 * stopped part way starts again from its beginning, and, everything being
 * a function of the seed and the committed state, ends as the uninterrupted
 * run's would (same thread count: same bytes).  Every setting must be the
 * saved one but `rounds`, which may grow (a search that ended goes on:
 * the last round's controller is trained and generates) or shrink to the
 * rounds evaluated.
 *
 * Nothing here prints or exits; errors come back in struct err. */
#ifndef ONESHOT_NAOSEARCH_H
#define ONESHOT_NAOSEARCH_H

#include <stdint.h>

#include "arch.h"
#include "batches.h"
#include "ctx.h"
#include "data.h"
#include "err.h"
#include "nao.h"
#include "rng.h"
#include "sampler.h"
#include "space.h"
#include "supernet.h"

#define NAOSEARCH_MAX_ROUNDS 100
#define NAOSEARCH_MAX_POOL 100000
#define NAOSEARCH_PATH_MAX 1024

enum naosearch_bn { NAOSEARCH_BN_RECAL, NAOSEARCH_BN_BATCH };
enum naosearch_reinit { NAOSEARCH_REINIT_SCHEDULE, NAOSEARCH_REINIT_WEIGHTS };

struct naosearch_config {
    int rounds;            /* supernet phases, 1 to NAOSEARCH_MAX_ROUNDS [3] */
    int seed_archs;        /* round 1's random architectures, >= 2 [40] */
    int new_archs;         /* generated per round, >= 1 [20] */
    int top_k;             /* generation moves the top_k best, >= 1 [20] */
    int max_eta;           /* generation's largest step, >= 1 [50] */
    int epochs_per_round;  /* supernet epochs a round, >= 1 [4] */
    int controller_epochs; /* a round's controller epochs, >= 0 [300] */
    int batch;             /* supernet batch, >= 1 [128] */
    double lr;             /* the supernet's peak learning rate, restarted each round [0.1] */
    enum naosearch_bn bn;  /* [NAOSEARCH_BN_RECAL] */
    int calib_images;      /* RECAL: training images of the re-estimate, >= 1 [500] */
    int eval_batch;        /* images a forward pass of the evaluation (BATCH: whose
                              statistics normalise), >= 1 [500] */
    enum naosearch_reinit reinit; /* [NAOSEARCH_REINIT_SCHEDULE] */
    uint64_t seed;         /* the seeds, the supernet's weights, its batches and draws [0] */
    struct nao_config controller; /* nao_config_default, its seed the search's */
};

/* The defaults above. */
void naosearch_config_default(struct naosearch_config *c);

/* An architecture of the pool. */
struct naosearch_arch {
    struct arch arch;   /* canonical form */
    int round;          /* the round it entered (1-based) */
    int64_t params, macs;
    double predicted;   /* the controller's prediction when generated (NAN: a seed) */
    int64_t updates;    /* supernet steps that trained it */
};

/* What a round did (rounds.csv).  NAN where a figure does not exist. */
struct naosearch_round {
    int round;                 /* 1-based */
    int new_archs;             /* architectures trained this round */
    int pool;                  /* architectures evaluated */
    int64_t steps;             /* supernet steps */
    double updates_mean;       /* steps per new architecture */
    int64_t updates_min, updates_max;
    double lr;                 /* the learning rate of its first step (the restart) */
    double train_loss;         /* mean over its steps */
    double best_acc, mean_acc; /* over the pool */
    int best;                  /* pool index of the best (the first of equals) */
    double heldout_tau;        /* the last controller's predictions of this round's new
                                  architectures against their accuracies (round 1: NAN) */
    double heldout_pairwise;   /* the same as NAO's pairwise accuracy */
    double tau;                /* the controller trained this round, on the pool (the last
                                  round: NAN) */
    double controller_loss, controller_mse, controller_nll; /* its last epoch */
    int generated;             /* new architectures it generated (-1: none generated) */
    int last_eta;              /* the largest step generation tried */
    double train_seconds, eval_seconds, controller_seconds, seconds; /* of the session
                                  that finished the round */
};

enum naosearch_phase {
    NAOSEARCH_TRAIN,      /* supernet steps on the round's new architectures */
    NAOSEARCH_EVALUATE,   /* the pool through the supernet */
    NAOSEARCH_CONTROLLER, /* the controller's epochs */
    NAOSEARCH_GENERATE,   /* the next round's architectures */
    NAOSEARCH_DONE
};

/* Why a search ended. */
enum naosearch_end {
    NAOSEARCH_GOING,
    NAOSEARCH_ROUNDS,   /* every round ran */
    NAOSEARCH_EXHAUSTED /* generation found no new architecture */
};

struct naosearch {
    /* borrowed, as given to naosearch_open */
    const struct space *space;
    const struct split *train, *val;
    const struct ctx *ctx;
    struct naosearch_config cfg;
    char dir[NAOSEARCH_PATH_MAX];

    struct supernet *sn;          /* owned */
    struct nao *nao;              /* owned */
    struct naosearch_arch *pool;  /* [cap] (npool used) */
    double *acc;                  /* [cap][cfg.rounds]: acc[i * cfg.rounds + r - 1] after
                                     round r (NAN: none) */
    int npool, cap;
    struct naosearch_round rounds[NAOSEARCH_MAX_ROUNDS]; /* [evaluated] */
    int evaluated;                /* rounds whose evaluation is done */
    int round;                    /* the round in progress (when DONE: the last evaluated) */
    enum naosearch_phase phase;
    enum naosearch_end end;

    /* the round in progress */
    int first_new;                /* pool index of its first new architecture */
    struct sampler_list draw;     /* over its new architectures */
    struct rng draw_rng;
    struct batches b;             /* the run's batches */
    int64_t step, round_steps;    /* of the round: taken, in all */
    int eval_next;                /* the next pool index to evaluate */
    double loss_sum;
    struct naosearch_round cur;   /* its figures as they come */
    struct arch *archs;           /* [cap] scratch: the pool's architectures */
    double *vals, *preds;         /* [cap] scratch: accuracies, predictions */
    float *stats_saved;           /* [sn->nstats] the statistics a recalibration replaces */

    /* the last step: */
    int stepped;                  /* 1: a supernet step (loss, lr, trained say which) */
    double loss, lr;
    int trained;                  /* pool index of the architecture it trained */
    int round_done;               /* 1: it committed round rounds[evaluated - 1] */
    double seconds;               /* wall-clock seconds it took */
    int resumed;                  /* 1: opened from a checkpoint of dir */
};

/* Opens a search in directory dir (created if missing) over space s with
 * training images train and validation images val (one fixed subset),
 * logging through ctx (the learning rate's restarts; may be NULL).  All
 * borrowed; they must outlive ns.  resume 0 starts a new search (a
 * directory that holds one is refused), 1 continues the one there (the
 * settings must be its own, see above).  A new search writes its round-0
 * checkpoint here.  0, or -1 with e filled (nothing to close then). */
int naosearch_open(struct naosearch *ns, const char *dir, const struct space *s,
                   const struct split *train, const struct split *val,
                   const struct naosearch_config *cfg, const struct ctx *ctx, int resume,
                   struct err *e);
void naosearch_close(struct naosearch *ns);

/* The settings of the search saved in directory dir, as naosearch_open
 * checks them on a resume: into *cfg (rounds: the rounds the saving search
 * was asked for), its space's name into space (n bytes), its counts of
 * training and validation images into *train_images and *val_images; for a
 * front end that resumes with the options it was not given.  0, or -1 with
 * e filled (no search there, a file of something else or damaged). */
int naosearch_peek(const char *dir, struct naosearch_config *cfg, char *space, size_t n,
                   int *train_images, int *val_images, struct err *e);

/* One bounded step: a supernet step, one architecture's evaluation, one
 * controller epoch, or the generation (which ends the round with its
 * commit; the last round commits after its evaluation).  Returns 1 while
 * work remains, 0 when the search is over (also when called after that),
 * -1 on error (a supernet step whose numbers are not finite is one:
 * `training diverged at step S ...`); after an error the state in memory
 * is not to be stepped further: close it, the directory keeps the last
 * commit. */
int naosearch_step(struct naosearch *ns, struct err *e);

/* How far the search is, in [0, 1] (by forward-pass images: training steps
 * count three, evaluations one per image). */
double naosearch_fraction(const struct naosearch *ns);

/* The accuracy of pool architecture i after round r (1-based), NAN when it
 * has none. */
double naosearch_acc(const struct naosearch *ns, int i, int r);

/* The pool by its accuracy in the last evaluated round (best first, ties
 * by pool index) into idx (room for npool); returns how many have one (0
 * when out of memory). */
int naosearch_ranked(const struct naosearch *ns, int *idx);

#endif
