/* Unit tests of src/supertrain.c, on noise images and the tiny space.
 *
 * Damaged checkpoints: one whose CRC is right but whose contents no run
 * writes (a sampler state outside the space, impossible update counts) is
 * refused on resume with what is wrong, never trained on.
 *
 * Numerical failure (64 images, the fair sampler): a step whose loss is not
 * finite fails naming the step and the epoch, the step count stays at the
 * last good step, later steps and saves are refused and the checkpoint
 * written before keeps its bytes and loads; a learning rate far too high is
 * caught at the step reported.
 *
 * The run (the fair and uniform samplers): its loss falls, and a run saved
 * at a step and resumed ends with the uninterrupted run's bytes (weights,
 * momentum, BatchNorm statistics, update counts). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "fakedata.h"
#include "ctx.h"
#include "rng.h"
#include "sampler.h"
#include "supertrain.h"

struct fixture {
    struct space s;
    struct dataset d;
    struct split train;
    struct supertrain_config cfg;
    char dir[64], path[96];
};

static int fixture_open(struct fixture *f)
{
    space_builtin(&f->s, "tiny");
    fake_dataset(&f->d, 128, 3);
    f->train = (struct split){&f->d, 0, 128};
    f->cfg = (struct supertrain_config){.epochs = 2, .batch = 32, .lr = 0.05, .iterations = 1,
                                        .seed = 5, .train_images = 128,
                                        .shared_lr = 1, .label_smoothing = 0};
    snprintf(f->dir, sizeof f->dir, "/tmp/oneshot-test-supertrain-XXXXXX");
    if (!mkdtemp(f->dir))
        return -1;
    snprintf(f->path, sizeof f->path, "%s/sn.ckpt", f->dir);
    return 0;
}

static void fixture_close(struct fixture *f)
{
    unlink(f->path);
    rmdir(f->dir);
    dataset_done(&f->d);
}

enum damage { NONE, COUNT_OUTSIDE, COUNT_UNFAIR, POOL_ARCH, CURRENT_PATH, UPDATES, SAMPLER_STEP };

/* Trains 3 steps with sampler `name`, damages the state, saves (a valid
 * CRC), resumes; returns the resume's status, e its error. */
static int damaged(struct fixture *f, const char *name, int pool, int repeat, enum damage d,
                   struct err *e)
{
    struct sampler sm;
    struct supertrain t;
    if (sampler_init(&sm, name, &f->s, 5, repeat, pool, e) ||
        supertrain_init(&t, &f->s, &sm, &f->train, &f->cfg, NULL, e))
        return -2;
    for (int i = 0; i < 3; i++)
        if (supertrain_step(&t, e) < 0)
            return -2;
    switch (d) {
    case NONE:
        break;
    case COUNT_OUTSIDE:
        sm.st.counts[0][5] = 2; /* tiny has 3 choices */
        break;
    case COUNT_UNFAIR:
        sm.st.counts[1][0] += 2;
        break;
    case POOL_ARCH:
        sm.pool_archs[1].choice[2] = 40;
        break;
    case CURRENT_PATH:
        sm.st.cur.n = 7;
        sm.st.repeat_left = 1;
        break;
    case UPDATES:
        t.sn->updates[2][9] = 1;
        break;
    case SAMPLER_STEP:
        sm.st.step += 5;
        break;
    }
    if (supertrain_save(&t, f->path, e))
        return -2;
    supertrain_done(&t);
    sampler_done(&sm);
    struct sampler sm2;
    struct supertrain t2;
    if (sampler_init(&sm2, name, &f->s, 5, repeat, pool, e))
        return -2;
    int rc = supertrain_init(&t2, &f->s, &sm2, &f->train, &f->cfg, f->path, e);
    if (rc == 0) {
        CHECK_EQ_INT(t2.step, 3);
        supertrain_done(&t2);
    }
    sampler_done(&sm2);
    return rc;
}

static void expect_damage(struct fixture *f, const char *name, int pool, int repeat,
                          enum damage d, const char *want)
{
    struct err e = {0};
    int rc = damaged(f, name, pool, repeat, d, &e);
    CHECK_EQ_INT(rc, -1);
    char full[1024];
    snprintf(full, sizeof full, "%s: error: is damaged: %s", f->path, want);
    CHECK_STR(e.msg, full);
}

