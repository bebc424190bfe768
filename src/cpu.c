#include "cpu.h"

#include <string.h>
#include <strings.h>

void cpu_features_host(struct cpu_features *f)
{
    memset(f, 0, sizeof *f);
#if defined(__x86_64__) || defined(__i386__)
    __builtin_cpu_init();
    f->avx2 = __builtin_cpu_supports("avx2");
    f->fma = __builtin_cpu_supports("fma");
    f->avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
                __builtin_cpu_supports("avx512cd");
#endif
}

/* 1 if the whitespace-separated list has the word w. */
static int has_word(const char *list, const char *w)
{
    size_t n = strlen(w);
    for (const char *p = list; (p = strstr(p, w)) != NULL; p += n) {
        int starts = p == list || p[-1] == ' ' || p[-1] == '\t';
        int ends = p[n] == 0 || p[n] == ' ' || p[n] == '\t' || p[n] == '\n';
        if (starts && ends)
            return 1;
    }
    return 0;
}

void cpu_features_parse(const char *flags, struct cpu_features *f)
{
    memset(f, 0, sizeof *f);
    f->avx2 = has_word(flags, "avx2");
    f->fma = has_word(flags, "fma");
    f->avx512 = has_word(flags, "avx512f") && has_word(flags, "avx512bw") &&
                has_word(flags, "avx512dq") && has_word(flags, "avx512vl") &&
                has_word(flags, "avx512cd");
}

const char *cpu_best_openblas_core(const struct cpu_features *f)
{
    if (f->avx512)
        return "SkylakeX";
    if (f->avx2 && f->fma)
        return "Haswell";
    return NULL;
}

int cpu_core_is_fallback(const char *core)
{
    /* OpenBLAS's names for pre-AVX2 x86 cores: what an unrecognised CPU gets */
    static const char *const old[] = {"prescott", "core2",  "penryn",  "dunnington", "nehalem",
                                      "atom",     "banias", "katmai",  "coppermine", "northwood",
                                      "sandybridge", "generic", "unknown"};
    if (!core || !*core)
        return 1;
    for (unsigned i = 0; i < sizeof old / sizeof *old; i++)
        if (strcasecmp(core, old[i]) == 0)
            return 1;
    return 0;
}

struct cpu_blas_choice cpu_blas_choose(const struct cpu_features *f, const char *detected,
                                       const char *user)
{
    struct cpu_blas_choice c = {CPU_BLAS_DETECTED, NULL};
    if (user && *user) {
        c.reason = CPU_BLAS_USER;
        return c;
    }
    if (!cpu_core_is_fallback(detected))
        return c;
    c.core = cpu_best_openblas_core(f);
    c.reason = c.core ? CPU_BLAS_UPGRADE : CPU_BLAS_NOTHING;
    return c;
}
