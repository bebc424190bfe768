/* report: the search's files in a run directory.
 *
 *   evaluations.csv  arch, every metric, seconds: a row per architecture
 *                    evaluated, written as it is
 *   generations.csv  generation, arch, front (1 = non-dominated), the
 *                    objectives: each generation's population, written when
 *                    the strategy reports it
 *   pareto.csv       arch and every metric of the non-dominated evaluations,
 *                    best first by the first objective (rewritten whole)
 *   chosen.txt       on that front, the best architecture for each objective
 *                    and the balanced one: the largest weighted sum of the
 *                    min-max normalised objectives (MoGA's weights)
 *
 * A resumed run recovers the first two: a row cut short by a kill is dropped
 * (and written again), a damaged one too with a warning, and the evaluations
 * already made are handed to the strategy, which replays to where it
 * stopped.  The last generation in generations.csv is dropped as well (a
 * kill can cut its block after whole rows) and written again when the
 * replay reports it.  Rows are appended with one write each (a generation's
 * block with one), cut off again when the write fails (exp/rundir.h).
 * Numbers are written in their shortest exact form. */
#ifndef ONESHOT_REPORT_H
#define ONESHOT_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"
#include "experiment.h"
#include "objective.h"
#include "space.h"

struct luasearch;

struct report {
    char dir[EXP_PATH_MAX];
    const struct space *space;  /* borrowed */
    FILE *evaluations, *generations;
    int generations_written;    /* the last generation in generations.csv (on resume: the
                                   one before it, which is written again) */
    int64_t cached;             /* evaluations of an earlier session, handed to the strategy */
    void (*warn)(void *ud, const char *text); /* hears about damaged rows (may be NULL) */
    void *ud;
};

/* Opens (and recovers) evaluations.csv and generations.csv in dir for the
 * search ls (its metrics name the columns; the evaluations found are
 * preloaded into it) with objectives o.  0, or -1 with e filled. */
int report_open(struct report *r, const char *dir, const struct space *s, struct luasearch *ls,
                const struct objectives *o, void (*warn)(void *ud, const char *text), void *ud,
                struct err *e);
void report_close(struct report *r);

/* A row of evaluations.csv: a, its metrics v (every metric of ls), the
 * seconds it took.  0 or -1. */
int report_evaluation(struct report *r, const struct luasearch *ls, const struct arch *a,
                      const double *v, double seconds, struct err *e);

/* Generation g's population pop[0..n) with their metrics (row-major, every
 * metric): its rows in generations.csv (once: a replayed generation is
 * already there) and pareto.csv anew.  0 or -1. */
int report_generation(struct report *r, const struct luasearch *ls, const struct objectives *o,
                      int g, const struct arch *pop, int n, const double *m, struct err *e);

/* The end of the search: pareto.csv and chosen.txt (name: the experiment's,
 * for chosen.txt's first line).  0 or -1. */
int report_finish(struct report *r, const struct luasearch *ls, const struct objectives *o,
                  const char *name, struct err *e);

/* The evaluations retraining trains (which): chosen.txt's, each once, in its
 * order; or pareto.csv's, in its order.  Their indices into ls's evaluations
 * into idx (room for every evaluation).  Returns how many, -1 when out of
 * memory. */
int report_picks(const struct luasearch *ls, const struct objectives *o,
                 enum exp_retrain_which which, int *idx);

#endif
