/* Unit tests of block: the MBConv layer.  Its parameter and cache layouts,
 * its forward (training and evaluation, with the running statistics' update)
 * against the same ops composed by hand, and its backward (dx written, weight
 * gradients accumulated) against central differences of L = sum(y * R) in
 * training mode, for the input and a sample of every kind of weight.
 *
 * The cases come from a small custom space (4 -> 4 channels at 6x6, then a
 * stride-2 layer 4 -> 6) with choices of expansion 1, 2, 3, with and without
 * SE, ReLU and hard-swish, and from the fmnist space with SE. */
#include "block.h"

#include <string.h>

#include "check.h"
#include "conv.h"
#include "ctx.h"
#include "dwconv.h"
#include "gradcheck.h"

#define EPS 1e-2
#define RTOL 1e-2
#define ATOL 2e-3
#define WSAMPLE 12 /* coordinates of each weight tensor checked */
#define XSAMPLE 150 /* coordinates of the input checked */

static void add_choice(struct space *s, const char *name, int k, int e, int se, enum act a)
{
    struct choice *c = &s->choices[s->nchoices++];
    memset(c, 0, sizeof *c);
    snprintf(c->name, sizeof c->name, "%s", name);
    c->k = k;
    c->e = e;
    c->se = se;
    c->act = a;
}

/* stem 2 -> 4 at 6x6; stage 1: two layers 4 -> 4 (residual); stage 2: one
 * layer 4 -> 6 stride 2 (6x6 -> 3x3). */
static void tiny_space(struct space *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->name, sizeof s->name, "tiny");
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
    add_choice(s, "k3e1", 3, 1, 0, ACT_RELU);
    add_choice(s, "k3e1s", 3, 1, 1, ACT_HSWISH);
    add_choice(s, "k3e3", 3, 3, 0, ACT_RELU);
    add_choice(s, "k5e3s", 5, 3, 1, ACT_HSWISH);
    add_choice(s, "k7e2", 7, 2, 0, ACT_HSWISH);
    add_choice(s, "k3e2s", 3, 2, 1, ACT_RELU);
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        s->allowed[l] = (1ULL << s->nchoices) - 1;
    struct err e;
    int rc = space_finish(s, &e);
    CHECK(rc == 0);
}

/* ---- a block with its memory ---- */

struct blk {
    struct block_desc b;
    int N;
    float *pmem, *gmem, *smem, *cmem, *scratch;
    struct block_params p, g;
    struct block_stats st;
    struct block_cache c;
    float *x, *R;
    size_t nx, ny;
};

static void blk_make(struct blk *k, const struct space *s, int l, const char *choice, int N,
                     struct rng *r)
{
    memset(k, 0, sizeof *k);
    int ch = space_find_choice(s, choice);
    CHECK(ch >= 0);
    block_describe(&k->b, s, l, ch);
    k->N = N;
    size_t np = block_param_floats(&k->b);
    k->pmem = falloc(np);
    k->gmem = falloc(np);
    k->smem = falloc(block_stat_floats(&k->b));
    k->cmem = falloc(block_cache_floats(&k->b, N));
    k->scratch = falloc(block_scratch_floats(&k->b, N));
    block_params_bind(&k->p, k->pmem, &k->b);
    block_params_bind(&k->g, k->gmem, &k->b);
    block_stats_bind(&k->st, k->smem, &k->b);
    block_cache_bind(&k->c, k->cmem, &k->b, N);
    block_init(&k->p, &k->st, &k->b, r);
    /* BN affine parameters off their initial 1 and 0, so nothing cancels */
    size_t m = (size_t)k->b.m;
    if (k->p.g1) {
        fill_uniform(k->p.g1, m, 0.5f, 1.5f, r);
        fill_uniform(k->p.b1, m, -0.5f, 0.5f, r);
    }
    fill_uniform(k->p.g2, m, 0.5f, 1.5f, r);
    fill_uniform(k->p.b2, m, -0.5f, 0.5f, r);
    fill_uniform(k->p.g3, k->b.cout, 0.5f, 1.5f, r);
    fill_uniform(k->p.b3, k->b.cout, -0.5f, 0.5f, r);
    k->nx = (size_t)k->b.cin * k->b.h_in * k->b.w_in * N;
    k->ny = (size_t)k->b.cout * k->b.h_out * k->b.w_out * N;
    k->x = falloc(k->nx);
    k->R = falloc(k->ny);
    fill_normal(k->x, k->nx, r);
    fill_normal(k->R, k->ny, r);
}

