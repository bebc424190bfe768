/* Unit tests of superkernel: Single-Path NAS's searchable layer.
 *
 * Which spaces it takes (and the errors for the others), the decode table of
 * decisions to choices both ways, the layer with every decision off against
 * the plain k3 e_max/2 block of src/block.c on the same weights (and the
 * identity where skip is off), with decisions on against the k5 and k7
 * blocks, the sliced forward against the full 7x7 one (outputs and every
 * gradient: the rings of a switched-off kernel still get theirs), and the
 * backward against central differences in the sigmoid-forward test mode, for
 * the thresholds, the weights through the norms, the input and the loss on
 * the indicators (the runtime term's path), with and without the warm-up's
 * scaling.  The sign of dL/dt is opposite to that of dL/dnorm. */
#include "superkernel.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

#define EPS 1e-2
#define RTOL 1e-2
#define ATOL 2e-3

/* stem 2 -> 4 at 6x6; stage 1: two layers 4 -> 4 (residual); stage 2: one
 * layer 4 -> 6 stride 2.  Choices k{3,5,7} x e{2,4}, SE: 0 none, 1 both, 2
 * only; skip if asked. */
static void small_space(struct space *s, int se, int skip, enum act a)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "small");
    s->in_c = 2;
    s->in_h = s->in_w = 6;
    s->classes = 3;
    s->stem_c = 4;
    s->stem_k = 3;
    s->stem_stride = 1;
    s->stem_act = ACT_RELU;
    s->nstages = 2;
    s->stages[0] = (struct stage){4, 2, 1};
    s->stages[1] = (struct stage){6, 1, 2};
    s->head_c = 8;
    s->head_act = ACT_RELU;
    for (int v = (se == 2); v <= (se >= 1); v++)
        for (int k = 3; k <= 7; k += 2)
            for (int e = 2; e <= 4; e += 2)
                space_add_choice(s, k, e, v, 0, a);
    if (skip)
        space_add_choice(s, 0, 0, 0, 1, a);
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        s->allowed[l] = (1ULL << s->nchoices) - 1;
    struct err e;
    CHECK(space_finish(s, &e) == 0);
}

/* ---- which spaces ---- */

static void check_refused(struct space *s, const char *want)
{
    struct sk_space g;
    struct err e;
    e.msg[0] = 0;
    CHECK(sk_space_analyse(&g, s, &e) == -1);
    if (!CHECK(strstr(e.msg, want) != NULL) || !CHECK(strncmp(e.msg, s->name, strlen(s->name)) == 0))
        printf("  got: %s\n", e.msg);
}

