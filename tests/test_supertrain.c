/* Unit tests of src/supertrain.c's guard against numerical failure, on 64
 * noise images and the tiny space with the fair sampler: a step whose loss
 * is not finite fails naming the step and the epoch, the step count stays at
 * the last good step, later steps and saves are refused and the checkpoint
 * written before keeps its bytes and loads; a learning rate far too high is
 * caught at the step reported. */
#include "supertrain.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "rng.h"

#define IMAGES 64
#define BATCH 16 /* 4 steps per epoch */

static void noise_set(struct dataset *d, uint64_t seed)
{
    *d = (struct dataset){.n = IMAGES, .c = 1, .h = 28, .w = 28, .classes = 10};
    d->pixels = malloc((size_t)IMAGES * 28 * 28);
    d->labels = malloc(IMAGES);
    struct rng r;
    rng_seed(&r, seed, 9);
    for (size_t i = 0; i < (size_t)IMAGES * 28 * 28; i++)
        d->pixels[i] = (uint8_t)rng_below(&r, 256);
    for (int i = 0; i < IMAGES; i++)
        d->labels[i] = (uint8_t)rng_below(&r, 10);
}

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
    noise_set(&d, 1);
    struct split sp = {&d, 0, d.n};
    struct sampler sm;
    struct err e;
    struct supertrain_config cfg = {.epochs = 2, .batch = BATCH, .lr = 0.05, .iterations = 1,
                                    .seed = 4, .train_images = IMAGES};
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
    noise_set(&d, 2);
    struct split sp = {&d, 0, d.n};
    struct sampler sm;
    struct err e;
    struct supertrain_config cfg = {.epochs = 2, .batch = BATCH, .lr = 1e6, .iterations = 1,
                                    .seed = 4, .train_images = IMAGES};
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

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_nan_keeps_checkpoint);
    RUN(test_diverges);
    return check_done();
}
