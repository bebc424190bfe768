#include "gemm.h"

#include <cblas.h>
#include <omp.h>
#include <string.h>

/* Threads: OpenBLAS runs single-threaded (ctx_init) and the gemm is cut into
 * slices across the kernels' own OpenMP team.  Two thread pools spinning
 * against each other on two cores cost 4x; one pool does not, and every slice
 * is computed the same way on every run (no split of K), so results are
 * bit-identical for a given thread count. */
void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc)
{
    int threads = omp_get_max_threads();
    double work = (double)M * N * K;
    if (threads <= 1 || work < 2e5) {
        cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                    M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    /* slice the larger of M and N; columns in multiples of 16 floats */
    int by_cols = N >= M;
    int total = by_cols ? N : M, unit = by_cols ? 16 : 1;
    int chunks = (total + unit - 1) / unit;
    if (chunks < threads)
        threads = chunks;
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num(), nt = omp_get_num_threads();
        int c0 = (int)((long)chunks * t / nt), c1 = (int)((long)chunks * (t + 1) / nt);
        int lo = c0 * unit, hi = c1 * unit < total ? c1 * unit : total;
        if (hi > lo) {
            if (by_cols) {
                /* C[:, lo:hi] = op(A) op(B)[:, lo:hi] */
                const float *Bs = tb ? B + (size_t)lo * ldb : B + lo;
                cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                            tb ? CblasTrans : CblasNoTrans, M, hi - lo, K, alpha, A, lda, Bs, ldb,
                            beta, C + lo, ldc);
            } else {
                /* C[lo:hi, :] = op(A)[lo:hi, :] op(B) */
                const float *As = ta ? A + lo : A + (size_t)lo * lda;
                cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans,
                            tb ? CblasTrans : CblasNoTrans, hi - lo, N, K, alpha, As, lda, B, ldb,
                            beta, C + (size_t)lo * ldc, ldc);
            }
        }
    }
}

void im2col(float *col, const float *in, int C, int H, int W, int N, int k, int stride, int Ho,
            int Wo)
{
    int pad = k / 2;
    size_t cols = (size_t)Ho * Wo * N;
#pragma omp parallel for schedule(static)
    for (int row = 0; row < C * k * k; row++) {
        int c = row / (k * k), i = row / k % k, j = row % k;
        float *dst = col + (size_t)row * cols;
        for (int oh = 0; oh < Ho; oh++) {
            int ih = oh * stride + i - pad;
            for (int ow = 0; ow < Wo; ow++) {
                int iw = ow * stride + j - pad;
                float *d = dst + ((size_t)oh * Wo + ow) * N;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W)
                    memset(d, 0, (size_t)N * sizeof *d);
                else
                    memcpy(d, in + (((size_t)c * H + ih) * W + iw) * N, (size_t)N * sizeof *d);
            }
        }
    }
}

void col2im(float *in, const float *col, int C, int H, int W, int N, int k, int stride, int Ho,
            int Wo)
{
    int pad = k / 2;
    size_t cols = (size_t)Ho * Wo * N;
    memset(in, 0, (size_t)C * H * W * N * sizeof *in);
    /* one channel per thread: rows of different channels never write the same input */
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++)
        for (int t = 0; t < k * k; t++) {
            int i = t / k, j = t % k;
            const float *src = col + ((size_t)c * k * k + t) * cols;
            for (int oh = 0; oh < Ho; oh++) {
                int ih = oh * stride + i - pad;
                if (ih < 0 || ih >= H)
                    continue;
                for (int ow = 0; ow < Wo; ow++) {
                    int iw = ow * stride + j - pad;
                    if (iw < 0 || iw >= W)
                        continue;
                    float *d = in + (((size_t)c * H + ih) * W + iw) * N;
                    const float *s = src + ((size_t)oh * Wo + ow) * N;
                    for (int n = 0; n < N; n++)
                        d[n] += s[n];
                }
            }
        }
}