static void test_spaces(void)
{
    const char *names[] = {"fmnist", "fmnist-se", "fmnist-skip", "fmnist-se-skip"};
    for (int i = 0; i < 4; i++) {
        struct space s;
        struct sk_space g;
        struct err e;
        CHECK(space_builtin(&s, names[i]) == 0);
        if (!CHECK(sk_space_analyse(&g, &s, &e) == 0))
            printf("  %s: %s\n", names[i], e.msg);
        CHECK_EQ_INT(g.e_max, 6);
        CHECK_EQ_INT(g.se, i & 1);
        CHECK_EQ_INT(g.skip >= 0, i >> 1);
        CHECK_STR(s.choices[g.choice[1][0][0]].name, "k5e3");
        CHECK_STR(s.choices[g.choice[2][1][0]].name, "k7e6");
        CHECK_STR(s.choices[g.choice[0][1][0]].name, "k3e6");
        if (i & 1)
            CHECK_STR(s.choices[g.choice[1][1][1]].name, "k5e6s");
        for (int l = 0; l < s.nlayers; l++) {
            /* skip where fmnist-skip allows it: not at layers 2, 5, 8 (0-based) */
            int keep = (g.dec[l] >> SK_DKEEP) & 1, want = (i >> 1) && l != 2 && l != 5 && l != 8;
            CHECK_EQ_INT(keep, want);
            CHECK_EQ_INT((g.dec[l] >> SK_DSE) & 1, i & 1);
            CHECK_EQ_INT(g.dec[l] & 7u, 7);
        }
    }
    /* SE in every choice: no d_se, SE always on */
    struct space s;
    struct sk_space g;
    struct err e;
    small_space(&s, 2, 1, ACT_RELU);
    CHECK(sk_space_analyse(&g, &s, &e) == 0);
    CHECK_EQ_INT(g.se, 2);
    CHECK_EQ_INT(g.e_max, 4);
    CHECK_EQ_INT((g.dec[0] >> SK_DSE) & 1, 0);
    CHECK_EQ_INT((g.dec[0] >> SK_DKEEP) & 1, 1);
    CHECK_EQ_INT((g.dec[2] >> SK_DKEEP) & 1, 0); /* 4 -> 6 channels */

    /* refused: coupled kernel and expansion (tiny), kernels, expansions,
     * activations, a layer that does not allow the grid */
    space_builtin(&s, "tiny");
    check_refused(&s, "coupled: k3e2, k5e4, k7e6");
    struct sk_space g2;
    CHECK(sk_space_analyse(&g2, &s, &e) == -1);
    CHECK(strncmp(e.msg, "tiny: error: Single-Path NAS cannot search this space", 53) == 0);

    small_space(&s, 0, 0, ACT_RELU);
    for (int c = 0; c < s.nchoices; c++)
        if (s.choices[c].k == 7)
            s.choices[c].k = 9;
    check_refused(&s, "kernels must be 3, 5 and 7");
    small_space(&s, 0, 0, ACT_RELU);
    for (int c = 0; c < s.nchoices; c++)
        if (s.choices[c].e == 4)
            s.choices[c].e = 5;
    check_refused(&s, "two expansions e and 2e");
    small_space(&s, 0, 0, ACT_RELU);
    for (int c = 0; c < s.nchoices; c++)
        s.choices[c].e /= 2; /* 1 and 2: e = 1 has no expand conv */
    check_refused(&s, "e >= 2");
    small_space(&s, 0, 0, ACT_RELU);
    s.choices[3].act = ACT_HSWISH;
    check_refused(&s, "different activations");
    small_space(&s, 0, 0, ACT_RELU);
    s.allowed[1] &= ~2ULL;
    check_refused(&s, "layer 2 does not allow k3e4");
}

/* ---- the decode table, both ways ---- */

