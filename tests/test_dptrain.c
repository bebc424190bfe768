/* Tests of src/dptrain.c, on noise images and the tiny space.
 *
 * Built as usual (one process) it tests the flat buffer, the ordered sum,
 * and steps emulating 2 ranks against the serial step:
 *  - split by paths (the fair sampler's 3 paths, 2 and 1; then with a layer
 *    of 2 choices, one of which 2 paths share): every choice only one path
 *    touches ends bit-identical to the serial step (weights, momentum, BN
 *    statistics); the shared stem, head and choices, whose gradients
 *    the serial step adds up path after path and the split step adds as two
 *    partial sums, agree within the rounding of those additions: per weight
 *    lr * (paths + 1) * FLT_EPSILON * (the sum over paths of |gradient|) plus
 *    an ulp of the weight, with the per-path gradients measured here;
 *  - split by data, on a batch whose two halves are the same images (so
 *    each half's BatchNorm statistics are the whole batch's): the weights
 *    agree with the serial step to 1e-4 of the step's largest change, where
 *    a wrong weighting of the halves would miss by the whole change;
 *  - a checkpoint records the ranks: resumed with as many it continues, with
 *    another number or split it is refused.
 * `make check` also builds it with MPI (build-mpi/tests/test_dptrain) and
 * tests/cli/dp.sh runs that on 2 and 3 ranks: the MPI step in the
 * deterministic mode ends bit-identical to the emulated one, on every rank,
 * for both splits (an MPI_Allreduce in place of the ordered sum passes on
 * 2 ranks and fails on 3), and the path split meets the serial step as
 * above. */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "dptrain.h"
#include "fakedata.h"
#include "sampler.h"
#include "supertrain.h"
#include "train.h"

static struct par *P; /* the one handle of the process */

enum { IMAGES = 128, BATCH = 32, SEED = 5 };

struct fixture {
    struct space s;
    struct dataset d;
    struct split train;
    struct batches b;
    struct sgd o;
    struct arch paths[SUPERNET_MAX_PATHS];
    int np;
};

/* halves: make step 0's batch two copies of its first half; narrow: layer
 * 2 has 2 choices, so the fair sampler's 3 paths share one there */
static int fixture_open(struct fixture *f, int halves, int narrow)
{
    space_builtin(&f->s, "tiny");
    if (narrow) {
        struct err e;
        f->s.allowed[1] = 3;
        if (space_finish(&f->s, &e)) {
            check_fail_msg(__FILE__, __LINE__, "%s", e.msg);
            return -1;
        }
    }
    fake_dataset(&f->d, IMAGES, 3);
    if (halves) {
        int perm[IMAGES];
        batches_epoch_order(SEED, 0, perm, IMAGES);
        for (int k = 0; k < BATCH / 2; k++) {
            int from = perm[k], to = perm[k + BATCH / 2];
            memcpy(f->d.pixels + (size_t)to * 784, f->d.pixels + (size_t)from * 784, 784);
            f->d.labels[to] = f->d.labels[from];
        }
    }
    f->train = (struct split){&f->d, 0, IMAGES};
    struct train_config tc;
    train_config_default(&tc);
    f->o = tc.sgd;
    struct err e;
    struct sampler sm;
    if (batches_init(&f->b, &f->train, &f->s, BATCH, 1, SEED, &e) ||
        sampler_init(&sm, "fair", &f->s, SEED, 1, 0, &e)) {
        check_fail_msg(__FILE__, __LINE__, "%s", e.msg);
        return -1;
    }
    f->np = sampler_next(&sm, 0, f->paths);
    sampler_done(&sm);
    return f->np == 3 ? 0 : -1;
}

static void fixture_close(struct fixture *f)
{
    batches_done(&f->b);
    dataset_done(&f->d);
}

