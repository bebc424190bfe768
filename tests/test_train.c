/* Unit tests of src/train.c's guard against numerical failure on a small
 * random data set (64 noise images of 28x28, random labels) and the tiny
 * space: the finite check's messages, a step whose loss is not finite fails
 * naming the step and the epoch and leaves the step count at the last good
 * step, a diverged trainer refuses further steps, and a learning rate far too
 * high is caught while a sane one is not; and the run itself: its loss
 * falls, and a run saved at any step and resumed ends with the very bytes
 * of an uninterrupted one (the resume contract of src/batches.h), while a
 * resume with other settings is refused naming the setting. */
#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    struct err e = {.msg = "untouched"};
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

/* Mean loss of the steps of each epoch of a run of `epochs` epochs. */
static int train_epochs(struct trainer *t, double *per_epoch)
{
    struct err e;
    double sum = 0;
    int n = 0, rc;
    while ((rc = trainer_step(t, &e)) >= 0) {
        sum += t->loss;
        n++;
        if (t->step % t->steps_per_epoch == 0) {
            per_epoch[t->step / t->steps_per_epoch - 1] = sum / n;
            sum = 0;
            n = 0;
        }
        if (rc == 0)
            return 0;
    }
    printf("  %s\n", e.msg);
    return -1;
}

/* 64 noise images with random labels can only be memorised: 8 epochs at
 * the recipe's rate take the loss well below its start (ln 10 = 2.30). */
static void test_loss_falls(void)
{
    struct dataset d;
    fake_dataset(&d, IMAGES, 2);
    struct split sp = {&d, 0, d.n};
    struct model *m = tiny_model();
    struct train_config c;
    config(&c, 0.1f);
    c.epochs = 8;
    struct trainer t;
    struct err e;
    double loss[8];
    if (CHECK(trainer_init(&t, m, &sp, &c, &e) == 0)) {
        if (CHECK(train_epochs(&t, loss) == 0)) {
            if (!CHECK(loss[7] < 0.8 * loss[0] && loss[0] > 2.0))
                printf("  epoch 1 %.4f, epoch 8 %.4f\n", loss[0], loss[7]);
        }
        trainer_done(&t);
    }
    model_free(m);
    dataset_done(&d);
}

/* Runs c on sp to the end, saving to path after `at` steps and resuming
 * from there in a new model and trainer when at > 0.  The final model. */
static struct model *run_resumed(const struct split *sp, const struct train_config *c, int at,
                                 const char *path)
{
    struct model *m = tiny_model();
    struct trainer t;
    struct err e;
    if (!CHECK(trainer_init(&t, m, sp, c, &e) == 0)) {
        model_free(m);
        return NULL;
    }
    int rc = 1;
    while (rc > 0 && (at == 0 || t.step < at))
        rc = trainer_step(&t, &e);
    if (at > 0) {
        struct train_state ts;
        trainer_save_state(&t, &ts);
        CHECK(model_save(m, &ts, path, &e) == 0);
        trainer_done(&t);
        model_free(m);
        struct space s;
        space_tiny(&s);
        m = model_load(&s, path, &ts, &e);
        if (!CHECK(m != NULL) || !CHECK(trainer_init(&t, m, sp, c, &e) == 0) ||
            !CHECK(trainer_resume(&t, &ts, path, &e) == 0)) {
            printf("  %s\n", e.msg);
            model_free(m);
            return NULL;
        }
        CHECK_EQ_INT(t.step, at);
        while ((rc = trainer_step(&t, &e)) > 0)
            ;
    }
    CHECK(rc == 0);
    trainer_done(&t);
    return m;
}

static void test_resume_bit_identical(void)
{
    struct dataset d;
    fake_dataset(&d, IMAGES, 4);
    struct split sp = {&d, 0, d.n};
    struct train_config c;
    config(&c, 0.1f);
    c.epochs = 3; /* 12 steps */
    char path[64];
    snprintf(path, sizeof path, "/tmp/oneshot-test-train-%d.ckpt", (int)getpid());
    struct model *ref = run_resumed(&sp, &c, 0, path);
    /* inside an epoch, at an epoch's end, one step before the end */
    const int at[] = {3, 4, 11};
    for (int i = 0; ref && i < 3; i++) {
        struct model *m = run_resumed(&sp, &c, at[i], path);
        if (!m)
            continue;
        if (!CHECK(memcmp(m->w, ref->w, m->nparams * sizeof *m->w) == 0 &&
                   memcmp(m->mom, ref->mom, m->nparams * sizeof *m->mom) == 0 &&
                   memcmp(m->stats, ref->stats, m->nstats * sizeof *m->stats) == 0))
            printf("  resumed at step %d: not the uninterrupted run's bytes\n", at[i]);
        model_free(m);
    }
    model_free(ref);
    remove(path);
    dataset_done(&d);
}

/* A resume with another setting is refused, naming it; the step is kept. */
static void test_resume_refuses(void)
{
    struct dataset d;
    fake_dataset(&d, IMAGES, 4);
    struct split sp = {&d, 0, d.n};
    struct model *m = tiny_model();
    struct train_config c;
    config(&c, 0.1f);
    struct trainer t;
    struct err e;
    if (!CHECK(trainer_init(&t, m, &sp, &c, &e) == 0)) {
        model_free(m);
        dataset_done(&d);
        return;
    }
    CHECK(trainer_step(&t, &e) == 1);
    struct train_state ts;
    trainer_save_state(&t, &ts);
    trainer_done(&t);
    c.epochs = 5;
    CHECK(trainer_init(&t, m, &sp, &c, &e) == 0);
    CHECK(trainer_resume(&t, &ts, "x.ckpt", &e) == -1);
    CHECK_STR(e.msg, "x.ckpt: error: was saved by a run with --epochs 2, this one has 5: give the "
                     "same settings");
    CHECK_EQ_INT(t.step, 0);
    trainer_done(&t);
    config(&c, 0.1f);
    c.seed = 4;
    CHECK(trainer_init(&t, m, &sp, &c, &e) == 0);
    CHECK(trainer_resume(&t, &ts, "x.ckpt", &e) == -1);
    CHECK_STR(e.msg, "x.ckpt: error: was saved by a run with --seed 3, this one has 4: give the "
                     "same settings");
    trainer_done(&t);
    /* a file of before the settings were kept: its step count decides */
    config(&c, 0.1f);
    struct train_state old = {.step = 1, .total = ts.total, .seed = ts.seed};
    CHECK(trainer_init(&t, m, &sp, &c, &e) == 0);
    CHECK(trainer_resume(&t, &old, "x.ckpt", &e) == 0);
    CHECK_EQ_INT(t.step, 1);
    old.total = ts.total + 1;
    CHECK(trainer_resume(&t, &old, "x.ckpt", &e) == -1);
    trainer_done(&t);
    model_free(m);
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
    RUN(test_loss_falls);
    RUN(test_resume_bit_identical);
    RUN(test_resume_refuses);
    return check_done();
}
