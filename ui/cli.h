/* cli: the plain command line's commands (one file each) and what they share. */
#ifndef ONESHOT_CLI_H
#define ONESHOT_CLI_H

#include "ctx.h"
#include "err.h"
#include "space.h"

int cmd_version(int argc, char **argv);
int cmd_info(int argc, char **argv);
int cmd_train(int argc, char **argv);
int cmd_bench(int argc, char **argv);

/* Prints `oneshot: <error text>` to stderr; returns the exit status 1 (or 2
 * for usage errors via cli_usage_error). */
int cli_fail(const struct err *e);
int cli_usage_error(const struct err *e, const char *command);

/* Sets up the context (threads, a log sink printing to stderr). */
void cli_ctx(struct ctx *c, int threads);

/* The space commands use: the built-in default (a space file once Lua lands). */
int cli_space(struct space *s, const char *file, struct err *e);

/* The BLAS line of --version and of results: "OpenBLAS 0.3.21 SkylakeX (...)". */
const char *cli_blas_line(char *buf, int n);

#endif
