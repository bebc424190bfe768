/* oneshot latency: lookup tables of per-layer latency.
 *   build    measures a table of a space on this machine (then checks it);
 *   check    measures random whole architectures and compares them with a
 *            table's predictions;
 *   compare  ranks random architectures by two devices' latencies;
 *   predict  per-layer latency, parameters and multiply-adds of one architecture. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "latency.h"
#include "latmeasure.h"
#include "opts.h"
#include "progress.h"
#include "rank.h"
#include "rng.h"
#include "sampler.h"

/* random architectures of check and compare: a stream of their own */
#define STREAM_ARCHS (RNG_STREAM_BENCH + 32)
#define ARCH_TEXT (SPACE_MAX_LAYERS * CHOICE_NAME_MAX)

struct bar {
    struct progress p;
    const char *what;
};

static void on_progress(void *user, int done, int total)
{
    struct bar *b = user;
    progress_update(&b->p, (double)done / total, done == total, "%s %d/%d", b->what, done, total);
}

int cli_latency_device(struct latency_table *t, const char *device, const struct space *s,
                       const struct ctx *c, struct err *e)
{
    struct bar b = {.what = "timing host networks"};
    progress_init(&b.p, stderr);
    int rc = shipped_device(t, device, s, c, on_progress, &b, e);
    progress_clear(&b.p);
    return rc;
}

/* Random architectures of s from (seed, STREAM_ARCHS); NULL when out of memory. */
static struct arch *random_archs(const struct space *s, int n, uint64_t seed)
{
    struct arch *a = malloc((size_t)n * sizeof *a);
    if (!a)
        return NULL;
    struct rng r;
    rng_seed(&r, seed, STREAM_ARCHS);
    for (int i = 0; i < n; i++)
        arch_random(s, &r, &a[i]);
    return a;
}

/* Measures n random architectures against t's predictions. */
static int run_check(struct latency_agreement *g, double *mean_ms, const struct latency_table *t,
                     int n, const struct latency_opts *o, const struct ctx *c, int list,
                     struct err *e)
{
    struct arch *a = random_archs(&t->space, n, o->seed);
    double *pred = malloc((size_t)n * sizeof *pred), *meas = malloc((size_t)n * sizeof *meas);
    int rc = -1;
    if (!a || !pred || !meas) {
        err_plain(e, "out of memory");
        goto out;
    }
    struct bar b = {.what = "timing architectures"};
    progress_init(&b.p, stderr);
    rc = latency_measure(meas, &t->space, a, n, o, c, on_progress, &b, e);
    progress_clear(&b.p);
    if (rc)
        goto out;
    *mean_ms = 0;
    for (int i = 0; i < n; i++) {
        pred[i] = latency_predict(t, &a[i]);
        *mean_ms += meas[i] / n;
        if (list) {
            char buf[ARCH_TEXT];
            arch_format(&t->space, &a[i], buf, sizeof buf);
            printf("%-60s predicted %8.4f ms  measured %8.4f ms  %+6.1f%%\n", buf, pred[i],
                   meas[i], 100 * (pred[i] - meas[i]) / meas[i]);
        }
    }
    latency_agreement(g, pred, meas, n);
out:
    free(a);
    free(pred);
    free(meas);
    return rc;
}

static void print_check(const struct latency_agreement *g, double mean_ms,
                        const struct latency_table *t)
{
    char stat[32] = "median";
    if (t->percentile != 50)
        snprintf(stat, sizeof stat, "percentile %g", t->percentile);
    printf("check: %d random architectures of %s measured end to end (batch %d, %d thread%s, "
           "%s, %s)\n",
           g->n, t->space.name, t->batch, t->threads, t->threads == 1 ? "" : "s", stat,
           t->cpu_time && t->threads == 1 ? "CPU time" : "wall clock");
    printf("  within +-5%%: %.0f%%   within +-10%%: %.0f%%   mean |error| %.1f%%\n",
           100 * g->within_5pct, 100 * g->within_10pct, g->mean_abs_pct);
    printf("  RMSE %.4f ms (mean latency %.4f ms)   Kendall tau %.3f\n", g->rmse_ms, mean_ms,
           g->kendall_tau);
}

