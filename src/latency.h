/* latency: how long a network of a space takes on a device, as a lookup table.
 *
 * A table holds, for one space, the milliseconds of every (searchable layer,
 * choice) and of the fixed part (stem, head, per-inference overhead); the
 * latency of an architecture is predicted as the fixed part plus the entries
 * of its choices.  A `skip` costs 0 by definition (identity).
 *
 * Tables come from three places:
 *  - latency_build (src/latmeasure.h) measures every entry on the machine it
 *    runs on (the `host` device): warm-up, pinned threads, the median (or
 *    another percentile) of repeats, one thread timed by its CPU clock, each
 *    layer timed inside whole networks whose other layers vary;
 *  - a device model (src/latmodel.h; devices/mobile-gpu.yaml,
 *    devices/mobile-cpu.yaml) is a roofline per op (peak FLOP/s, memory
 *    bandwidth, a fixed dispatch cost per kernel, an efficiency per op kind)
 *    evaluated for the space: a model, not a measurement;
 *  - a table file (latency_table_save's YAML), which may also be written by
 *    hand from measurements made elsewhere.
 * This module holds the table, its predictions and its files:
 * latency_table_load reads either kind of file; the file formats are in
 * oneshot(1) under DEVICE FILES.
 *
 * The engine never prints: errors come back in struct err
 * (`file:line:col: error: ...`). */
#ifndef ONESHOT_LATENCY_H
#define ONESHOT_LATENCY_H

#include "err.h"
#include "space.h"

#define LATENCY_TEXT_MAX 256

enum latency_kind {
    LATENCY_TABLE, /* measured (here or elsewhere) */
    LATENCY_MODEL  /* evaluated from a device model */
};

struct latency_table {
    struct space space;      /* a copy of the space the entries are for */
    enum latency_kind kind;
    double ms[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES]; /* [layer][choice of space]; 0 for a
                                                       skip; NAN where not allowed */
    double stem_ms, head_ms; /* stem conv+BN+act; head conv+BN+act, pool, FC */
    double overhead_ms;      /* per inference: what whole networks take beyond their parts */
    int batch;               /* images per forward the entries are for */
    int threads;             /* threads of the measurement (0 for a model) */
    double percentile;       /* statistic of the timed forwards: 50 the median, 0 the minimum */
    int cpu_time;            /* 1: timed by the thread's CPU clock, 0: the wall clock */
    char device[LATENCY_TEXT_MAX];  /* "host", or a model's or a table's device name */
    char machine[LATENCY_TEXT_MAX]; /* CPU of the measurement, or the modelled hardware */
    char blas[LATENCY_TEXT_MAX];    /* BLAS kernels of the measurement ("" for a model) */
    char date[32];                  /* ISO 8601 UTC of the measurement ("" for a model) */
    char method[LATENCY_TEXT_MAX];  /* how the entries were obtained, one line */
    char file[LATENCY_TEXT_MAX];    /* the file it was loaded from ("" when built) */
};

/* Reads a table or a device model from path for space s into t.  A table
 * must match s: the same input, stem, head and layer shapes, and an entry for
 * every allowed choice of every layer (entries for choices s does not have
 * are ignored, so one table of fmnist-se-skip serves the fmnist spaces).
 * Errors name the offending line and column: unknown keys (with a
 * suggestion), wrong types and ranges, a mismatch with s
 * (`host.yaml:31:5: error: layer 3: no entry for 'k5e6s' of space fmnist-se`).
 * Returns 0 or -1. */
int latency_table_load(struct latency_table *t, const char *path, const struct space *s,
                       struct err *e);

/* The space name a table file was made for ("" for a device model) into
 * name (n bytes), without checking anything else.  0 or -1. */
int latency_file_space(const char *path, char *name, int n, struct err *e);

/* Writes t as a table file (YAML; model tables too, as their evaluated
 * entries) atomically: path.tmp, then renamed.  Errors name the path.
 * Returns 0 or -1. */
int latency_table_save(const struct latency_table *t, const char *path, struct err *e);

/* Predicted milliseconds of a (an architecture of t->space). */
double latency_predict(const struct latency_table *t, const struct arch *a);
/* Milliseconds of layer l with choice c (0 for a skip, NAN where c is not
 * allowed at l). */
double latency_layer(const struct latency_table *t, int l, int c);
/* Milliseconds of the fixed part: stem + head + overhead. */
double latency_fixed(const struct latency_table *t);

/* Agreement of predictions with measurements (> 0) over n architectures
 * (tau needs n >= 2). */
struct latency_agreement {
    int n;
    double within_5pct, within_10pct; /* share with |pred - meas| <= 5% (10%) of meas */
    double rmse_ms;
    double mean_abs_pct;              /* mean |pred - meas| / meas, in percent */
    double kendall_tau;               /* tau-b of pred against meas */
};
void latency_agreement(struct latency_agreement *g, const double *pred, const double *meas,
                       int n);

#endif
