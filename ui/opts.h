/* opts: the command line's option tables.  Each command declares its options
 * once (name, kind, target, help); parsing, errors with suggestions and the
 * command's --help all come from that table. */
#ifndef ONESHOT_OPTS_H
#define ONESHOT_OPTS_H

#include "err.h"

enum opt_kind { OPT_FLAG, OPT_INT, OPT_FLOAT, OPT_STRING };

struct opt {
    const char *name; /* without the leading "--" */
    enum opt_kind kind;
    void *target;     /* int*, int*, double*, const char** */
    const char *arg;  /* name of the value in help, e.g. "N" */
    const char *help;
    long min, max;    /* inclusive range for OPT_INT (min > max: none) */
    int seen;         /* set by the parser */
};

/* Parses argv[0..argc) against opts (terminated by a NULL name).  Positional
 * arguments go to positional[] (at most npos; *got counts them).  Errors read
 * `error: --epochs: 'x' is not a whole number`, `error: unknown option '--epoch'
 * (did you mean --epochs?)`.  "--help" sets *help.  Returns 0 or -1. */
int opts_parse(struct opt *opts, int argc, char **argv, const char **positional, int npos,
               int *got, int *help, struct err *e);

/* 1 if option name (without "--") was given on the command line, else 0
 * (also for a name not in opts). */
int opts_seen(const struct opt *opts, const char *name);

/* Prints the option table as help text to stdout. */
void opts_print_help(const char *usage, const struct opt *opts);

#endif