static void blk_free(struct blk *k)
{
    free(k->pmem);
    free(k->gmem);
    free(k->smem);
    free(k->cmem);
    free(k->scratch);
    free(k->x);
    free(k->R);
}

/* The weight tensors of a block: name, pointer into p, pointer into g, size. */
struct wt {
    const char *name;
    float *w, *g;
    size_t n;
};

static int block_tensors(struct wt *t, const struct blk *k)
{
    const struct block_desc *b = &k->b;
    size_t m = (size_t)b->m, kk = (size_t)b->k * b->k;
    int n = 0;
#define T(field, count)                                                                            \
    if (k->p.field)                                                                                \
    t[n++] = (struct wt){#field, k->p.field, k->g.field, (count)}
    T(w_exp, m * b->cin);
    T(g1, m);
    T(b1, m);
    T(w_dw, m * kk);
    T(g2, m);
    T(b2, m);
    T(w_se1, (size_t)b->r * m);
    T(b_se1, (size_t)b->r);
    T(w_se2, m * b->r);
    T(b_se2, m);
    T(w_proj, (size_t)b->cout * m);
    T(g3, (size_t)b->cout);
    T(b3, (size_t)b->cout);
#undef T
    return n;
}

/* ---- layouts ---- */

static void test_describe(void)
{
    struct space s;
    tiny_space(&s);
    struct block_desc b;
    block_describe(&b, &s, 0, space_find_choice(&s, "k3e1s"));
    CHECK(b.cin == 4 && b.cout == 4 && b.stride == 1 && b.h_in == 6 && b.h_out == 6);
    CHECK(b.k == 3 && b.e == 1 && b.m == 4 && b.se == 1 && b.r == 8 && b.act == ACT_HSWISH);
    CHECK(b.residual == 1);
    block_describe(&b, &s, 2, space_find_choice(&s, "k5e3s"));
    CHECK(b.cin == 4 && b.cout == 6 && b.stride == 2 && b.h_in == 6 && b.w_in == 6);
    CHECK(b.h_out == 3 && b.w_out == 3);
    CHECK(b.k == 5 && b.e == 3 && b.m == 12 && b.se == 1 && b.r == 8);
    CHECK(b.residual == 0);

    struct space f;
    space_fmnist_variant(&f, 1, 0);
    block_describe(&b, &f, 11, space_find_choice(&f, "k3e6s"));
    CHECK(b.cin == 64 && b.cout == 64 && b.m == 384 && b.r == 96 && b.residual == 1);
    CHECK(b.h_in == 4 && b.h_out == 4);
}

/* Every tensor is bound, inside the memory, without overlaps; the counts add up. */
static void check_layout(const struct space *s, int l, const char *choice)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    struct blk k;
    blk_make(&k, s, l, choice, 3, &r);
    const struct block_desc *b = &k.b;
    struct wt t[13];
    int n = block_tensors(t, &k);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        total += t[i].n;
        CHECK(t[i].w >= k.pmem && t[i].w + t[i].n <= k.pmem + block_param_floats(b));
        CHECK(t[i].g - k.gmem == t[i].w - k.pmem); /* same layout for gradients */
        for (int j = 0; j < i; j++)
            CHECK(t[i].w + t[i].n <= t[j].w || t[j].w + t[j].n <= t[i].w);
    }
    CHECK_EQ_INT(total, block_param_floats(b));
    CHECK_EQ_INT(n, 13 - (b->e == 1 ? 3 : 0) - (b->se ? 0 : 4));
    CHECK((b->e == 1) == (k.p.w_exp == NULL));
    CHECK(b->se == (k.p.w_se1 != NULL));
    /* running statistics: six distinct parts */
    float *sp[6] = {k.st.rm1, k.st.rv1, k.st.rm2, k.st.rv2, k.st.rm3, k.st.rv3};
    size_t sl[6] = {(size_t)b->m, (size_t)b->m, (size_t)b->m, (size_t)b->m, (size_t)b->cout,
                    (size_t)b->cout};
    for (int i = 0; i < 6; i++) {
        CHECK(sp[i] >= k.smem && sp[i] + sl[i] <= k.smem + block_stat_floats(b));
        for (int j = 0; j < i; j++)
            CHECK(sp[i] + sl[i] <= sp[j] || sp[j] + sl[j] <= sp[i]);
    }
    /* the cache: every bound part inside, disjoint */
    size_t sin = (size_t)b->h_in * b->w_in * 3, sout = (size_t)b->h_out * b->w_out * 3;
    float *cp[8] = {k.c.x1, k.c.a1, k.c.x2, k.c.a2, k.c.s_out, k.c.x3, k.c.y, k.c.stats};
    size_t cl[8] = {b->m * sin, b->m * sin, b->m * sout, b->m * sout, b->m * sout,
                    b->cout * sout, b->cout * sout, 2 * (2 * (size_t)b->m + b->cout)};
    float *end = k.cmem + block_cache_floats(b, 3);
    for (int i = 0; i < 8; i++) {
        if (!cp[i])
            continue;
        CHECK(cp[i] >= k.cmem && cp[i] + cl[i] <= end);
        for (int j = 0; j < i; j++)
            if (cp[j])
                CHECK(cp[i] + cl[i] <= cp[j] || cp[j] + cl[j] <= cp[i]);
    }
    if (b->se) {
        CHECK(k.c.se.pooled >= k.cmem && k.c.se.s + (size_t)b->m * 3 <= end);
        CHECK(k.c.se.pooled >= k.c.s_out + cl[4] || k.c.se.s + b->m * 3 <= k.c.s_out);
    }
    CHECK((b->e == 1) == (k.c.x1 == NULL));
    CHECK(b->se == (k.c.s_out != NULL));
    blk_free(&k);
}

