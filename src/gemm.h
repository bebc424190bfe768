/* gemm: the one matrix-multiply wrapper (OpenBLAS sgemm) and the one im2col.
 *
 * All matrices are row-major.  Tensors are laid out C x H x W x N (batch
 * innermost), so a 1x1 convolution over a whole batch is a single gemm with
 * H*W*N columns. */
#ifndef ONESHOT_GEMM_H
#define ONESHOT_GEMM_H

/* C[M][N] = alpha * op(A)[M][K] * op(B)[K][N] + beta * C.  ta/tb: 1 = transposed. */
void gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
          const float *B, int ldb, float beta, float *C, int ldc);

/* Unfolds in [C][H][W][N] into col [C*k*k][Ho*Wo*N] for a kxk conv with the given
 * stride and padding k/2 (zeros outside the image). */
void im2col(float *col, const float *in, int C, int H, int W, int N, int k, int stride, int Ho,
            int Wo);

/* The adjoint of im2col: in[C][H][W][N] = sum of the col entries that read each
 * input element (in is overwritten). */
void col2im(float *in, const float *col, int C, int H, int W, int N, int k, int stride, int Ho,
            int Wo);

#endif
