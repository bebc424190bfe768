/* spfixture: the small Single-Path NAS setting shared by tests/test_singlepath.c
 * and tests/test_sptune.c, so a search runs in a fraction of a second.
 *
 * The space "micro" (or "micro-se"): 28x28 input (tests/fakedata.h's
 * images), stem 4 channels stride 2, two stages of two layers of 8 channels
 * (the first strided), choices k{3,5,7} x e{2,4} (with and without SE for
 * micro-se) and skip; runtimes from a roofline device model whose dispatch
 * costs make small layers cost too (src/latmodel.h).  A fixture adds random
 * training and validation images and a Single-Path configuration of batch
 * 16 and seed 9.
 *
 * Everything is static: each test binary uses what it needs. */
#ifndef ONESHOT_TESTS_SPFIXTURE_H
#define ONESHOT_TESTS_SPFIXTURE_H

#include <stdio.h>
#include <string.h>

#include "check.h"
#include "fakedata.h"
#include "latmodel.h"
#include "singlepath.h"

static inline void micro_space(struct space *s, int se)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "micro%s", se ? "-se" : "");
    s->in_c = 1;
    s->in_h = s->in_w = 28;
    s->classes = 10;
    s->stem_c = 4;
    s->stem_k = 3;
    s->stem_stride = 2;
    s->stem_act = ACT_RELU;
    s->nstages = 2;
    s->stages[0] = (struct stage){8, 2, 2}; /* 7x7 */
    s->stages[1] = (struct stage){8, 2, 2}; /* 4x4 */
    s->head_c = 16;
    s->head_act = ACT_RELU;
    for (int v = 0; v <= se; v++)
        for (int k = 3; k <= 7; k += 2)
            for (int e = 2; e <= 4; e += 2)
                space_add_choice(s, k, e, v, 0, ACT_RELU);
    space_add_choice(s, 0, 0, 0, 1, ACT_RELU);
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        s->allowed[l] = (1ULL << s->nchoices) - 1;
    struct err e;
    CHECK(space_finish(s, &e) == 0);
}

/* A roofline device: dispatch costs make small layers cost too. */
static inline void device_table(struct latency_table *t, const struct space *s)
{
    struct latency_device d;
    memset(&d, 0, sizeof d);
    snprintf(d.name, sizeof d.name, "test-device");
    d.peak_gflops = 0.5;
    d.bandwidth_gbs = 2;
    d.bytes_per_value = 4;
    d.dispatch_us = 3;
    d.overhead_us = 50;
    for (int k = 0; k < LATENCY_NOPS; k++)
        d.efficiency[k] = 0.5;
    latency_device_eval(t, &d, s);
}

/* The architecture of choice `name` everywhere but skip where allowed, if
 * skip is set. */
static inline void uniform_arch(struct arch *a, const struct space *s, const char *name, int skip)
{
    int c = space_find_choice(s, name), k = space_find_choice(s, "skip");
    memset(a, 0, sizeof *a);
    a->n = s->nlayers;
    for (int l = 0; l < s->nlayers; l++)
        a->choice[l] = skip && k >= 0 && ((s->allowed[l] >> k) & 1) ? k : c;
}

struct fixture {
    struct space s;
    struct latency_table t;
    struct dataset d;
    struct split train, val;
    struct sp_config cfg;
};

/* images training images and 32 validation ones; dataset_done(&f->d) frees. */
static inline void fixture_open(struct fixture *f, int se, int images)
{
    micro_space(&f->s, se);
    device_table(&f->t, &f->s);
    fake_dataset(&f->d, images + 32, 4);
    f->train = (struct split){&f->d, 0, images};
    f->val = (struct split){&f->d, images, 32};
    sp_config_default(&f->cfg);
    f->cfg.batch = 16;
    f->cfg.train_images = images;
    f->cfg.seed = 9;
}

/* Runs t to its end (a failure is a failed check). */
static inline void run_out(struct singlepath *t)
{
    struct err e;
    int rc;
    while ((rc = singlepath_step(t, &e)) == 1)
        ;
    if (!CHECK(rc == 0))
        printf("  %s\n", e.msg);
}

/* An uninterrupted search of f at lambda into r (its read-off); 0, or -1
 * (a failed check, r zeroed). */
static inline int fixture_search(const struct fixture *f, double lambda, struct spnet_readout *r)
{
    struct sp_config c = f->cfg;
    c.lambda = lambda;
    struct singlepath t;
    struct err e;
    memset(r, 0, sizeof *r);
    if (!CHECK(singlepath_init(&t, &f->s, &f->t, &f->train, &c, NULL, &e) == 0)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    run_out(&t);
    singlepath_readout(&t, r);
    singlepath_done(&t);
    return 0;
}

#endif