static void test_damaged_checkpoints(void)
{
    struct fixture f;
    if (!CHECK(fixture_open(&f) == 0))
        return;
    struct err e = {0};
    /* undamaged: every sampler resumes */
    CHECK_EQ_INT(damaged(&f, "fair", 0, 1, NONE, &e), 0);
    CHECK_EQ_INT(damaged(&f, "uniform", 0, 1, NONE, &e), 0);
    CHECK_EQ_INT(damaged(&f, "proportional", 4, 2, NONE, &e), 0);
    expect_damage(&f, "fair", 0, 1, COUNT_OUTSIDE,
                  "the sampler's count of layer 1, choice 6 is 2, impossible in space tiny");
    expect_damage(&f, "fair", 0, 1, COUNT_UNFAIR,
                  "the fair sampler's counts of layer 2 differ by 2 (at most 1)");
    expect_damage(&f, "proportional", 4, 2, POOL_ARCH,
                  "the sampler's pool holds an architecture (2 of 4) that is not of space tiny");
    expect_damage(&f, "proportional", 0, 3, CURRENT_PATH,
                  "the sampler's current path is not an architecture of space tiny");
    expect_damage(&f, "uniform", 0, 1, SAMPLER_STEP, "step 3 of 8, the sampler's 8");
    /* the supernet's own counts */
    int rc = damaged(&f, "fair", 0, 1, UPDATES, &e);
    CHECK_EQ_INT(rc, -1);
    CHECK(strstr(e.msg, "is damaged: layer 3, choice 10 has 1 updates in 3 steps") != NULL);
    fixture_close(&f);
}

#define IMAGES 64
#define BATCH 16 /* 4 steps per epoch */

/* The whole file at path (caller frees), its size in *n; NULL if unreadable. */
static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 22);
    *n = buf ? fread(buf, 1, 1 << 22, f) : 0;
    fclose(f);
    return buf;
}

static void test_nan_keeps_checkpoint(void)
{
    struct space s;
    space_tiny(&s);
    struct dataset d;
    fake_dataset(&d, IMAGES, 1);
    struct split sp = {&d, 0, d.n};
    struct sampler sm;
    struct err e;
    struct supertrain_config cfg = {.epochs = 2, .batch = BATCH, .lr = 0.05, .iterations = 1,
                                    .seed = 4, .train_images = IMAGES, .shared_lr = 1};
    if (!CHECK(sampler_init(&sm, "fair", &s, cfg.seed, 1, 0, &e) == 0))
        return;
    struct supertrain t;
    if (!CHECK(supertrain_init(&t, &s, &sm, &sp, &cfg, NULL, &e) == 0)) {
        printf("  %s\n", e.msg);
        sampler_done(&sm);
        dataset_done(&d);
        return;
    }
    char dir[] = "/tmp/oneshot-test-supertrain-XXXXXX";
    if (!CHECK(mkdtemp(dir) != NULL))
        return;
    char path[sizeof dir + 16];
    snprintf(path, sizeof path, "%s/sn.ckpt", dir);
    for (int i = 0; i < 5; i++)
        CHECK(supertrain_step(&t, &e) == 1);
    CHECK(supertrain_save(&t, path, &e) == 0);
    size_t n0 = 0, n1 = 0;
    char *before = slurp(path, &n0);
    CHECK(before && n0 > 0);

    t.sn->w[t.sn->head_off + net_head_param_floats(&s) - 1] = NAN; /* a classifier bias */
    CHECK(supertrain_step(&t, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 6 (epoch 2 of 2): the loss is nan; try a "
                     "learning rate below 0.05");
    CHECK_EQ_INT(t.step, 5);
    CHECK_EQ_INT(t.diverged, 6);
    CHECK(supertrain_step(&t, &e) == -1);
    CHECK_STR(e.msg, "error: training diverged at step 6: its state is not finite and is not "
                     "trained further");
    CHECK(supertrain_save(&t, path, &e) == -1);
    char want[256];
    snprintf(want, sizeof want,
             "%s: error: not saved: training diverged at step 6; the file keeps the last good "
             "state it held",
             path);
    CHECK_STR(e.msg, want);
    char *after = slurp(path, &n1);
    CHECK(after && n1 == n0 && memcmp(before, after, n0) == 0);
    char tmp[sizeof path + 8];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);
    supertrain_done(&t);
    sampler_done(&sm);

    /* the kept checkpoint resumes at step 5 */
    struct sampler sm2;
    struct supertrain t2;
    CHECK(sampler_init(&sm2, "fair", &s, cfg.seed, 1, 0, &e) == 0);
    if (CHECK(supertrain_init(&t2, &s, &sm2, &sp, &cfg, path, &e) == 0)) {
        CHECK_EQ_INT(t2.step, 5);
        CHECK(supertrain_step(&t2, &e) == 1);
        supertrain_done(&t2);
    } else {
        printf("  %s\n", e.msg);
    }
    sampler_done(&sm2);
    free(before);
    free(after);
    unlink(path);
    rmdir(dir);
    dataset_done(&d);
}

