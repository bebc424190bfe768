/* oneshot retrain: the retraining phase of an existing run directory, alone
 * (a run that ended without one, other settings for it, or its rest after a
 * stop), by one process or under mpirun by a farm of them (src/farm.h):
 * rank 0 replays the search from the run's files, lists the (architecture,
 * seed) trainings retrained.csv lacks and hands them out, largest
 * multiply-adds first, as ranks become free; it alone appends the rows,
 * through exp/retrain.h as the run's own phase does, and sets the status
 * file.  Rows already there are kept, so after a killed job the same
 * command trains only the rest. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "farm.h"
#include "opts.h"
#include "par.h"
#include "progress.h"
#include "retrain.h"
#include "runner.h"

struct rt_cmd {
    struct runner *r;
    struct retrain *t;
    struct farm f;
    struct progress bar;
    int rank0_polls;   /* rank 0 answers the others between its steps */
    int rows, task;    /* rows written by this command; rank 0's task */
    int failed;        /* a row could not be written: stop handing out */
};

/* Rank 0: a rank's (or its own) result becomes a row of retrained.csv. */
static int on_result(void *user, int rank, int task, const void *result, size_t n,
                     struct err *e)
{
    struct rt_cmd *c = user;
    struct retrain_result res;
    if (n != sizeof res || task < 0 || task >= retrain_ntasks(c->t))
        return err_plain(e, "rank %d sent a result of %zu bytes for task %d", rank, n, task);
    memcpy(&res, result, sizeof res);
    if (retrain_append(c->t, task, &res, e))
        return -1;
    c->rows++;
    const struct runner_info *in = runner_info(c->r);
    const struct retrain_pick *p = &c->t->picks[task / in->x->retrain.seeds];
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1], by[32] = "";
    arch_format(in->space, &p->arch, name, (int)sizeof name);
    if (rank > 0)
        snprintf(by, sizeof by, ", rank %d", rank);
    progress_clear(&c->bar);
    fprintf(stderr,
            "retrained %s (seed %llu): val accuracy %.4f stand-alone, %.4f %s (%.1f s%s)\n",
            name, (unsigned long long)(in->x->seed + (uint64_t)(task % in->x->retrain.seeds)),
            res.accuracy, p->inherited,
            in->x->method == EXP_SINGLEPATH ? "by the search" : "in the supernet", res.seconds,
            by);
    return 0;
}

/* Between two steps of a training: the bar, and on rank 0 of a farm the
 * other ranks' requests. */
static void on_step(void *ud)
{
    struct rt_cmd *c = ud;
    const struct retrain *t = c->t;
    progress_update(&c->bar, (double)t->step / (double)t->total, 0,
                    "retraining: %d/%d rows  step %lld/%lld  loss %.4f", t->done + c->rows,
                    t->jobs, (long long)t->step, (long long)t->total, t->loss);
}

static int between(void *ud, struct err *e)
{
    struct rt_cmd *c = ud;
    return c->rank0_polls && farm_poll(&c->f, e) < 0 ? -1 : 0;
}

/* The tasks retrained.csv lacks, largest multiply-adds first (task order
 * among equals), into order.  Returns how many. */
static int pending(const struct retrain *t, int *order)
{
    int seeds = t->x->retrain.seeds;
    for (int i = 0; i < t->ntodo; i++) {
        int k = i;
        double macs = t->picks[t->todo[i] / seeds].macs;
        while (k > 0 && t->picks[order[k - 1] / seeds].macs < macs) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = t->todo[i];
    }
    return t->ntodo;
}

/* Trains the tasks (rank 0: order[0..n)) over the ranks of p.  0, 1 when
 * stopped (one process only), -1 with e filled. */
static int farm_out(struct rt_cmd *c, struct par *p, const int *order, int n, struct err *e)
{
    int rank0 = par_rank(p) == 0;
    if (farm_init(&c->f, p, order, n, rank0 ? on_result : NULL, c, e))
        return -1;
    c->rank0_polls = rank0 && par_size(p) > 1;
    struct retrain_result res;
    int task, have = 0, got, rc = 0;
    while ((got = farm_next(&c->f, have ? &res : NULL, sizeof res, &task, e)) > 0) {
        rc = retrain_train(c->t, task, &res, e);
        if (rc)
            break;
        have = 1;
    }
    if (got < 0)
        rc = -1;
    progress_clear(&c->bar);
    farm_done(&c->f);
    return rc;
}

/* After rank 0's (or one process's) phase: the status, and what to say
 * (argv: the command's arguments, to continue with). */
static int report(struct rt_cmd *c, const char *dir, int rc, int ranks, double seconds,
                  int argc, char **argv, const struct err *e)
{
    runner_retraining_end(c->r, rc, e);
    if (rc < 0)
        return cli_fail(e);
    if (rc > 0) {
        fprintf(stderr, "stopped; %d rows in %s/retrained.csv: continue with\n  oneshot retrain",
                c->t->done, dir);
        for (int i = 0; i < argc; i++)
            fprintf(stderr, " %s", argv[i]);
        fputc('\n', stderr);
        return 130;
    }
    fprintf(stderr, "%d rows in %s/retrained.csv (%d already there), %.0f s", c->t->jobs, dir,
            c->t->jobs - c->rows, seconds);
    if (ranks > 1)
        fprintf(stderr, " on %d ranks", ranks);
    fputc('\n', stderr);
    return 0;
}