static void test_decode(void)
{
    const char *names[] = {"fmnist", "fmnist-se", "fmnist-skip", "fmnist-se-skip"};
    for (int i = 0; i < 4; i++) {
        struct space s;
        struct sk_space g;
        struct err e;
        space_builtin(&s, names[i]);
        CHECK(sk_space_analyse(&g, &s, &e) == 0);
        for (int l = 0; l < s.nlayers; l++)
            for (int c = 0; c < s.nchoices; c++) {
                float ind[SK_NDEC];
                int allowed = (s.allowed[l] >> c) & 1;
                CHECK_EQ_INT(sk_encode(&g, l, c, ind) == 0, allowed);
                if (allowed)
                    CHECK_EQ_INT(sk_decode(&g, l, ind), c);
            }
        /* every indicator pattern decodes to an allowed choice, and back to
         * the same pattern on the decisions that matter */
        for (int bits = 0; bits < 1 << SK_NDEC; bits++)
            for (int l = 0; l < s.nlayers; l++) {
                float ind[SK_NDEC], back[SK_NDEC];
                for (int j = 0; j < SK_NDEC; j++)
                    ind[j] = (float)((bits >> j) & 1);
                int c = sk_decode(&g, l, ind);
                CHECK(c >= 0 && ((s.allowed[l] >> c) & 1));
                CHECK(sk_encode(&g, l, c, back) == 0);
                CHECK_EQ_INT(sk_decode(&g, l, back), c);
                int keep = !((g.dec[l] >> SK_DKEEP) & 1) || ind[SK_DKEEP] > 0;
                if (keep) {
                    CHECK(back[SK_D5] == ind[SK_D5]);
                    CHECK(back[SK_D6] == ind[SK_D6]);
                    if (ind[SK_D5] > 0)
                        CHECK(back[SK_D7] == ind[SK_D7]);
                    if ((g.dec[l] >> SK_DSE) & 1)
                        CHECK(back[SK_DSE] == ind[SK_DSE]);
                }
            }
    }
    /* the table written out: d6 on is e6, off is e3, whatever the kernel */
    struct space s;
    struct sk_space g;
    struct err e;
    space_builtin(&s, "fmnist-se-skip");
    sk_space_analyse(&g, &s, &e);
    static const struct {
        float d5, d7, d6, dse, keep;
        const char *name;
    } table[] = {
        {0, 0, 0, 0, 1, "k3e3"},  {0, 1, 0, 0, 1, "k3e3"},  {0, 0, 1, 0, 1, "k3e6"},
        {1, 0, 0, 0, 1, "k5e3"},  {1, 0, 1, 0, 1, "k5e6"},  {1, 1, 0, 0, 1, "k7e3"},
        {1, 1, 1, 0, 1, "k7e6"},  {1, 1, 1, 1, 1, "k7e6s"}, {0, 0, 0, 1, 1, "k3e3s"},
        {1, 0, 1, 1, 1, "k5e6s"}, {1, 1, 0, 1, 1, "k7e3s"}, {1, 1, 1, 1, 0, "skip"},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        float ind[SK_NDEC] = {table[i].d5, table[i].d7, table[i].d6, table[i].dse, table[i].keep};
        CHECK_STR(s.choices[sk_decode(&g, 0, ind)].name, table[i].name);
        float back[SK_NDEC];
        CHECK(sk_encode(&g, 0, space_find_choice(&s, table[i].name), back) == 0);
        if (table[i].keep > 0) {
            CHECK(back[SK_D6] == table[i].d6);
            CHECK(back[SK_D5] == table[i].d5);
        } else {
            CHECK(back[SK_DKEEP] == 0);
        }
    }
    /* at a layer without skip, d_keep is ignored */
    float ind[SK_NDEC] = {1, 0, 1, 0, 0};
    CHECK_STR(s.choices[sk_decode(&g, 2, ind)].name, "k5e6");
}

/* ---- a layer with its memory ---- */

struct lyr {
    struct space s;
    struct sk_space g;
    struct sk_desc d;
    int l, N;
    float *pmem, *gmem, *t, *gt, *smem, *cmem, *scratch;
    struct sk_params p, gp;
    struct block_stats st;
    struct sk_cache c;
    struct sk_run run;
    float *x, *R;
    float cind[SK_NDEC]; /* the loss's weights on the indicators */
    size_t nx, ny, np;
};

static void lyr_make(struct lyr *k, const struct space *s, int l, int N, struct rng *r)
{
    memset(k, 0, sizeof *k);
    k->s = *s;
    struct err e;
    CHECK(sk_space_analyse(&k->g, &k->s, &e) == 0);
    sk_describe(&k->d, &k->s, &k->g, l);
    k->l = l;
    k->N = N;
    k->np = sk_param_floats(&k->d);
    k->pmem = falloc(k->np);
    k->gmem = falloc(k->np);
    k->t = falloc(SK_NDEC);
    k->gt = falloc(SK_NDEC);
    k->smem = falloc(block_stat_floats(&k->d.b));
    k->cmem = falloc(sk_cache_floats(&k->d, N));
    k->scratch = falloc(sk_scratch_floats(&k->d, N));
    sk_params_bind(&k->p, k->pmem, k->t, &k->d);
    sk_params_bind(&k->gp, k->gmem, k->gt, &k->d);
    block_stats_bind(&k->st, k->smem, &k->d.b);
    sk_cache_bind(&k->c, k->cmem, &k->d, N);
    sk_init(&k->p, &k->st, &k->d, r);
    size_t m = (size_t)k->d.b.m;
    const struct block_params *p = &k->p.p;
    fill_uniform(p->g1, m, 0.5f, 1.5f, r);
    fill_uniform(p->b1, m, -0.5f, 0.5f, r);
    fill_uniform(p->g2, m, 0.5f, 1.5f, r);
    fill_uniform(p->b2, m, -0.5f, 0.5f, r);
    fill_uniform(p->g3, k->d.b.cout, 0.5f, 1.5f, r);
    fill_uniform(p->b3, k->d.b.cout, -0.5f, 0.5f, r);
    k->nx = (size_t)k->d.b.cin * k->d.b.h_in * k->d.b.w_in * N;
    k->ny = (size_t)k->d.b.cout * k->d.b.h_out * k->d.b.w_out * N;
    k->x = falloc(k->nx);
    k->R = falloc(k->ny);
    fill_normal(k->x, k->nx, r);
    fill_normal(k->R, k->ny, r);
    sk_run_default(&k->run);
}

