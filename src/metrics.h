/* metrics: the named measures of an architecture, in one registry.
 *
 * The engine's: accuracy (validation accuracy through the supernet, after
 * BatchNorm recalibration), accuracy_no_recal (before it), loss (the
 * validation cross-entropy after recalibration), params and macs (exact
 * counts), latency (on the experiment's latency.device) and latency@DEVICE
 * (an objective's other device), each from a latency table.  After them come
 * the metrics a Lua metrics file computes (METRIC_SCRIPT, registered by
 * lua/luasearch.c).  A run's evaluations.csv has one column per entry, in
 * order; objectives (src/objective.h) and the TUI's axes name entries. */
#ifndef ONESHOT_METRICS_H
#define ONESHOT_METRICS_H

#include "err.h"
#include "latency.h"
#include "supernet.h"

#define METRICS_MAX 32
#define METRIC_NAME_MAX 160

enum metric_kind {
    METRIC_ACCURACY,
    METRIC_ACCURACY_NO_RECAL,
    METRIC_LOSS,
    METRIC_PARAMS,
    METRIC_MACS,
    METRIC_LATENCY,
    METRIC_SCRIPT,
};

struct metric {
    char name[METRIC_NAME_MAX];
    enum metric_kind kind;
    const struct latency_table *table; /* METRIC_LATENCY: borrowed */
};

struct metrics {
    int n;
    struct metric m[METRICS_MAX];
};

/* The engine's metrics every run has: accuracy, accuracy_no_recal, params,
 * macs. */
void metrics_init(struct metrics *r);

/* Appends a metric (table: for METRIC_LATENCY, borrowed).  A name already
 * there or a full registry is an error.  0 or -1. */
int metrics_add(struct metrics *r, const char *name, enum metric_kind kind,
                const struct latency_table *table, struct err *e);

/* The index of the metric called name, or -1. */
int metrics_find(const struct metrics *r, const char *name);

/* The names, for messages: "accuracy, params, ..." into buf (n bytes). */
const char *metrics_list(const struct metrics *r, char *buf, size_t n);

/* What the engine's metrics are measured with. */
struct metrics_source {
    struct supernet *sn;           /* its weights are borrowed, its statistics restored */
    const struct split *val;       /* the validation images */
    const struct split *calib;     /* recalibration draws from these */
    struct supernet_eval opt;      /* recalibration images, batch */
};

/* The values of every engine metric of a into v[i] (a METRIC_SCRIPT entry is
 * left alone).  The supernet is run only when an accuracy or the loss is
 * asked for.  0, or -1 with e filled. */
int metrics_compute(const struct metrics *r, const struct metrics_source *src,
                    const struct arch *a, double *v, struct err *e);

#endif
