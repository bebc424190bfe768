#include "cpu.h"

#include <strings.h>

const char *cpu_best_openblas_core(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
        __builtin_cpu_supports("avx512cd"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        return "Haswell";
#endif
    return 0;
}

int cpu_core_is_fallback(const char *core)
{
    /* OpenBLAS's names for pre-AVX2 x86 cores: what an unrecognised CPU gets */
    static const char *const old[] = {"prescott", "core2",  "penryn",  "dunnington", "nehalem",
                                      "atom",     "banias", "katmai",  "coppermine", "northwood",
                                      "sandybridge", "generic", "unknown"};
    if (!core)
        return 1;
    for (unsigned i = 0; i < sizeof old / sizeof *old; i++)
        if (strcasecmp(core, old[i]) == 0)
            return 1;
    return 0;
}