/* One step of a fresh supernet (seed SEED) with dp configuration cfg. */
static struct supernet *stepped(struct fixture *f, const struct dp_config *cfg, double *loss)
{
    struct err e;
    struct supernet *sn = supernet_new(&f->s, SEED, &e);
    struct dp d;
    int epoch;
    if (!sn || dp_init(&d, cfg, sn, &e)) {
        check_fail_msg(__FILE__, __LINE__, "%s", e.msg);
        supernet_free(sn);
        return NULL;
    }
    if (dp_train_step(&d, sn, f->paths, f->np, &f->b, 0, 0.05f, 1, 0, &f->o, loss, &epoch, &e)) {
        check_fail_msg(__FILE__, __LINE__, "%s", e.msg);
        supernet_free(sn);
        sn = NULL;
    }
    dp_done(&d);
    return sn;
}

static void test_flatten(void)
{
    struct fixture f;
    if (fixture_open(&f, 0, 0))
        return;
    struct err e;
    struct supernet *sn = supernet_new(&f.s, 1, &e);
    struct supernet_touched t;
    supernet_touch(sn, f.paths, 1, &t); /* one path: one choice a layer */
    size_t want_g = net_stem_param_floats(&f.s) + net_head_param_floats(&f.s),
           want_s = net_stem_stat_floats(&f.s) + net_head_stat_floats(&f.s);
    for (int l = 0; l < f.s.nlayers; l++) {
        int c = f.paths[0].choice[l];
        want_g += net_layer_param_floats(&f.s, l, c);
        want_s += net_layer_stat_floats(&f.s, l, c);
    }
    CHECK_EQ_INT(dp_floats(sn, &t, DP_GRADS), want_g);
    CHECK_EQ_INT(dp_floats(sn, &t, DP_STATS), want_s);
    CHECK_EQ_INT(dp_floats(sn, &t, DP_GRADS | DP_STATS), want_g + want_s);
    for (size_t i = 0; i < sn->nparams; i++)
        sn->g[i] = (float)i;
    float *buf = malloc((want_g + want_s) * sizeof *buf);
    CHECK_EQ_INT(dp_flatten(sn, &t, DP_GRADS | DP_STATS, 0.5f, buf), want_g + want_s);
    /* the stem's gradients first, halved; the head's last of the gradients */
    CHECK(buf[0] == 0.5f * (float)sn->stem_off && buf[1] == 0.5f * (float)(sn->stem_off + 1));
    CHECK(buf[want_g - 1] == 0.5f * (float)(sn->nparams - 1));
    int other = (f.paths[0].choice[0] + 1) % 3; /* a choice the path skips */
    float *g_other = sn->g + sn->off[0][other];
    float *s_first = sn->stats + sn->soff[0][f.paths[0].choice[0]];
    float kept = s_first[0];
    memset(sn->g, 0, sn->nparams * sizeof(float));
    g_other[0] = 7;
    s_first[0] = kept + 1;
    CHECK_EQ_INT(dp_unflatten(sn, &t, DP_GRADS | DP_STATS, buf), want_g + want_s);
    CHECK(g_other[0] == 7); /* untouched: not in the buffer */
    CHECK(s_first[0] == 0.5f * kept);
    int same = 1;
    for (int l = 0; l < f.s.nlayers; l++) {
        int c = f.paths[0].choice[l];
        for (size_t i = 0; i < net_layer_param_floats(&f.s, l, c); i++)
            same &= sn->g[sn->off[l][c] + i] == 0.5f * (float)(sn->off[l][c] + i);
    }
    CHECK(same);
    free(buf);
    supernet_free(sn);
    fixture_close(&f);
}

static void test_add_parts(void)
{
    enum { N = 300, R = 3 };
    float parts[R * N], out[N];
    for (int r = 0; r < R; r++)
        for (int i = 0; i < N; i++)
            parts[r * N + i] = (r == 1 ? -1e8f : r == 0 ? 1e8f : 1.0f) + (float)i * 1e-3f;
    par_add_parts(parts, R, N, out);
    int exact = 1, lost = 0;
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int r = 0; r < R; r++)
            s += parts[r * N + i];
        exact &= out[i] == (float)s;
        /* added in float, the large pair would swallow the small one */
        lost += ((parts[2 * N + i] + parts[i]) + parts[N + i]) != out[i];
    }
    CHECK(exact);
    CHECK(lost > 0);
    par_add_parts(parts, R, N, parts); /* into part 0 */
    CHECK(memcmp(parts, out, sizeof out) == 0);
}