static void lyr_free(struct lyr *k)
{
    free(k->pmem);
    free(k->gmem);
    free(k->t);
    free(k->gt);
    free(k->smem);
    free(k->cmem);
    free(k->scratch);
    free(k->x);
    free(k->R);
}

static void lyr_forward(struct lyr *k, int training, float momentum)
{
    sk_decide(&k->c, &k->p, &k->d, &k->run);
    sk_forward(&k->c, k->x, &k->p, &k->st, &k->d, k->N, training, momentum);
}

/* The norm decision j reads, as sk_decide computes it (set its threshold
 * relative to it). */
static float norm_of(struct lyr *k, int j)
{
    sk_decide(&k->c, &k->p, &k->d, &k->run);
    return k->c.dec.norm[j];
}

/* ---- every decision off (on) equals the plain block ---- */

/* A block of choice `name` of the layer bound to weights copied from the
 * superkernel's: its channels are the first m of the M, its kernel the
 * centre kxk. */
struct plain {
    struct block_desc b;
    float *pmem, *smem, *cmem;
    struct block_params p;
    struct block_stats st;
    struct block_cache c;
};

static void plain_make(struct plain *q, const struct lyr *k, const char *name, int N)
{
    int ch = space_find_choice(&k->s, name);
    CHECK(ch >= 0);
    block_describe(&q->b, &k->s, k->l, ch);
    q->pmem = falloc(block_param_floats(&q->b));
    q->smem = falloc(block_stat_floats(&q->b));
    q->cmem = falloc(block_cache_floats(&q->b, N));
    block_params_bind(&q->p, q->pmem, &q->b);
    block_stats_bind(&q->st, q->smem, &q->b);
    block_cache_bind(&q->c, q->cmem, &q->b, N);
    const struct block_params *s = &k->p.p;
    int m = q->b.m, M = k->d.b.m, cin = q->b.cin, cout = q->b.cout, kk = q->b.k;
    int off = (SK_K - kk) / 2;
    memcpy(q->p.w_exp, s->w_exp, (size_t)m * cin * sizeof(float));
    memcpy(q->p.g1, s->g1, (size_t)m * sizeof(float));
    memcpy(q->p.b1, s->b1, (size_t)m * sizeof(float));
    for (int c = 0; c < m; c++)
        for (int i = 0; i < kk; i++)
            for (int j = 0; j < kk; j++)
                q->p.w_dw[((size_t)c * kk + i) * kk + j] =
                    s->w_dw[(size_t)c * SK_K * SK_K + (size_t)(i + off) * SK_K + j + off];
    memcpy(q->p.g2, s->g2, (size_t)m * sizeof(float));
    memcpy(q->p.b2, s->b2, (size_t)m * sizeof(float));
    if (q->b.se) {
        CHECK_EQ_INT(m, M); /* SE only compared at full width */
        memcpy(q->p.w_se1, s->w_se1, (size_t)q->b.r * m * sizeof(float));
        memcpy(q->p.b_se1, s->b_se1, (size_t)q->b.r * sizeof(float));
        memcpy(q->p.w_se2, s->w_se2, (size_t)q->b.r * m * sizeof(float));
        memcpy(q->p.b_se2, s->b_se2, (size_t)m * sizeof(float));
    }
    for (int o = 0; o < cout; o++)
        memcpy(q->p.w_proj + (size_t)o * m, s->w_proj + (size_t)o * M, (size_t)m * sizeof(float));
    memcpy(q->p.g3, s->g3, (size_t)cout * sizeof(float));
    memcpy(q->p.b3, s->b3, (size_t)cout * sizeof(float));
    /* running statistics: the first m channels of each */
    const struct block_stats *ss = &k->st;
    memcpy(q->st.rm1, ss->rm1, (size_t)m * sizeof(float));
    memcpy(q->st.rv1, ss->rv1, (size_t)m * sizeof(float));
    memcpy(q->st.rm2, ss->rm2, (size_t)m * sizeof(float));
    memcpy(q->st.rv2, ss->rv2, (size_t)m * sizeof(float));
    memcpy(q->st.rm3, ss->rm3, (size_t)cout * sizeof(float));
    memcpy(q->st.rv3, ss->rv3, (size_t)cout * sizeof(float));
}