static void json_check(struct json *j, const struct latency_agreement *g, double mean_ms)
{
    json_int(j, "n", g->n);
    json_num(j, "within_5pct", g->within_5pct);
    json_num(j, "within_10pct", g->within_10pct);
    json_num(j, "rmse_ms", g->rmse_ms);
    json_num(j, "kendall_tau", g->kendall_tau);
    json_num(j, "mean_abs_pct", g->mean_abs_pct);
    json_num(j, "mean_ms", mean_ms);
}

/* Smallest and largest prediction of t, layer by layer. */
static void extremes(const struct latency_table *t, double *lo, double *hi)
{
    *lo = *hi = latency_fixed(t);
    for (int l = 0; l < t->space.nlayers; l++) {
        double a = INFINITY, b = -INFINITY;
        for (int c = 0; c < t->space.nchoices; c++) {
            double v = latency_layer(t, l, c);
            if (!isnan(v)) {
                a = v < a ? v : a;
                b = v > b ? v : b;
            }
        }
        *lo += a;
        *hi += b;
    }
}

static int cmd_build(int argc, char **argv)
{
    const char *space_file = NULL, *out = NULL;
    int threads = 0, check_archs = 20, as_json = 0, no_pin = 0, seed = 0, wall = 0;
    struct latency_opts o;
    latency_opts_default(&o);
    struct opt opts[] = {
        {"out", OPT_STRING, &out, "LUT.yaml", "table to write (required)", 0, -1, 0},
        {"space", OPT_STRING, &space_file, "FILE", "search space (default: built-in fmnist)", 0, -1, 0},
        {"threads", OPT_INT, &threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"batch", OPT_INT, &o.batch, "B", "images per forward (default 1)", 1, 65536, 0},
        {"repeats", OPT_INT, &o.repeats, "N", "timed forwards of each network (default 31)", 1, 100000, 0},
        {"warmup", OPT_INT, &o.warmup, "N", "untimed forwards first (default 10)", 0, 100000, 0},
        {"rounds", OPT_INT, &o.rounds, "N", "networks each layer choice is timed in (default 5)", 1, 1000, 0},
        {"percentile", OPT_FLOAT, &o.percentile, "P", "statistic of the repeats: 50 the median (default), 0 the minimum", 0, -1, 0},
        {"seed", OPT_INT, &seed, "S", "networks, weights and inputs (default 0)", 0, 2147483647, 0},
        {"no-pin", OPT_FLAG, &no_pin, NULL, "do not pin threads to CPUs", 0, -1, 0},
        {"wall-clock", OPT_FLAG, &wall, NULL, "time one thread by the wall clock, not its CPU time", 0, -1, 0},
        {"check-archs", OPT_INT, &check_archs, "N", "architectures checked afterwards, 0 for none (default 20)", 0, 100000, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "latency build",
                             "oneshot latency build [--space FILE] [--threads T] [--batch 1] --out LUT.yaml");
    if (status >= 0)
        return status;
    struct err e;
    if (!out) {
        err_plain(&e, "--out LUT.yaml is required");
        return cli_usage_error(&e, "latency build");
    }
    if (!(o.percentile >= 0 && o.percentile <= 100)) {
        err_plain(&e, "--percentile: %g is out of range (0 to 100)", o.percentile);
        return cli_usage_error(&e, "latency build");
    }
    o.pin = !no_pin;
    o.cpu_time = !wall;
    o.seed = (uint64_t)seed;
    struct ctx ctx;
    cli_ctx(&ctx, threads);
    struct space s;
    if (shipped_space(&s, space_file, &e))
        return cli_fail(&e);
    struct latency_table t;
    struct bar b = {.what = "timing networks"};
    progress_init(&b.p, stderr);
    double t0 = ctx_seconds();
    int rc = latency_build(&t, &s, &o, &ctx, on_progress, &b, &e);
    progress_clear(&b.p);
    if (rc || latency_table_save(&t, out, &e))
        return cli_fail(&e);
    double seconds = ctx_seconds() - t0, lo, hi;
    extremes(&t, &lo, &hi);
    struct latency_agreement g = {0};
    double mean_ms = 0;
    if (check_archs > 0) {
        /* other architectures than the build's networks: another seed */
        o.seed = (uint64_t)seed + 1;
        if (run_check(&g, &mean_ms, &t, check_archs, &o, &ctx, 0, &e))
            return cli_fail(&e);
    }
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "space", s.name);
        json_str(&j, "out", out);
        json_int(&j, "batch", t.batch);
        json_int(&j, "threads", t.threads);
        json_num(&j, "percentile", t.percentile);
        json_num(&j, "stem_ms", t.stem_ms);
        json_num(&j, "head_ms", t.head_ms);
        json_num(&j, "overhead_ms", t.overhead_ms);
        json_num(&j, "min_ms", lo);
        json_num(&j, "max_ms", hi);
        json_num(&j, "seconds", seconds);
        json_str(&j, "machine", t.machine);
        json_str(&j, "blas", t.blas);
        if (check_archs > 0)
            json_check(&j, &g, mean_ms);
        json_end(&j);
        return 0;
    }
    printf("latency table of %s written to %s (%.0f s)\n", s.name, out, seconds);
    printf("  %s; %s; %d thread%s, batch %d\n", t.machine, t.blas, t.threads,
           t.threads == 1 ? "" : "s", t.batch);
    printf("  fixed part %.4f ms (stem %.4f, head %.4f, overhead %.4f); architectures from "
           "%.4f to %.4f ms\n",
           latency_fixed(&t), t.stem_ms, t.head_ms, t.overhead_ms, lo, hi);
    if (check_archs > 0)
        print_check(&g, mean_ms, &t);
    return 0;
}