/* Whether choice (l, c) is on exactly one of the paths. */
static int once(const struct fixture *f, int l, int c)
{
    int n = 0;
    for (int k = 0; k < f->np; k++)
        n += f->paths[k].choice[l] == c;
    return n == 1;
}

/* Compares a path-split step's supernet a with the serial step's b as the
 * header says; *shared gets the number of choices several paths share. */
static void check_paths_match(struct fixture *f, const struct supernet *a,
                              const struct supernet *b, double la, double lb, int *shared)
{
    const struct space *s = &f->s;
    struct err e;
    /* |gradient| summed over the paths, each path alone */
    struct supernet *g = supernet_new(s, SEED, &e);
    float *absg = calloc(g->nparams, sizeof *absg);
    for (int k = 0; k < f->np; k++) {
        struct supernet_touched t;
        supernet_touch(g, f->paths, f->np, &t);
        supernet_clear_grads(g, &t);
        e.msg[0] = 0;
        batches_gather(&f->b, 0);
        supernet_path_step(g, &f->paths[k], f->b.x, f->b.y, BATCH, f->b.dlogits, 0, NULL, &e);
        for (size_t i = 0; i < g->nparams; i++)
            absg[i] += fabsf(g->g[i]);
    }
    int exact = 1;
    size_t compared = 0;
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++) {
            if (!once(f, l, c))
                continue;
            size_t o = a->off[l][c], n = net_layer_param_floats(s, l, c);
            size_t so = a->soff[l][c], sn = net_layer_stat_floats(s, l, c);
            exact &= memcmp(a->w + o, b->w + o, n * sizeof(float)) == 0 &&
                     memcmp(a->mom + o, b->mom + o, n * sizeof(float)) == 0 &&
                     memcmp(a->stats + so, b->stats + so, sn * sizeof(float)) == 0;
            compared += n;
        }
    CHECK(exact);
    CHECK(compared > 0);
    /* the parts several paths go through: stem, head and shared choices
     * (weights at parts[k], statistics at sparts[k]) */
    size_t parts[2 + SPACE_MAX_LAYERS][2] = {{a->stem_off, net_stem_param_floats(s)},
                                             {a->head_off, net_head_param_floats(s)}};
    size_t sparts[2 + SPACE_MAX_LAYERS][2] = {{a->stem_soff, net_stem_stat_floats(s)},
                                              {a->head_soff, net_head_stat_floats(s)}};
    int nparts = 2;
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++) {
            int users = 0;
            for (int k = 0; k < f->np; k++)
                users += f->paths[k].choice[l] == c;
            if (users > 1 && nparts < 2 + SPACE_MAX_LAYERS) {
                parts[nparts][0] = a->off[l][c];
                parts[nparts][1] = net_layer_param_floats(s, l, c);
                sparts[nparts][0] = a->soff[l][c];
                sparts[nparts++][1] = net_layer_stat_floats(s, l, c);
            }
        }
    int within = 1, differ = 0;
    for (int p = 0; p < nparts; p++)
        for (size_t i = parts[p][0]; i < parts[p][0] + parts[p][1]; i++) {
            double tol = 0.05 * (f->np + 1) * FLT_EPSILON * absg[i] + FLT_EPSILON * fabs(b->w[i]);
            within &= fabs(a->w[i] - b->w[i]) <= tol;
            differ += a->w[i] != b->w[i];
        }
    CHECK(within);
    /* their running statistics: values of order one, rebuilt from per-rank
     * partial updates */
    struct supernet *fresh = supernet_new(s, SEED, &e);
    int stats_near = 1;
    for (int p = 0; p < nparts; p++)
        for (size_t i = sparts[p][0]; i < sparts[p][0] + sparts[p][1]; i++)
            stats_near &= fabs(a->stats[i] - b->stats[i]) <=
                          8 * f->np * FLT_EPSILON * (fabs(fresh->stats[i]) + fabs(b->stats[i]) + 1);
    CHECK(stats_near);
    *shared = nparts - 2;
    CHECK_NEAR(la, lb, 1e-6 * fabs(lb));
    CHECK(memcmp(a->updates, b->updates, sizeof a->updates) == 0 && a->steps == b->steps);
    if (differ == 0)
        fprintf(stderr, "# the stem and head came out bit-identical too\n");
    supernet_free(fresh);
    supernet_free(g);
    free(absg);
}

