/* supertrain: a checkpoint whose CRC is right but whose contents no run
 * writes (a sampler state outside the space, impossible update counts) is
 * refused on resume with what is wrong, never trained on. */
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

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_damaged_checkpoints);
    return check_done();
}
