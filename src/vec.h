/* vec: reductions written so the compiler vectorises them without -ffast-math.
 *
 * Sixteen independent partial sums (one AVX-512 register, two AVX ones) are
 * kept and added at the end in a fixed order, so results are the same on every
 * run of the same binary. */
#ifndef ONESHOT_VEC_H
#define ONESHOT_VEC_H

#include <stddef.h>

#define VEC_LANES 16

/* Sixteen floats as one value (GCC/Clang vector extension): one AVX-512
 * register, or two AVX ones.  Loads and stores through it need no alignment
 * and may alias float arrays. */
typedef float v16f __attribute__((vector_size(64), aligned(4), may_alias));

static inline v16f v16_load(const float *p) { return *(const v16f *)p; }
static inline void v16_store(float *p, v16f v) { *(v16f *)p = v; }
static inline float v16_sum(v16f v)
{
    float s = 0;
    for (int l = 0; l < VEC_LANES; l++)
        s += v[l];
    return s;
}

/* sum of x[0..n) */
static inline double vec_sum(const float *restrict x, size_t n)
{
    float acc[VEC_LANES] = {0};
    size_t i = 0;
    for (; i + VEC_LANES <= n; i += VEC_LANES)
        for (int l = 0; l < VEC_LANES; l++)
            acc[l] += x[i + l];
    double s = 0;
    for (; i < n; i++)
        s += x[i];
    for (int l = 0; l < VEC_LANES; l++)
        s += acc[l];
    return s;
}

/* sum of a[i] * b[i] */
static inline double vec_dot(const float *restrict a, const float *restrict b, size_t n)
{
    float acc[VEC_LANES] = {0};
    size_t i = 0;
    for (; i + VEC_LANES <= n; i += VEC_LANES)
        for (int l = 0; l < VEC_LANES; l++)
            acc[l] += a[i + l] * b[i + l];
    double s = 0;
    for (; i < n; i++)
        s += (double)a[i] * b[i];
    for (int l = 0; l < VEC_LANES; l++)
        s += acc[l];
    return s;
}

/* sum of (x[i] - c)^2 */
static inline double vec_sumsq_centered(const float *restrict x, size_t n, float c)
{
    float acc[VEC_LANES] = {0};
    size_t i = 0;
    for (; i + VEC_LANES <= n; i += VEC_LANES)
        for (int l = 0; l < VEC_LANES; l++) {
            float d = x[i + l] - c;
            acc[l] += d * d;
        }
    double s = 0;
    for (; i < n; i++)
        s += (double)(x[i] - c) * (x[i] - c);
    for (int l = 0; l < VEC_LANES; l++)
        s += acc[l];
    return s;
}

#endif
