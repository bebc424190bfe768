/* Unit tests of gemm: the sgemm wrapper in its four transpose combinations
 * with alpha, beta and leading dimensions larger than the rows, against a
 * naive triple loop; im2col against a naive unfold; col2im against a naive
 * scatter and as the adjoint of im2col. */
#include "gemm.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

/* op(X)[r][c] of a row-major X with leading dimension ld. */
static double at(const float *X, int ld, int trans, int r, int c)
{
    return trans ? X[(size_t)c * ld + r] : X[(size_t)r * ld + c];
}

static void naive_gemm(double *C, int ta, int tb, int M, int N, int K, double alpha,
                       const float *A, int lda, const float *B, int ldb, double beta,
                       const float *C0, int ldc)
{
    for (int i = 0; i < M; i++)
        for (int j = 0; j < N; j++) {
            double s = 0;
            for (int k = 0; k < K; k++)
                s += at(A, lda, ta, i, k) * at(B, ldb, tb, k, j);
            C[(size_t)i * N + j] = alpha * s + beta * C0[(size_t)i * ldc + j];
        }
}

static void check_gemm_case(int ta, int tb, int M, int N, int K, float alpha, float beta, int pad,
                            struct rng *r)
{
    /* stored shapes: A is M x K (K x M when transposed), B is K x N (N x K) */
    int arows = ta ? K : M, acols = ta ? M : K, brows = tb ? N : K, bcols = tb ? K : N;
    int lda = acols + pad, ldb = bcols + pad, ldc = N + pad;
    float *A = falloc((size_t)arows * lda), *B = falloc((size_t)brows * ldb);
    float *C = falloc((size_t)M * ldc), *C0 = falloc((size_t)M * ldc);
    double *want = dalloc((size_t)M * N);
    fill_uniform(A, (size_t)arows * lda, -1, 1, r);
    fill_uniform(B, (size_t)brows * ldb, -1, 1, r);
    fill_uniform(C0, (size_t)M * ldc, -1, 1, r);
    memcpy(C, C0, (size_t)M * ldc * sizeof *C);
    gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    naive_gemm(want, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C0, ldc);
    int bad = 0;
    for (int i = 0; i < M && !bad; i++)
        for (int j = 0; j < ldc && !bad; j++) {
            double got = C[(size_t)i * ldc + j];
            if (j >= N) { /* padding columns are not touched */
                if (got != C0[(size_t)i * ldc + j]) {
                    check_fail_msg(__FILE__, __LINE__, "ta=%d tb=%d: C[%d][%d] (padding) changed",
                                   ta, tb, i, j);
                    bad = 1;
                }
                continue;
            }
            double w = want[(size_t)i * N + j];
            if (!(fabs(got - w) <= 1e-5 * (K + 1))) {
                check_fail_msg(__FILE__, __LINE__,
                               "ta=%d tb=%d M=%d N=%d K=%d alpha=%g beta=%g: C[%d][%d] = %.7g, "
                               "want %.7g",
                               ta, tb, M, N, K, alpha, beta, i, j, got, w);
                bad = 1;
            }
        }
    free(A);
    free(B);
    free(C);
    free(C0);
    free(want);
}

static void test_gemm_transposes(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm_case(ta, tb, 7, 5, 9, 1.0f, 0.0f, 0, &r);
            check_gemm_case(ta, tb, 7, 5, 9, 0.7f, -0.3f, 3, &r);
            check_gemm_case(ta, tb, 1, 33, 17, -1.5f, 1.0f, 1, &r);
            check_gemm_case(ta, tb, 40, 1, 3, 2.0f, 0.5f, 2, &r);
            check_gemm_case(ta, tb, 64, 70, 65, 1.0f, 1.0f, 5, &r);
        }
}

/* With more than one thread a big enough gemm is cut into slices of rows or of
 * columns (multiples of 16) over the kernels' OpenMP team: the same results,
 * bit-identical from run to run. */
