/* probe: how well a supernet ranks, while it trains.  A run whose space
 * ships a ground-truth table (spaces/NAME.truth.csv, or NAME.truth.csv
 * beside a space file) ranks up to PROBE_MAX_ARCHS of its architectures
 * through the supernet at every epoch's end (src/truthrank.h, as `oneshot
 * rank` does), appends a row to the run's ranking.csv and hands the result
 * to the front ends (struct runner_ranking). */
#ifndef ONESHOT_PROBE_H
#define ONESHOT_PROBE_H

#include <signal.h>
#include <stdint.h>

#include "experiment.h"
#include "runner.h"
#include "supernet.h"
#include "truthrank.h"

#define PROBE_MAX_ARCHS 24 /* architectures of the ground-truth table a run ranks */
#define PROBE_HEADER "step,n,kendall_tau,tau_lo,tau_hi,spearman" /* of ranking.csv */

struct probe {
    struct truthrank t;            /* the table's architectures and truth */
    struct supernet_score *score;  /* [t.n] */
    double *pred;                  /* [t.n]: the supernet's accuracies of the last ranking */
    FILE *csv;                     /* ranking.csv, opened at the first ranking */
};

/* Finds and opens the ground-truth table of space s (named by x->space).
 * Returns 1 when there is one, 0 when the space has none, -1 when it has one
 * that cannot be used (e says why: the run goes on without ranking). */
int probe_open(struct probe *p, const struct experiment *x, const struct space *s,
               struct err *e);
void probe_close(struct probe *p);

/* Ranks the table's architectures with sn as it stands (BatchNorm
 * recalibrated on calib_images of calib, scored on val) and appends the row
 * of `step` to DIR/ranking.csv.  0 with *rk filled (pointing into p), 1 when
 * *stop was set first (nothing written), -1 on error. */
int probe_rank(struct probe *p, const char *dir, struct supernet *sn, const struct split *val,
               const struct split *calib, int calib_images, int64_t step,
               volatile sig_atomic_t *stop, struct runner_ranking *rk, struct err *e);

#endif
