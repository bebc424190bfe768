/* oneshot run: an experiment end to end, headless, into a run directory. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "runner.h"
#include "opts.h"
#include "progress.h"
#include "rank.h"

struct view {
    struct progress p;
    int quiet;
    double best[8];
};

static void sp_begins(const struct runner_info *in, const struct runner *r)
{
    struct runner_singlepath sp;
    runner_singlepath(r, &sp);
    const struct experiment *x = in->x;
    if (sp.tuning) {
        fprintf(stderr,
                "Single-Path NAS over %s with lambda tuned for %g ms on %s: up to %d trials of "
                "%d epochs of %d images, forked from one warm-up of %g epochs (lambda 0, "
                "decisions dropped), the first with lambda %g\n",
                in->space->name, sp.target_ms, sp.device, sp.trials, sp.epochs,
                x->dataset.train_images, x->singlepath.warmup_epochs, x->singlepath.lambda);
        return;
    }
    fprintf(stderr,
            "Single-Path NAS over %s: %d epoch%s, %lld steps of %d images (the first %lld the "
            "warm-up: lambda 0, decisions dropped), lambda %g on ln R [ms on %s]%s\n",
            in->space->name, sp.epochs, sp.epochs == 1 ? "" : "s", (long long)sp.total,
            x->singlepath.batch, (long long)sp.warmup_steps, x->singlepath.lambda, sp.device,
            sp.step ? " (resumed)" : "");
}

static void nao_begins(const struct runner_info *in, const struct runner *r)
{
    const struct experiment *x = in->x;
    struct runner_nao n;
    runner_nao(r, &n);
    fprintf(stderr,
            "NAO over %s: %d rounds from %d random architectures, %d new a round; %d supernet "
            "epoch%s a round on %d images, %d controller epochs; then the best %d trained %d "
            "epoch%s alone%s\n",
            in->space->name, x->nao.rounds, x->nao.seed_archs, x->nao.new_archs,
            x->nao.epochs_per_round, x->nao.epochs_per_round == 1 ? "" : "s",
            x->dataset.train_images, x->nao.controller_epochs, x->nao.rerank,
            x->nao.rerank_epochs, x->nao.rerank_epochs == 1 ? "" : "s",
            n.evaluated ? " (resumed)" : "");
}

static void ev_phase(void *ud, const struct runner *r)
{
    struct view *v = ud;
    const struct runner_info *in = runner_info(r);
    struct runner_progress p;
    runner_progress(r, &p);
    progress_clear(&v->p);
    char from[EXP_PATH_MAX + 64];
    if (p.phase == RUNNER_TRAIN)
        fprintf(stderr, "training the supernet of %s with the %s sampler: %d epoch%s, %lld steps%s\n",
                in->space->name, in->sampler, in->x->supernet.epochs,
                in->x->supernet.epochs == 1 ? "" : "s", (long long)p.total,
                runner_train_origin(r, from, sizeof from));
    else if (p.phase == RUNNER_SINGLEPATH)
        sp_begins(in, r);
    else if (p.phase == RUNNER_NAO)
        nao_begins(in, r);
    else if (p.phase == RUNNER_SEARCH)
        fprintf(stderr, "searching with %s: %d generations of %d\n", in->strategy,
                in->x->search.generations, in->x->search.population);
    else if (p.phase == RUNNER_RETRAIN)
        fprintf(stderr,
                "retraining %d architecture%s stand-alone, %d seed%s each: %d epoch%s of %d "
                "images%s\n",
                p.retrainings / in->x->retrain.seeds,
                p.retrainings / in->x->retrain.seeds == 1 ? "" : "s", in->x->retrain.seeds,
                in->x->retrain.seeds == 1 ? "" : "s", in->x->retrain.epochs,
                in->x->retrain.epochs == 1 ? "" : "s", in->x->retrain.images,
                p.retrained ? " (resumed)" : "");
    progress_init(&v->p, stderr);
}

static void ev_step(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_progress p;
    runner_progress(r, &p);
    progress_update(&v->p, (double)p.step / (double)p.total, p.step == p.total,
                    "supernet step %lld/%lld  epoch %d  loss %.4f  lr %.4f", (long long)p.step,
                    (long long)p.total, p.epoch + 1, p.loss, p.lr);
}

static void ev_sp_step(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_singlepath sp;
    runner_singlepath(r, &sp);
    char how[48], which[32] = "single-path";
    if (sp.warm)
        snprintf(how, sizeof how, "warm-up");
    else
        snprintf(how, sizeof how, "lambda %g", sp.lambda);
    if (sp.tuning && sp.trial > 0)
        snprintf(which, sizeof which, "trial %d/%d", sp.trial, sp.trials);
    progress_update(&v->p, sp.fraction, sp.step == sp.total,
                    "%s step %lld/%lld  epoch %d  loss %.4f  R %.4g ms  %s", which,
                    (long long)sp.step, (long long)sp.total, sp.epoch + 1, sp.loss,
                    sp.runtime_ms, how);
}

/* A line per epoch: the loss, R, and what the decisions decode to now. */
static void ev_sp_epoch(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_singlepath sp;
    runner_singlepath(r, &sp);
    const struct space *s = runner_info(r)->space;
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(s, &sp.arch, name, (int)sizeof name);
    int changed = 0;
    for (int l = 0; l < sp.arch.n; l++)
        changed += sp.flipped[l] > sp.step - sp.steps_per_epoch;
    progress_clear(&v->p);
    if (sp.tuning && sp.trial > 0)
        fprintf(stderr, "trial %d, ", sp.trial);
    fprintf(stderr,
            "epoch %d/%d: loss %.4f (cross-entropy %.4f), R %.4g ms%s; the decisions decode to "
            "%s (%.4g ms), %d layer%s changed\n",
            sp.epoch + 1, sp.epochs, sp.loss, sp.ce, sp.runtime_ms,
            sp.warm ? " (warm-up: lambda 0, not pulled down yet)" : "", name, sp.arch_ms,
            changed, changed == 1 ? "" : "s");
}

