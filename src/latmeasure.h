/* latmeasure: latency measured on this machine (the `host` device): a
 * latency table built by timing every (layer, choice) inside whole networks,
 * and architectures timed end to end, to check a table's predictions against
 * (latency_agreement, src/latency.h).  The threads are pinned while timing;
 * with one thread the clock is the thread's CPU time.
 *
 * The engine never prints: errors come back in struct err, progress through
 * a callback. */
#ifndef ONESHOT_LATMEASURE_H
#define ONESHOT_LATMEASURE_H

#include <stdint.h>

#include "ctx.h"
#include "err.h"
#include "latency.h"
#include "space.h"

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

#endif