static void plain_free(struct plain *q)
{
    free(q->pmem);
    free(q->smem);
    free(q->cmem);
}

static void set_thresholds(struct lyr *k, float t5, float t7, float t6, float tse, float tkeep)
{
    k->t[SK_D5] = t5;
    k->t[SK_D7] = t7;
    k->t[SK_D6] = t6;
    k->t[SK_DSE] = tse;
    k->t[SK_DKEEP] = tkeep;
}

/* The layer at thresholds t against block `name`, training then evaluation;
 * the running statistics of the block's channels move alike. */
static void check_equals_block(const struct space *s, int l, const float *t, const char *name,
                               const char *decoded, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    struct lyr k;
    lyr_make(&k, s, l, 3, &r);
    size_t ns = block_stat_floats(&k.d.b);
    for (size_t i = 0; i < ns; i++)
        k.smem[i] = rng_uniform(&r) + 0.5f;
    set_thresholds(&k, t[0], t[1], t[2], t[3], t[4]);
    struct plain q;
    plain_make(&q, &k, name, 3);
    for (int training = 1; training >= 0; training--) {
        lyr_forward(&k, training, BN_MOMENTUM);
        block_forward(&q.c, k.x, &q.p, &q.st, &q.b, 3, training, BN_MOMENTUM);
        double *want = dalloc(k.ny);
        for (size_t i = 0; i < k.ny; i++)
            want[i] = q.c.y[i];
        CHECK_ALL_NEAR(k.c.out, want, k.ny, 1e-5, 1e-5);
        free(want);
        int m = q.b.m;
        double *ws = dalloc((size_t)m);
        for (int c = 0; c < m; c++)
            ws[c] = q.st.rv2[c];
        CHECK_ALL_NEAR(k.st.rv2, ws, (size_t)m, 1e-6, 1e-7);
        free(ws);
    }
    float ind[SK_NDEC];
    memcpy(ind, k.c.dec.ind, sizeof ind);
    CHECK_STR(k.s.choices[sk_decode(&k.g, l, ind)].name, decoded);
    plain_free(&q);
    lyr_free(&k);
}

