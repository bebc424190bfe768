/* luahost: what the tests of lua/luasearch.c and of the strategies shipped in
 * lua/ share (tests/test_luasearch.c, test_luastrategies.c,
 * test_luaevolution.c, test_lualimits.c): a fake, fast host (params and macs
 * from arch_cost, and a synthetic accuracy that grows with the
 * multiply-adds) that records every evaluation and report, the experiment x
 * that names the objectives, a temporary directory for the files a test
 * writes, and searches opened and run with them.  Run from the repository
 * root (make check does): the strategies are read from lua/.
 *
 * Everything is static: each test binary has its own. */
#ifndef ONESHOT_TESTS_LUAHOST_H
#define ONESHOT_TESTS_LUAHOST_H

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "arch.h"
#include "experiment.h"
#include "luasearch.h"
#include "space.h"

static char dir[64];            /* the mkdtemp directory */
static struct experiment x;     /* static: about 45 KB */
/* the engine's metrics of these tests: accuracy, params, macs */
static inline struct metrics engine_metrics(void)
{
    struct metrics r = {0};
    metrics_add(&r, "accuracy", METRIC_ACCURACY, NULL, NULL);
    metrics_add(&r, "params", METRIC_PARAMS, NULL, NULL);
    metrics_add(&r, "macs", METRIC_MACS, NULL, NULL);
    return r;
}

/* ------------------------------------------------------------ fake host */

#define MAX_EVALS 4096
#define MAX_KEPT 16 /* reports kept whole */
#define KEPT_POP 64

struct kept {
    int g, n, nm;
    struct arch pop[KEPT_POP];
    double values[KEPT_POP * LUASEARCH_MAX_METRICS];
};

struct host {
    const struct space *s;
    double macs_scale;
    int calls;                         /* evaluate calls */
    int nevals, dup;                   /* architectures evaluated, repeats */
    struct arch evals[MAX_EVALS];
    int recorded;                      /* recorded() calls */
    int nreports, last_gen, bad_gen, bad_values;
    int pop_min, pop_max;              /* sizes of the reported populations */
    double best[256];                  /* best accuracy of each generation */
    struct kept kept[MAX_KEPT];
    char transcript[1 << 16];          /* every report: "g: a b c\n" */
    size_t used;
    char printed[8192];                /* print and oneshot.log lines */
    int fail_at;                       /* evaluate fails at this call (0: never) */
    int fail_report_at;                /* report fails at this generation (0: never) */
    int interrupt_at;                  /* evaluate sets *interrupt at this call */
    volatile sig_atomic_t *interrupt;
};

static inline void host_init(struct host *h, const struct space *s)
{
    memset(h, 0, sizeof *h);
    h->s = s;
    struct arch a = {.n = s->nlayers};
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++)
            if (s->allowed[l] & (1ULL << c)) {
                a.choice[l] = c;
                break;
            }
    h->macs_scale = (double)arch_cost(s, &a).macs;
    h->pop_min = 1 << 30;
}

/* accuracy, params, macs of a */
static inline void fake_metrics(const struct host *h, const struct arch *a, double *v)
{
    struct cost c = arch_cost(h->s, a);
    double noise = 0;
    for (int l = 0; l < a->n; l++)
        noise += ((a->choice[l] * 7 + l * 13) % 11) / 10.0;
    noise /= a->n;
    v[0] = 0.5 + 0.4 * (1 - exp(-(double)c.macs / (2 * h->macs_scale))) + 0.03 * noise;
    v[1] = (double)c.params;
    v[2] = (double)c.macs;
}

static inline int fake_evaluate(void *ud, const struct arch *a, double *v, struct err *e)
{
    struct host *h = ud;
    h->calls++;
    if (h->fail_at && h->calls == h->fail_at)
        return err_set(e, "host", 0, 0, "evaluation %d failed", h->calls);
    if (h->interrupt_at && h->calls == h->interrupt_at)
        *h->interrupt = 1;
    for (int i = 0; i < h->nevals; i++)
        if (arch_equal(&h->evals[i], a))
            h->dup++;
    if (h->nevals < MAX_EVALS)
        h->evals[h->nevals++] = *a;
    fake_metrics(h, a, v);
    return 0;
}

static inline int fake_recorded(void *ud, const struct arch *a, const double *values,
                                int nmetrics, struct err *e)
{
    struct host *h = ud;
    (void)a, (void)values, (void)nmetrics, (void)e;
    h->recorded++;
    return 0;
}

static inline void append(struct host *h, const char *text)
{
    size_t n = strlen(text);
    if (h->used + n < sizeof h->transcript) {
        memcpy(h->transcript + h->used, text, n + 1);
        h->used += n;
    }
}