/* The space a table is for: --space, or else the built-in space the file names. */
static int table_space(struct space *s, const char *space_file, const char *lut, struct err *e)
{
    if (space_file)
        return shipped_space(s, space_file, e);
    char name[SPACE_NAME_MAX];
    if (latency_file_space(lut, name, sizeof name, e))
        return -1;
    if (!*name)
        return err_set(e, lut, 0, 0, "a device model: give --space");
    if (space_builtin(s, name) != 0)
        return err_set(e, lut, 0, 0, "the table is for space '%s', which is not built in: give "
                                     "--space FILE",
                       name);
    return 0;
}

static int cmd_check(int argc, char **argv)
{
    const char *space_file = NULL, *lut = NULL;
    int archs = 50, as_json = 0, list = 0, threads = -1, no_pin = 0, seed = 1;
    struct latency_opts o;
    latency_opts_default(&o);
    struct opt opts[] = {
        {"lut", OPT_STRING, &lut, "LUT.yaml", "table to check (required)", 0, -1, 0},
        {"archs", OPT_INT, &archs, "N", "random architectures to measure (default 50)", 2, 1000000, 0},
        {"space", OPT_STRING, &space_file, "FILE", "search space (default: the table's)", 0, -1, 0},
        {"threads", OPT_INT, &threads, "T", "threads (default: the table's)", 0, 1024, 0},
        {"repeats", OPT_INT, &o.repeats, "N", "timed forwards of each architecture (default 31)", 1, 100000, 0},
        {"warmup", OPT_INT, &o.warmup, "N", "untimed forwards first (default 10)", 0, 100000, 0},
        {"passes", OPT_INT, &o.passes, "N", "passes over the architectures, each keeps its fastest (default 2)", 1, 100, 0},
        {"seed", OPT_INT, &seed, "S", "architectures, weights and inputs (default 1)", 0, 2147483647, 0},
        {"no-pin", OPT_FLAG, &no_pin, NULL, "do not pin threads to CPUs", 0, -1, 0},
        {"list", OPT_FLAG, &list, NULL, "print every architecture's prediction and measurement", 0, -1, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "latency check",
                             "oneshot latency check --lut LUT.yaml --archs N [--json]");
    if (status >= 0)
        return status;
    struct err e;
    if (!lut) {
        err_plain(&e, "--lut LUT.yaml is required");
        return cli_usage_error(&e, "latency check");
    }
    struct space s;
    struct latency_table t;
    if (table_space(&s, space_file, lut, &e) || latency_table_load(&t, lut, &s, &e))
        return cli_fail(&e);
    if (t.kind == LATENCY_MODEL) {
        err_set(&e, lut, 0, 0, "a device model (%s) cannot be checked on this machine",
                t.device);
        return cli_fail(&e);
    }
    o.batch = t.batch;
    o.percentile = t.percentile; /* measured as the table was */
    o.cpu_time = t.cpu_time;
    o.pin = !no_pin;
    o.seed = (uint64_t)seed;
    struct ctx ctx;
    cli_ctx(&ctx, threads >= 0 ? threads : t.threads);
    t.threads = ctx.threads;
    struct latency_agreement g;
    double mean_ms;
    if (run_check(&g, &mean_ms, &t, archs, &o, &ctx, list && !as_json, &e))
        return cli_fail(&e);
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "space", s.name);
        json_str(&j, "lut", lut);
        json_int(&j, "batch", t.batch);
        json_int(&j, "threads", ctx.threads);
        json_num(&j, "percentile", t.percentile);
        json_str(&j, "clock", o.cpu_time && ctx.threads == 1 ? "cpu" : "wall");
        json_check(&j, &g, mean_ms);
        json_end(&j);
    } else {
        print_check(&g, mean_ms, &t);
    }
    return 0;
}