static void test_decisions_off(void)
{
    const float big = 1e6f, off[5] = {big, big, big, big, big};
    struct space s;
    /* every decision off: the k3e2 block, in a residual and a strided layer */
    small_space(&s, 0, 0, ACT_RELU);
    check_equals_block(&s, 0, off, "k3e2", "k3e2", 1);
    check_equals_block(&s, 2, off, "k3e2", "k3e2", 2);
    small_space(&s, 1, 0, ACT_HSWISH); /* d_se off: no SE */
    check_equals_block(&s, 1, off, "k3e2", "k3e2", 3);
    check_equals_block(&s, 2, off, "k3e2", "k3e2", 4);
    /* skip off too: the identity, exactly */
    small_space(&s, 1, 1, ACT_RELU);
    struct rng r;
    rng_seed(&r, 5, 0);
    struct lyr k;
    lyr_make(&k, &s, 0, 3, &r);
    set_thresholds(&k, big, big, big, big, big);
    for (int training = 1; training >= 0; training--) {
        lyr_forward(&k, training, BN_MOMENTUM);
        CHECK_ALL_EQ(k.c.out, k.x, k.nx);
    }
    CHECK_EQ_INT(k.c.k_run, 3);
    lyr_free(&k);
    /* but d_keep on with the rest off is the k3e2 block */
    const float keep[5] = {big, big, big, big, -big};
    check_equals_block(&s, 1, keep, "k3e2", "k3e2", 6);

    /* thresholds at 0: the largest layer, k7e4(s) */
    const float zero[5] = {0, 0, 0, 0, 0};
    small_space(&s, 0, 1, ACT_RELU);
    check_equals_block(&s, 0, zero, "k7e4", "k7e4", 7);
    small_space(&s, 1, 1, ACT_RELU);
    check_equals_block(&s, 0, zero, "k7e4s", "k7e4s", 8);
    check_equals_block(&s, 2, zero, "k7e4s", "k7e4s", 9);
    small_space(&s, 2, 0, ACT_RELU); /* SE in every choice */
    check_equals_block(&s, 1, zero, "k7e4s", "k7e4s", 10);
    /* d7 off: k5; d5 off: k3 (d7 ignored); full width */
    small_space(&s, 0, 0, ACT_RELU);
    const float k5[5] = {0, big, 0, 0, 0}, k3[5] = {big, 0, 0, 0, 0};
    check_equals_block(&s, 0, k5, "k5e4", "k5e4", 11);
    check_equals_block(&s, 2, k3, "k3e4", "k3e4", 12);
}

/* ---- the sliced forward against the full 7x7 one ---- */

static void run_backward(struct lyr *k, float *dx, float *gx, const float *gind)
{
    memset(k->gmem, 0, k->np * sizeof(float));
    memset(k->gt, 0, SK_NDEC * sizeof(float));
    lyr_forward(k, 1, 0.0f);
    sk_backward(dx, &k->gp, k->scratch, k->R, k->x, &k->c, &k->p, &k->d, k->N, gind, gx);
}

static void check_slice(const struct space *s, int l, int which, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    struct lyr k;
    lyr_make(&k, s, l, 3, &r);
    /* the decision just off, where the sigmoid still has a slope */
    float n = norm_of(&k, which);
    k.t[which] = n + 0.5f;
    float gind[SK_NDEC] = {0.3f, -0.2f, 0.1f, 0.2f, 0.4f};
    float *dx1 = falloc(k.nx), *dx2 = falloc(k.nx), *y1 = falloc(k.ny);
    float *g1 = falloc(k.np), gt1[SK_NDEC], gx1[SK_NDEC], gx2[SK_NDEC];
    run_backward(&k, dx1, gx1, gind);
    CHECK_EQ_INT(k.c.k_run, which == SK_D5 ? 3 : 5);
    memcpy(y1, k.c.out, k.ny * sizeof(float));
    memcpy(g1, k.gmem, k.np * sizeof(float));
    memcpy(gt1, k.gt, sizeof gt1);
    k.run.full = 1;
    run_backward(&k, dx2, gx2, gind);
    CHECK_EQ_INT(k.c.k_run, 7);
    double *want = dalloc(k.np > k.nx ? k.np : k.nx);
    for (size_t i = 0; i < k.ny; i++)
        want[i] = k.c.out[i];
    CHECK_ALL_NEAR(y1, want, k.ny, 1e-5, 1e-6);
    for (size_t i = 0; i < k.nx; i++)
        want[i] = dx2[i];
    CHECK_ALL_NEAR(dx1, want, k.nx, 1e-4, 1e-5);
    for (size_t i = 0; i < k.np; i++)
        want[i] = k.gmem[i];
    CHECK_ALL_NEAR(g1, want, k.np, 1e-4, 1e-5);
    for (int j = 0; j < SK_NDEC; j++) {
        want[j] = k.gt[j];
        CHECK_NEAR(gx1[j], gx2[j], 1e-4 * (1 + fabs(gx2[j])));
    }
    CHECK_ALL_NEAR(gt1, want, SK_NDEC, 1e-4, 1e-5);
    /* the switched-off ring gets a gradient: its threshold and its weights */
    CHECK(gt1[which] != 0);
    int ring_grad = 0;
    for (int c = 0; c < k.d.b.m; c++)
        ring_grad += g1[(k.p.p.w_dw - k.pmem) + (size_t)c * 49 + 0] != 0; /* tap (0,0): R7 */
    CHECK(ring_grad > 0);
    free(want);
    free(dx1);
    free(dx2);
    free(y1);
    free(g1);
    lyr_free(&k);
}

