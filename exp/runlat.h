/* runlat: the latency tables of a run.  One for latency.device when it is a
 * model or a file, or when an objective or Single-Path NAS's runtime term
 * uses it, and one for each objective on another device; each kept in the
 * run directory (latency.yaml, latency-2.yaml, ...) so that a resumed run
 * uses the very numbers of the first (the host's timings included). */
#ifndef ONESHOT_RUNLAT_H
#define ONESHOT_RUNLAT_H

#include "ctx.h"
#include "err.h"
#include "experiment.h"
#include "latency.h"
#include "metrics.h"

struct runlat {
    int n;
    struct latency_table *lat[EXP_MAX_OBJECTIVES + 1]; /* owned; [0] the "latency" metric's
                                                          when the run has one */
    char metric[EXP_MAX_OBJECTIVES + 1][EXP_NAME_MAX]; /* "latency", "latency@DEVICE" */
};

/* Fills rl with the tables experiment x (space s) needs: from run directory
 * dir when resume is set, else from their devices (a shipped model, a file,
 * or the host timed now; with no_host the host is not timed and its table
 * stays empty, as a check wants).  note(ud, text) is told before the host is
 * timed (may be NULL).  0, or -1 with e filled (at the device's key of x for
 * a device that cannot be read).  runlat_done frees it either way. */
int runlat_open(struct runlat *rl, const struct experiment *x, const struct space *s,
                struct ctx *ctx, const char *dir, int resume, int no_host,
                void (*note)(void *ud, const char *text), void *ud, struct err *e);
void runlat_done(struct runlat *rl);

/* Writes every table into dir atomically and reads it back, so this run and
 * a resumed one use the file's numbers.  0 or -1. */
int runlat_save(struct runlat *rl, const char *dir, const struct space *s, struct err *e);

/* Adds a metric per table (METRIC_LATENCY, named rl->metric[i]) to m.  0 or
 * -1. */
int runlat_metrics(const struct runlat *rl, struct metrics *m, struct err *e);

#endif
