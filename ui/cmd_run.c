/* oneshot run: an experiment end to end, headless, into a run directory. */
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "job.h"
#include "luasearch.h"
#include "opts.h"
#include "progress.h"

static volatile sig_atomic_t stop_flag;

static void on_signal(int sig)
{
    stop_flag = 1;
    signal(sig, SIG_DFL); /* a second one ends the program at once */
}

struct view {
    struct progress p;
    int quiet;
    double best[8];
};

static void ev_phase(void *ud, const struct job *j)
{
    struct view *v = ud;
    progress_clear(&v->p);
    if (j->phase == JOB_TRAIN)
        fprintf(stderr, "training the supernet of %s with the %s sampler: %d epoch%s, %lld steps%s\n",
                j->space.name, sampler_name(&j->sampler), j->x.supernet.epochs,
                j->x.supernet.epochs == 1 ? "" : "s", (long long)j->train.total,
                j->train.step ? " (resumed)" : "");
    else if (j->phase == JOB_SEARCH)
        fprintf(stderr, "searching with %s: %d generations of %d\n", luasearch_name(j->search),
                j->x.search.generations, j->x.search.population);
    progress_init(&v->p, stderr);
}

static void ev_step(void *ud, const struct job *j)
{
    struct view *v = ud;
    const struct supertrain *t = &j->train;
    progress_update(&v->p, (double)t->step / (double)t->total, t->step == t->total,
                    "supernet step %lld/%lld  epoch %d  loss %.4f  lr %.4f", (long long)t->step,
                    (long long)t->total, t->epoch + 1, t->loss, t->lr);
}

static void ev_evaluated(void *ud, const struct job *j, const struct arch *a, const double *m)
{
    struct view *v = ud;
    (void)a;
    double frac = (double)j->generation / (double)j->x.search.generations;
    progress_update(&v->p, frac, 0, "generation %d/%d  %lld evaluated  accuracy %.4f",
                    j->generation + 1 > j->x.search.generations ? j->x.search.generations
                                                                : j->generation + 1,
                    j->x.search.generations, (long long)j->nevals, m[0]);
}

static void ev_generation(void *ud, const struct job *j, int g, const struct arch *pop, int n,
                          const double *m)
{
    struct view *v = ud;
    (void)pop;
    double best = 0;
    int nm = job_nmetrics(j);
    for (int i = 0; i < n; i++)
        if (m[(size_t)i * nm] > best)
            best = m[(size_t)i * nm];
    progress_clear(&v->p);
    fprintf(stderr, "generation %d/%d: %d architectures, best accuracy %.4f, %lld evaluated\n", g,
            j->x.search.generations, n, best, (long long)j->nevals);
}

static void ev_log(void *ud, const char *text)
{
    struct view *v = ud;
    progress_clear(&v->p);
    fprintf(stderr, "%s\n", text);
}

static void ev_ranking(void *ud, const struct job *j, const struct job_ranking *r)
{
    struct view *v = ud;
    progress_clear(&v->p);
    fprintf(stderr,
            "step %lld: the supernet ranks the %d architectures of %s with Kendall tau %.3f "
            "[%.3f, %.3f], Spearman %.3f\n",
            (long long)r->step, r->n, j->truth_file, r->tau, r->tau_lo, r->tau_hi, r->spearman);
}

/* Prints the chosen architectures and where everything is. */
static void summary(const struct job *j)
{
    char path[EXP_PATH_MAX + 16], line[1024];
    snprintf(path, sizeof path, "%s/chosen.txt", j->dir);
    FILE *f = fopen(path, "r");
    printf("run %s: %lld architectures evaluated\n", j->dir, (long long)j->nevals);
    if (f) {
        while (fgets(line, sizeof line, f))
            if (line[0] != '#')
                printf("  %s", line);
        fclose(f);
    }
    printf("results: %s/{evaluations,generations,pareto,history}.csv, chosen.txt\n", j->dir);
}

int cmd_run(int argc, char **argv)
{
    const char *out = NULL, *resume = NULL;
    int stop_after = 0, check = 0, reload = 0;
    struct opt opts[] = {
        {"out", OPT_STRING, &out, "DIR", "run directory (default: the experiment's output)", 0, -1, 0},
        {"resume", OPT_STRING, &resume, "DIR", "continue the stopped or killed run in DIR", 0, -1, 0},
        {"reload", OPT_FLAG, &reload, NULL, "with --resume: read the strategy and metrics files again (after fixing them)", 0, -1, 0},
        {"check", OPT_FLAG, &check, NULL, "load and check the experiment and its scripts, run nothing", 0, -1, 0},
        {"stop-after", OPT_INT, &stop_after, "N", "stop after N supernet steps and evaluations (as Ctrl-C would)", 1, 2147483647, 0},
        {0},
    };
    const char *usage = "oneshot run EXPERIMENT.yaml [--out DIR]\n       oneshot run --check EXPERIMENT.yaml\n       oneshot run --resume DIR [--reload]";
    const char *experiment;
    struct err e;
    int status = cli_experiment_args(opts, argc, argv, "run", usage, &resume, &out, &experiment);
    if (status >= 0)
        return status;
    if (!resume && !experiment) {
        err_plain(&e, "which experiment? give a YAML file");
        return cli_usage_error(&e, "run");
    }
    struct job j;
    if (reload && !resume) {
        err_plain(&e, "--reload goes with --resume DIR");
        return cli_usage_error(&e, "run");
    }
    int mode = resume ? (reload ? JOB_RESUME_RELOAD : JOB_RESUME) : check ? JOB_CHECK : JOB_NEW;
    if (job_open(&j, resume ? resume : experiment, out, mode, &stop_flag, &e)) {
        job_close(&j);
        return cli_fail(&e);
    }
    if (check) {
        printf("%s: space %s (%.0f architectures), sampler %s, strategy %s (%s), %d objective%s, "
               "%d metrics\n",
               experiment, j.space.name, space_count(&j.space), sampler_name(&j.sampler),
               luasearch_name(j.search), luasearch_params(j.search), j.x.nobjectives,
               j.x.nobjectives == 1 ? "" : "s", job_nmetrics(&j));
        job_close(&j);
        return 0;
    }
    j.stop_after = stop_after;
    fprintf(stderr, "run directory: %s\n", j.dir);
    struct view v = {0};
    progress_init(&v.p, stderr);
    struct job_events ev = {.ud = &v,
                            .phase = ev_phase,
                            .step = ev_step,
                            .evaluated = ev_evaluated,
                            .generation = ev_generation,
                            .log = ev_log,
                            .ranking = ev_ranking};
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    int rc = job_run(&j, &ev, &e);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    progress_clear(&v.p);
    status = 0;
    if (rc == 0) {
        summary(&j);
    } else if (rc > 0) {
        fprintf(stderr, "stopped; nothing is lost: continue with\n  oneshot run --resume %s\n",
                j.dir);
        status = 130;
    } else {
        status = cli_fail(&e);
        if (j.traceback[0])
            fprintf(stderr, "%s\n", j.traceback);
        if (j.trained && j.train.diverged)
            fprintf(stderr, "the run's files are kept, the supernet as last saved; resumed, it "
                            "would diverge again: run the experiment anew with a lower "
                            "supernet.lr\n");
        else
            fprintf(stderr,
                "the run's files are kept; after fixing the cause: oneshot run --resume %s%s\n",
                j.dir, j.phase == JOB_FAILED && j.search && j.train.step == j.train.total &&
                        j.saved_step == j.train.total ? " --reload" : "");
    }
    job_close(&j);
    return status;
}