static void test_slice(void)
{
    struct space s;
    small_space(&s, 1, 1, ACT_RELU);
    check_slice(&s, 0, SK_D5, 20);
    check_slice(&s, 2, SK_D5, 21);
    check_slice(&s, 1, SK_D7, 22);
    check_slice(&s, 2, SK_D7, 23);
}

/* ---- finite differences in the sigmoid-forward mode ---- */

static double lyr_loss(void *ctx, struct kinks *kn)
{
    struct lyr *k = ctx;
    const struct block_desc *b = &k->d.b;
    lyr_forward(k, 1, 0.0f);
    const struct block_cache *c = &k->c.c;
    size_t si = (size_t)b->h_in * b->w_in * k->N, so = (size_t)b->h_out * b->w_out * k->N;
    kinks_add_bn(kn, c->x1, c->bn1.mean, c->bn1.invstd, k->p.p.g1, k->p.p.b1, b->m, si, b->act);
    kinks_add_bn(kn, c->x2, c->bn2.mean, c->bn2.invstd, k->p.p.g2, k->p.p.b2, b->m, so, b->act);
    if (b->se) {
        kinks_add(kn, c->se.h, (size_t)b->r * k->N, b->act);
        kinks_add(kn, c->se.z, (size_t)b->m * k->N, ACT_HSIGMOID);
    }
    double L = dotd(k->c.out, k->R, k->ny);
    for (int j = 0; j < SK_NDEC; j++)
        L += k->cind[j] * k->c.dec.ind[j];
    return L;
}

static void check_fd(const struct space *s, int l, const float *scale, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    struct lyr k;
    lyr_make(&k, s, l, 2, &r);
    k.run.soft = 1;
    if (scale)
        memcpy(k.run.scale, scale, sizeof k.run.scale);
    /* thresholds near the norms, where the sigmoids have slopes */
    for (int j = 0; j < SK_NDEC; j++) {
        float n = norm_of(&k, j);
        k.t[j] = n + (rng_uniform(&r) - 0.5f);
        k.cind[j] = rng_uniform(&r) - 0.5f;
    }
    float *dx = falloc(k.nx), gx[SK_NDEC];
    run_backward(&k, dx, gx, k.cind);
    float gt[SK_NDEC];
    memcpy(gt, k.gt, sizeof gt);
    float *grad = falloc(k.np);
    memcpy(grad, k.gmem, k.np * sizeof(float));

    struct fd f;
    fd_init(&f, lyr_loss, &k, EPS, RTOL, ATOL, 1e-2);
    FD_TENSOR(&f, "x", k.x, dx, k.nx, 60);
    FD_TENSOR(&f, "t", k.t, gt, SK_NDEC, 0);
    const struct block_params *p = &k.p.p;
    size_t M = (size_t)k.d.b.m;
    FD_TENSOR(&f, "w_dw", p->w_dw, grad + (p->w_dw - k.pmem), M * 49, 80);
    FD_TENSOR(&f, "w_exp", p->w_exp, grad + (p->w_exp - k.pmem), M * k.d.b.cin, 12);
    FD_TENSOR(&f, "g2", p->g2, grad + (p->g2 - k.pmem), M, 12);
    FD_TENSOR(&f, "w_proj", p->w_proj, grad + (p->w_proj - k.pmem), M * k.d.b.cout, 12);
    FD_TENSOR(&f, "b3", p->b3, grad + (p->b3 - k.pmem), k.d.b.cout, 0);
    if (p->w_se1) {
        FD_TENSOR(&f, "w_se1", p->w_se1, grad + (p->w_se1 - k.pmem), (size_t)k.d.b.r * M, 20);
        FD_TENSOR(&f, "b_se2", p->b_se2, grad + (p->b_se2 - k.pmem), M, 12);
    }
    CHECK_FD_SKIPS(&f, 0.1);
    if (f.worst > 1.0)
        check_fail_msg(__FILE__, __LINE__, "  in layer %d", l);
    fd_done(&f);
    /* dL/dt = -dL/dnorm: opposite signs, decision by decision; absent
     * decisions get nothing */
    for (int j = 0; j < SK_NDEC; j++) {
        if ((k.d.dec >> j) & 1) {
            CHECK(gt[j] == -gx[j]);
            CHECK(gx[j] != 0);
            float t0 = k.t[j];
            k.t[j] = t0 + 1e-2f;
            double lp = lyr_loss(&k, NULL);
            k.t[j] = t0 - 1e-2f;
            double lm = lyr_loss(&k, NULL);
            k.t[j] = t0;
            double num = (lp - lm) / 2e-2;
            if (fabs(num) > 1e-3)
                CHECK((num > 0) != (gx[j] > 0));
        } else {
            CHECK(gt[j] == 0 && gx[j] == 0);
        }
    }
    free(dx);
    free(grad);
    lyr_free(&k);
}

