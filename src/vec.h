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

/* sum of (x[i] - c) and of (x[i] - c)^2 in one pass; with c near the mean
 * (e.g. x[0]) the variance (s2 - s1^2/n)/n keeps its precision. */
static inline void vec_moments_shifted(const float *restrict x, size_t n, float c, double *s1,
                                       double *s2)
{
    float a1[VEC_LANES] = {0}, a2[VEC_LANES] = {0};
    size_t i = 0;
    for (; i + VEC_LANES <= n; i += VEC_LANES)
        for (int l = 0; l < VEC_LANES; l++) {
            float d = x[i + l] - c;
            a1[l] += d;
            a2[l] += d * d;
        }
    double t1 = 0, t2 = 0;
    for (; i < n; i++) {
        double d = (double)x[i] - c;
        t1 += d;
        t2 += d * d;
    }
    for (int l = 0; l < VEC_LANES; l++) {
        t1 += a1[l];
        t2 += a2[l];
    }
    *s1 = t1;
    *s2 = t2;
}

#endif