static void test_gemm_threads(void)
{
    struct ctx c3, c1;
    ctx_init(&c3, 3);
    struct rng r;
    rng_seed(&r, 5, 0);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            check_gemm_case(ta, tb, 64, 70, 65, 1.0f, 0.0f, 0, &r);   /* columns */
            check_gemm_case(ta, tb, 300, 40, 30, 0.5f, 1.0f, 2, &r);  /* rows */
            check_gemm_case(ta, tb, 20, 301, 40, 1.0f, -1.0f, 1, &r); /* columns, a tail */
            check_gemm_case(ta, tb, 3, 20, 4000, 1.0f, 0.0f, 0, &r);  /* 2 column chunks */
            check_gemm_case(ta, tb, 9, 2, 12000, 1.0f, 0.0f, 3, &r);  /* rows, long K */
            check_gemm_case(ta, tb, 2, 1, 120000, 1.0f, 0.5f, 0, &r); /* 2 row chunks */
        }
    /* the same bits twice */
    int M = 50, N = 333, K = 77;
    float *A = falloc((size_t)M * K), *B = falloc((size_t)K * N);
    float *C1 = falloc((size_t)M * N), *C2 = falloc((size_t)M * N);
    fill_uniform(A, (size_t)M * K, -1, 1, &r);
    fill_uniform(B, (size_t)K * N, -1, 1, &r);
    gemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C1, N);
    gemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C2, N);
    CHECK(memcmp(C1, C2, (size_t)M * N * sizeof *C1) == 0);
    free(A);
    free(B);
    free(C1);
    free(C2);
    ctx_init(&c1, 1);
}

/* beta = 0 ignores whatever C held, even NaN (BLAS semantics; the engine's
 * forwards rely on it to write uninitialised outputs). */
static void test_gemm_beta_zero_overwrites(void)
{
    float A[6] = {1, 2, 3, 4, 5, 6}, B[6] = {1, 0, 0, 1, 1, 1}; /* 2x3 * 3x2 */
    float C[4] = {NAN, NAN, INFINITY, -INFINITY};
    gemm(0, 0, 2, 2, 3, 1.0f, A, 3, B, 2, 0.0f, C, 2);
    CHECK(C[0] == 4 && C[1] == 5 && C[2] == 10 && C[3] == 11);
}

/* ---- im2col / col2im ---- */

struct geo {
    int C, H, W, N, k, stride;
};

static int out_size(int h, int k, int s) { return (h + 2 * (k / 2) - k) / s + 1; }

/* col[(c*k + i)*k + j][(oh*Wo + ow)*N + n] = in[c][oh*s + i - p][ow*s + j - p][n] or 0 */
static void naive_im2col(double *col, const float *in, const struct geo *g, int Ho, int Wo)
{
    int p = g->k / 2;
    size_t cols = (size_t)Ho * Wo * g->N;
    for (int c = 0; c < g->C; c++)
        for (int i = 0; i < g->k; i++)
            for (int j = 0; j < g->k; j++)
                for (int oh = 0; oh < Ho; oh++)
                    for (int ow = 0; ow < Wo; ow++)
                        for (int n = 0; n < g->N; n++) {
                            int ih = oh * g->stride + i - p, iw = ow * g->stride + j - p;
                            double v = 0;
                            if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W)
                                v = in[(((size_t)c * g->H + ih) * g->W + iw) * g->N + n];
                            col[((size_t)(c * g->k + i) * g->k + j) * cols +
                                ((size_t)oh * Wo + ow) * g->N + n] = v;
                        }
}

static void naive_col2im(double *in, const float *col, const struct geo *g, int Ho, int Wo)
{
    int p = g->k / 2;
    size_t cols = (size_t)Ho * Wo * g->N;
    for (size_t t = 0; t < (size_t)g->C * g->H * g->W * g->N; t++)
        in[t] = 0;
    for (int c = 0; c < g->C; c++)
        for (int i = 0; i < g->k; i++)
            for (int j = 0; j < g->k; j++)
                for (int oh = 0; oh < Ho; oh++)
                    for (int ow = 0; ow < Wo; ow++)
                        for (int n = 0; n < g->N; n++) {
                            int ih = oh * g->stride + i - p, iw = ow * g->stride + j - p;
                            if (ih >= 0 && ih < g->H && iw >= 0 && iw < g->W)
                                in[(((size_t)c * g->H + ih) * g->W + iw) * g->N + n] +=
                                    col[((size_t)(c * g->k + i) * g->k + j) * cols +
                                        ((size_t)oh * Wo + ow) * g->N + n];
                        }
}

