/* What the commands that run under mpirun share (ui/cli.h): starting the
 * parallel runtime, options parsed on every rank but printed by one, the
 * host's cores shared out, and errors met on some ranks or on all. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "par.h"

int cli_wants_par(int argc, char **argv, const char *no_par_option)
{
    size_t n = no_par_option ? strlen(no_par_option) : 0;
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0 ||
            (n && strncmp(argv[i], no_par_option, n) == 0 &&
             (argv[i][n] == 0 || argv[i][n] == '=')))
            return 0;
    return 1;
}

int cli_mpirun_without_mpi(void)
{
    return !par_is_mpi() &&
           (getenv("OMPI_COMM_WORLD_SIZE") || getenv("PMI_SIZE") || getenv("PMIX_RANK"));
}

int cli_options_quiet(struct opt *opts, int argc, char **argv, const char *command,
                      const char *usage, int quiet)
{
    int saved[2] = {-1, -1}, null = quiet ? open("/dev/null", O_WRONLY | O_CLOEXEC) : -1;
    if (null >= 0) {
        fflush(stdout);
        fflush(stderr);
        for (int fd = 1; fd <= 2; fd++) {
            saved[fd - 1] = dup(fd);
            dup2(null, fd);
        }
    }
    int status = cli_options(opts, argc, argv, command, usage);
    if (null >= 0) {
        fflush(stdout);
        fflush(stderr);
        for (int fd = 1; fd <= 2; fd++)
            if (saved[fd - 1] >= 0) {
                dup2(saved[fd - 1], fd);
                close(saved[fd - 1]);
            }
        close(null);
    }
    return status;
}

int cli_no_resume(int argc, char **argv, const char *command, const char *what, int rank)
{
    for (int i = 0; i < argc; i++)
        if (strcmp(argv[i], "--resume") == 0 || strncmp(argv[i], "--resume=", 9) == 0) {
            struct err e;
            err_plain(&e, "no --resume: %s", what);
            return rank ? 2 : cli_usage_error(&e, command);
        }
    return -1;
}

int cli_rank_threads(int asked, int local, int rank)
{
    if (local <= 1)
        return asked;
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    int share = cores > local ? (int)(cores / local) : 1;
    if (asked > share && rank == 0)
        fprintf(stderr, "oneshot: warning: --threads %d on %d ranks of this host's %ld cores: "
                        "%d each\n", asked, local, cores, share);
    return asked > 0 && asked < share ? asked : share;
}

int cli_settle(struct par *p, int failed, struct err *e)
{
    int size = p ? par_size(p) : 1, rank = p ? par_rank(p) : 0;
    float count = (float)failed;
    struct err se;
    if (size > 1 && par_sum(p, &count, 1, &se)) {
        cli_fail(&se);
        par_abort(p, 1);
        return 1;
    }
    if (count == 0)
        return 0;
    if (failed && (rank == 0 || (int)count < size))
        cli_fail(e);
    if ((int)count < size && size > 1)
        par_abort(p, 1);
    return 1;
}
