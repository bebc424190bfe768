/* cpu: the choice of OpenBLAS kernels, for machines other than this one.
 * Each row is a kind of machine oneshot meets: its /proc/cpuinfo flags, the
 * core Debian's OpenBLAS 0.3.21 detects on it, and the user's
 * OPENBLAS_CORETYPE. */
#include <string.h>

#include "check.h"
#include "cpu.h"

#define BASE "fpu sse sse2 ssse3 sse4_1 sse4_2 popcnt avx f16c"
#define AVX2 BASE " fma avx2 bmi1 bmi2"
#define AVX512 AVX2 " avx512f avx512dq avx512cd avx512bw avx512vl"

static void test_parse_flags(void)
{
    struct cpu_features f;
    cpu_features_parse(AVX512 " avx512_bf16", &f);
    CHECK(f.avx2 && f.fma && f.avx512);
    cpu_features_parse(AVX2, &f);
    CHECK(f.avx2 && f.fma && !f.avx512);
    /* whole words only: avx512_bf16 is not avx512f, avx2x is not avx2 */
    cpu_features_parse(BASE " fma avx512_bf16 avx2x", &f);
    CHECK(!f.avx2 && f.fma && !f.avx512);
    /* AVX-512 needs all five of F, BW, DQ, VL, CD (Xeon Phi has F and CD only) */
    cpu_features_parse(AVX2 " avx512f avx512cd avx512er avx512pf", &f);
    CHECK(!f.avx512);
    cpu_features_parse("", &f);
    CHECK(!f.avx2 && !f.fma && !f.avx512);
}

static void test_fallback_names(void)
{
    CHECK(cpu_core_is_fallback("Prescott"));
    CHECK(cpu_core_is_fallback("prescott"));
    CHECK(cpu_core_is_fallback("Nehalem"));
    CHECK(cpu_core_is_fallback(NULL));
    CHECK(cpu_core_is_fallback(""));
    CHECK(!cpu_core_is_fallback("Haswell"));
    CHECK(!cpu_core_is_fallback("SkylakeX"));
    CHECK(!cpu_core_is_fallback("Cooperlake"));
    CHECK(!cpu_core_is_fallback("Zen"));
}

static void test_machines(void)
{
    static const struct {
        const char *what, *flags, *detected, *user;
        enum cpu_blas_reason reason;
        const char *core;
    } rows[] = {
        {"AVX-512 Xeon taken for Prescott", AVX512, "Prescott", NULL, CPU_BLAS_UPGRADE, "SkylakeX"},
        {"AMD Zen 5 recognised as Cooperlake", AVX512 " avx512_bf16", "Cooperlake", NULL,
         CPU_BLAS_DETECTED, NULL},
        {"Skylake-SP recognised", AVX512, "SkylakeX", NULL, CPU_BLAS_DETECTED, NULL},
        {"AMD Zen 3 (AVX2) recognised", AVX2, "Zen", NULL, CPU_BLAS_DETECTED, NULL},
        {"AVX2 CPU taken for Prescott", AVX2, "Prescott", NULL, CPU_BLAS_UPGRADE, "Haswell"},
        {"AVX2 CPU unknown to OpenBLAS", AVX2, NULL, NULL, CPU_BLAS_UPGRADE, "Haswell"},
        {"SSE-only CPU", BASE, "Nehalem", NULL, CPU_BLAS_NOTHING, NULL},
        {"user's value on a fallback", AVX512, "Prescott", "Haswell", CPU_BLAS_USER, NULL},
        {"user's fallback kept", AVX512, "Prescott", "Prescott", CPU_BLAS_USER, NULL},
        {"user's value on Zen 5", AVX512, "Cooperlake", "SkylakeX", CPU_BLAS_USER, NULL},
        {"empty value = unset", AVX512, "Prescott", "", CPU_BLAS_UPGRADE, "SkylakeX"},
    };
    for (unsigned i = 0; i < sizeof rows / sizeof *rows; i++) {
        struct cpu_features f;
        cpu_features_parse(rows[i].flags, &f);
        struct cpu_blas_choice c = cpu_blas_choose(&f, rows[i].detected, rows[i].user);
        if (c.reason != rows[i].reason)
            check_fail_msg(__FILE__, __LINE__, "%s: reason %d, want %d", rows[i].what,
                           (int)c.reason, (int)rows[i].reason);
        if ((c.core == NULL) != (rows[i].core == NULL) ||
            (c.core && strcmp(c.core, rows[i].core) != 0))
            check_fail_msg(__FILE__, __LINE__, "%s: core %s, want %s", rows[i].what,
                           c.core ? c.core : "(none)", rows[i].core ? rows[i].core : "(none)");
        /* the contract: never a fallback kernel when the CPU runs better ones */
        const char *runs = rows[i].user && *rows[i].user ? rows[i].user
                           : c.core                      ? c.core
                                                         : rows[i].detected;
        if (!(rows[i].user && *rows[i].user) && cpu_best_openblas_core(&f))
            CHECK(!cpu_core_is_fallback(runs));
    }
}

int main(void)
{
    RUN(test_parse_flags);
    RUN(test_fallback_names);
    RUN(test_machines);
    return check_done();
}