static int retrain_cmd(int argc, char **argv, struct par *p)
{
    struct runner_retrain_opts o = {0};
    struct opt opts[] = {
        {"epochs", OPT_INT, &o.epochs, "E", "epochs of each training (default: the run's retrain.epochs)", 1, 100000, 0},
        {"seeds", OPT_INT, &o.seeds, "K", "seeds of each architecture (default: the run's retrain.seeds)", 1, EXP_MAX_SEEDS, 0},
        {"train-images", OPT_INT, &o.images, "N", "training images (default: the run's retrain.images)", 1, 60000, 0},
        {"threads", OPT_INT, &o.threads, "T", "threads (default: the run's; under MPI, shared by the host's ranks)", 0, 1024, 0},
        {0},
    };
    const char *usage = "oneshot retrain RUN_DIR [--epochs E] [--seeds K] [--train-images N] "
                        "[--threads T]";
    int rank = p ? par_rank(p) : 0, size = p ? par_size(p) : 1;
    const char *pos[2];
    int npos = 0, help = 0;
    struct err e;
    int status = cli_no_resume(argc, argv, "retrain",
                               "the same command run again trains only the rows "
                               "RUN_DIR/retrained.csv lacks", rank);
    if (status >= 0)
        return status;
    if (opts_parse(opts, argc, argv, pos, 2, &npos, &help, &e))
        return rank ? 2 : cli_usage_error(&e, "retrain");
    if (help) {
        opts_print_help(usage, opts);
        return 0;
    }
    if (npos != 1) {
        err_plain(&e, npos ? "one run directory, please" : "which run directory? (RUN_DIR)");
        return rank ? 2 : cli_usage_error(&e, "retrain");
    }
    const char *dir = pos[0];
    if (cli_mpirun_without_mpi()) {
        err_plain(&e, "started by mpirun, but built without MPI: every rank would train every "
                      "row (build with make MPI=1)");
        return cli_fail(&e);
    }
    o.threads = cli_rank_threads(o.threads, p ? par_local_size(p) : 1, rank);
    o.writer = rank == 0;
    struct rt_cmd c = {0};
    progress_init(&c.bar, stderr); /* (drawn by rank 0 alone: on_step) */
    /* one process stops at Ctrl-C between steps, as a run does; a job of
     * several ends whole (mpirun's signal) and the same command continues */
    if (size == 1)
        cli_catch_stop();
    double t0 = ctx_seconds();
    c.r = runner_open_retrain(dir, &o, size == 1 ? cli_stop_flag() : NULL, &e);
    status = 1;
    if (cli_settle(p, !c.r, &e))
        goto out;
    if (runner_info(c.r)->x->retrain.epochs == 0) {
        err_set(&e, dir, 0, 0, "its experiment has no retraining phase (retrain.epochs 0): give "
                               "--epochs E");
        status = rank ? 2 : cli_usage_error(&e, "retrain");
        goto out;
    }
    /* rank 0 lists the picks and what is left; the others get the picks
     * (n < 0: rank 0 failed and said why) */
    int n = -1, *order = NULL;
    const struct retrain_hooks h = {.ud = &c, .step = rank == 0 ? on_step : NULL,
                                    .between = between};
    if (rank == 0 && (c.t = runner_retraining(c.r, NULL, 0, &h, &e)) &&
        retrain_plan(c.t, &e) == 0 &&
        (order = malloc((size_t)(c.t->ntodo + 1) * sizeof *order)))
        n = c.t->npicks;
    else if (rank == 0 && c.t && c.t->f)
        err_plain(&e, "out of memory");
    if (rank == 0 && n < 0) {
        cli_fail(&e);
        if (c.t)
            retrain_close(c.t);
    }
    struct retrain_pick *picks = NULL;
    if (size > 1) {
        if (par_bcast(p, &n, sizeof n, 0, &e))
            goto abort;
        if (n > 0 && rank > 0 && !(picks = malloc((size_t)n * sizeof *picks))) {
            err_plain(&e, "out of memory");
            cli_fail(&e);
            goto abort;
        }
        void *buf = rank == 0 ? (void *)c.t->picks : picks; /* (only read on rank 0) */
        if (n > 0 && par_bcast(p, buf, (size_t)n * sizeof *picks, 0, &e))
            goto abort;
        if (n >= 0 && rank > 0 && !(c.t = runner_retraining(c.r, picks, n, &h, &e))) {
            cli_fail(&e);
            goto abort;
        }
    }
    free(picks);
    if (n < 0) { /* (a refusal leaves the status as it was) */
        free(order);
        if (rank == 0 && c.t)
            runner_retraining_end(c.r, -1, &e);
        goto out;
    }
    int todo = rank == 0 ? pending(c.t, order) : 0;
    int rc = farm_out(&c, p, order, todo, &e);
    free(order);
    if (rc < 0 && size > 1) {
        if (rank == 0)
            runner_retraining_end(c.r, -1, &e);
        cli_fail(&e);
        goto abort;
    }
    status = rank == 0 ? report(&c, dir, rc, size, ctx_seconds() - t0, argc, argv, &e) : 0;
out:
    if (size == 1)
        cli_release_stop();
    runner_close(c.r);
    return status;
abort:
    par_abort(p, 1);
    runner_close(c.r);
    return 1;
}

int cmd_retrain(int argc, char **argv)
{
    struct err e;
    struct par *p = NULL;
    if (cli_wants_par(argc, argv, NULL) && !(p = par_new(NULL, NULL, &e)))
        return cli_fail(&e);
    int rc = retrain_cmd(argc, argv, p);
    par_free(p);
    return rc;
}
