/* Unit tests of src/naosearch.c: NAO-V2's loop on the tiny space (81
 * architectures) with a small controller and 384 synthetic images whose
 * class is a bright block at a place of its own (learnable in a few steps).
 *
 * - A three-round search: the supernet's loss falls from round 1 to round
 *   3, the predictor's tau on the pool and its held-out figures are
 *   computed where they exist (and only there), the learning rate restarts
 *   at each round (the log's lines and each round's first step), every
 *   round's draws go to its new architectures only (their updates add up
 *   to the round's steps), the pool is valid and distinct in canonical form
 *   and each round's new architectures were in no earlier round, the files
 *   hold what the state holds, the settings read back (naosearch_peek).
 * - On a space with skips, the pool holds canonical forms only, distinct.
 * - Stopped in round 1 and in round 2's controller, and resumed each time:
 *   the same pool.csv and top.csv bytes and the same rounds.csv but for the
 *   seconds as the uninterrupted search.
 * - A search of 2 rounds resumed with 3 ends as a search of 3 rounds.
 * - Weights and momentum kept from round 1 to round 2 (reinit schedule);
 *   BatchNorm with batch statistics and weights re-initialised each round
 *   (round 2 starts from the initial weights with momentum zero).
 * - Refusals: nothing to resume, a search already there, another setting,
 *   fewer rounds than evaluated, a pool larger than the space. */
#include "naosearch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archset.h"
#include "check.h"
#include "fakedata.h"

#define IMAGES 320
#define TRAIN 256
#define MAX_LOG 16

struct fixture {
    struct space s;
    struct dataset d;
    struct split train, val;
    struct ctx ctx;
    char log[MAX_LOG][256];
    int nlog;
};

static void keep_log(void *user, enum log_level level, const char *msg)
{
    struct fixture *f = user;
    (void)level;
    if (f->nlog < MAX_LOG)
        snprintf(f->log[f->nlog++], sizeof f->log[0], "%s", msg);
}

/* fake_dataset's images dimmed to 0..99, each with a 7x4 block of 255 at
 * a place set by its class (ten places on a grid). */
static void setup(struct fixture *f)
{
    memset(f, 0, sizeof *f);
    space_tiny(&f->s);
    struct dataset *d = &f->d;
    fake_dataset(d, IMAGES, 12);
    for (int i = 0; i < IMAGES; i++) {
        int c = d->labels[i];
        uint8_t *p = d->pixels + (size_t)i * 28 * 28;
        for (int k = 0; k < 28 * 28; k++)
            p[k] = (uint8_t)(p[k] * 100 / 256);
        int y0 = (c / 5) * 14 + 3, x0 = (c % 5) * 5 + 1;
        for (int y = y0; y < y0 + 7; y++)
            for (int x = x0; x < x0 + 4; x++)
                p[y * 28 + x] = 255;
    }
    f->train = (struct split){d, 0, TRAIN};
    f->val = (struct split){d, TRAIN, IMAGES - TRAIN};
    ctx_init(&f->ctx, 1);
    f->ctx.log = keep_log;
    f->ctx.log_user = f;
}

static void config(struct naosearch_config *c, int rounds)
{
    naosearch_config_default(c);
    c->rounds = rounds;
    c->seed_archs = 12;
    c->new_archs = 6;
    c->top_k = 6;
    c->epochs_per_round = 1;
    c->controller_epochs = 200;
    c->batch = 32;
    c->lr = 0.1;
    c->calib_images = 32;
    c->eval_batch = 64;
    c->seed = 3;
    c->controller.embed = 16;
    c->controller.hidden = 16;
    c->controller.seed = 3;
}

static void remove_dir(const char *dir)
{
    const char *names[] = {"supernet.ckpt", "pool.csv", "rounds.csv", "top.csv"};
    char p[256];
    for (int i = 0; i < 4; i++) {
        snprintf(p, sizeof p, "%s/%s", dir, names[i]);
        unlink(p);
    }
    for (int r = 1; r <= 5; r++) {
        snprintf(p, sizeof p, "%s/controller-%d.ckpt", dir, r);
        unlink(p);
    }
    rmdir(dir);
}

