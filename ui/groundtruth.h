/* groundtruth: the trainings of `oneshot groundtruth`, done by one process,
 * farmed out by rank 0 to the ranks of an MPI job (src/farm.h), or shared by
 * independent workers through claim files (src/claim.h).  ui/cmd_groundtruth.c
 * chooses the architectures and makes the jobs; this file trains them and
 * writes the table.
 *
 * Every way writes the same rows: one per job, each trained alike whoever
 * trains it, appended whole when it is done, largest multiply-adds first
 * (so the long trainings start first and the short ones fill the end). */
#ifndef ONESHOT_GROUNDTRUTH_H
#define ONESHOT_GROUNDTRUTH_H

#include <stdint.h>
#include <stdio.h>

#include "arch.h"
#include "cli.h"
#include "par.h"
#include "progress.h"
#include "truth.h"

/* One training: an architecture (index into the gt's archs) and a seed. */
struct gt_job {
    int arch, seed;
    int64_t macs;
};

struct gt {
    const char *out;           /* the table, borrowed */
    int epochs, batch;
    double lr;
    const struct space *s;     /* borrowed */
    const struct arch *archs;  /* borrowed */
    const struct gt_job *jobs; /* borrowed, njobs */
    int njobs;
    struct cli_data *data;     /* borrowed: train, val and test */
    struct progress progress;  /* the bar on stderr (rank 0 and workers) */
    int rows_done;             /* rows of this command (every rank's) */
};

/* Orders the jobs the table done lacks, largest multiply-adds first (the
 * jobs' order among equals), into order (room for g->njobs), each
 * architecture and seed once.  Returns how many. */
int gt_pending(const struct gt *g, const struct truth *done, int *order);

/* Trains the jobs order[0..n) over the ranks of p (src/farm.h): every rank
 * calls it, rank 0 with its pending jobs (and appends the results to the
 * table), the others with NULL and 0.  One process (par_size 1) trains them
 * all itself.  0, or -1 with e filled (after which an MPI job must end:
 * par_abort). */
int gt_farm(struct gt *g, struct par *p, const int *order, int n, struct err *e);

/* A worker sharing the table with others (groundtruth --worker DIR): claims
 * a job at a time in dir (made if missing) with a lock file whose heartbeat
 * goes stale after stale seconds, trains it and appends its row unless
 * another did; takes over stale claims; returns when every job has its row
 * (waiting for those others hold).  *trained counts its own rows.  0 or -1. */
int gt_worker(struct gt *g, const char *dir, double stale, int *trained, struct err *e);

#endif
