/* oneshot groundtruth: train architectures stand-alone into a CSV table, the
 * yardstick the supernet's ranking is measured against.  Resumable: rows
 * already in the table are not trained again.  Under mpirun the ranks share
 * the trainings (rank 0 hands them out and writes the table); with --worker
 * independent processes share them through claim files (ui/groundtruth.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "groundtruth.h"
#include "opts.h"
#include "par.h"
#include "sampler.h"

#define GT_MAX 1024

struct gt_opts {
    const char *space, *out, *list, *data, *worker;
    int all, archs, epochs, seeds, seeded, select_seed, train_images, val_images, batch, threads;
    double lr, stale;
};

/* A random architecture leaning towards small or large: each layer picks from
 * its choices sorted by size around position `bias` in [0, 1]. */
static void biased_arch(const struct space *s, struct rng *r, double bias, struct arch *a)
{
    a->n = s->nlayers;
    for (int l = 0; l < s->nlayers; l++) {
        int list[SPACE_MAX_CHOICES], n = 0;
        for (int c = 0; c < s->nchoices; c++)
            if (s->allowed[l] & (1ULL << c))
                list[n++] = c;
        /* sort the layer's choices by parameters (insertion sort: n <= 48) */
        for (int i = 1; i < n; i++)
            for (int j = i; j > 0 && space_layer_cost(s, l, list[j]).params <
                                         space_layer_cost(s, l, list[j - 1]).params;
                 j--) {
                int t = list[j];
                list[j] = list[j - 1];
                list[j - 1] = t;
            }
        double u = bias + 0.35 * (rng_uniform(r) - 0.5);
        int i = (int)floor(u * n);
        a->choice[l] = list[i < 0 ? 0 : i >= n ? n - 1 : i];
    }
}

/* Picks count architectures spanning the space from smallest to largest by
 * multiply-adds: targets evenly spaced between the smallest and largest
 * candidate, each taking the nearest unused candidate. */
static int select_archs(const struct space *s, int count, uint64_t seed, struct arch *out)
{
    enum { CANDIDATES = 4000 };
    struct arch *cand = malloc(CANDIDATES * sizeof *cand);
    double *macs = malloc(CANDIDATES * sizeof *macs);
    unsigned char *used = calloc(CANDIDATES, 1);
    if (!cand || !macs || !used) {
        free(cand), free(macs), free(used);
        return -1;
    }
    struct rng r;
    rng_seed(&r, seed, RNG_STREAM_SEARCH);
    double lo = 1e300, hi = 0;
    for (int i = 0; i < CANDIDATES; i++) {
        double bias = i == 0 ? 0 : i == 1 ? 1 : rng_uniform(&r) * 1.1 - 0.05;
        biased_arch(s, &r, bias, &cand[i]);
        macs[i] = (double)arch_cost(s, &cand[i]).macs;
        lo = macs[i] < lo ? macs[i] : lo;
        hi = macs[i] > hi ? macs[i] : hi;
    }
    for (int k = 0; k < count; k++) {
        double target = count > 1 ? lo + (hi - lo) * k / (count - 1) : (lo + hi) / 2;
        int best = -1;
        for (int i = 0; i < CANDIDATES; i++)
            if (!used[i] && (best < 0 || fabs(macs[i] - target) < fabs(macs[best] - target)))
                best = i;
        used[best] = 1;
        out[k] = cand[best];
    }
    free(cand);
    free(macs);
    free(used);
    return 0;
}

/* Reads extra architectures, one per line ('#' comments), into out after
 * the n there already.  A line's architecture ends at a blank or a comma, so
 * a CSV whose first column is the architecture (a run's pareto.csv or
 * evaluations.csv) is a list too, its header line ("arch,...") skipped; an
 * architecture already in out is not added again. */