static void ev_nao_step(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_nao n;
    runner_nao(r, &n);
    char what[96];
    switch (n.stage) {
    case NAOSEARCH_TRAIN:
        snprintf(what, sizeof what, "training %lld/%lld  loss %.4f  lr %.4f", (long long)n.step,
                 (long long)n.round_steps, n.loss, n.lr);
        break;
    case NAOSEARCH_EVALUATE:
        snprintf(what, sizeof what, "scoring %d/%d", n.scored, n.npool);
        break;
    case NAOSEARCH_CONTROLLER:
        snprintf(what, sizeof what, "controller epoch %d/%d", n.controller_epoch,
                 n.controller_epochs);
        break;
    case RUNNER_NAO_RERANK:
        progress_update(&v->p, (n.reranked + (double)n.rstep / (n.rtotal ? n.rtotal : 1)) / n.rerank,
                        0, "re-rank %d/%d  step %lld/%lld  loss %.4f", n.reranked + 1, n.rerank,
                        (long long)n.rstep, (long long)n.rtotal, n.rloss);
        return;
    default:
        snprintf(what, sizeof what, "generating");
    }
    progress_update(&v->p, n.fraction, 0, "nao round %d/%d  %s", n.round, n.rounds, what);
}

/* A line per round: its figures (rounds.csv's). */
static void ev_nao_round(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_nao n;
    runner_nao(r, &n);
    struct naosearch_round rd;
    if (runner_nao_round(r, n.evaluated, &rd))
        return;
    char a[16], b[16], c[16];
    progress_clear(&v->p);
    fprintf(stderr,
            "round %d/%d: %d new, %lld steps (%.1f updates each), loss %.4f, pool of %d: best "
            "%.4f, mean %.4f; held-out tau %s, predictor tau %s, pairwise %s",
            rd.round, n.rounds, rd.new_archs, (long long)rd.steps, rd.updates_mean,
            rd.train_loss, rd.pool, rd.best_acc, rd.mean_acc, rank_text(rd.heldout_tau, a, 16),
            rank_text(rd.tau, b, 16), rank_text(rd.heldout_pairwise, c, 16));
    if (rd.generated >= 0)
        fprintf(stderr, "; %d decoded (eta up to %d)", rd.generated, rd.last_eta);
    fprintf(stderr, " (%.1f s)\n", rd.seconds);
}

