/* cli: the plain command line's commands (one file each) and what they share. */
#ifndef ONESHOT_CLI_H
#define ONESHOT_CLI_H

#include <signal.h>

#include "ctx.h"
#include "data.h"
#include "err.h"
#include "shipped.h"
#include "space.h"

int cmd_version(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_supernet(int argc, char **argv);
int cmd_singlepath(int argc, char **argv);
int cmd_nao(int argc, char **argv);
int cmd_groundtruth(int argc, char **argv);
int cmd_retrain(int argc, char **argv);
int cmd_rank(int argc, char **argv);
int cmd_space(int argc, char **argv);
int cmd_latency(int argc, char **argv);
int cmd_tui(int argc, char **argv);

struct opt;
/* Parses a command's options (it takes no positional arguments).  Returns -1
 * when the command should go on, else the exit status to return at once: 0
 * after printing --help, 2 after a usage error (printed). */
int cli_options(struct opt *opts, int argc, char **argv, const char *command, const char *usage);

/* The arguments of the commands that open an experiment (run, tui): the
 * options opts (among them --out and --resume, whose values are read through
 * out and resume after parsing) and at most one experiment file, into
 * *experiment (NULL when none).  --resume takes no file and no --out.
 * Returns -1 when the command should go on, else the exit status to return
 * at once (0 after --help, 2 after a usage error, printed). */
int cli_experiment_args(struct opt *opts, int argc, char **argv, const char *command,
                        const char *usage, const char *const *resume, const char *const *out,
                        const char **experiment);

/* Prints `oneshot: <error text>` to stderr; returns the exit status 1 (or 2
 * for usage errors via cli_usage_error). */
int cli_fail(const struct err *e);
int cli_usage_error(const struct err *e, const char *command);

/* A long command's Ctrl-C and SIGTERM: after cli_catch_stop the first one
 * sets the flag cli_stop_requested reads (the command stops at its next
 * step and saves) and a second one ends the program at once;
 * cli_release_stop gives both back their default.  (The flag is the one
 * state a signal handler may touch.) */
void cli_catch_stop(void);
/* The flag itself, for what polls it (runner_open). */
volatile sig_atomic_t *cli_stop_flag(void);
void cli_release_stop(void);
int cli_stop_requested(void);

/* Under mpirun (ui/clipar.c; src/par.h is the runtime). */
struct par;
/* Whether a command starts the parallel runtime: not to print --help, and
 * not when no_par_option (may be NULL) is given, which runs without it. */
int cli_wants_par(int argc, char **argv, const char *no_par_option);
/* 1 when this build without MPI was started by mpirun: every rank would
 * then be a whole command of its own. */
int cli_mpirun_without_mpi(void);
/* cli_options on every rank, with what it prints thrown away when quiet
 * (ranks other than 0). */
int cli_options_quiet(struct opt *opts, int argc, char **argv, const char *command,
                      const char *usage, int quiet);
/* When argv holds --resume, which a command that continues its table by
 * being run again does not take: rank 0 prints `oneshot COMMAND: error: no
 * --resume: WHAT` and the usage hint, and every rank returns the exit
 * status 2; otherwise -1. */
int cli_no_resume(int argc, char **argv, const char *command, const char *what, int rank);
/* Threads per rank: the host's cores shared by its `local` ranks, at most
 * what --threads asked (0: no limit), with a warning from rank 0 when it
 * asked more.  One process keeps what it asked. */
int cli_rank_threads(int asked, int local, int rank);
/* After a step that may fail on some ranks (failed: this one's outcome, its
 * error in e): 0 when none failed.  When every rank failed (a misspelt
 * space, a missing data directory) rank 0 alone prints its error and all
 * return 1 together; when only some did, those print theirs and end the
 * job (par_abort), since the others cannot go on without them.  One
 * process (p NULL or of size 1) prints its error and returns 1. */
int cli_settle(struct par *p, int failed, struct err *e);

/* Sets up the context (threads, a log sink printing to stderr). */
void cli_ctx(struct ctx *c, int threads);


/* Fashion-MNIST from dir (NULL: the default), split into the first n_train
 * training images and the last n_val; test gets the test file (may be NULL).
 * Refuses data that does not fit space s (its input shape and classes).
 * On error everything is freed.  0 or -1. */
struct cli_data {
    struct dataset train_file, test_file;
    struct split train, val, test;
};
int cli_load_data(struct cli_data *d, const char *dir, const struct space *s, int n_train,
                  int n_val, int with_test, struct err *e);
void cli_data_done(struct cli_data *d);

struct latency_table;
/* shipped_device (exp/shipped.h) with a progress bar on stderr while the
 * host is timed.  0 or -1. */
int cli_latency_device(struct latency_table *t, const char *device, const struct space *s,
                       const struct ctx *c, struct err *e);


#endif