static int read_list(const char *path, const struct space *s, struct arch *out, int max, int *n,
                     struct err *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
    char line[1024];
    int lineno = 0, rest = 0, first = 1;
    while (fgets(line, sizeof line, f)) {
        /* the tail of a line longer than the buffer: past the architecture */
        int tail = rest;
        rest = !strchr(line, '\n') && !feof(f);
        if (tail)
            continue;
        lineno++;
        line[strcspn(line, "\r\n")] = 0;
        char *p = line;
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p || *p == '#')
            continue;
        int header = first && strncmp(p, "arch,", 5) == 0;
        first = 0;
        if (header)
            continue;
        char *end = p + strcspn(p, " \t,");
        *end = 0;
        struct arch a;
        if (arch_parse_at(s, p, path, lineno, (int)(p - line) + 1, &a, e)) {
            fclose(f);
            return -1;
        }
        int seen = 0;
        for (int i = 0; i < *n && !seen; i++)
            seen = arch_equal(&out[i], &a);
        if (seen)
            continue;
        if (*n >= max) {
            fclose(f);
            return err_set(e, path, lineno, 1, "more than %d architectures", max);
        }
        out[(*n)++] = a;
    }
    fclose(f);
    return 0;
}

/* The architectures the options name, into archs (room for 2 * GT_MAX):
 * how many, or -1 after printing an error (*status: the exit status). */
static int choose_archs(const struct gt_opts *o, const struct space *s, struct arch *archs,
                        int *status)
{
    struct err e;
    int n = 0;
    *status = 1;
    if (!o->all && o->archs > 0 && select_archs(s, o->archs, (uint64_t)o->select_seed, archs)) {
        err_plain(&e, "out of memory");
        return cli_fail(&e), -1;
    }
    n = o->archs;
    if (o->all) {
        double count = space_count(s);
        if (count > GT_MAX) {
            err_plain(&e, "--all: the space %s has %.0f architectures, more than %d", s->name,
                      count, GT_MAX);
            *status = cli_usage_error(&e, "groundtruth");
            return -1;
        }
        /* enumerate in mixed radix over each layer's allowed choices */
        struct arch a = {s->nlayers, {0}};
        int digit[SPACE_MAX_LAYERS] = {0};
        for (n = 0; n < (int)count; n++) {
            for (int l = 0; l < s->nlayers; l++) {
                int seen = 0;
                for (int c = 0; c < s->nchoices; c++)
                    if ((s->allowed[l] & (1ULL << c)) && seen++ == digit[l])
                        a.choice[l] = c;
            }
            archs[n] = a;
            for (int l = s->nlayers - 1; l >= 0; l--) {
                if (++digit[l] < __builtin_popcountll(s->allowed[l]))
                    break;
                digit[l] = 0;
            }
        }
    }
    if (o->list && read_list(o->list, s, archs, 2 * GT_MAX, &n, &e))
        return cli_fail(&e), -1;
    if (n == 0) {
        err_plain(&e, "nothing to train: give --archs N or --list FILE");
        *status = cli_usage_error(&e, "groundtruth");
        return -1;
    }
    return n;
}

/* The command, with room for 2 * GT_MAX architectures in archs; p (NULL
 * for --help and --worker) is borrowed. */
