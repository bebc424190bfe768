/* cpu: what the processor can do, and which OpenBLAS kernels it should run.
 *
 * Debian 12's OpenBLAS (0.3.21) names the kernel set it picks with
 * openblas_get_corename().  On CPUs newer than it knows it falls back to
 * "Prescott" (SSE3), several times slower than what the CPU can run; on
 * others it recognises the CPU itself (an AMD Zen 5 as "Cooperlake").  The
 * decision below is a pure function of three inputs (the CPU's features,
 * the core OpenBLAS detected, the user's OPENBLAS_CORETYPE) so that tests
 * can check it for machines other than the one they run on. */
#ifndef ONESHOT_CPU_H
#define ONESHOT_CPU_H

/* The vector units that matter for the choice of kernels. */
struct cpu_features {
    int avx2, fma, avx512; /* avx512: F, BW, DQ, VL and CD together */
};

/* This CPU's features (cpuid). */
void cpu_features_host(struct cpu_features *f);

/* Features from a list of flags as /proc/cpuinfo's "flags" line spells
 * them ("fpu ... avx2 fma avx512f ..."). */
void cpu_features_parse(const char *flags, struct cpu_features *f);

/* The OpenBLAS core type whose kernels a CPU with f runs best ("SkylakeX"
 * with AVX-512, "Haswell" with AVX2 and FMA), or NULL when it has neither. */
const char *cpu_best_openblas_core(const struct cpu_features *f);

/* 1 if `core` (as openblas_get_corename() names it) is one of OpenBLAS's
 * pre-AVX2 x86 kernel sets (Prescott, Nehalem, ..., generic, unknown, NULL):
 * what a CPU it does not recognise gets. */
int cpu_core_is_fallback(const char *core);

enum cpu_blas_reason {
    CPU_BLAS_USER,     /* the user set OPENBLAS_CORETYPE: never overridden */
    CPU_BLAS_UPGRADE,  /* OpenBLAS fell back; oneshot chooses `core` */
    CPU_BLAS_DETECTED, /* OpenBLAS's own choice is good: kept */
    CPU_BLAS_NOTHING,  /* a fallback, but the CPU runs nothing better */
};

struct cpu_blas_choice {
    enum cpu_blas_reason reason;
    const char *core; /* CPU_BLAS_UPGRADE: the core type to set; else NULL */
};

/* The choice of kernels for a CPU with features f, on which OpenBLAS
 * detected `detected` (may be NULL: unknown), with the user's
 * OPENBLAS_CORETYPE `user` (NULL or "" when unset). */
struct cpu_blas_choice cpu_blas_choose(const struct cpu_features *f, const char *detected,
                                       const char *user);

#endif
