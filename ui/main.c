/* oneshot: entry point.  Chooses the BLAS kernels, then runs a command. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "cpu.h"

/* Debian's OpenBLAS 0.3.21 does not know recent Xeons and falls back to its
 * Prescott (SSE3) kernels, about 5x slower at sgemm.  OpenBLAS picks its
 * kernels when the library loads, before main(), so the only way to get the
 * right ones is to set OPENBLAS_CORETYPE and start again.  A value the user set
 * is never overridden; ONESHOT_NO_REEXEC=1 turns this off. */
static void choose_blas_kernels(char **argv)
{
    if (getenv("OPENBLAS_CORETYPE") || getenv("ONESHOT_NO_REEXEC") || getenv("ONESHOT_REEXECED"))
        return;
    const char *best = cpu_best_openblas_core();
    if (!best || !cpu_core_is_fallback(ctx_blas_core()))
        return;
    setenv("OPENBLAS_CORETYPE", best, 1);
    setenv("ONESHOT_REEXECED", best, 1);
    execv("/proc/self/exe", argv);
    /* exec failed: carry on with the slow kernels, and say so */
    unsetenv("OPENBLAS_CORETYPE");
    fprintf(stderr, "oneshot: warning: could not restart with OPENBLAS_CORETYPE=%s; "
                    "BLAS runs its slow generic kernels\n", best);
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
          "  supernet --sampler NAME --out CKPT      train the weight-sharing supernet\n"
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
    choose_blas_kernels(argv);
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
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
    if (strcmp(cmd, "groundtruth") == 0)
        return cmd_groundtruth(argc - 2, argv + 2);
    if (strcmp(cmd, "space") == 0)
        return cmd_space(argc - 2, argv + 2);
    if (strcmp(cmd, "rank") == 0)
        return cmd_rank(argc - 2, argv + 2);
    if (strcmp(cmd, "latency") == 0)
        return cmd_latency(argc - 2, argv + 2);
    fprintf(stderr, "oneshot: error: unknown command '%s'\n", cmd);
    usage(stderr);
    return 2;
}

int cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    char blas[128];
    printf("oneshot %s\n", ONESHOT_VERSION);
    printf("BLAS: %s", cli_blas_line(blas, sizeof blas));
    const char *why = getenv("ONESHOT_REEXECED");
    if (why)
        printf(" (chosen by oneshot: this CPU runs %s kernels)", why);
    else if (getenv("OPENBLAS_CORETYPE"))
        printf(" (OPENBLAS_CORETYPE=%s set by the user)", getenv("OPENBLAS_CORETYPE"));
    printf("\n");
    return 0;
}