static int groundtruth(int argc, char **argv, struct arch *archs, struct par *p)
{
    struct gt_opts o = {.archs = 24, .epochs = 4, .seeds = 1, .seeded = -1, .train_images = 50000,
                        .val_images = 10000, .batch = 128, .lr = 0.1, .stale = 300};
    struct opt opts[] = {
        {"space", OPT_STRING, &o.space, "NAME", "search space (default fmnist)", 0, -1, 0},
        {"archs", OPT_INT, &o.archs, "N", "architectures spanning small to large (default 24)", 0, GT_MAX, 0},
        {"all", OPT_FLAG, &o.all, NULL, "every architecture of the space (at most 1024)", 0, -1, 0},
        {"list", OPT_STRING, &o.list, "FILE", "also train the architectures listed in FILE", 0, -1, 0},
        {"epochs", OPT_INT, &o.epochs, "E", "epochs each (default 4)", 1, 100000, 0},
        {"seeds", OPT_INT, &o.seeds, "K", "seeds 0..K-1 (default 1)", 1, 100, 0},
        {"seeded", OPT_INT, &o.seeded, "M", "only M architectures (spread over size) get all K seeds (default: all)", 0, GT_MAX, 0},
        {"select-seed", OPT_INT, &o.select_seed, "S", "seed of the choice of architectures (default 0)", 0, 2147483647, 0},
        {"train-images", OPT_INT, &o.train_images, "N", "training images (default 50000)", 1, 60000, 0},
        {"val-images", OPT_INT, &o.val_images, "N", "validation images (default 10000)", 1, 60000, 0},
        {"batch", OPT_INT, &o.batch, "B", "batch size (default 128)", 1, 65536, 0},
        {"lr", OPT_FLOAT, &o.lr, "X", "peak learning rate (default 0.1)", 0, -1, 0},
        {"threads", OPT_INT, &o.threads, "T", "threads (default: all cores; under MPI, shared by the host's ranks)", 0, 1024, 0},
        {"data", OPT_STRING, &o.data, "DIR", "Fashion-MNIST directory", 0, -1, 0},
        {"out", OPT_STRING, &o.out, "FILE.csv", "table to write or continue (required)", 0, -1, 0},
        {"worker", OPT_STRING, &o.worker, "DIR", "share the table with other workers, claiming trainings in DIR", 0, -1, 0},
        {"stale", OPT_FLOAT, &o.stale, "S", "with --worker: a claim without a heartbeat for S seconds is taken over (default 300)", 0, -1, 0},
        {0},
    };
    int rank = p ? par_rank(p) : 0, size = p ? par_size(p) : 1;
    int status = cli_no_resume(argc, argv, "groundtruth",
                               "the same command run again trains only the rows its table lacks",
                               rank);
    if (status >= 0)
        return status;
    status = cli_options_quiet(opts, argc, argv, "groundtruth",
                               "oneshot groundtruth [--space NAME] --archs N --epochs E [--seeds K] --out FILE.csv [--worker DIR]",
                               rank > 0);
    if (status >= 0)
        return status;
    struct err e;
    /* a build without MPI started by mpirun: each rank would be a whole
     * command of its own, training every row */
    if (!o.worker && cli_mpirun_without_mpi()) {
        err_plain(&e, "started by mpirun, but built without MPI: every rank would train every "
                      "row (build with make MPI=1, or give each rank --worker DIR)");
        return cli_fail(&e);
    }
    if (!o.out) {
        err_plain(&e, "--out FILE.csv is required");
        return rank ? 2 : cli_usage_error(&e, "groundtruth");
    }
    if (!(o.stale >= 1)) {
        err_plain(&e, "--stale: %g is below a second", o.stale);
        return rank ? 2 : cli_usage_error(&e, "groundtruth");
    }
    struct ctx ctx;
    cli_ctx(&ctx, cli_rank_threads(o.threads, p ? par_local_size(p) : 1, rank));
    struct space s;
    int failed = shipped_space(&s, o.space, &e) != 0;
    if (cli_settle(p, failed, &e))
        return 1;
    /* rank 0 chooses (it alone reads --list), the others get its choice;
     * n < 0 carries the exit status of an error rank 0 printed */
    int n = rank == 0 ? choose_archs(&o, &s, archs, &status) : 0;
    if (n < 0)
        n = -status;
    if (size > 1 && (par_bcast(p, &n, sizeof n, 0, &e) ||
                     (n > 0 && par_bcast(p, archs, (size_t)n * sizeof *archs, 0, &e)))) {
        cli_fail(&e);
        par_abort(p, 1);
        return 1;
    }
    if (n < 0)
        return -n;
    /* jobs: every architecture with seed 0, the `seeded` ones (spread) with more */
    int seeded = o.seeded < 0 || o.seeded > n ? n : o.seeded, njobs = 0;
    struct gt_job *jobs = malloc((size_t)n * (size_t)o.seeds * sizeof *jobs);
    int *order = malloc((size_t)n * (size_t)o.seeds * sizeof *order);
    if (!jobs || !order) {
        free(jobs);
        free(order);
        err_plain(&e, "out of memory");
        return cli_fail(&e);
    }
    for (int seed = 0; seed < o.seeds; seed++)
        for (int i = 0; i < n; i++)
            if (seed == 0 || (seeded > 0 && i * seeded % n < seeded))
                jobs[njobs++] = (struct gt_job){i, seed, arch_cost(&s, &archs[i]).macs};
    /* the command line that regenerates this table, kept in its first lines */
    char cmd[2048];
    int used = snprintf(cmd, sizeof cmd, "made by: oneshot groundtruth");
    for (int i = 0; i < argc && used < (int)sizeof cmd; i++)
        used += snprintf(cmd + used, sizeof cmd - (size_t)used, " %s", argv[i]);
    char info[256];
    snprintf(info, sizeof info, "oneshot %s, space %s, %d epochs on %d images, batch %d, lr %g",
             ONESHOT_VERSION, s.name, o.epochs, o.train_images, o.batch, o.lr);
    const char *comments[] = {cmd, info};
    struct truth done = {0};
    struct cli_data data = {0};
    struct gt g = {.out = o.out, .epochs = o.epochs, .batch = o.batch, .lr = o.lr, .s = &s,
                   .archs = archs, .jobs = jobs, .njobs = njobs, .data = &data};
    progress_init(&g.progress, stderr);
    int pending = 0, rc = 0, trained = 0;
    double t_all = ctx_seconds();
    failed = (rank == 0 && (truth_create(o.out, comments, 2, &e) ||
                            truth_check_settings(o.out, strchr(info, ',') + 2, &e) ||
                            truth_load(&done, o.out, &s, 0, &e))) ||
             cli_load_data(&data, o.data, &s, o.train_images, o.val_images, 1, &e);
    if (cli_settle(p, failed, &e)) {
        rc = 1; /* printed */
    } else if (o.worker) {
        rc = gt_worker(&g, o.worker, o.stale, &trained, &e);
    } else {
        pending = rank == 0 ? gt_pending(&g, &done, order) : 0;
        rc = gt_farm(&g, p, order, pending, &e);
    }
    if (rc < 0) {
        status = cli_fail(&e);
        if (size > 1)
            par_abort(p, status);
    } else if (rc) {
        status = 1;
    } else if (o.worker) {
        fprintf(stderr, "%d rows in %s (%d trained by this worker), %.0f s\n", njobs, o.out,
                trained, ctx_seconds() - t_all);
    } else if (rank == 0) {
        fprintf(stderr, "%d rows in %s (%d already there), %.0f s", njobs, o.out,
                njobs - pending, ctx_seconds() - t_all);
        if (size > 1)
            fprintf(stderr, " on %d ranks", size);
        fputc('\n', stderr);
    }
    truth_done(&done);
    cli_data_done(&data);
    free(jobs);
    free(order);
    return rc ? status : 0;
}

int cmd_groundtruth(int argc, char **argv)
{
    struct arch *archs = malloc(2 * GT_MAX * sizeof *archs);
    if (!archs) {
        fprintf(stderr, "oneshot: error: out of memory\n");
        return 1;
    }
    struct err e;
    struct par *p = NULL;
    if (cli_wants_par(argc, argv, "--worker") && !(p = par_new(NULL, NULL, &e))) {
        free(archs);
        return cli_fail(&e);
    }
    int rc = groundtruth(argc, argv, archs, p);
    par_free(p);
    free(archs);
    return rc;
}