/* Runs a search to its end; 0, or -1 after printing the error. */
static int run(struct naosearch *ns)
{
    struct err e;
    int rc;
    while ((rc = naosearch_step(ns, &e)) == 1)
        ;
    if (rc < 0)
        printf("  %s\n", e.msg);
    return rc;
}

static int open_search(struct naosearch *ns, struct fixture *f, const char *dir,
                       const struct naosearch_config *c, int resume)
{
    struct err e;
    if (naosearch_open(ns, dir, &f->s, &f->train, &f->val, c, &f->ctx, resume, &e)) {
        printf("  %s\n", e.msg);
        return -1;
    }
    return 0;
}

/* The whole text of a file ("" if it cannot be read); caller frees. */
static char *slurp(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *fp = fopen(p, "rb");
    char *text = calloc(1, 1 << 20);
    if (fp && text) {
        size_t n = fread(text, 1, (1 << 20) - 1, fp);
        text[n] = 0;
    }
    if (fp)
        fclose(fp);
    return text;
}

/* rounds.csv without its last four fields (the seconds) on each line. */
static void drop_seconds(char *text)
{
    char *out = text;
    for (char *line = text; *line;) {
        char *nl = strchr(line, '\n');
        size_t len = nl ? (size_t)(nl - line) : strlen(line);
        size_t keep = len;
        for (int k = 0; k < 4 && keep; k++)
            while (keep && line[--keep] != ',')
                ;
        memmove(out, line, keep);
        out += keep;
        *out++ = '\n';
        line += len + (nl != NULL);
    }
    *out = 0;
}

static int lines(const char *text)
{
    int n = 0;
    for (; *text; text++)
        n += *text == '\n';
    return n;
}

static int exists(const char *dir, const char *name)
{
    char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return access(p, F_OK) == 0;
}

/* A temporary directory top and three search directories in it. */
struct dirs {
    char top[64], a[96], b[96], x[96];
};

static void make_dirs(struct dirs *d)
{
    snprintf(d->top, sizeof d->top, "/tmp/oneshot-test-naosearch-XXXXXX");
    if (!mkdtemp(d->top))
        exit(2);
    snprintf(d->a, sizeof d->a, "%s/a", d->top);
    snprintf(d->b, sizeof d->b, "%s/b", d->top);
    snprintf(d->x, sizeof d->x, "%s/x", d->top);
}

static void remove_dirs(const struct dirs *d)
{
    remove_dir(d->a);
    remove_dir(d->b);
    remove_dir(d->x);
    rmdir(d->top);
}