static void test_layout(void)
{
    struct space s;
    tiny_space(&s);
    for (int c = 0; c < s.nchoices; c++) {
        check_layout(&s, 0, s.choices[c].name);
        check_layout(&s, 2, s.choices[c].name);
    }
    struct space f;
    space_fmnist_variant(&f, 1, 0);
    check_layout(&f, 5, "k5e3s");
    check_layout(&f, 11, "k7e6");
}

/* ---- forward against the ops composed by hand ---- */

static void composed_forward(float *y, const float *x, const struct blk *k, float *rm1,
                             float *rv1, float *rm2, float *rv2, float *rm3, float *rv3,
                             int training, float momentum)
{
    const struct block_desc *b = &k->b;
    int N = k->N;
    size_t sin = (size_t)b->h_in * b->w_in * N, sout = (size_t)b->h_out * b->w_out * N;
    size_t m = (size_t)b->m;
    float *a1 = falloc(m * sin), *x2 = falloc(m * sout), *a2 = falloc(m * sout);
    float *so = falloc(m * sout), *x3 = falloc((size_t)b->cout * sout);
    float mean[512], invstd[512];
    const float *in = x;
    if (b->e != 1) {
        struct bn_state st = {rm1, rv1, mean, invstd};
        conv1x1_forward(a1, x, k->p.w_exp, b->cin, b->m, sin);
        bn_forward(a1, a1, k->p.g1, k->p.b1, &st, b->m, sin, b->act, training, momentum);
        in = a1;
    }
    struct dw_dims dd = {b->m, b->h_in, b->w_in, N, b->k, b->stride, b->h_out, b->w_out};
    dwconv_forward(x2, in, k->p.w_dw, &dd);
    struct bn_state st2 = {rm2, rv2, mean, invstd};
    bn_forward(a2, x2, k->p.g2, k->p.b2, &st2, b->m, sout, b->act, training, momentum);
    const float *t = a2;
    if (b->se) {
        struct se_dims sd = {b->m, b->r, b->h_out * b->w_out, N, b->act};
        float *cm = falloc((size_t)se_cache_floats(&sd));
        struct se_cache sc;
        se_cache_bind(&sc, cm, &sd);
        se_forward(so, &sc, a2, k->p.w_se1, k->p.b_se1, k->p.w_se2, k->p.b_se2, &sd);
        free(cm);
        t = so;
    }
    conv1x1_forward(x3, t, k->p.w_proj, b->m, b->cout, sout);
    struct bn_state st3 = {rm3, rv3, mean, invstd};
    bn_forward(y, x3, k->p.g3, k->p.b3, &st3, b->cout, sout, ACT_NONE, training, momentum);
    if (b->residual)
        for (size_t i = 0; i < (size_t)b->cout * sout; i++)
            y[i] += x[i];
    free(a1);
    free(x2);
    free(a2);
    free(so);
    free(x3);
}