static void test_fd_soft(void)
{
    struct space s;
    small_space(&s, 1, 1, ACT_RELU);
    check_fd(&s, 0, NULL, 30); /* residual, skip and SE searched */
    check_fd(&s, 2, NULL, 31); /* strided: no skip */
    small_space(&s, 0, 0, ACT_HSWISH);
    check_fd(&s, 1, NULL, 32);
    small_space(&s, 2, 1, ACT_RELU);
    check_fd(&s, 1, NULL, 33);
    /* the warm-up's scaling: one decision dropped, the others 1/0.6 */
    small_space(&s, 1, 1, ACT_RELU);
    const float sc[SK_NDEC] = {1 / 0.6f, 1 / 0.6f, 0, 1 / 0.6f, 1 / 0.6f};
    check_fd(&s, 1, sc, 34);
    struct space f;
    space_builtin(&f, "fmnist-se-skip");
    check_fd(&f, 10, NULL, 35); /* 64 channels at 4x4, e_max 6 */
}

/* With only a loss on the indicators that grows with each (a runtime), every
 * dL/dnorm is positive and every dL/dt negative: descent raises the
 * thresholds and shrinks the norms. */
static void test_runtime_sign(void)
{
    struct space s;
    small_space(&s, 1, 1, ACT_RELU);
    struct rng r;
    rng_seed(&r, 40, 0);
    struct lyr k;
    lyr_make(&k, &s, 0, 2, &r);
    memset(k.R, 0, k.ny * sizeof(float));
    const float gind[SK_NDEC] = {1, 1, 1, 1, 1};
    float gx[SK_NDEC];
    run_backward(&k, NULL, gx, gind);
    for (int j = 0; j < SK_NDEC; j++) {
        CHECK(gx[j] > 0);
        CHECK(k.gt[j] < 0);
    }
    /* the ring weights' gradient points along the weights (shrinks them) */
    double along = 0;
    const float *W = k.p.p.w_dw, *G = k.gmem + (W - k.pmem);
    for (size_t i = 0; i < (size_t)k.d.b.m * 49; i++)
        along += (double)W[i] * G[i];
    CHECK(along > 0);
    lyr_free(&k);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_spaces);
    RUN(test_decode);
    RUN(test_decisions_off);
    RUN(test_slice);
    RUN(test_fd_soft);
    RUN(test_runtime_sign);
    return check_done();
}