static void ev_nao_reranked(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_nao n;
    struct runner_nao_arch a;
    runner_nao(r, &n);
    if (runner_nao_arch(r, n.last_reranked, &a))
        return;
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(runner_info(r)->space, &a.arch, name, (int)sizeof name);
    progress_clear(&v->p);
    fprintf(stderr, "re-rank %d/%d: %s, stand-alone %.4f after %d epoch%s (supernet %.4f)\n",
            n.reranked, n.rerank, name, a.standalone, runner_info(r)->x->nao.rerank_epochs,
            runner_info(r)->x->nao.rerank_epochs == 1 ? "" : "s", a.accuracy);
}

static void ev_evaluated(void *ud, const struct runner *r, const struct arch *a, const double *m)
{
    struct view *v = ud;
    (void)a;
    int gens = runner_info(r)->x->search.generations;
    struct runner_progress p;
    runner_progress(r, &p);
    double frac = (double)p.generation / (double)gens;
    progress_update(&v->p, frac, 0, "generation %d/%d  %lld evaluated  accuracy %.4f",
                    p.generation + 1 > gens ? gens : p.generation + 1, gens, (long long)p.nevals,
                    m[0]);
}

static void ev_generation(void *ud, const struct runner *r, int g, const struct arch *pop, int n,
                          const double *m)
{
    struct view *v = ud;
    (void)pop;
    double best = 0;
    int nm = runner_metrics(r)->n;
    for (int i = 0; i < n; i++)
        if (m[(size_t)i * nm] > best)
            best = m[(size_t)i * nm];
    struct runner_progress p;
    runner_progress(r, &p);
    progress_clear(&v->p);
    fprintf(stderr, "generation %d/%d: %d architectures, best accuracy %.4f, %lld evaluated\n", g,
            runner_info(r)->x->search.generations, n, best, (long long)p.nevals);
}

static void ev_retrain_step(void *ud, const struct runner *r)
{
    struct view *v = ud;
    struct runner_progress p;
    runner_progress(r, &p);
    double frac = ((double)p.retrained + (double)p.rstep / (double)p.rtotal) / p.retrainings;
    progress_update(&v->p, frac, 0, "retraining %d/%d  step %lld/%lld  loss %.4f",
                    p.retrained + 1, p.retrainings, (long long)p.rstep, (long long)p.rtotal,
                    p.rloss);
}

static void ev_retrained(void *ud, const struct runner *r, const struct runner_retrained *rt)
{
    struct view *v = ud;
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(runner_info(r)->space, &rt->arch, name, (int)sizeof name);
    progress_clear(&v->p);
    fprintf(stderr, "retrained %s (seed %llu): val accuracy %.4f stand-alone, %.4f %s (%.1f s)\n",
            name, (unsigned long long)rt->seed, rt->accuracy, rt->inherited,
            runner_info(r)->x->method == EXP_SINGLEPATH ? "by the search" : "in the supernet",
            rt->seconds);
}

static void ev_log(void *ud, const char *text)
{
    struct view *v = ud;
    progress_clear(&v->p);
    fprintf(stderr, "%s\n", text);
}

static void ev_ranking(void *ud, const struct runner *r, const struct runner_ranking *rk)
{
    struct view *v = ud;
    progress_clear(&v->p);
    char a[16], b[16], c[16], d[16], p[16], m[16];
    const struct runner_info *in = runner_info(r);
    fprintf(stderr,
            "step %lld: the supernet ranks the %d architectures of %s with Kendall tau %s "
            "[%s, %s], Spearman %s (by size alone: params %s, MACs %s)\n",
            (long long)rk->step, rk->n, in->truth_file, rank_text(rk->tau, a, 16),
            rank_text(rk->tau_lo, b, 16), rank_text(rk->tau_hi, c, 16),
            rank_text(rk->spearman, d, 16), rank_text(in->params_tau, p, 16),
            rank_text(in->macs_tau, m, 16));
}