static void test_paths_emulated(void)
{
    for (int narrow = 0; narrow < 2; narrow++) {
        struct fixture f;
        if (fixture_open(&f, 0, narrow))
            return;
        double la, lb, lc;
        int shared = -1;
        struct supernet *a = stepped(
            &f, &(struct dp_config){.emulate = 2, .split = DP_SPLIT_PATHS}, &la);
        struct supernet *b = stepped(&f, &(struct dp_config){0}, &lb);
        if (a && b) {
            check_paths_match(&f, a, b, la, lb, &shared);
            CHECK(narrow ? shared == 1 : shared == 0);
        }
        /* more ranks than paths: the idle ones add nothing */
        struct supernet *c = stepped(
            &f, &(struct dp_config){.emulate = 5, .split = DP_SPLIT_PATHS}, &lc);
        if (c && b)
            check_paths_match(&f, c, b, lc, lb, &shared);
        supernet_free(a);
        supernet_free(b);
        supernet_free(c);
        fixture_close(&f);
    }
}

static void test_data_emulated(void)
{
    struct fixture f;
    if (fixture_open(&f, 1, 0))
        return;
    double la, lb;
    struct supernet *a = stepped(&f, &(struct dp_config){.emulate = 2}, &la);
    struct supernet *b = stepped(&f, &(struct dp_config){0}, &lb);
    struct err e;
    struct supernet *z = supernet_new(&f.s, SEED, &e);
    if (a && b && z) {
        double step = 0, diff = 0;
        for (size_t i = 0; i < b->nparams; i++) {
            step = fmax(step, fabs(b->w[i] - z->w[i]));
            diff = fmax(diff, fabs(a->w[i] - b->w[i]) - FLT_EPSILON * fabs(b->w[i]));
        }
        CHECK(step > 0);
        if (!(diff <= 1e-4 * step))
            check_fail_msg(__FILE__, __LINE__, "data split vs serial: %g, step %g", diff, step);
        CHECK_NEAR(la, lb, 1e-5 * fabs(lb));
        CHECK(memcmp(a->updates, b->updates, sizeof a->updates) == 0);
    }
    supernet_free(a);
    supernet_free(b);
    supernet_free(z);
    fixture_close(&f);
}

/* A checkpoint of 2 emulated ranks: resumed on 2 it goes on, on 1 or 3, or
 * with the other split, it is refused naming the difference. */
