/* cpu: what the processor can do, for choosing BLAS kernels. */
#ifndef ONESHOT_CPU_H
#define ONESHOT_CPU_H

/* The OpenBLAS core type whose kernels this CPU runs best ("SkylakeX" with
 * AVX-512, "Haswell" with AVX2 and FMA), or NULL when there is nothing to gain. */
const char *cpu_best_openblas_core(void);

/* 1 if `core` (as openblas_get_corename() names it) is a generic fallback that
 * a better kernel set would beat on this CPU (e.g. "Prescott"). */
int cpu_core_is_fallback(const char *core);

#endif