static void test_diverges(void)
{
    struct space s;
    space_tiny(&s);
    struct dataset d;
    fake_dataset(&d, IMAGES, 2);
    struct split sp = {&d, 0, d.n};
    struct sampler sm;
    struct err e;
    struct supertrain_config cfg = {.epochs = 2, .batch = BATCH, .lr = 1e6, .iterations = 1,
                                    .seed = 4, .train_images = IMAGES, .shared_lr = 1};
    if (!CHECK(sampler_init(&sm, "fair", &s, cfg.seed, 1, 0, &e) == 0))
        return;
    struct supertrain t;
    if (CHECK(supertrain_init(&t, &s, &sm, &sp, &cfg, NULL, &e) == 0)) {
        int rc;
        while ((rc = supertrain_step(&t, &e)) > 0)
            ;
        CHECK(rc == -1);
        char want[128];
        snprintf(want, sizeof want, "error: training diverged at step %lld (epoch %lld of 2): ",
                 (long long)t.step + 1, (long long)(t.step / t.steps_per_epoch + 1));
        if (!CHECK(strncmp(e.msg, want, strlen(want)) == 0))
            printf("  got %s\n  want %s...\n", e.msg, want);
        CHECK_EQ_INT(t.diverged, t.step + 1);
        supertrain_done(&t);
    }
    sampler_done(&sm);
    dataset_done(&d);
}

/* Trains f's run to its end with sampler `name`, saving after `at` steps
 * and resuming into a new run when at > 0; the final supernet's bytes go to
 * *out (malloc'd), and the mean loss of the first and last epochs. */
static int train_run(struct fixture *f, const char *name, int at, float **out, size_t *n,
                     double *first, double *last)
{
    struct sampler sm;
    struct supertrain t;
    struct err e;
    if (sampler_init(&sm, name, &f->s, 5, 1, 0, &e) ||
        supertrain_init(&t, &f->s, &sm, &f->train, &f->cfg, NULL, &e)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    double sum[2] = {0, 0};
    int rc = 1;
    while (rc > 0) {
        if (at > 0 && t.step == at) {
            if (supertrain_save(&t, f->path, &e))
                break;
            supertrain_done(&t);
            sampler_done(&sm);
            if (sampler_init(&sm, name, &f->s, 5, 1, 0, &e) ||
                supertrain_init(&t, &f->s, &sm, &f->train, &f->cfg, f->path, &e)) {
                printf("  %s\n", e.msg);
                return -1;
            }
            at = 0;
        }
        rc = supertrain_step(&t, &e);
        if (rc >= 0 && (t.epoch == 0 || t.epoch == f->cfg.epochs - 1))
            sum[t.epoch == 0 ? 0 : 1] += t.loss / t.steps_per_epoch;
    }
    if (rc < 0) {
        printf("  %s\n", e.msg);
        supertrain_done(&t);
        sampler_done(&sm);
        return -1;
    }
    struct supernet *sn = t.sn;
    *n = 3 * sn->nparams + sn->nstats;
    *out = malloc(*n * sizeof **out + sizeof sn->updates);
    memcpy(*out, sn->w, sn->nparams * sizeof *sn->w);
    memcpy(*out + sn->nparams, sn->mom, sn->nparams * sizeof *sn->mom);
    memcpy(*out + 2 * sn->nparams, sn->g, sn->nparams * sizeof *sn->g);
    memcpy(*out + 3 * sn->nparams, sn->stats, sn->nstats * sizeof *sn->stats);
    memcpy(*out + *n, sn->updates, sizeof sn->updates);
    *n = *n * sizeof **out + sizeof sn->updates;
    *first = sum[0];
    *last = sum[1];
    supertrain_done(&t);
    sampler_done(&sm);
    return 0;
}

static void test_resume_bit_identical(void)
{
    struct fixture f;
    if (!CHECK(fixture_open(&f) == 0))
        return;
    f.cfg.epochs = 4; /* 16 steps */
    const char *names[] = {"fair", "uniform"};
    for (int k = 0; k < 2; k++) {
        float *ref, *got;
        size_t n, n2;
        double first, last, f2, l2;
        if (!CHECK(train_run(&f, names[k], 0, &ref, &n, &first, &last) == 0))
            continue;
        /* noise images with random labels: the supernet memorises them */
        if (!CHECK(last < first))
            printf("  %s: loss of epoch 1 %.4f, of epoch 4 %.4f\n", names[k], first, last);
        const int at[] = {5, 8};
        for (int i = 0; i < 2; i++) {
            if (!CHECK(train_run(&f, names[k], at[i], &got, &n2, &f2, &l2) == 0))
                continue;
            if (!CHECK(n2 == n && memcmp(got, ref, n) == 0))
                printf("  %s resumed at step %d: not the uninterrupted run's bytes\n", names[k],
                       at[i]);
            free(got);
        }
        free(ref);
    }
    fixture_close(&f);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_damaged_checkpoints);
    RUN(test_nan_keeps_checkpoint);
    RUN(test_diverges);
    RUN(test_resume_bit_identical);
    return check_done();
}
