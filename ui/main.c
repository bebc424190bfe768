/* oneshot: entry point.  Chooses the BLAS kernels, then runs a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpu.h"
#include "par.h"

/* Two settings that libraries read when they load, before main(), so the
 * only way to change them is to set them and start again (once):
 *
 * Debian's OpenBLAS 0.3.21 does not know recent Xeons and falls back to its
 * Prescott (SSE3) kernels, about 5x slower at sgemm: OPENBLAS_CORETYPE gets
 * the best kernels this CPU runs.
 *
 * libgomp's threads spin for about 300,000 rounds at each barrier before
 * they sleep.  On a machine where anything else runs, a spinning thread
 * holds the core its descheduled partner needs, and training ran 4.5x
 * slower (117 s against 26 s, measured with another 2-thread job on 2
 * cores); GOMP_SPINCOUNT=2000 spins a few microseconds and then sleeps.
 *
 * A value the user set is never overridden; ONESHOT_NO_REEXEC=1 turns this
 * off.  ONESHOT_REEXECED records what was chosen and what OpenBLAS had
 * detected ("SkylakeX Prescott"), for --version.  For tests, ONESHOT_CPU_FLAGS
 * (flags as /proc/cpuinfo spells them) and ONESHOT_BLAS_DETECTED (a core
 * name) stand in for this CPU's features and OpenBLAS's detection. */
static struct cpu_blas_choice blas_choice(const char **detected)
{
    struct cpu_features f;
    const char *flags = getenv("ONESHOT_CPU_FLAGS");
    if (flags)
        cpu_features_parse(flags, &f);
    else
        cpu_features_host(&f);
    *detected = getenv("ONESHOT_BLAS_DETECTED");
    if (!*detected)
        *detected = ctx_blas_core();
    return cpu_blas_choose(&f, *detected, getenv("OPENBLAS_CORETYPE"));
}

static void choose_runtime(char **argv)
{
    if (getenv("ONESHOT_NO_REEXEC") || getenv("ONESHOT_REEXECED"))
        return;
    const char *detected;
    struct cpu_blas_choice c = blas_choice(&detected);
    const char *best = c.reason == CPU_BLAS_UPGRADE ? c.core : NULL;
    int spin = !getenv("GOMP_SPINCOUNT") && !getenv("OMP_WAIT_POLICY");
    if (!best && !spin)
        return;
    char why[128] = "";
    if (best) {
        setenv("OPENBLAS_CORETYPE", best, 1);
        snprintf(why, sizeof why, "%s %.60s", best, detected ? detected : "unknown");
    }
    if (spin)
        setenv("GOMP_SPINCOUNT", "2000", 1);
    setenv("ONESHOT_REEXECED", why, 1);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on as we are, and say so */
    if (best) {
        unsetenv("OPENBLAS_CORETYPE");
        fprintf(stderr, "oneshot: warning: could not restart with OPENBLAS_CORETYPE=%s; "
                        "BLAS runs its slow generic kernels\n", best);
    }
}

static void usage(FILE *f)
{
    fputs("usage: oneshot COMMAND [OPTIONS]\n"
          "\n"
          "commands:\n"
          "  space   FILE [--json]                   size and extremes of a search space\n"
          "  info    --arch ARCH [--json]            parameters and multiply-adds\n"
          "  train   --arch ARCH --epochs N [...]    train an architecture stand-alone\n"
          "  bench   --arch ARCH [--json]            training and inference throughput\n"
          "  run EXPERIMENT.yaml [--out DIR]         an experiment end to end, headless\n"
          "  run --resume DIR                        continue a stopped or killed run\n"
          "  retrain DIR                             a run's retraining phase (mpirun farms it)\n"
          "  tui [EXPERIMENT.yaml] [--out DIR]       the interactive workbench (the default)\n"
          "  supernet --sampler NAME --out CKPT      train the weight-sharing supernet\n"
          "  singlepath --space S --epochs N [...]   Single-Path NAS; --target-ms tunes lambda\n"
          "  nao --space S --out DIR [...]           NAO-V2's search over a supernet\n"
          "  groundtruth --archs N --out FILE.csv    train architectures stand-alone\n"
          "  rank --supernet CKPT --truth FILE.csv   how well the supernet ranks them\n"
          "  latency build|check|compare|predict     latency tables and device models\n"
          "  version                                 version and BLAS kernels\n"
          "\n"
          "'oneshot COMMAND --help' lists a command's options; man oneshot has it all.\n",
          f);
}

