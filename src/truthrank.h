/* truthrank: how well a supernet ranks the architectures of a ground-truth
 * table: the one implementation behind `oneshot rank`, a run's ranking.csv
 * and the TUI's ranking panel, so that one checkpoint gets one tau.
 *
 * A table (src/truth.h) is opened with its seeds averaged; the supernet then
 * scores every architecture of it (supernet_evaluate: accuracy and loss on
 * the validation images, after BatchNorm recalibration) and the scores are
 * compared with the stand-alone accuracies: Kendall's tau-b with a bootstrap
 * interval (TRUTHRANK_RESAMPLES resamples from TRUTHRANK_SEED, the same
 * wherever a checkpoint is ranked), Spearman's rho, precision at top-k, and
 * the rankings that need no supernet (by parameters, by multiply-adds). */
#ifndef ONESHOT_TRUTHRANK_H
#define ONESHOT_TRUTHRANK_H

#include <signal.h>

#include "supernet.h"
#include "truth.h"

#define TRUTHRANK_RESAMPLES 1000
#define TRUTHRANK_SEED 1

struct truthrank {
    char path[1024];
    int n;              /* architectures (distinct) */
    struct arch *archs; /* [n] */
    double *truth;      /* [n] stand-alone accuracy, seeds averaged */
    int *seeds;         /* [n] seeds averaged */
    double *params, *macs; /* [n] */
    /* the table itself */
    int rows;           /* rows of the file */
    double lo, hi;      /* the least and most accurate (of the averages) */
    int n_seeded;       /* architectures with seeds 0 and 1 */
    double seed_noise;  /* mean |seed 0 - seed 1| over them */
    double seed_tau;    /* Kendall tau of seed 0 against seed 1 (NAN with fewer than 2) */
    double seed_r;      /* their Pearson correlation */
    double mean2_reliability; /* Spearman-Brown: 2 r / (1 + r), the reliability of a 2-seed mean */
    double params_tau, macs_tau; /* the rankings by size against the averages */
};

/* Opens the table at path for space s: test accuracy (validation accuracy
 * when use_val), seeds averaged.  max > 0 keeps at most max architectures,
 * every k-th by stand-alone accuracy so that they span its range (a run's
 * quick probe); 0 keeps them all.  Fewer than 2 architectures is an error.
 * 0, or -1 with e filled (t is then empty). */
int truthrank_open(struct truthrank *t, const char *path, const struct space *s, int use_val,
                   int max, struct err *e);
void truthrank_close(struct truthrank *t);

/* Scores architecture i of t through the supernet into *out (a caller loops,
 * so that it can show progress and stop between architectures). */
int truthrank_score(const struct truthrank *t, int i, struct supernet *sn,
                    const struct split *val, const struct split *calib,
                    const struct supernet_eval *opt, struct supernet_score *out, struct err *e);

/* How scores sc[0..t->n) rank the table. */
struct truthrank_result {
    int n;
    int by_loss;                 /* 1: ranked by validation loss (lower first) */
    double tau, tau_lo, tau_hi;  /* by the chosen score, after recalibration */
    double rho;                  /* Spearman */
    double precision;            /* share of the table's top k among the supernet's */
    int k;
    double tau_no_recal;         /* the chosen score before recalibration */
    double tau_other;            /* the other score (loss when by accuracy, and back) */
    double params_tau, macs_tau; /* the table's rankings by size */
};

/* Compares, with a bootstrap interval of `resamples` resamples
 * (TRUTHRANK_RESAMPLES unless a user asks otherwise) from TRUTHRANK_SEED;
 * top_k is clipped to n.  Every tau is NAN where undefined.  Returns 0, or
 * -1 when out of memory. */
int truthrank_compare(const struct truthrank *t, const struct supernet_score *sc, int by_loss,
                      int top_k, int resamples, struct truthrank_result *r);

#endif