static const struct geo geos[] = {
    {1, 5, 5, 1, 3, 1},  {2, 5, 5, 3, 3, 1},  {3, 7, 6, 2, 5, 2}, {1, 4, 4, 1, 3, 2},
    {2, 6, 5, 4, 7, 1},  {2, 8, 8, 17, 3, 2}, {1, 3, 2, 2, 5, 1}, {4, 14, 14, 2, 3, 2},
    {2, 9, 7, 3, 1, 1},  {2, 9, 7, 3, 1, 2},  {1, 5, 7, 2, 7, 2},
};
#define NGEOS (int)(sizeof geos / sizeof geos[0])

static void test_im2col(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    for (int t = 0; t < NGEOS; t++) {
        const struct geo *g = &geos[t];
        int Ho = out_size(g->H, g->k, g->stride), Wo = out_size(g->W, g->k, g->stride);
        size_t nin = (size_t)g->C * g->H * g->W * g->N;
        size_t ncol = (size_t)g->C * g->k * g->k * Ho * Wo * g->N;
        float *in = falloc(nin), *col = falloc(ncol + 1);
        double *want = dalloc(ncol);
        fill_uniform(in, nin, -1, 1, &r);
        fill_const(col, ncol + 1, NAN); /* every entry, padding too, is written */
        col[ncol] = 7.0f;
        im2col(col, in, g->C, g->H, g->W, g->N, g->k, g->stride, Ho, Wo);
        naive_im2col(want, in, g, Ho, Wo);
        CHECK_ALL_NEAR(col, want, ncol, 0.0, 0.0);
        CHECK(col[ncol] == 7.0f);
        free(in);
        free(col);
        free(want);
    }
}

static void test_col2im(void)
{
    struct rng r;
    rng_seed(&r, 3, 0);
    for (int t = 0; t < NGEOS; t++) {
        const struct geo *g = &geos[t];
        int Ho = out_size(g->H, g->k, g->stride), Wo = out_size(g->W, g->k, g->stride);
        size_t nin = (size_t)g->C * g->H * g->W * g->N;
        size_t ncol = (size_t)g->C * g->k * g->k * Ho * Wo * g->N;
        float *in = falloc(nin + 1), *col = falloc(ncol);
        double *want = dalloc(nin);
        fill_uniform(col, ncol, -1, 1, &r);
        fill_const(in, nin + 1, 1e6f); /* col2im overwrites, it does not add */
        col2im(in, col, g->C, g->H, g->W, g->N, g->k, g->stride, Ho, Wo);
        naive_col2im(want, col, g, Ho, Wo);
        CHECK_ALL_NEAR(in, want, nin, 1e-6, 1e-6);
        CHECK(in[nin] == 1e6f);
        free(in);
        free(col);
        free(want);
    }
}

/* <im2col(x), y> == <x, col2im(y)> for random x, y. */
static void test_col2im_adjoint(void)
{
    struct rng r;
    rng_seed(&r, 4, 0);
    for (int t = 0; t < NGEOS; t++) {
        const struct geo *g = &geos[t];
        int Ho = out_size(g->H, g->k, g->stride), Wo = out_size(g->W, g->k, g->stride);
        size_t nin = (size_t)g->C * g->H * g->W * g->N;
        size_t ncol = (size_t)g->C * g->k * g->k * Ho * Wo * g->N;
        float *x = falloc(nin), *y = falloc(ncol), *cx = falloc(ncol), *ay = falloc(nin);
        fill_uniform(x, nin, -1, 1, &r);
        fill_uniform(y, ncol, -1, 1, &r);
        im2col(cx, x, g->C, g->H, g->W, g->N, g->k, g->stride, Ho, Wo);
        col2im(ay, y, g->C, g->H, g->W, g->N, g->k, g->stride, Ho, Wo);
        double lhs = dotd(cx, y, ncol), rhs = dotd(x, ay, nin);
        /* each ay entry is a float sum of at most k*k terms */
        CHECK_NEAR(lhs, rhs, 1e-5 * (1 + sqrt((double)ncol)));
        free(x);
        free(y);
        free(cx);
        free(ay);
    }
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_gemm_transposes);
    RUN(test_gemm_beta_zero_overwrites);
    RUN(test_gemm_threads);
    RUN(test_im2col);
    RUN(test_col2im);
    RUN(test_col2im_adjoint);
    return check_done();
}