/* Architectures i, j that a and b order oppositely, by how much both
 * disagree: the smaller of the two ratios. */
struct flip {
    int i, j;       /* i is faster on a, j faster on b */
    double score;
};

static int by_score(const void *x, const void *y)
{
    const struct flip *p = x, *q = y;
    return (p->score < q->score) - (p->score > q->score);
}

/* The k strongest flips with no architecture used twice; returns how many. */
static int find_flips(const double *a, const double *b, int n, struct flip *out, int k)
{
    struct flip *all = malloc((size_t)n * sizeof *all);
    int found = 0;
    if (!all)
        return 0;
    /* for each i, its best partner; then the best of those */
    for (int i = 0; i < n; i++) {
        all[i] = (struct flip){i, -1, 0};
        for (int j = 0; j < n; j++) {
            if (!(a[i] < a[j] && b[i] > b[j]))
                continue;
            double ra = a[j] / a[i], rb = b[i] / b[j];
            double sc = ra < rb ? ra : rb;
            if (sc > all[i].score)
                all[i] = (struct flip){i, j, sc};
        }
    }
    qsort(all, (size_t)n, sizeof *all, by_score);
    char *used = calloc((size_t)n, 1);
    for (int x = 0; x < n && found < k && used; x++) {
        if (all[x].j < 0 || used[all[x].i] || used[all[x].j])
            continue;
        used[all[x].i] = used[all[x].j] = 1;
        out[found++] = all[x];
    }
    free(used);
    free(all);
    return found;
}

static int count_se(const struct space *s, const struct arch *a)
{
    int n = 0;
    for (int l = 0; l < a->n; l++)
        n += s->choices[a->choice[l]].se;
    return n;
}

