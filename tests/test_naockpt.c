/* Unit tests of naockpt: NAO's controller saved and loaded.  A controller
 * trained elsewhere loads another's file and then predicts bit for bit what
 * it predicts, and trains on the same (the count of epochs trained, which
 * names the order of training, comes back too); another hidden size,
 * another space, another kind of checkpoint and a CRC-valid file with a
 * NaN weight are refused with messages naming them, the controller left as
 * it was. */
#include "naockpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ckpt.h"

/* count random architectures of s with accuracies standing in. */
static void random_pool(const struct space *s, struct arch *a, double *acc, int count)
{
    struct rng r;
    rng_seed(&r, 23, 0);
    for (int i = 0; i < count; i++) {
        arch_random(s, &r, &a[i]);
        acc[i] = rng_uniform(&r);
    }
}

static void test_save_load(void)
{
    char dir[] = "/tmp/test_nao.XXXXXX";
    CHECK(mkdtemp(dir) != NULL);
    char path[64], other[64];
    snprintf(path, sizeof path, "%s/nao.ckpt", dir);
    snprintf(other, sizeof other, "%s/other.ckpt", dir);
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    /* b, made with a's settings, is trained elsewhere before it loads a */
    struct nao_config cfg;
    nao_config_default(&cfg);
    cfg.embed = 8;
    cfg.hidden = 12;
    cfg.batch = 20;
    cfg.seed = 21;
    struct err e;
    struct nao *a = nao_new(&s, &cfg, &e), *b = nao_new(&s, &cfg, &e);
    CHECK(a && b);
    struct arch pool[40];
    double acc[40];
    random_pool(&s, pool, acc, 40);
    CHECK(nao_train(a, pool, acc, 40, 5, NULL, &e) == 0);
    CHECK(nao_train(b, pool + 20, acc + 20, 20, 2, NULL, &e) == 0);
    CHECK(memcmp(a->w, b->w, a->nparams * sizeof *a->w) != 0);
    CHECK(naockpt_save(a, path, &e) == 0);
    CHECK(naockpt_load(b, path, &e) == 0);
    CHECK_EQ_INT(b->epochs_done, 5);
    double fa[40], fb[40];
    CHECK(nao_predict(a, pool, 40, fa, &e) == 0);
    CHECK(nao_predict(b, pool, 40, fb, &e) == 0);
    CHECK(memcmp(fa, fb, sizeof fa) == 0);
    /* training goes on the same from the loaded controller */
    CHECK(nao_train(a, pool, acc, 40, 3, NULL, &e) == 0);
    CHECK(nao_train(b, pool, acc, 40, 3, NULL, &e) == 0);
    CHECK(memcmp(a->w, b->w, a->nparams * sizeof *a->w) == 0);

    /* another hidden size, another space, another kind of file: refused, b unchanged */
    cfg.hidden = 10;
    struct nao *c = nao_new(&s, &cfg, &e);
    CHECK(c != NULL);
    CHECK(naockpt_save(c, other, &e) == 0);
    CHECK(naockpt_load(b, other, &e) == -1);
    CHECK(strstr(e.msg, "holds a NAO controller of embedding 8 and hidden size 10") != NULL);
    CHECK(memcmp(a->w, b->w, a->nparams * sizeof *a->w) == 0);
    struct space f;
    space_default_fmnist(&f);
    cfg.hidden = 12;
    struct nao *d = nao_new(&f, &cfg, &e);
    CHECK(d != NULL);
    CHECK(naockpt_load(d, path, &e) == -1);
    CHECK(strstr(e.msg, "holds a NAO controller of space 'fmnist-skip', not of 'fmnist'") != NULL);
    struct ckpt k;
    ckpt_init(&k, CKPT_KIND_SUPERNET);
    CHECK(ckpt_save(&k, other, &e) == 0);
    ckpt_done(&k);
    CHECK(naockpt_load(b, other, &e) == -1);
    CHECK(strstr(e.msg, "a NAO controller checkpoint") != NULL);
    /* a CRC-valid file with a NaN weight */
    CHECK(ckpt_load(&k, path, CKPT_KIND_NAO, &e) == 0);
    for (int i = 0; i < k.n; i++)
        if (strcmp(k.sections[i].name, "weights") == 0)
            ((double *)k.sections[i].data)[7] = NAN;
    CHECK(ckpt_save(&k, other, &e) == 0);
    ckpt_done(&k);
    CHECK(naockpt_load(b, other, &e) == -1);
    CHECK(strstr(e.msg, "is damaged: weight 8 of") != NULL);
    CHECK(memcmp(a->w, b->w, a->nparams * sizeof *a->w) == 0);
    unlink(path);
    unlink(other);
    rmdir(dir);
    nao_free(a);
    nao_free(b);
    nao_free(c);
    nao_free(d);
}

int main(void)
{
    RUN(test_save_load);
    return check_done();
}