/* Single-Path NAS's architecture and where everything is. */
static void sp_summary(const struct runner *r)
{
    const struct runner_info *in = runner_info(r);
    struct runner_singlepath sp;
    runner_singlepath(r, &sp);
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(in->space, &sp.arch, name, (int)sizeof name);
    printf("run %s: Single-Path NAS chose\n  %s\n  %.4g ms predicted on %s, proxy accuracy %.4f "
           "(%d validation images)\n",
           in->dir, name, sp.arch_ms, sp.device, sp.accuracy, runner_val_split(r)->n);
    const char *rt = in->x->retrain.epochs > 0 ? ", retrained.csv" : "";
    if (sp.tuning)
        printf("results: %s/tuning/trials.csv, chosen.txt%s\n", in->dir, rt);
    else
        printf("results: %s/{singlepath,decisions}.csv, chosen.txt%s\n", in->dir, rt);
}

/* NAO's choice and where everything is. */
static void nao_summary(const struct runner *r)
{
    const struct runner_info *in = runner_info(r);
    struct runner_nao n;
    struct runner_nao_arch a;
    runner_nao(r, &n);
    if (runner_nao_arch(r, n.chosen, &a))
        return;
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(in->space, &a.arch, name, (int)sizeof name);
    printf("run %s: NAO chose, after %d round%s and %d architectures,\n  %s\n  %.4g ms "
           "predicted on %s, supernet accuracy %.4f",
           in->dir, n.evaluated, n.evaluated == 1 ? "" : "s", n.npool, name, a.latency_ms,
           n.device, a.accuracy);
    if (!isnan(a.standalone))
        printf(", stand-alone %.4f (the best of %d re-ranked)", a.standalone, n.reranked);
    printf("\nresults: %s/{pool,candidates%s,nao/rounds}.csv, chosen.txt%s\n", in->dir,
           n.reranked ? ",rerank" : "", in->x->retrain.epochs > 0 ? ", retrained.csv" : "");
}