static int cmd_compare(int argc, char **argv)
{
    const char *space_file = NULL, *lut = NULL, *device = "mobile-gpu";
    int archs = 1000, as_json = 0, threads = 0, seed = 0, nex = 3, list = 0;
    struct opt opts[] = {
        {"lut", OPT_STRING, &lut, "DEVICE", "first device: a table file, a model, host (required)", 0, -1, 0},
        {"device", OPT_STRING, &device, "DEVICE", "second device (default mobile-gpu)", 0, -1, 0},
        {"space", OPT_STRING, &space_file, "FILE", "search space (default: the table's)", 0, -1, 0},
        {"archs", OPT_INT, &archs, "N", "random architectures (default 1000)", 2, 100000, 0},
        {"examples", OPT_INT, &nex, "K", "pairs ranked oppositely to show (default 3)", 0, 100, 0},
        {"seed", OPT_INT, &seed, "S", "architectures (default 0)", 0, 2147483647, 0},
        {"threads", OPT_INT, &threads, "T", "threads, for host (default: all cores)", 0, 1024, 0},
        {"list", OPT_FLAG, &list, NULL, "print every architecture with its two latencies", 0, -1, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "latency compare",
                             "oneshot latency compare --lut LUT.yaml --device mobile-gpu [--archs 1000] [--json]");
    if (status >= 0)
        return status;
    struct err e;
    if (!lut) {
        err_plain(&e, "--lut is required");
        return cli_usage_error(&e, "latency compare");
    }
    struct ctx ctx;
    cli_ctx(&ctx, threads);
    struct space s;
    struct latency_table ta, tb;
    int lut_is_file = strchr(lut, '/') || strchr(lut, '.');
    if ((space_file || !lut_is_file ? shipped_space(&s, space_file, &e)
                                    : table_space(&s, NULL, lut, &e)) ||
        cli_latency_device(&ta, lut, &s, &ctx, &e) || cli_latency_device(&tb, device, &s, &ctx, &e))
        return cli_fail(&e);
    struct arch *a = random_archs(&s, archs, (uint64_t)seed);
    double *la = malloc((size_t)archs * sizeof *la), *lb = malloc((size_t)archs * sizeof *lb);
    struct flip fl[100];
    if (!a || !la || !lb) {
        free(a), free(la), free(lb);
        err_plain(&e, "out of memory");
        return cli_fail(&e);
    }
    for (int i = 0; i < archs; i++) {
        la[i] = latency_predict(&ta, &a[i]);
        lb[i] = latency_predict(&tb, &a[i]);
    }
    if (list && !as_json)
        for (int i = 0; i < archs; i++) {
            char buf[ARCH_TEXT];
            arch_format(&s, &a[i], buf, sizeof buf);
            printf("%s %.6g %.6g\n", buf, la[i], lb[i]);
        }
    double tau = kendall_tau(la, lb, archs), rho = spearman_rho(la, lb, archs);
    int nf = find_flips(la, lb, archs, fl, nex);
    const char *na = *ta.device ? ta.device : lut, *nb = *tb.device ? tb.device : device;
    char x[ARCH_TEXT], y[ARCH_TEXT];
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "space", s.name);
        json_str(&j, "a", na);
        json_str(&j, "b", nb);
        json_int(&j, "n", archs);
        json_num(&j, "kendall_tau", tau);
        json_num(&j, "spearman", rho);
        fputs(", \"examples\": [", stdout);
        for (int k = 0; k < nf; k++) {
            arch_format(&s, &a[fl[k].i], x, sizeof x);
            arch_format(&s, &a[fl[k].j], y, sizeof y);
            printf("%s{\"faster_on_a\": ", k ? ", " : "");
            json_quote(stdout, x);
            printf(", \"faster_on_b\": ");
            json_quote(stdout, y);
            printf(", \"a_ms\": [%.6g, %.6g], \"b_ms\": [%.6g, %.6g]}", la[fl[k].i], la[fl[k].j],
                   lb[fl[k].i], lb[fl[k].j]);
        }
        fputs("]", stdout);
        json_end(&j);
    } else {
        printf("%d random architectures of %s (seed %d)\n", archs, s.name, seed);
        printf("  a: %s%s (%s)\n", na, ta.kind == LATENCY_MODEL ? " [model]" : "", ta.machine);
        printf("  b: %s%s (%s)\n", nb, tb.kind == LATENCY_MODEL ? " [model]" : "", tb.machine);
        printf("rank correlation of a against b: Kendall tau %.3f, Spearman rho %.3f\n", tau, rho);
        for (int k = 0; k < nf; k++) {
            const struct arch *p = &a[fl[k].i], *q = &a[fl[k].j];
            arch_format(&s, p, x, sizeof x);
            arch_format(&s, q, y, sizeof y);
            printf("\nfaster on %s, slower on %s:\n  %s  (%d SE)\n", na, nb, x, count_se(&s, p));
            printf("faster on %s, slower on %s:\n  %s  (%d SE)\n", nb, na, y, count_se(&s, q));
            printf("  %s: %.4f vs %.4f ms (%.0f%% slower)   %s: %.4f vs %.4f ms (%.0f%% faster)\n",
                   na, la[fl[k].i], la[fl[k].j], 100 * (la[fl[k].j] / la[fl[k].i] - 1), nb,
                   lb[fl[k].i], lb[fl[k].j], 100 * (1 - lb[fl[k].j] / lb[fl[k].i]));
        }
    }
    free(a);
    free(la);
    free(lb);
    return 0;
}