static void test_search(void)
{
    struct fixture f;
    setup(&f);
    struct dirs d;
    make_dirs(&d);
    const char *dir = d.a;
    struct naosearch_config c;
    config(&c, 3);
    c.epochs_per_round = 2; /* enough for the supernet to learn */
    struct naosearch ns;
    if (open_search(&ns, &f, dir, &c, 0))
        return;
    CHECK_EQ_INT(ns.phase, NAOSEARCH_TRAIN);
    CHECK_EQ_INT(ns.npool, 12);
    /* a round's first step runs at the restarted rate */
    int64_t steps_seen = 0;
    double first_lr[4] = {0};
    struct err e;
    int rc;
    while ((rc = naosearch_step(&ns, &e)) == 1)
        if (ns.stepped && ns.step == 1)
            first_lr[ns.round] = ns.lr, steps_seen++;
    if (!CHECK(rc == 0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(ns.end, NAOSEARCH_ROUNDS);
    CHECK_EQ_INT(ns.evaluated, 3);
    CHECK_EQ_INT(steps_seen, 3);
    int restarts = 0;
    for (int k = 0; k < f.nlog; k++)
        if (strstr(f.log[k], "learning rate restarted at 0.1 (cosine to 0 over 16 steps)"))
            restarts++;
    CHECK_EQ_INT(restarts, 3);
    CHECK(f.nlog >= 1 && strncmp(f.log[0], "round 1: learning rate restarted", 32) == 0);
    for (int r = 1; r <= 3; r++) {
        const struct naosearch_round *x = &ns.rounds[r - 1];
        CHECK_EQ_INT(x->round, r);
        CHECK_NEAR(first_lr[r], 0.1, 1e-7);
        CHECK_NEAR(x->lr, 0.1, 1e-7);
        CHECK_EQ_INT(x->steps, 16);
        /* every draw went to the round's new architectures */
        int64_t sum = 0;
        for (int i = 0; i < ns.npool; i++)
            if (ns.pool[i].round == r)
                sum += ns.pool[i].updates;
        CHECK_EQ_INT(sum, 16);
        CHECK(x->best_acc >= x->mean_acc && x->best_acc <= 1);
        CHECK_EQ_INT(x->pool, r == 1 ? 12 : ns.rounds[r - 2].pool + ns.rounds[r - 2].generated);
        CHECK((r == 1) == isnan(x->heldout_tau));
        CHECK((r == 1) == isnan(x->heldout_pairwise));
        CHECK((r == 3) == isnan(x->tau));
        CHECK((r == 3) == (x->generated < 0));
    }
    /* the supernet learns: round 3's loss below round 1's; the predictor fits */
    if (!CHECK(ns.rounds[2].train_loss < ns.rounds[0].train_loss))
        printf("  loss %g, %g, %g\n", ns.rounds[0].train_loss, ns.rounds[1].train_loss,
               ns.rounds[2].train_loss);
    CHECK(ns.rounds[2].best_acc > 0.3);
    CHECK(ns.rounds[0].tau > 0 && ns.rounds[1].tau > 0);
    CHECK(ns.rounds[0].generated > 0 && ns.rounds[1].generated > 0);
    CHECK_EQ_INT(ns.npool, 12 + ns.rounds[0].generated + ns.rounds[1].generated);
    /* valid, distinct and canonical; each round's new ones new */
    struct archset set;
    CHECK(archset_init(&set, &f.s, &e) == 0);
    for (int i = 0; i < ns.npool; i++) {
        struct arch canon;
        archset_canonical(&f.s, &ns.pool[i].arch, &canon);
        CHECK(arch_is_valid(&f.s, &ns.pool[i].arch));
        CHECK(arch_equal(&canon, &ns.pool[i].arch));
        CHECK_EQ_INT(archset_add(&set, &ns.pool[i].arch, &e), 1);
        CHECK((ns.pool[i].round == 1) == isnan(ns.pool[i].predicted));
        for (int r = 1; r <= 3; r++)
            CHECK(isnan(naosearch_acc(&ns, i, r)) == (r < ns.pool[i].round));
    }
    archset_done(&set);
    /* the files */
    char *pool = slurp(dir, "pool.csv"), *rounds = slurp(dir, "rounds.csv"),
         *topcsv = slurp(dir, "top.csv");
    CHECK_EQ_INT(lines(pool), ns.npool + 1);
    CHECK(strncmp(pool, "arch,round,params,macs,predicted,updates,acc_1,acc_2,acc_3\n", 59) == 0);
    CHECK_EQ_INT(lines(rounds), 4);
    CHECK_EQ_INT(lines(topcsv), ns.npool + 1);
    int idx[64];
    CHECK_EQ_INT(naosearch_ranked(&ns, idx), ns.npool);
    char arch[128], line1[256];
    arch_format(&f.s, &ns.pool[idx[0]].arch, arch, sizeof arch);
    snprintf(line1, sizeof line1, "rank,arch,acc,round,params,macs\n1,%s,", arch);
    CHECK(strncmp(topcsv, line1, strlen(line1)) == 0);
    CHECK(naosearch_acc(&ns, idx[0], 3) == ns.rounds[2].best_acc);
    CHECK(exists(dir, "controller-1.ckpt") && exists(dir, "controller-2.ckpt"));
    CHECK(!exists(dir, "controller-3.ckpt"));
    CHECK_NEAR(naosearch_fraction(&ns), 1, 0);
    CHECK_EQ_INT(naosearch_step(&ns, &e), 0); /* over: nothing more */
    /* the settings read back as they were given */
    struct naosearch_config peek;
    char space[SPACE_NAME_MAX];
    int ntrain = 0, nval = 0;
    CHECK(naosearch_peek(dir, &peek, space, sizeof space, &ntrain, &nval, &e) == 0);
    CHECK(memcmp(&peek, &c, sizeof c) == 0);
    CHECK_STR(space, "tiny");
    CHECK(ntrain == TRAIN && nval == IMAGES - TRAIN);
    free(pool);
    free(rounds);
    free(topcsv);
    naosearch_close(&ns);
    remove_dirs(&d);
    dataset_done(&f.d);
}

/* A space with skips where a stage keeps its shape (a stage of three
 * layers: [A, skip, B] and [A, B, skip] are one network): the pool holds
 * canonical forms only, distinct, and some of them skip. */
static void test_canonical(void)
{
    struct fixture f;
    setup(&f);
    space_fmnist_variant(&f.s, 0, 1);
    f.s.nstages = 2;
    f.s.stages[0] = (struct stage){8, 1, 2};
    f.s.stages[1] = (struct stage){16, 3, 2};
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        f.s.allowed[l] = (1ULL << f.s.nchoices) - 1;
    struct err e;
    if (!CHECK(space_finish(&f.s, &e) == 0))
        return;
    struct dirs d;
    make_dirs(&d);
    const char *dir = d.a;
    struct naosearch_config c;
    config(&c, 2);
    c.seed_archs = 20;
    c.top_k = 20;
    c.controller_epochs = 100;
    c.calib_images = 32;
    struct naosearch ns;
    if (open_search(&ns, &f, dir, &c, 0))
        return;
    CHECK_EQ_INT(run(&ns), 0);
    CHECK(ns.rounds[0].generated > 0);
    struct archset set;
    CHECK(archset_init(&set, &f.s, &e) == 0);
    int skip = f.s.nchoices - 1, skips = 0;
    CHECK(f.s.choices[skip].skip);
    for (int i = 0; i < ns.npool; i++) {
        const struct arch *a = &ns.pool[i].arch;
        struct arch canon;
        archset_canonical(&f.s, a, &canon);
        CHECK(arch_equal(&canon, a));
        CHECK_EQ_INT(archset_add(&set, a, &e), 1);
        CHECK(!(a->choice[2] == skip && a->choice[3] != skip));
        skips += a->choice[3] == skip;
    }
    CHECK(skips > 0);
    archset_done(&set);
    naosearch_close(&ns);
    remove_dirs(&d);
    dataset_done(&f.d);
}

/* Steps until the search reaches round r in phase p (or ends). */
static int run_until(struct naosearch *ns, int r, enum naosearch_phase p)
{
    struct err e;
    while (!(ns->round == r && ns->phase == p)) {
        int rc = naosearch_step(ns, &e);
        if (rc < 0)
            printf("  %s\n", e.msg);
        if (rc <= 0)
            return rc;
    }
    return 1;
}

/* The files of two searches agree (rounds.csv but for the seconds). */
static void same_files(const char *a, const char *b)
{
    const char *names[] = {"pool.csv", "top.csv", "rounds.csv"};
    for (int k = 0; k < 3; k++) {
        char *x = slurp(a, names[k]), *y = slurp(b, names[k]);
        if (k == 2) {
            drop_seconds(x);
            drop_seconds(y);
        }
        if (!CHECK(strlen(x) > 40 && strcmp(x, y) == 0))
            printf("  %s differs:\n%s\n---\n%s\n", names[k], x, y);
        free(x);
        free(y);
    }
}

static void test_resume(void)
{
    struct fixture f;
    setup(&f);
    struct dirs d;
    make_dirs(&d);
    const char *a = d.a, *b = d.b;
    struct naosearch_config c;
    config(&c, 3);
    struct naosearch ns;
    if (open_search(&ns, &f, a, &c, 0))
        return;
    CHECK_EQ_INT(run(&ns), 0);
    naosearch_close(&ns);
    /* stopped in round 1's evaluation: round 1 again */
    if (open_search(&ns, &f, b, &c, 0))
        return;
    CHECK_EQ_INT(run_until(&ns, 1, NAOSEARCH_EVALUATE), 1);
    naosearch_close(&ns);
    if (open_search(&ns, &f, b, &c, 1))
        return;
    CHECK(ns.resumed);
    CHECK_EQ_INT(ns.round, 1);
    CHECK_EQ_INT(ns.phase, NAOSEARCH_TRAIN);
    CHECK_EQ_INT(ns.step, 0);
    /* stopped in round 2's controller: round 2 again, from its training */
    CHECK_EQ_INT(run_until(&ns, 2, NAOSEARCH_CONTROLLER), 1);
    CHECK(ns.rounds[0].tau > 0);
    naosearch_close(&ns);
    if (open_search(&ns, &f, b, &c, 1))
        return;
    CHECK_EQ_INT(ns.round, 2);
    CHECK_EQ_INT(ns.phase, NAOSEARCH_TRAIN);
    CHECK_EQ_INT(ns.evaluated, 1);
    double frac = naosearch_fraction(&ns);
    CHECK(frac > 0.2 && frac < 0.6);
    CHECK_EQ_INT(run(&ns), 0);
    naosearch_close(&ns);
    same_files(a, b);
    /* a finished search opens done */
    if (open_search(&ns, &f, b, &c, 1))
        return;
    CHECK_EQ_INT(ns.phase, NAOSEARCH_DONE);
    CHECK_EQ_INT(ns.end, NAOSEARCH_ROUNDS);
    CHECK_EQ_INT(ns.evaluated, 3);
    naosearch_close(&ns);
    same_files(a, b);

    /* two rounds, then resumed with three: the search of three */
    const char *x = d.x;
    config(&c, 2);
    if (open_search(&ns, &f, x, &c, 0))
        return;
    CHECK_EQ_INT(run(&ns), 0);
    CHECK(isnan(ns.rounds[1].tau));
    naosearch_close(&ns);
    config(&c, 3);
    if (open_search(&ns, &f, x, &c, 1))
        return;
    CHECK_EQ_INT(ns.phase, NAOSEARCH_CONTROLLER);
    CHECK_EQ_INT(run(&ns), 0);
    naosearch_close(&ns);
    same_files(a, x);
    remove_dirs(&d);
    dataset_done(&f.d);
}

/* BatchNorm by batch statistics and weights re-initialised each round:
 * the search runs, the log says so, and the accuracies are others. */
static void test_variants(void)
{
    struct fixture f;
    setup(&f);
    struct dirs d;
    make_dirs(&d);
    const char *a = d.a, *b = d.b;
    struct naosearch_config c;
    config(&c, 2);
    c.controller_epochs = 5;
    struct naosearch ns;
    if (open_search(&ns, &f, a, &c, 0))
        return;
    /* reinit schedule: round 2 starts from round 1's last weights and
       momentum, as its training left them */
    CHECK_EQ_INT(run_until(&ns, 1, NAOSEARCH_EVALUATE), 1);
    size_t bytes = ns.sn->nparams * sizeof *ns.sn->w;
    float *w1 = malloc(bytes), *m1 = malloc(bytes);
    memcpy(w1, ns.sn->w, bytes);
    memcpy(m1, ns.sn->mom, bytes);
    CHECK_EQ_INT(run_until(&ns, 2, NAOSEARCH_TRAIN), 1);
    int nonzero = 0;
    for (size_t i = 0; i < ns.sn->nparams; i++)
        nonzero += m1[i] != 0;
    CHECK(nonzero > 0);
    CHECK(memcmp(ns.sn->w, w1, bytes) == 0 && memcmp(ns.sn->mom, m1, bytes) == 0);
    free(w1);
    free(m1);
    CHECK_EQ_INT(run(&ns), 0);
    double recal = ns.rounds[1].mean_acc;
    naosearch_close(&ns);
    c.bn = NAOSEARCH_BN_BATCH;
    c.reinit = NAOSEARCH_REINIT_WEIGHTS;
    f.nlog = 0;
    if (open_search(&ns, &f, b, &c, 0))
        return;
    /* round 2 starts from the initial weights, momentum zero */
    CHECK_EQ_INT(run_until(&ns, 2, NAOSEARCH_TRAIN), 1);
    struct err e;
    struct supernet *fresh = supernet_new(&f.s, c.seed, &e);
    int same_w = 1, zero_mom = 1, moved = 0;
    for (size_t i = 0; i < ns.sn->nparams; i++) {
        same_w &= ns.sn->w[i] == fresh->w[i];
        zero_mom &= ns.sn->mom[i] == 0;
    }
    CHECK(same_w && zero_mom);
    CHECK_EQ_INT(naosearch_step(&ns, &e), 1);
    for (size_t i = 0; i < ns.sn->nparams; i++)
        moved |= ns.sn->w[i] != fresh->w[i];
    CHECK(moved);
    supernet_free(fresh);
    CHECK_EQ_INT(run(&ns), 0);
    CHECK_EQ_INT(f.nlog, 2);
    CHECK(strstr(f.log[0], "weights and momentum kept") != NULL);
    CHECK(strstr(f.log[1], "weights and momentum initialised afresh") != NULL);
    CHECK(ns.rounds[1].mean_acc != recal);
    CHECK(ns.rounds[1].best_acc >= 0 && ns.rounds[1].best_acc <= 1);
    naosearch_close(&ns);
    /* another setting is refused on resume, naming it */
    c.bn = NAOSEARCH_BN_RECAL;
    CHECK_EQ_INT(naosearch_open(&ns, b, &f.s, &f.train, &f.val, &c, NULL, 1, &e), -1);
    char want[256];
    snprintf(want, sizeof want, "%s/supernet.ckpt: error: was saved by a search with bn 1, this "
             "one has 0: resume with the same settings (only the rounds may differ)", b);
    CHECK_STR(e.msg, want);
    c.bn = NAOSEARCH_BN_BATCH;
    c.rounds = 1;
    CHECK_EQ_INT(naosearch_open(&ns, b, &f.s, &f.train, &f.val, &c, NULL, 1, &e), -1);
    CHECK(strstr(e.msg, "holds a search of 2 rounds evaluated, more than the 1 rounds") != NULL);
    c.rounds = 2;
    CHECK_EQ_INT(naosearch_open(&ns, b, &f.s, &f.train, &f.val, &c, NULL, 0, &e), -1);
    snprintf(want, sizeof want, "%s: error: holds a NAO search already: resume it, or search in "
             "another directory", b);
    CHECK_STR(e.msg, want);
    remove_dir(a);
    remove_dir(b);
    CHECK_EQ_INT(naosearch_open(&ns, a, &f.s, &f.train, &f.val, &c, NULL, 1, &e), -1);
    snprintf(want, sizeof want, "%s: error: holds no NAO search to resume (no supernet.ckpt)", a);
    CHECK_STR(e.msg, want);
    c.seed_archs = 82; /* the tiny space has 81 */
    CHECK_EQ_INT(naosearch_open(&ns, a, &f.s, &f.train, &f.val, &c, NULL, 0, &e), -1);
    CHECK(strstr(e.msg, "tiny: error: found 81 distinct networks") == e.msg);
    remove_dir(a);
    c.seed_archs = 12;
    c.rounds = 0;
    CHECK_EQ_INT(naosearch_open(&ns, a, &f.s, &f.train, &f.val, &c, NULL, 0, &e), -1);
    CHECK(strstr(e.msg, "a NAO search needs 1 to 100 rounds") != NULL);
    remove_dirs(&d);
    dataset_done(&f.d);
}

int main(void)
{
    RUN(test_search);
    RUN(test_canonical);
    RUN(test_resume);
    RUN(test_variants);
    return check_done();
}
