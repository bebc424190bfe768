/* objective: the objectives of a search, in one place.
 *
 * Which metric each objective reads (its index in the run's list of metric
 * names, the engine's first: accuracy, accuracy_no_recal, params, macs),
 * whether larger is better, and
 * its weight.  The weights are MoGA's: the TUI changes them while a search
 * runs, and the strategies (oneshot.weights()), the run's reports (the
 * balanced choice of chosen.txt) and the Pareto panel read them here.  The
 * objective values of evaluated architectures come from objectives_matrix,
 * so every consumer sees the same columns. */
#ifndef ONESHOT_OBJECTIVE_H
#define ONESHOT_OBJECTIVE_H

#include "err.h"
#include "experiment.h"

struct objectives {
    int n;                              /* 1 .. EXP_MAX_OBJECTIVES */
    int metric[EXP_MAX_OBJECTIVES];     /* index of the metric each one reads */
    int maximize[EXP_MAX_OBJECTIVES];   /* 1: larger is better */
    double weight[EXP_MAX_OBJECTIVES];  /* finite, > 0 */
    char name[EXP_MAX_OBJECTIVES][EXP_NAME_MAX + 32]; /* the metric's name
                                           ("accuracy", "latency@mobile-gpu") */
};

/* The experiment's objectives against the metrics names[0..nnames): each must
 * name one.  Otherwise an error at the objective's name in the experiment
 * file: `exp.yaml:20:11: error: objectives[1]: no metric 'reward' (known:
 * accuracy, params, ...)`, followed by hint (may be NULL) when given.  0 or
 * -1. */
int objectives_init(struct objectives *o, const struct experiment *x, const char *const *names,
                    int nnames, const char *hint, struct err *e);

/* The objective values of nrows rows of metrics (nmetrics values each,
 * row-major): f[i * o->n + j] = objective j of row i. */
void objectives_matrix(const struct objectives *o, const double *rows, int nrows, int nmetrics,
                       double *f);

/* New weights: n = o->n values, each finite and > 0; -1 (nothing changed)
 * otherwise. */
int objectives_set_weights(struct objectives *o, const double *w, int n);

#endif
