/* latency: how long a network of a space takes on a device, as a lookup table.
 *
 * A table holds, for one space, the milliseconds of every (searchable layer,
 * choice) and of the fixed part (stem, head, per-inference overhead); the
 * latency of an architecture is predicted as the fixed part plus the entries
 * of its choices.  A `skip` costs 0 by definition (identity).
 *
 * Tables come from three places:
 *  - latency_build measures every entry on the machine it runs on (the
 *    `host` device): warm-up, pinned threads, the median (or another
 *    percentile) of repeats, one thread timed by its CPU clock, each layer
 *    timed inside whole networks whose other layers vary;
 *  - a device model (devices/mobile-gpu.yaml, devices/mobile-cpu.yaml) is a
 *    roofline per op (peak FLOP/s, memory bandwidth, a fixed dispatch cost
 *    per kernel, an efficiency per op kind) evaluated for the space: a model,
 *    not a measurement;
 *  - a table file (latency_table_save's YAML), which may also be written by
 *    hand from measurements made elsewhere.
 * latency_table_load reads either kind of file; the file formats are in
 * oneshot(1) under DEVICE FILES.
 *
 * The engine never prints: errors come back in struct err
 * (`file:line:col: error: ...`), progress through a callback. */
#ifndef ONESHOT_LATENCY_H
#define ONESHOT_LATENCY_H

#include <stdint.h>

#include "ctx.h"
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

/* Op kinds of a device model, each with its own efficiency. */
enum latency_op {
    LATENCY_OP_CONV,        /* dense kxk convolution (the stem) */
    LATENCY_OP_POINTWISE,   /* 1x1 convolution (expand, project, head) */
    LATENCY_OP_DEPTHWISE,   /* depthwise kxk convolution */
    LATENCY_OP_POOL,        /* global average pooling */
    LATENCY_OP_FC,          /* fully connected (SE's two, the classifier) */
    LATENCY_OP_ELEMENTWISE, /* SE's channel scaling, the residual add */
    LATENCY_NOPS
};

/* A roofline device model.  Every op is one kernel taking
 *   dispatch_us + max(flops / (peak * efficiency[kind]), bytes / bandwidth);
 * BN and activations are fused into the op before them (as mobile runtimes
 * do); a block is expand, depthwise, [SE: pool, FC, FC, scale], project,
 * [residual add]; the stem one conv; the head a pointwise conv, pool and FC. */
struct latency_device {
    char name[LATENCY_TEXT_MAX];     /* e.g. "mobile-gpu" */
    char hardware[LATENCY_TEXT_MAX]; /* what is modelled, e.g. "Adreno 630 ..." */
    double peak_gflops;              /* > 0 */
    double bandwidth_gbs;            /* > 0, attainable memory bandwidth */
    double bytes_per_value;          /* > 0: 4 for fp32, 2 for fp16 */
    double dispatch_us;              /* >= 0 per kernel */
    double overhead_us;              /* >= 0 per inference */
    double efficiency[LATENCY_NOPS]; /* (0, 1] share of peak_gflops */
};

/* The milliseconds of one op of d: flops floating-point operations moving
 * bytes bytes. */
double latency_op_ms(const struct latency_device *d, enum latency_op kind, double flops,
                     double bytes);

/* Evaluates d for space s (batch 1) into t (kind LATENCY_MODEL). */
void latency_device_eval(struct latency_table *t, const struct latency_device *d,
                         const struct space *s);

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

/* How a host measurement runs (defaults in brackets, from
 * latency_opts_default). */
struct latency_opts {
    int batch;         /* images per forward [1] */
    int warmup;        /* untimed forwards of each network first [10] */
    int repeats;       /* timed forwards of each network [31] */
    double percentile; /* statistic of the repeats: 50 the median, 0 the minimum [50]
                          (by the wall clock on a shared machine, the median moves by
                          10% with other jobs' load, the 20th percentile by 2%) */
    int rounds;        /* build: each (layer, choice) is timed in this many networks [5] */
    int passes;        /* measure: passes over all the architectures; each keeps its
                          fastest [2] */
    int pin;           /* 1: pin kernel thread t to the t-th CPU the process may use [1] */
    int cpu_time;      /* 1: with one thread, time by the thread's CPU clock, which does
                          not count the time spent waiting while other jobs have the
                          core; more threads always use the wall clock [1] */
    uint64_t seed;     /* weights, inputs, and the build's networks [0] */
};
void latency_opts_default(struct latency_opts *o);

/* Called after each network measured: done of total. */
typedef void (*latency_progress_fn)(void *user, int done, int total);

/* Measures a table of space s on this machine with c->threads threads.
 * Networks are built so that every allowed (layer, choice) appears in
 * o->rounds of them with random neighbours; each runs o->warmup forwards,
 * then o->repeats timed forwards split at every block (stem, blocks, head)
 * alternating with whole forwards.  Per network, each part's time is the
 * o->percentile of its repeats; an entry is the median over its networks;
 * the overhead is the median of (whole - sum of parts).  The threads are
 * pinned while timing (o->pin) and released after.  progress may be NULL.
 * Returns 0 or -1 (bad options, out of memory). */
int latency_build(struct latency_table *t, const struct space *s, const struct latency_opts *o,
                  const struct ctx *c, latency_progress_fn progress, void *user, struct err *e);

/* Measures n architectures of s end to end: ms[i] is the o->percentile of
 * o->repeats whole forwards after o->warmup, the smallest of o->passes
 * passes over all n; threads as for latency_build.  progress may be NULL.
 * Returns 0 or -1. */
int latency_measure(double *ms, const struct space *s, const struct arch *archs, int n,
                    const struct latency_opts *o, const struct ctx *c,
                    latency_progress_fn progress, void *user, struct err *e);

struct net;
/* net_forward of an inference network (net_reserve'd with training 0) with
 * the clock read between its parts: ms[0] the stem, ms[1 + i] block i,
 * ms[1 + nblocks] the head (milliseconds).  Returns the logits, equal to
 * net_forward's. */
const float *latency_forward_parts(struct net *n, const float *x, double *ms);

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