static int cmd_predict(int argc, char **argv)
{
    const char *space_file = NULL, *device = "host", *arch_str = NULL;
    int as_json = 0, threads = 0;
    struct opt opts[] = {
        {"arch", OPT_STRING, &arch_str, "ARCH", "architecture (required)", 0, -1, 0},
        {"device", OPT_STRING, &device, "DEVICE", "a table file, mobile-gpu, mobile-cpu or host (default host: measured now)", 0, -1, 0},
        {"space", OPT_STRING, &space_file, "FILE", "search space (default: built-in fmnist)", 0, -1, 0},
        {"threads", OPT_INT, &threads, "T", "threads, for host (default: all cores)", 0, 1024, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "latency predict",
                             "oneshot latency predict --arch ARCH [--device DEVICE] [--json]");
    if (status >= 0)
        return status;
    struct err e;
    if (!arch_str) {
        err_plain(&e, "--arch is required");
        return cli_usage_error(&e, "latency predict");
    }
    struct ctx ctx;
    cli_ctx(&ctx, threads);
    struct space s;
    struct arch a;
    struct latency_table t;
    if (shipped_space(&s, space_file, &e) || arch_parse(&s, arch_str, "--arch", &a, &e) ||
        cli_latency_device(&t, device, &s, &ctx, &e))
        return cli_fail(&e);
    double total = latency_predict(&t, &a);
    struct cost c = arch_cost(&s, &a);
    char buf[ARCH_TEXT];
    arch_format(&s, &a, buf, sizeof buf);
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "arch", buf);
        json_str(&j, "space", s.name);
        json_str(&j, "device", t.device);
        json_str(&j, "origin", t.kind == LATENCY_MODEL ? "model" : "measured");
        json_num(&j, "ms", total);
        json_int(&j, "params", c.params);
        json_int(&j, "macs", c.macs);
        fputs(", \"layers_ms\": [", stdout);
        for (int l = 0; l < a.n; l++)
            printf("%s%.6g", l ? ", " : "", latency_layer(&t, l, a.choice[l]));
        fputs("]", stdout);
        json_end(&j);
        return 0;
    }
    printf("%s on %s%s\n\n", buf, t.device,
           t.kind == LATENCY_MODEL ? " (a model, not a measurement)" : "");
    printf("%-6s %-8s %10s %12s %10s %6s\n", "layer", "choice", "params", "mult-adds", "ms", "share");
    struct cost st = space_stem_cost(&s), hd = space_head_cost(&s);
    printf("%-6s %-8s %10lld %12lld %10.4f %5.1f%%\n", "stem", "conv", (long long)st.params,
           (long long)st.macs, t.stem_ms, 100 * t.stem_ms / total);
    for (int l = 0; l < a.n; l++) {
        struct cost lc = space_layer_cost(&s, l, a.choice[l]);
        double ms = latency_layer(&t, l, a.choice[l]);
        printf("%-6d %-8s %10lld %12lld %10.4f %5.1f%%\n", l + 1, s.choices[a.choice[l]].name,
               (long long)lc.params, (long long)lc.macs, ms, 100 * ms / total);
    }
    printf("%-6s %-8s %10lld %12lld %10.4f %5.1f%%\n", "head", "conv+fc", (long long)hd.params,
           (long long)hd.macs, t.head_ms, 100 * t.head_ms / total);
    printf("%-6s %-8s %10s %12s %10.4f %5.1f%%\n", "fixed", "overhead", "", "", t.overhead_ms,
           100 * t.overhead_ms / total);
    printf("\ntotal: %lld parameters, %lld multiply-adds, %.4f ms\n", (long long)c.params,
           (long long)c.macs, total);
    return 0;
}

int cmd_latency(int argc, char **argv)
{
    static const char usage[] =
        "usage: oneshot latency build --out LUT.yaml [--space FILE] [--threads T] [--batch 1]\n"
        "       oneshot latency check --lut LUT.yaml --archs N [--json]\n"
        "       oneshot latency compare --lut LUT.yaml --device mobile-gpu [--archs 1000] [--json]\n"
        "       oneshot latency predict --arch ARCH [--device DEVICE] [--json]\n";
    if (argc < 1) {
        fputs(usage, stderr);
        return 2;
    }
    const char *sub = argv[0];
    if (strcmp(sub, "build") == 0)
        return cmd_build(argc - 1, argv + 1);
    if (strcmp(sub, "check") == 0)
        return cmd_check(argc - 1, argv + 1);
    if (strcmp(sub, "compare") == 0)
        return cmd_compare(argc - 1, argv + 1);
    if (strcmp(sub, "predict") == 0)
        return cmd_predict(argc - 1, argv + 1);
    if (strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    fprintf(stderr, "oneshot latency: error: unknown subcommand '%s'\n", sub);
    fputs(usage, stderr);
    return 2;
}
