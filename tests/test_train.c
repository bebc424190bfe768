/* Unit tests of src/train.c's guard against numerical failure on a small
 * random data set (64 noise images of 28x28, random labels) and the tiny
 * space: the finite check's messages, a step whose loss is not finite fails
 * naming the step and the epoch and leaves the step count at the last good
 * step, a diverged trainer refuses further steps, and a learning rate far too
 * high is caught while a sane one is not. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "fakedata.h"

#define IMAGES 64
#define BATCH 16 /* 4 steps per epoch */

static struct model *tiny_model(void)
{
    struct space s;
    space_tiny(&s);
    struct arch a;
    struct err e;
    if (arch_parse(&s, "k3e2-k5e4-k3e2-k7e6", "test", &a, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
    struct model *m = model_new(&s, &a, 5, &e);
    if (!m) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
    return m;
}

static void config(struct train_config *c, float lr)
{
    train_config_default(c);
    c->epochs = 2;
    c->batch = BATCH;
    c->lr = lr;
    c->seed = 3;
}

static void test_check_messages(void)
{
    float w[4] = {1, 2, 3, 4}, st[3] = {0.5f, 1, 2};
    struct err e = {"untouched"};
    CHECK(train_check_finite(2.3, w, 4, st, 3, 7, 2, 3, 0.1, &e) == 0);
    CHECK_STR(e.msg, "untouched");
    CHECK(train_check_finite(NAN, w, 4, st, 3, 7, 2, 3, 0.1, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 7 (epoch 2 of 3): the loss is nan; try a "
                     "learning rate below 0.1");
    CHECK(train_check_finite(INFINITY, w, 4, st, 3, 1, 1, 1, 1000, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 1 (epoch 1 of 1): the loss is inf; try a "
                     "learning rate below 1000");
    /* the loss is named before the weights; the first bad weight is named */
    w[2] = -INFINITY;
    w[3] = NAN;
    CHECK(train_check_finite(NAN, w, 4, st, 3, 9, 3, 3, 0.5, &e) == -1);
    CHECK(strstr(e.msg, "the loss is nan") != NULL);
    CHECK(train_check_finite(1.0, w, 4, st, 3, 9, 3, 3, 0.5, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 9 (epoch 3 of 3): weight 3 of 4 is -inf "
                     "after the update; try a learning rate below 0.5");
    w[2] = w[3] = 0;
    st[1] = NAN;
    CHECK(train_check_finite(1.0, w, 4, st, 3, 9, 3, 3, 0.5, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 9 (epoch 3 of 3): BatchNorm statistic 2 "
                     "of 3 is nan; try a learning rate below 0.5");
}

/* The last weight (a bias of the classifier) made NaN after a good epoch:
 * the next step's loss is NaN and the step fails naming step 5, epoch 2; the
 * trainer stays at step 4 and refuses to go on. */
static void test_nan_loss(void)
{
    struct dataset d;
    fake_dataset(&d, IMAGES, 1);
    struct split sp = {&d, 0, d.n};
    struct model *m = tiny_model();
    struct train_config c;
    config(&c, 0.1f);
    struct trainer t;
    struct err e;
    if (!CHECK(trainer_init(&t, m, &sp, &c, &e) == 0)) {
        printf("  %s\n", e.msg);
        goto out;
    }
    for (int i = 0; i < 4; i++)
        CHECK(trainer_step(&t, &e) == 1);
    CHECK_EQ_INT(t.step, 4);
    CHECK(isfinite(t.loss));
    m->w[m->nparams - 1] = NAN;
    CHECK(trainer_step(&t, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 5 (epoch 2 of 2): the loss is nan; try a "
                     "learning rate below 0.1");
    CHECK_EQ_INT(t.step, 4);
    CHECK_EQ_INT(t.diverged, 5);
    m->w[m->nparams - 1] = 0; /* even "repaired", a diverged trainer does not go on */
    CHECK(trainer_step(&t, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 5: its state is not finite and is not "
                     "trained further");
    CHECK_EQ_INT(t.step, 4);
    trainer_done(&t);
out:
    model_free(m);
    dataset_done(&d);
}

/* A NaN in the first weight of the stem does not reach the loss (ReLU maps
 * NaN to 0), but the weight check catches it. */
static void test_nan_weight(void)
{
    struct dataset d;
    fake_dataset(&d, IMAGES, 1);
    struct split sp = {&d, 0, d.n};
    struct model *m = tiny_model();
    struct train_config c;
    config(&c, 0.1f);
    struct trainer t;
    struct err e;
    if (CHECK(trainer_init(&t, m, &sp, &c, &e) == 0)) {
        CHECK(trainer_step(&t, &e) == 1);
        m->w[0] = NAN;
        CHECK(trainer_step(&t, &e) == -1);
        char want[160];
        snprintf(want, sizeof want, "error: training diverged at step 2 (epoch 1 of 2): weight 1 "
                 "of %zu is nan after the update; try a learning rate below 0.1", m->nparams);
        CHECK_STR(e.msg, want);
        CHECK(isfinite(t.loss)); /* the loss of step 1: step 2's is not kept */
        CHECK_EQ_INT(t.step, 1);
        trainer_done(&t);
    }
    model_free(m);
    dataset_done(&d);
}

/* A learning rate of 1e6 is caught within the run, at the step reported; the
 * same run at 0.1 trains to its end. */
static void test_diverges(void)
{
    struct dataset d;
    fake_dataset(&d, IMAGES, 2);
    struct split sp = {&d, 0, d.n};
    for (int k = 0; k < 2; k++) {
        struct model *m = tiny_model();
        struct train_config c;
        config(&c, k ? 0.1f : 1e6f);
        struct trainer t;
        struct err e;
        if (!CHECK(trainer_init(&t, m, &sp, &c, &e) == 0)) {
            model_free(m);
            continue;
        }
        int rc;
        while ((rc = trainer_step(&t, &e)) > 0)
            ;
        if (k == 0) {
            CHECK(rc == -1);
            char want[128];
            snprintf(want, sizeof want, "error: training diverged at step %lld (epoch %lld of 2): ",
                     (long long)t.step + 1, (long long)(t.step / t.steps_per_epoch + 1));
            if (!CHECK(strncmp(e.msg, want, strlen(want)) == 0))
                printf("  got %s\n  want %s...\n", e.msg, want);
            CHECK(strstr(e.msg, "; try a learning rate below 1e+06") != NULL);
            CHECK_EQ_INT(t.diverged, t.step + 1);
            CHECK(t.step < t.total);
        } else {
            if (!CHECK(rc == 0))
                printf("  %s\n", e.msg);
            CHECK_EQ_INT(t.step, t.total);
            CHECK_EQ_INT(t.diverged, 0);
        }
        trainer_done(&t);
        model_free(m);
    }
    dataset_done(&d);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_check_messages);
    RUN(test_nan_loss);
    RUN(test_nan_weight);
    RUN(test_diverges);
    return check_done();
}