static void check_forward(const struct space *s, int l, const char *choice, int N, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    struct blk k;
    blk_make(&k, s, l, choice, N, &r);
    const struct block_desc *b = &k.b;
    size_t ns = block_stat_floats(b);
    /* running statistics off their initial values */
    for (size_t i = 0; i < ns; i++)
        k.smem[i] = rng_uniform(&r) + 0.5f;
    float *s0 = falloc(ns), *ref = falloc(ns), *y = falloc(k.ny);
    memcpy(s0, k.smem, ns * sizeof *s0);
    for (int training = 1; training >= 0; training--) {
        memcpy(ref, s0, ns * sizeof *ref);
        struct block_stats rs;
        block_stats_bind(&rs, ref, b);
        composed_forward(y, k.x, &k, rs.rm1, rs.rv1, rs.rm2, rs.rv2, rs.rm3, rs.rv3, training,
                         BN_MOMENTUM);
        memcpy(k.smem, s0, ns * sizeof *s0);
        block_forward(&k.c, k.x, &k.p, &k.st, b, N, training, BN_MOMENTUM);
        double *want = dalloc(k.ny), *wstats = dalloc(ns);
        for (size_t i = 0; i < k.ny; i++)
            want[i] = y[i];
        for (size_t i = 0; i < ns; i++)
            wstats[i] = ref[i];
        CHECK_ALL_NEAR(k.c.y, want, k.ny, 1e-5, 1e-5);
        CHECK_ALL_NEAR(k.smem, wstats, ns, 1e-6, 1e-7);
        /* training moves every running statistic, evaluation none */
        int moved = 0;
        for (size_t i = 0; i < ns; i++)
            moved += k.smem[i] != s0[i];
        if (training)
            CHECK(moved > (int)ns / 2);
        else
            CHECK_EQ_INT(moved, 0);
        free(want);
        free(wstats);
    }
    free(s0);
    free(ref);
    free(y);
    blk_free(&k);
}

static void test_forward(void)
{
    struct space s;
    tiny_space(&s);
    for (int c = 0; c < s.nchoices; c++) {
        check_forward(&s, 0, s.choices[c].name, 3, 10 + c);
        check_forward(&s, 2, s.choices[c].name, 3, 20 + c);
    }
    struct space f;
    space_fmnist_variant(&f, 1, 0);
    check_forward(&f, 5, "k5e3s", 2, 30);
    check_forward(&f, 11, "k3e6", 2, 31);
}

/* ---- backward against finite differences ---- */

static double blk_loss(void *ctx, struct kinks *kn)
{
    struct blk *k = ctx;
    const struct block_desc *b = &k->b;
    block_forward(&k->c, k->x, &k->p, &k->st, b, k->N, 1, 0.0f);
    size_t sin = (size_t)b->h_in * b->w_in * k->N, sout = (size_t)b->h_out * b->w_out * k->N;
    if (b->e != 1)
        kinks_add_bn(kn, k->c.x1, k->c.bn1.mean, k->c.bn1.invstd, k->p.g1, k->p.b1, b->m, sin,
                     b->act);
    kinks_add_bn(kn, k->c.x2, k->c.bn2.mean, k->c.bn2.invstd, k->p.g2, k->p.b2, b->m, sout,
                 b->act);
    if (b->se) {
        kinks_add(kn, k->c.se.h, (size_t)b->r * k->N, b->act);
        kinks_add(kn, k->c.se.z, (size_t)b->m * k->N, ACT_HSIGMOID);
    }
    return dotd(k->c.y, k->R, k->ny);
}