int main(int argc, char **argv)
{
    choose_runtime(argv);
    if (argc < 2) /* the workbench on the quick experiment */
        return cmd_tui(0, argv + 1);
    const char *cmd = argv[1];
    if (strcmp(cmd, "--version") == 0 || strcmp(cmd, "version") == 0)
        return cmd_version(argc - 2, argv + 2);
    if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0 || strcmp(cmd, "help") == 0) {
        usage(stdout);
        return 0;
    }
    if (strcmp(cmd, "info") == 0)
        return cmd_info(argc - 2, argv + 2);
    if (strcmp(cmd, "run") == 0)
        return cmd_run(argc - 2, argv + 2);
    if (strcmp(cmd, "train") == 0)
        return cmd_train(argc - 2, argv + 2);
    if (strcmp(cmd, "bench") == 0)
        return cmd_bench(argc - 2, argv + 2);
    if (strcmp(cmd, "supernet") == 0)
        return cmd_supernet(argc - 2, argv + 2);
    if (strcmp(cmd, "singlepath") == 0)
        return cmd_singlepath(argc - 2, argv + 2);
    if (strcmp(cmd, "nao") == 0)
        return cmd_nao(argc - 2, argv + 2);
    if (strcmp(cmd, "groundtruth") == 0)
        return cmd_groundtruth(argc - 2, argv + 2);
    if (strcmp(cmd, "retrain") == 0)
        return cmd_retrain(argc - 2, argv + 2);
    if (strcmp(cmd, "space") == 0)
        return cmd_space(argc - 2, argv + 2);
    if (strcmp(cmd, "rank") == 0)
        return cmd_rank(argc - 2, argv + 2);
    if (strcmp(cmd, "latency") == 0)
        return cmd_latency(argc - 2, argv + 2);
    if (strcmp(cmd, "tui") == 0)
        return cmd_tui(argc - 2, argv + 2);
    fprintf(stderr, "oneshot: error: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

/* Which kernels run and why: who chose them; and whether MPI is built in. */
int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char blas[128], mpi[256];
    printf("oneshot %s\n", ONESHOT_VERSION);
    if (par_is_mpi())
        printf("MPI: built in (%s)\n", par_library(mpi, sizeof mpi));
    else
        printf("MPI: not built in (make MPI=1 builds it in)\n");
    printf("BLAS: %s", ctx_blas_line(blas, sizeof blas));
    const char *why = getenv("ONESHOT_REEXECED");
    char chosen[64], detected[64];
    if (why && sscanf(why, "%63s %63s", chosen, detected) == 2) {
        printf(" (chosen by oneshot: OpenBLAS took this CPU for %s; it runs %s kernels)\n",
               detected, chosen);
        return 0;
    }
    const char *det;
    struct cpu_blas_choice c = blas_choice(&det);
    switch (c.reason) {
    case CPU_BLAS_USER:
        printf(" (OPENBLAS_CORETYPE=%s set by the user)\n", getenv("OPENBLAS_CORETYPE"));
        break;
    case CPU_BLAS_DETECTED:
        printf(" (detected by OpenBLAS)\n");
        break;
    case CPU_BLAS_NOTHING:
        printf(" (OpenBLAS's generic kernels: this CPU has neither AVX2 nor AVX-512)\n");
        break;
    case CPU_BLAS_UPGRADE:
        /* only when the restart was turned off or failed */
        printf(" (OpenBLAS's fallback for this CPU, which runs %s kernels: %s)\n", c.core,
               getenv("ONESHOT_NO_REEXEC") ? "ONESHOT_NO_REEXEC is set"
                                           : "oneshot could not restart itself");
        break;
    }
    return 0;
}