static void test_resume_ranks(void)
{
    struct fixture f;
    if (fixture_open(&f, 0, 0))
        return;
    char dir[64], path[96];
    snprintf(dir, sizeof dir, "/tmp/oneshot-test-dptrain-XXXXXX");
    if (!CHECK(mkdtemp(dir) != NULL)) {
        fixture_close(&f);
        return;
    }
    snprintf(path, sizeof path, "%s/sn.ckpt", dir);
    struct supertrain_config cfg = {.epochs = 1, .batch = BATCH, .lr = 0.05, .iterations = 1,
                                    .seed = SEED, .train_images = IMAGES, .shared_lr = 1,
                                    .dp = {.emulate = 2, .split = DP_SPLIT_PATHS}};
    struct err e;
    struct sampler sm;
    struct supertrain t;
    CHECK(sampler_init(&sm, "fair", &f.s, SEED, 1, 0, &e) == 0);
    if (CHECK(supertrain_init(&t, &f.s, &sm, &f.train, &cfg, NULL, &e) == 0)) {
        CHECK_EQ_INT(supertrain_step(&t, &e), 1);
        CHECK(supertrain_save(&t, path, &e) == 0);
        supertrain_done(&t);
    }
    sampler_done(&sm);
    struct {
        int emulate;
        enum dp_split split;
        const char *error; /* NULL: resumes */
    } cases[] = {
        {2, DP_SPLIT_PATHS, NULL},
        {1, DP_SPLIT_PATHS, "was saved by a run on 2 ranks, and this one has 1: resume on 2 "
                            "ranks (each step's shares depend on their number)"},
        {3, DP_SPLIT_PATHS, "was saved by a run on 2 ranks, and this one has 3: resume on 2 "
                            "ranks (each step's shares depend on their number)"},
        {2, DP_SPLIT_DATA, "was saved by a run that split its steps by paths, not by data: "
                           "resume with the same split"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cfg.dp.emulate = cases[i].emulate;
        cfg.dp.split = cases[i].split;
        sampler_init(&sm, "fair", &f.s, SEED, 1, 0, &e);
        int rc = supertrain_init(&t, &f.s, &sm, &f.train, &cfg, path, &e);
        if (!cases[i].error) {
            if (CHECK(rc == 0)) {
                CHECK_EQ_INT(t.step, 1);
                CHECK_EQ_INT(supertrain_step(&t, &e), 1);
                supertrain_done(&t);
            }
        } else {
            char want[512];
            snprintf(want, sizeof want, "%s: error: %s", path, cases[i].error);
            CHECK(rc == -1);
            CHECK_STR(e.msg, want);
        }
        sampler_done(&sm);
    }
    /* more ranks than images in a batch */
    cfg.dp = (struct dp_config){.emulate = BATCH + 1};
    sampler_init(&sm, "fair", &f.s, SEED, 1, 0, &e);
    CHECK(supertrain_init(&t, &f.s, &sm, &f.train, &cfg, NULL, &e) == -1);
    CHECK_STR(e.msg, "error: a batch of 32 images cannot be shared by 33 ranks: each needs one "
                     "at least");
    sampler_done(&sm);
    unlink(path);
    rmdir(dir);
    fixture_close(&f);
}

/* Under MPI: the deterministic step of these ranks against the emulated
 * one, bit for bit on every rank, for both splits; the path split against
 * the serial step. */
static void test_mpi(void)
{
    int size = par_size(P);
    if (size < 2) {
        check_skip("one rank (tests/cli/dp.sh runs this under mpirun)");
        return;
    }
    struct fixture f;
    if (fixture_open(&f, 0, 0))
        return;
    struct err e;
    for (int split = DP_SPLIT_DATA; split <= DP_SPLIT_PATHS; split++) {
        double la, lb;
        struct supernet *a = stepped(
            &f, &(struct dp_config){.par = P, .deterministic = 1, .split = split}, &la);
        struct supernet *b =
            stepped(&f, &(struct dp_config){.emulate = size, .split = split}, &lb);
        if (!a || !b) {
            supernet_free(a);
            supernet_free(b);
            continue;
        }
        CHECK(memcmp(a->w, b->w, a->nparams * sizeof(float)) == 0);
        CHECK(memcmp(a->mom, b->mom, a->nparams * sizeof(float)) == 0);
        CHECK(memcmp(a->stats, b->stats, a->nstats * sizeof(float)) == 0);
        CHECK(la == lb);
        /* every rank holds rank 0's bits */
        float *w0 = malloc(a->nparams * sizeof *w0);
        memcpy(w0, a->w, a->nparams * sizeof *w0);
        CHECK(par_bcast(P, w0, a->nparams * sizeof *w0, 0, &e) == 0);
        CHECK(memcmp(w0, a->w, a->nparams * sizeof *w0) == 0);
        free(w0);
        if (split == DP_SPLIT_PATHS) {
            double ls;
            struct supernet *s = stepped(&f, &(struct dp_config){0}, &ls);
            int shared;
            if (s)
                check_paths_match(&f, a, s, la, ls, &shared);
            supernet_free(s);
        }
        supernet_free(a);
        supernet_free(b);
    }
    fixture_close(&f);
}

int main(int argc, char **argv)
{
    struct err e;
    struct ctx ctx;
    P = par_new(&argc, &argv, &e);
    ctx_init(&ctx, 1); /* one thread: each MPI rank and the emulation alike */
    if (!P) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    RUN(test_flatten);
    RUN(test_add_parts);
    RUN(test_paths_emulated);
    RUN(test_data_emulated);
    RUN(test_resume_ranks);
    RUN(test_mpi);
    par_free(P);
    return check_done();
}