static void check_backward(const struct space *s, int l, const char *choice, int N,
                           uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    struct blk k;
    blk_make(&k, s, l, choice, N, &r);
    const struct block_desc *b = &k.b;
    size_t np = block_param_floats(b);
    float *g0 = falloc(np), *dx = falloc(k.nx), *dy = falloc(k.ny);
    fill_uniform(g0, np, -1, 1, &r);
    memcpy(k.gmem, g0, np * sizeof *g0);
    fill_const(dx, k.nx, NAN);
    fill_const(k.scratch, block_scratch_floats(b, N), NAN);
    memcpy(dy, k.R, k.ny * sizeof *dy);

    blk_loss(&k, NULL);
    block_backward(dx, &k.g, k.scratch, dy, k.x, &k.c, &k.p, b, N);
    CHECK_ALL_EQ(dy, k.R, k.ny); /* dy is read only */
    float *grad = falloc(np);
    for (size_t i = 0; i < np; i++)
        grad[i] = k.gmem[i] - g0[i];

    struct fd f;
    fd_init(&f, blk_loss, &k, EPS, RTOL, ATOL, 1e-2);
    FD_TENSOR(&f, "x", k.x, dx, k.nx, XSAMPLE);
    struct wt t[13];
    int n = block_tensors(t, &k);
    for (int i = 0; i < n; i++)
        FD_TENSOR(&f, t[i].name, t[i].w, grad + (t[i].w - k.pmem), t[i].n, WSAMPLE);
    if (f.worst > 1.0)
        check_fail_msg(__FILE__, __LINE__, "  in layer %d, choice %s", l, choice);
    fd_done(&f);

    /* a second backward adds the same gradients again; dx is written, not added;
     * dx may be NULL */
    blk_loss(&k, NULL);
    float *dx2 = falloc(k.nx);
    fill_const(dx2, k.nx, 1e6f);
    block_backward(dx2, &k.g, k.scratch, dy, k.x, &k.c, &k.p, b, N);
    block_backward(NULL, &k.g, k.scratch, dy, k.x, &k.c, &k.p, b, N);
    int bad = 0;
    for (size_t i = 0; i < np && !bad; i++)
        if (!(fabs(k.gmem[i] - g0[i] - 3.0 * grad[i]) <= 1e-4 * (1 + fabs(grad[i])))) {
            check_fail_msg(__FILE__, __LINE__, "accumulated gradient [%zu]: %g, want %g", i,
                           k.gmem[i] - g0[i], 3.0 * grad[i]);
            bad = 1;
        }
    CHECK_ALL_EQ(dx2, dx, k.nx);
    free(dx2);
    free(g0);
    free(dx);
    free(dy);
    free(grad);
    blk_free(&k);
}

static void test_backward_residual(void)
{
    struct space s;
    tiny_space(&s);
    check_backward(&s, 0, "k3e1", 3, 40);  /* e = 1: no expand conv */
    check_backward(&s, 0, "k3e1s", 3, 41); /* e = 1 with SE */
    check_backward(&s, 1, "k3e3", 3, 42);
    check_backward(&s, 0, "k5e3s", 3, 43);
    check_backward(&s, 1, "k7e2", 3, 44);
}

static void test_backward_strided(void)
{
    struct space s;
    tiny_space(&s);
    check_backward(&s, 2, "k3e1", 3, 50);
    check_backward(&s, 2, "k3e3", 3, 51);
    check_backward(&s, 2, "k5e3s", 3, 52);
    check_backward(&s, 2, "k3e2s", 3, 53);
    check_backward(&s, 2, "k7e2", 3, 54);
}

static void test_backward_fmnist(void)
{
    struct space f;
    space_fmnist_variant(&f, 1, 0);
    check_backward(&f, 5, "k5e3s", 2, 60);  /* 24 -> 40, stride 2, 7x7 -> 4x4 */
    check_backward(&f, 11, "k3e3s", 2, 61); /* 64 -> 64 residual at 4x4 */
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_describe);
    RUN(test_layout);
    RUN(test_forward);
    RUN(test_backward_residual);
    RUN(test_backward_strided);
    RUN(test_backward_fmnist);
    return check_done();
}
