#include "dense.h"

#include <cblas.h>

/* The matrices are small (a batch of 100 by a few hundred): OpenBLAS's
 * single-threaded dgemm, which ctx_init sets, is the right tool; its results
 * do not depend on a thread split. */
void dense_forward(double *y, const double *x, const double *w, const double *b, int B, int K,
                   int N)
{
    for (int r = 0; r < B; r++)
        for (int n = 0; n < N; n++)
            y[(long)r * N + n] = b ? b[n] : 0.0;
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, B, N, K, 1.0, x, K, w, K, 1.0, y, N);
}

void dense_backward(double *dx, double *dw, double *db, const double *dy, const double *x,
                    const double *w, int B, int K, int N)
{
    if (dx)
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, B, K, N, 1.0, dy, N, w, K, 1.0, dx,
                    K);
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, N, K, B, 1.0, dy, N, x, K, 1.0, dw, K);
    if (db)
        for (int r = 0; r < B; r++)
            for (int n = 0; n < N; n++)
                db[n] += dy[(long)r * N + n];
}
