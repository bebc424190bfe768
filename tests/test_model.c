/* Tests of src/model.c: a network saved and loaded back, and checkpoints
 * refused (another space, a step that is not one of the run). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "model.h"

static char dir[64], path[128];

static struct model *tiny_model(const struct space *s)
{
    struct arch a;
    struct err e;
    if (arch_parse(s, "k3e2-k5e4-k7e6-k3e2", "test", &a, &e))
        return NULL;
    return model_new(s, &a, 3, &e);
}

static void test_round_trip(void)
{
    struct space s;
    space_tiny(&s);
    struct model *m = tiny_model(&s);
    if (!CHECK(m))
        return;
    for (size_t i = 0; i < m->nparams; i++)
        m->mom[i] = (float)i * 0.25f;
    struct train_state ts = {.step = 5, .total = 9, .seed = 11, .epochs = 3, .batch = 16,
                             .train_images = 48, .momentum = 0.9f, .lr = 0.1,
                             .weight_decay = 4e-5f, .nesterov = 1};
    struct err e;
    if (!CHECK(model_save(m, &ts, path, &e) == 0))
        printf("  %s\n", e.msg);
    struct train_state back;
    struct model *b = model_load(&s, path, &back, &e);
    if (CHECK(b)) {
        CHECK(memcmp(&b->arch, &m->arch, sizeof m->arch) == 0);
        CHECK(memcmp(b->w, m->w, m->nparams * sizeof *m->w) == 0);
        CHECK(memcmp(b->mom, m->mom, m->nparams * sizeof *m->mom) == 0);
        CHECK(memcmp(b->stats, m->stats, m->nstats * sizeof *m->stats) == 0);
        CHECK(memcmp(&back, &ts, sizeof ts) == 0);
    } else {
        printf("  %s\n", e.msg);
    }
    model_free(b);

    struct space f;
    space_default_fmnist(&f);
    CHECK(model_load(&f, path, NULL, &e) == NULL);
    char want[256];
    snprintf(want, sizeof want, "%s: error: holds a network of space 'tiny', not of 'fmnist'",
             path);
    CHECK_STR(e.msg, want);
    model_free(m);
}

/* A step that is not one of the run (found by tests/fuzz/fuzz_ckpt): a
 * resume would start training from it, before the batch order it indexes. */
static void damaged_step(const struct space *s, struct model *m, int64_t step, int64_t total)
{
    struct train_state ts = {.step = step, .total = total};
    struct err e;
    CHECK(model_save(m, &ts, path, &e) == 0);
    struct train_state back = {0};
    CHECK(model_load(s, path, &back, &e) == NULL);
    char want[256];
    snprintf(want, sizeof want, "%s: error: is damaged: step %lld of %lld", path,
             (long long)step, (long long)total);
    CHECK_STR(e.msg, want);
    CHECK(back.step == 0 && back.total == 0);
}

static void test_damaged_step(void)
{
    struct space s;
    space_tiny(&s);
    struct model *m = tiny_model(&s);
    if (!CHECK(m))
        return;
    damaged_step(&s, m, -5, 2);
    damaged_step(&s, m, 3, 2);
    damaged_step(&s, m, 2, -1099511627774LL);
    /* the edges are steps of the run */
    struct train_state ts = {.step = 2, .total = 2};
    struct err e;
    CHECK(model_save(m, &ts, path, &e) == 0);
    struct model *b = model_load(&s, path, NULL, &e);
    CHECK(b != NULL);
    model_free(b);
    model_free(m);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    snprintf(dir, sizeof dir, "/tmp/oneshot-test-model-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/m.ckpt", dir);
    RUN(test_round_trip);
    RUN(test_damaged_step);
    unlink(path);
    rmdir(dir);
    return check_done();
}