static inline int fake_report(void *ud, int g, const struct arch *pop, int n,
                              const double *values, int nm, struct err *e)
{
    struct host *h = ud;
    if (h->fail_report_at && g == h->fail_report_at)
        return err_set(e, "host", 0, 0, "cannot write generation %d", g);
    if (g != h->last_gen + 1)
        h->bad_gen++;
    h->last_gen = g;
    h->pop_min = n < h->pop_min ? n : h->pop_min;
    h->pop_max = n > h->pop_max ? n : h->pop_max;
    char buf[32];
    snprintf(buf, sizeof buf, "%d:", g);
    append(h, buf);
    double best = -1;
    for (int i = 0; i < n; i++) {
        char a[512];
        arch_format(h->s, &pop[i], a, sizeof a);
        append(h, " ");
        append(h, a);
        double v[3];
        fake_metrics(h, &pop[i], v);
        for (int j = 0; j < 3; j++)
            if (values[i * nm + j] != v[j])
                h->bad_values++;
        best = v[0] > best ? v[0] : best;
    }
    append(h, "\n");
    if (g < 256)
        h->best[g] = best;
    if (h->nreports < MAX_KEPT) {
        struct kept *k = &h->kept[h->nreports];
        k->g = g;
        k->n = n < KEPT_POP ? n : KEPT_POP;
        k->nm = nm;
        memcpy(k->pop, pop, (size_t)k->n * sizeof *pop);
        memcpy(k->values, values, (size_t)k->n * nm * sizeof *values);
    }
    h->nreports++;
    return 0;
}

static inline void fake_print(void *ud, const char *text)
{
    struct host *h = ud;
    size_t used = strlen(h->printed);
    snprintf(h->printed + used, sizeof h->printed - used, "%s\n", text);
}

static const struct luasearch_host fake = {
    .evaluate = fake_evaluate, .report = fake_report, .recorded = fake_recorded,
    .print = fake_print};

/* ------------------------------------------------------------ helpers */

/* x: the defaults plus objectives accuracy (maximize, weight wa) and params
 * (minimize, weight wp). */
static inline void two_objectives(double wa, double wp)
{
    experiment_defaults(&x, "t", dir);
    x.nobjectives = 2;
    snprintf(x.objectives[0].name, sizeof x.objectives[0].name, "accuracy");
    x.objectives[0].direction = EXP_MAXIMIZE;
    x.objectives[0].weight = wa;
    x.objectives[1] = x.objectives[0];
    snprintf(x.objectives[1].name, sizeof x.objectives[1].name, "params");
    x.objectives[1].direction = EXP_MINIMIZE;
    x.objectives[1].weight = wp;
}

/* x, or for nao.lua without params x with a small controller: these tests
 * are about the protocol, and its defaults train for seconds a round
 * (tests/test_luanao.c tests the controller's bindings). */
static inline const struct experiment *experiment_for(const char *strategy)
{
    static struct experiment small; /* static: large */
    static const char *const sizes[][2] = {{"embed", "8"}, {"hidden", "8"}, {"epochs", "5"}};
    if (!strstr(strategy, "nao.lua") || x.search.nparams)
        return &x;
    small = x;
    for (int i = 0; i < 3; i++) {
        struct exp_param *p = &small.search.params[small.search.nparams++];
        *p = (struct exp_param){.line = 1, .col = 1, .key_line = 1, .key_col = 1};
        snprintf(p->key, sizeof p->key, "%s", sizes[i][0]);
        snprintf(p->value, sizeof p->value, "%s", sizes[i][1]);
    }
    return &small;
}

static inline struct luasearch *open_search(const char *strategy, const struct space *s,
                                            uint64_t seed, int gens, int pop, const char *metrics,
                                            struct host *h, volatile sig_atomic_t *interrupt,
                                            struct err *e)
{
    struct luasearch_host lh = fake;
    lh.ud = h;
    struct metrics engine = engine_metrics();
    struct luasearch_config c = {.s = s,
                                 .seed = seed,
                                 .generations = gens,
                                 .population = pop,
                                 .strategy = strategy,
                                 .metrics = metrics,
                                 .x = experiment_for(strategy),
                                 .engine = &engine,
                                 .interrupt = interrupt,
                                 .library = "lua"};
    return luasearch_new(&c, &lh, e);
}

/* Runs strategy with x; 0, or -1 with e filled. */
static inline int run_search(const char *strategy, const struct space *s, uint64_t seed,
                             int gens, int pop, const char *metrics, struct host *h,
                             struct err *e)
{
    host_init(h, s);
    struct luasearch *ls = open_search(strategy, s, seed, gens, pop, metrics, h, NULL, e);
    if (!ls)
        return -1;
    int rc = luasearch_run(ls, e);
    luasearch_free(ls);
    return rc;
}

static inline void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL))
        return;
    fputs(text, f);
    fclose(f);
}

/* Writes text to dir/name; its path goes to path. */
static inline void write_file(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    write_text(path, text);
}

static struct host h1; /* static: large */

/* Runs a strategy whose run() is body (from line 2 of the file) and expects
 * the error "PATH:LINE: error: in run: " + want (line 0: no line). */
static inline void run_error(const char *body, int line, const char *want)
{
    char path[256], text[4096], full[1024];
    snprintf(text, sizeof text, "return {run = function()\n%s\nend}\n", body);
    write_file("bad.lua", text, path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    struct err e;
    CHECK(run_search(path, &s, 1, 3, 4, NULL, &h1, &e) == -1);
    if (line)
        snprintf(full, sizeof full, "%s:%d: error: in run: %s", path, line, want);
    else
        snprintf(full, sizeof full, "%s: error: in run: %s", path, want);
    CHECK_STR(e.msg, full);
}

/* The directory the tests write into, /tmp/oneshot-NAME-XXXXXX: 0, or -1
 * (said on stderr). */
static inline int dir_open(const char *name)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-%s-XXXXXX", name);
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return -1;
    }
    return 0;
}

/* Removes the directory with every file the tests left in it: 0, or -1. */
static inline int dir_remove(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    return system(cmd) != 0 ? -1 : 0;
}

#endif