/* Prints the chosen architectures and where everything is. */
static void summary(const struct runner *r)
{
    const char *dir = runner_info(r)->dir;
    char path[EXP_PATH_MAX + 16], line[1024];
    if (runner_info(r)->x->method == EXP_SINGLEPATH) {
        sp_summary(r);
        return;
    }
    if (runner_info(r)->x->method == EXP_NAO) {
        nao_summary(r);
        return;
    }
    snprintf(path, sizeof path, "%s/chosen.txt", dir);
    FILE *f = fopen(path, "r");
    struct runner_progress p;
    runner_progress(r, &p);
    printf("run %s: %lld architectures evaluated\n", dir, (long long)p.nevals);
    if (f) {
        while (fgets(line, sizeof line, f))
            if (line[0] != '#')
                printf("  %s", line);
        fclose(f);
    }
    printf("results: %s/{evaluations,generations,pareto,history%s}.csv, chosen.txt\n", dir,
           runner_info(r)->x->retrain.epochs > 0 ? ",retrained" : "");
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
        {"stop-after", OPT_INT, &stop_after, "N", "stop after N training steps (supernet or Single-Path), evaluations and retraining steps (as Ctrl-C would)", 1, 2147483647, 0},
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
    if (reload && !resume) {
        err_plain(&e, "--reload goes with --resume DIR");
        return cli_usage_error(&e, "run");
    }
    enum runner_mode mode = resume ? (reload ? RUNNER_RESUME_RELOAD : RUNNER_RESUME)
                            : check ? RUNNER_CHECK
                                    : RUNNER_NEW;
    struct runner *r = runner_open(resume ? resume : experiment, out, mode, cli_stop_flag(), &e);
    if (!r)
        return cli_fail(&e);
    const struct runner_info *in = runner_info(r);
    if (check && in->x->method == EXP_SINGLEPATH) {
        const struct experiment *x = in->x;
        char tuned[96] = "";
        if (x->singlepath.target_ms > 0)
            snprintf(tuned, sizeof tuned,
                     " (the first trial's: tuned for %g ms in up to %d trials)",
                     x->singlepath.target_ms, x->singlepath.trials);
        printf("%s: space %s (%.0f architectures), method singlepath: %d epoch%s of batch %d, "
               "lambda %g%s, warm-up %g epochs, latency on %s\n",
               experiment, in->space->name, space_count(in->space), x->singlepath.epochs,
               x->singlepath.epochs == 1 ? "" : "s", x->singlepath.batch, x->singlepath.lambda,
               tuned, x->singlepath.warmup_epochs, x->latency.device.text);
        runner_close(r);
        return 0;
    }
    if (check && in->x->method == EXP_NAO) {
        const struct experiment *x = in->x;
        printf("%s: space %s (%.0f architectures), method nao: %d rounds from %d architectures, "
               "%d new a round, %d epoch%s a round of batch %d, re-rank of %d, latency on %s\n",
               experiment, in->space->name, space_count(in->space), x->nao.rounds,
               x->nao.seed_archs, x->nao.new_archs, x->nao.epochs_per_round,
               x->nao.epochs_per_round == 1 ? "" : "s", x->nao.batch, x->nao.rerank,
               x->latency.device.text);
        runner_close(r);
        return 0;
    }
    if (check) {
        printf("%s: space %s (%.0f architectures), sampler %s, strategy %s (%s), %d objective%s, "
               "%d metrics\n",
               experiment, in->space->name, space_count(in->space), in->sampler, in->strategy,
               in->strategy_params, in->x->nobjectives, in->x->nobjectives == 1 ? "" : "s",
               runner_metrics(r)->n);
        runner_close(r);
        return 0;
    }
    runner_stop_after(r, stop_after);
    fprintf(stderr, "run directory: %s\n", in->dir);
    struct view v = {0};
    progress_init(&v.p, stderr);
    struct runner_events ev = {.ud = &v,
                               .phase = ev_phase,
                               .step = ev_step,
                               .evaluated = ev_evaluated,
                               .generation = ev_generation,
                               .log = ev_log,
                               .ranking = ev_ranking,
                               .retrain_step = ev_retrain_step,
                               .retrained = ev_retrained,
                               .sp_step = ev_sp_step,
                               .sp_epoch = ev_sp_epoch,
                               .nao_step = ev_nao_step,
                               .nao_round = ev_nao_round,
                               .nao_reranked = ev_nao_reranked};
    cli_catch_stop();
    int rc = runner_run(r, &ev, &e);
    cli_release_stop();
    progress_clear(&v.p);
    status = 0;
    if (rc == 0) {
        summary(r);
    } else if (rc > 0) {
        struct runner_progress p;
        runner_progress(r, &p);
        fprintf(stderr, "stopped; %s: continue with\n  oneshot run --resume %s\n",
                p.retrained < p.retrainings       ? "the retraining in progress will start again"
                : in->x->method == EXP_NAO        ? "a NAO round or re-rank training in progress "
                                                    "will start again"
                                                  : "nothing is lost",
                in->dir);
        status = 130;
    } else {
        status = cli_fail(&e);
        if (runner_traceback(r)[0])
            fprintf(stderr, "%s\n", runner_traceback(r));
        struct runner_progress p;
        runner_progress(r, &p);
        int sp = in->x->method == EXP_SINGLEPATH;
        if (p.diverged)
            fprintf(stderr, "the run's files are kept, the %s as last saved; resumed, it "
                            "would diverge again: run the experiment anew with a lower "
                            "%s.lr\n",
                    sp ? "network" : "supernet", sp ? "singlepath" : "supernet");
        else /* a strategy's error after training (and its checkpoint): --reload reads
              * the fixed files */
            fprintf(stderr,
                    "the run's files are kept; after fixing the cause: oneshot run --resume %s%s\n",
                    in->dir,
                    !sp && p.phase == RUNNER_FAILED && p.total > 0 && p.step == p.total &&
                            p.saved == p.total
                        ? " --reload"
                        : "");
    }
    runner_close(r);
    return status;
}
