/* latmodel: roofline device models (devices/mobile-gpu.yaml,
 * devices/mobile-cpu.yaml): what one op of a network takes on a device, and
 * a model evaluated for a space as a latency table (kind LATENCY_MODEL): a
 * model, not a measurement.  latency_table_load (src/latency.h) reads the
 * model files and evaluates them here; the format is in oneshot(1) under
 * DEVICE FILES. */
#ifndef ONESHOT_LATMODEL_H
#define ONESHOT_LATMODEL_H

#include "latency.h"
#include "space.h"

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

#endif
