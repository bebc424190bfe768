/* naorun: the NAO-V2 search of a run (method: nao), the phase exp/runner.c
 * dispatches to instead of the supernet's training and the search:
 * src/naosearch.h's loop in bounded steps under the run's stop flag, then
 * the re-rank of its best architectures by a short stand-alone training, as
 * the authors end their search.  Into the run directory:
 *
 *   nao/             the search's own directory (src/naosearch.h):
 *                    supernet.ckpt (the commit of each round), controller-R.ckpt,
 *                    pool.csv (every round's accuracy of each architecture),
 *                    rounds.csv (a row per round: its training, the pool's best
 *                    and mean, the predictor's held-out and in-pool Kendall tau,
 *                    the controller's loss, what it generated), top.csv
 *   pool.csv         arch,round,params,macs,latency_ms,predicted,accuracy,updates,
 *                    front: the pool with its latency on latency.device, the
 *                    accuracy of the last round that scored it, front = 1 on
 *                    the accuracy-latency Pareto front of the scored ones
 *   candidates.csv   round,rank,arch,predicted,accuracy,latency_ms,params,macs:
 *                    the architectures each round's controller decoded, best
 *                    predicted first, with their accuracy once the next round
 *                    scored them (empty before)
 *   rerank.csv       rank,arch,supernet_acc,standalone_acc,epochs,seconds: a
 *                    row per re-ranked architecture (the nao.rerank best by
 *                    the last round's accuracy, trained nao.rerank_epochs
 *                    epochs alone), appended when its training ends
 *   chosen.txt       the architecture NAO chose, labelled nao: the re-rank's
 *                    best by stand-alone accuracy (with nao.rerank 0, the
 *                    supernet's best), its latency, supernet and stand-alone
 *                    accuracy, tab-separated
 *
 * pool.csv and candidates.csv are rewritten whole (atomically) at each
 * round's commit and when the search opens.  A resumed run continues the
 * search from its last commit (a round stopped part way starts again from
 * its beginning and ends as the uninterrupted run's would), and re-ranks
 * what rerank.csv does not hold yet (a training cut short starts again).
 * Nothing here prints. */
#ifndef ONESHOT_NAORUN_H
#define ONESHOT_NAORUN_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ctx.h"
#include "err.h"
#include "experiment.h"
#include "latency.h"
#include "naosearch.h"
#include "runner.h"
#include "standalone.h"

/* What the phase borrows from its run (everything must outlive it). */
struct naorun_config {
    const char *dir;                  /* the run directory */
    const struct experiment *x;       /* method nao */
    const struct runner *run;         /* for the re-rank's stand-alone trainings */
    const struct space *space;
    const struct latency_table *lat;  /* latency.device's table of space */
    const struct split *train, *val;
    const struct ctx *ctx;
    volatile sig_atomic_t *stop;      /* may be NULL: set, the phase stops */
    void (*log)(void *ud, const char *text); /* hears damaged rows dropped (may be NULL) */
    void *ud;
};

/* What naorun_run tells its run, in the run's thread.  Each may be NULL. */
struct naorun_hooks {
    void *ud;
    void (*step)(void *ud);     /* after each step of the search or of a re-rank training */
    void (*round)(void *ud);    /* a round committed: the files above are written */
    void (*reranked)(void *ud); /* a re-rank training ended, its row written */
};

struct naorun {
    struct naorun_config c;
    char dir[EXP_PATH_MAX];
    struct naosearch ns;      /* the search (src/naosearch.h) */
    int open;                 /* ns is open */
    int failed;               /* a step failed: ns is reopened from its commit */
    double *latency;          /* [ns.cap] of each pool architecture, on latency.device */
    /* the re-rank, once the search is over */
    int ntop;                 /* architectures to re-rank */
    int top[EXP_NAO_MAX_RERANK];           /* their pool indices, best supernet first */
    double standalone[EXP_NAO_MAX_RERANK]; /* their stand-alone accuracy (NAN: not yet) */
    double seconds[EXP_NAO_MAX_RERANK];
    int nreranked;
    int at;                   /* the one in training (-1: none) */
    int last;                 /* pool index of the last one trained (-1: none) */
    struct standalone sa;
    FILE *rerank;             /* rerank.csv (rundir_append) */
    int done;                 /* chosen.txt is written: */
    int chosen;               /* pool index of the chosen architecture (-1: none yet) */
};

/* Opens the phase of run directory c->dir: the search in RUN_DIR/nao, new or
 * continued from its commit (its settings must be the experiment's), its
 * files written again, rerank.csv recovered.  Nothing is trained.  0, or -1
 * with e filled (naorun_close is still needed). */
int naorun_open(struct naorun *p, const struct naorun_config *c, struct err *e);
void naorun_close(struct naorun *p);

/* Runs the search on to its end, the re-rank, and writes chosen.txt
 * (p->chosen, p->done).  Returns 0 when done, 1 when stopped, -1 on error;
 * may be called again after it returned (after an error the search is
 * reopened from its last commit). */
int naorun_run(struct naorun *p, const struct naorun_hooks *h, struct err *e);

/* Search steps since the last commit (lost if the run ends now: a round
 * starts again from its beginning). */
int64_t naorun_uncommitted(const struct naorun *p);

/* Where phase p of experiment x stands, for runner_nao (p NULL: not begun,
 * zeros). */
void naorun_status(const struct naorun *p, const struct experiment *x, struct runner_nao *s);

/* Pool architecture i as runner_nao_arch has it.  0, or -1 when there is
 * none. */
int naorun_arch(const struct naorun *p, int i, struct runner_nao_arch *a);

/* "method: nao: ..." for the run's info.txt (n bytes). */
void naorun_describe(const struct experiment *x, char *buf, size_t n);

#endif
