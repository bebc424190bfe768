#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "cli.h"
#include "opts.h"

int cli_fail(const struct err *e)
{
    fflush(stdout);
    fprintf(stderr, "oneshot: %s\n", e->msg);
    return 1;
}

int cli_usage_error(const struct err *e, const char *command)
{
    fflush(stdout);
    fprintf(stderr, "oneshot %s: %s\n", command, e->msg);
    fprintf(stderr, "try 'oneshot %s --help'\n", command);
    return 2;
}

static volatile sig_atomic_t stop_flag;

static void on_stop_signal(int sig)
{
    stop_flag = 1;
    signal(sig, SIG_DFL); /* a second one ends the program at once */
}

void cli_catch_stop(void)
{
    stop_flag = 0;
    signal(SIGINT, on_stop_signal);
    signal(SIGTERM, on_stop_signal);
}

volatile sig_atomic_t *cli_stop_flag(void) { return &stop_flag; }

void cli_release_stop(void)
{
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
}

int cli_stop_requested(void) { return stop_flag; }

static void log_stderr(void *user, enum log_level level, const char *msg)
{
    static const char *const tag[] = {"debug", "info", "warning", "error"};
    (void)user;
    if (level == LOG_DEBUG)
        return;
    fprintf(stderr, "oneshot: %s: %s\n", tag[level], msg);
}

void cli_ctx(struct ctx *c, int threads)
{
    ctx_init(c, threads);
    c->log = log_stderr;
}

int cli_load_data(struct cli_data *d, const char *dir, const struct space *s, int n_train,
                  int n_val, int with_test, struct err *e)
{
    memset(d, 0, sizeof *d);
    if (fmnist_load(dir, &d->train_file, with_test ? &d->test_file : NULL, e) ||
        dataset_check_fits(&d->train_file, s->in_c, s->in_h, s->in_w, s->classes, s->name, e) ||
        (with_test &&
         dataset_check_fits(&d->test_file, s->in_c, s->in_h, s->in_w, s->classes, s->name, e)) ||
        dataset_split(&d->train_file, n_train, n_val, &d->train, &d->val, e)) {
        cli_data_done(d);
        return -1;
    }
    d->test = (struct split){&d->test_file, 0, d->test_file.n};
    return 0;
}

void cli_data_done(struct cli_data *d)
{
    dataset_done(&d->train_file);
    dataset_done(&d->test_file);
}

int cli_options(struct opt *opts, int argc, char **argv, const char *command, const char *usage)
{
    const char *pos[1];
    int npos, help;
    struct err e;
    if (opts_parse(opts, argc, argv, pos, 0, &npos, &help, &e))
        return cli_usage_error(&e, command);
    if (help) {
        opts_print_help(usage, opts);
        return 0;
    }
    return -1;
}

int cli_experiment_args(struct opt *opts, int argc, char **argv, const char *command,
                        const char *usage, const char *const *resume, const char *const *out,
                        const char **experiment)
{
    const char *pos[2];
    int npos = 0, help = 0;
    struct err e;
    *experiment = NULL;
    if (opts_parse(opts, argc, argv, pos, 2, &npos, &help, &e))
        return cli_usage_error(&e, command);
    if (help) {
        opts_print_help(usage, opts);
        return 0;
    }
    if (*resume && (npos || *out)) {
        err_plain(&e, "--resume DIR takes no experiment file and no --out: the run directory "
                      "has both");
        return cli_usage_error(&e, command);
    }
    if (npos > 1) {
        err_plain(&e, "one experiment file, please");
        return cli_usage_error(&e, command);
    }
    *experiment = npos ? pos[0] : NULL;
    return -1;
}
