/* Tests of lua/luasearch.c and of the strategies shipped in lua/: every
 * binding of the search module against the C primitives it wraps (pareto.h),
 * every shipped strategy on the tiny and fmnist spaces (reports every
 * generation, evaluates each architecture once, replays for a seed, differs
 * for another, resumes from preloaded evaluations), MoGA with equal weights
 * generation for generation equal to NSGA-II, and the exact text and line of
 * every way a strategy, a metrics file or search.params can be wrong, plus
 * the sandbox's limits (instructions, memory, interrupt) and host errors
 * that a pcall in the script cannot swallow.
 *
 * The host is fake and fast: params and macs from arch_cost, and a synthetic
 * accuracy that grows with the multiply-adds.  Run from the repository root
 * (make check does): the strategies are read from lua/. */
#include <glob.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "arch.h"
#include "experiment.h"
#include "luasearch.h"
#include "pareto.h"
#include "space.h"

static char dir[64];            /* the mkdtemp directory */
static struct experiment x;     /* static: about 45 KB */
/* the engine's metrics of these tests: accuracy, params, macs */
static struct metrics engine_metrics(void)
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

static void host_init(struct host *h, const struct space *s)
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
static void fake_metrics(const struct host *h, const struct arch *a, double *v)
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

static int fake_evaluate(void *ud, const struct arch *a, double *v, struct err *e)
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

static int fake_recorded(void *ud, const struct arch *a, const double *values, int nmetrics,
                         struct err *e)
{
    struct host *h = ud;
    (void)a, (void)values, (void)nmetrics, (void)e;
    h->recorded++;
    return 0;
}

static void append(struct host *h, const char *text)
{
    size_t n = strlen(text);
    if (h->used + n < sizeof h->transcript) {
        memcpy(h->transcript + h->used, text, n + 1);
        h->used += n;
    }
}

static int fake_report(void *ud, int g, const struct arch *pop, int n, const double *values,
                       int nm, struct err *e)
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

static void fake_print(void *ud, const char *text)
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
static void two_objectives(double wa, double wp)
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
static const struct experiment *experiment_for(const char *strategy)
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

static struct luasearch *open_search(const char *strategy, const struct space *s, uint64_t seed,
                                     int gens, int pop, const char *metrics, struct host *h,
                                     volatile sig_atomic_t *interrupt, struct err *e)
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
static int run_search(const char *strategy, const struct space *s, uint64_t seed, int gens,
                      int pop, const char *metrics, struct host *h, struct err *e)
{
    host_init(h, s);
    struct luasearch *ls = open_search(strategy, s, seed, gens, pop, metrics, h, NULL, e);
    if (!ls)
        return -1;
    int rc = luasearch_run(ls, e);
    luasearch_free(ls);
    return rc;
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!CHECK(f != NULL))
        return;
    fputs(text, f);
    fclose(f);
}

/* Writes text to dir/name; its path goes to path. */
static void write_file(const char *name, const char *text, char *path, size_t n)
{
    snprintf(path, n, "%s/%s", dir, name);
    write_text(path, text);
}

/* The line of file path that contains needle (0 if none). */
static int line_of(const char *path, const char *needle)
{
    FILE *f = fopen(path, "r");
    char buf[1024];
    int line = 0, found = 0;
    if (!f)
        return 0;
    while (!found && fgets(buf, sizeof buf, f)) {
        line++;
        found = strstr(buf, needle) != NULL;
    }
    fclose(f);
    return found ? line : 0;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    static char buf[3][1 << 16];
    static int next;
    char *b = buf[next++ % 3];
    size_t n = fread(b, 1, sizeof buf[0] - 1, f);
    b[n] = 0;
    fclose(f);
    return b;
}

/* The shipped strategies: the .lua files of lua/. */
static int strategies(char paths[][256], int max)
{
    glob_t g;
    int n = 0;
    if (glob("lua/*.lua", 0, NULL, &g) != 0)
        return 0;
    for (size_t i = 0; i < g.gl_pathc && n < max; i++)
        snprintf(paths[n++], 256, "%s", g.gl_pathv[i]);
    globfree(&g);
    return n;
}

static struct host h1, h2, h3; /* static: large */

static int same_archs(const struct arch *a, const struct arch *b, int n)
{
    for (int i = 0; i < n; i++)
        if (!arch_equal(&a[i], &b[i]))
            return 0;
    return 1;
}

/* ------------------------------------------------------------ strategies */

static void test_every_file_loads(void)
{
    char paths[32][256];
    int n = strategies(paths, 32);
    CHECK(n >= 5); /* random, nsga2, moga, aging, fairnas at least */
    struct space s;
    space_builtin(&s, "tiny");
    two_objectives(1, 1);
    int seen = 0;
    for (int i = 0; i < n; i++) {
        struct err e;
        host_init(&h1, &s);
        struct luasearch *ls = open_search(paths[i], &s, 1, 2, 4, NULL, &h1, NULL, &e);
        if (!CHECK(ls != NULL)) {
            printf("  %s\n", e.msg);
            continue;
        }
        /* the table's name is the file's name */
        char base[256];
        snprintf(base, sizeof base, "%s", strrchr(paths[i], '/') + 1);
        *strrchr(base, '.') = 0;
        CHECK_STR(luasearch_name(ls), base);
        if (!CHECK(luasearch_run(ls, &e) == 0))
            printf("  %s\n", e.msg);
        CHECK_EQ_INT(h1.nreports, 2);
        luasearch_free(ls);
        static const char *const want[] = {"random", "nsga2", "moga", "aging", "fairnas"};
        for (int k = 0; k < 5; k++)
            if (strcmp(base, want[k]) == 0)
                seen |= 1 << k;
    }
    CHECK_EQ_INT(seen, 31);
}

/* Runs every shipped strategy on space for gens x pop: every generation
 * reported with a full population, gens * pop distinct evaluations, the same
 * transcript for the same seed and another for another seed. */
static void strategies_on(const char *space, int gens, int pop)
{
    char paths[32][256];
    int n = strategies(paths, 32);
    struct space s;
    space_builtin(&s, space);
    two_objectives(1, 1);
    for (int i = 0; i < n; i++) {
        struct err e;
        if (!CHECK(run_search(paths[i], &s, 7, gens, pop, NULL, &h1, &e) == 0)) {
            printf("  %s: %s\n", paths[i], e.msg);
            continue;
        }
        if (!CHECK(h1.nreports == gens && h1.bad_gen == 0))
            printf("  %s: %d reports\n", paths[i], h1.nreports);
        CHECK_EQ_INT(h1.pop_min, pop);
        CHECK_EQ_INT(h1.pop_max, pop);
        CHECK_EQ_INT(h1.bad_values, 0);
        /* each architecture evaluated once, and every proposal a new one */
        CHECK_EQ_INT(h1.dup, 0);
        CHECK_EQ_INT(h1.calls, gens * pop);
        CHECK_EQ_INT(h1.recorded, gens * pop);
        CHECK(run_search(paths[i], &s, 7, gens, pop, NULL, &h2, &e) == 0);
        if (!CHECK(strcmp(h1.transcript, h2.transcript) == 0))
            printf("  %s: not the same for the same seed\n", paths[i]);
        CHECK(h1.nevals == h2.nevals && same_archs(h1.evals, h2.evals, h1.nevals));
        CHECK(run_search(paths[i], &s, 8, gens, pop, NULL, &h3, &e) == 0);
        if (!CHECK(strcmp(h1.transcript, h3.transcript) != 0))
            printf("  %s: the same for another seed\n", paths[i]);
    }
}

static void test_strategies_tiny(void) { strategies_on("tiny", 5, 8); }

static void test_strategies_fmnist(void) { strategies_on("fmnist", 6, 12); }

/* More proposals than the space holds (tiny has 81 architectures): every
 * strategy still reports every generation and never evaluates twice. */
static void test_space_exhausted(void)
{
    char paths[32][256];
    int n = strategies(paths, 32);
    struct space s;
    space_builtin(&s, "tiny");
    two_objectives(1, 1);
    for (int i = 0; i < n; i++) {
        struct err e;
        if (!CHECK(run_search(paths[i], &s, 2, 8, 20, NULL, &h1, &e) == 0)) {
            printf("  %s: %s\n", paths[i], e.msg);
            continue;
        }
        CHECK_EQ_INT(h1.nreports, 8);
        CHECK_EQ_INT(h1.bad_gen, 0);
        CHECK_EQ_INT(h1.dup, 0);
        CHECK(h1.calls <= 81);
        CHECK(h1.calls > 60);
        CHECK(h1.pop_min >= 2);
    }
}

/* NSGA-II and its variants are elitist: parents compete with their offspring
 * for the next population (Deb et al. 2002), so the best accuracy never falls. */
static void test_elitism(void)
{
    static const char *const elitist[] = {"lua/nsga2.lua", "lua/moga.lua", "lua/fairnas.lua"};
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 0.3);
    for (int i = 0; i < 3; i++) {
        struct err e;
        if (!CHECK(run_search(elitist[i], &s, 3, 10, 10, NULL, &h1, &e) == 0)) {
            printf("  %s\n", e.msg);
            continue;
        }
        int falls = 0;
        for (int g = 2; g <= 10; g++)
            falls += h1.best[g] < h1.best[g - 1];
        if (!CHECK(falls == 0))
            printf("  %s: the best accuracy fell %d times\n", elitist[i], falls);
        CHECK(h1.best[10] > h1.best[1]);
    }
}

/* oneshot.strategy: a strategy built on a shipped one; the files it loaded
 * are listed (a run keeps copies); bad names are argument errors. */
static void test_strategy_library(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    two_objectives(1, 1);
    struct err e;
    struct host h = {0};
    struct luasearch *ls = open_search("lua/moga.lua", &s, 1, 2, 4, NULL, &h, NULL, &e);
    if (CHECK(ls != NULL)) {
        CHECK_STR(luasearch_name(ls), "moga");
        if (CHECK(luasearch_nloaded(ls) == 1))
            CHECK_STR(luasearch_loaded(ls, 0), "lua/nsga2.lua");
        luasearch_free(ls);
    } else {
        printf("  %s\n", e.msg);
    }
    char path[512], want[1024];
    write_file("lib.lua", "local s = oneshot.strategy('nsga3')\nreturn s\n", path, sizeof path);
    CHECK(open_search(path, &s, 1, 2, 4, NULL, &h, NULL, &e) == NULL);
    snprintf(want, sizeof want,
             "%s:1: error: oneshot.strategy('nsga3'): lua/nsga3.lua: error: cannot read: No such "
             "file or directory",
             path);
    CHECK_STR(e.msg, want);
    write_file("lib.lua", "return oneshot.strategy('../x')\n", path, sizeof path);
    CHECK(open_search(path, &s, 1, 2, 4, NULL, &h, NULL, &e) == NULL);
    snprintf(want, sizeof want,
             "%s:1: error: bad argument #1 to 'strategy' (a strategy's name: letters, digits, "
             "'_' and '-')",
             path);
    CHECK_STR(e.msg, want);
}

static void test_moga_equals_nsga2(void)
{
    struct space s;
    space_builtin(&s, "fmnist");
    struct err e;
    /* equal weights (not 1: only their ratios matter): the same generations */
    static const double equal[][2] = {{1, 1}, {2.5, 2.5}, {0.3, 0.3}};
    for (int k = 0; k < 3; k++) {
        two_objectives(equal[k][0], equal[k][1]);
        CHECK(run_search("lua/nsga2.lua", &s, 11, 8, 12, NULL, &h1, &e) == 0);
        if (!CHECK(run_search("lua/moga.lua", &s, 11, 8, 12, NULL, &h2, &e) == 0))
            printf("  %s\n", e.msg);
        CHECK_EQ_INT(h2.nreports, 8);
        if (!CHECK(strcmp(h1.transcript, h2.transcript) == 0))
            printf("  weights %g %g: moga differs from nsga2\n", equal[k][0], equal[k][1]);
    }
    /* three objectives, equal weights */
    two_objectives(1, 1);
    x.nobjectives = 3;
    x.objectives[2] = x.objectives[1];
    snprintf(x.objectives[2].name, sizeof x.objectives[2].name, "macs");
    CHECK(run_search("lua/nsga2.lua", &s, 12, 6, 10, NULL, &h1, &e) == 0);
    CHECK(run_search("lua/moga.lua", &s, 12, 6, 10, NULL, &h2, &e) == 0);
    CHECK(strcmp(h1.transcript, h2.transcript) == 0);
    /* unequal weights: other generations */
    two_objectives(1, 0.1);
    CHECK(run_search("lua/nsga2.lua", &s, 11, 8, 12, NULL, &h1, &e) == 0);
    CHECK(run_search("lua/moga.lua", &s, 11, 8, 12, NULL, &h2, &e) == 0);
    CHECK_EQ_INT(h2.nreports, 8);
    CHECK(strcmp(h1.transcript, h2.transcript) != 0);
    /* and nsga2 with weighted = true is moga */
    char yaml[256];
    write_file("w.yaml",
               "search:\n  strategy: nsga2\n  params:\n    weighted: true\n"
               "objectives:\n  - name: accuracy\n    direction: maximize\n"
               "  - name: params\n    direction: minimize\n    weight: 0.1\n",
               yaml, sizeof yaml);
    if (CHECK(experiment_load(&x, yaml, &e) == 0)) {
        CHECK(run_search("lua/nsga2.lua", &s, 11, 8, 12, NULL, &h1, &e) == 0);
        CHECK(strcmp(h1.transcript, h2.transcript) == 0);
    }
}

/* Aging evolution: after generation 1, each generation replaces the whole
 * queue, so a reported population is the last `population` children, oldest
 * first. */
static void test_aging_queue(void)
{
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 1);
    struct err e;
    if (!CHECK(run_search("lua/aging.lua", &s, 5, 4, 10, NULL, &h1, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    for (int r = 0; r < 4; r++) {
        const struct kept *k = &h1.kept[r];
        CHECK_EQ_INT(k->n, 10);
        for (int i = 0; i < k->n; i++)
            CHECK(arch_equal(&k->pop[i], &h1.evals[r * 10 + i]));
    }
    /* each child is one layer away from a member of the queue it came from */
    int far = 0;
    for (int i = 10; i < 40; i++) {
        int near = 0;
        for (int j = i - 10; j < i && !near; j++)
            near = arch_distance(&h1.evals[i], &h1.evals[j]) == 1;
        far += !near;
    }
    CHECK_EQ_INT(far, 0);
    /* one objective: selection pressure raises the mean accuracy */
    experiment_defaults(&x, "t", dir);
    if (!CHECK(run_search("lua/aging.lua", &s, 5, 10, 10, NULL, &h1, &e) == 0))
        return;
    double first = 0, last = 0;
    for (int i = 0; i < 10; i++) {
        first += h1.kept[0].values[i * h1.kept[0].nm];
        last += h1.kept[9].values[i * h1.kept[9].nm];
    }
    CHECK(last > first);
}

/* A resumed run: the strategy starts again with the evaluations made so far
 * preloaded, proposes the same architectures, and the host evaluates only
 * the new ones. */
static void test_resume_replays(void)
{
    char paths[32][256];
    int n = strategies(paths, 32);
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 1);
    for (int i = 0; i < n; i++) {
        struct err e;
        if (!CHECK(run_search(paths[i], &s, 21, 5, 8, NULL, &h1, &e) == 0))
            continue;
        int done = 17; /* stopped after 17 evaluations */
        host_init(&h2, &s);
        struct luasearch *ls = open_search(paths[i], &s, 21, 5, 8, NULL, &h2, NULL, &e);
        if (!CHECK(ls != NULL))
            continue;
        for (int k = 0; k < done; k++) {
            double v[LUASEARCH_MAX_METRICS];
            fake_metrics(&h1, &h1.evals[k], v);
            CHECK(luasearch_preload(ls, &h1.evals[k], v) == 0);
        }
        CHECK(luasearch_run(ls, &e) == 0);
        luasearch_free(ls);
        if (!CHECK(strcmp(h1.transcript, h2.transcript) == 0))
            printf("  %s: a resumed run does not replay\n", paths[i]);
        CHECK_EQ_INT(h2.calls, 40 - done);
        CHECK_EQ_INT(h2.recorded, 40 - done);
        CHECK(same_archs(h2.evals, h1.evals + done, 40 - done));
    }
}


/* The literal block of the man page that starts with first (up to .Ed). */
static int man_block(const char *first, char *out, size_t n)
{
    const char *text = read_all("man/oneshot-lua.7");
    const char *b = text ? strstr(text, first) : NULL;
    const char *e = b ? strstr(b, "\n.Ed") : NULL;
    if (!b || !e)
        return -1;
    snprintf(out, n, "%.*s\n", (int)(e - b), b);
    return 0;
}

/* The examples of oneshot-lua(7) run. */
static void test_man_examples(void)
{
    char text[4096], path[256], metrics[256];
    if (!CHECK(man_block("return {\n  name = \"hill\"", text, sizeof text) == 0))
        return;
    write_file("hill.lua", text, path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 1);
    struct err e;
    if (!CHECK(run_search(path, &s, 5, 6, 8, NULL, &h1, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(h1.nreports, 6);
    CHECK_EQ_INT(h1.bad_gen, 0);
    CHECK_EQ_INT(h1.dup, 0);
    CHECK(h1.best[6] >= h1.best[2]);
    /* the metrics example, as an objective */
    if (!CHECK(man_block("return {\n  reward = function(m, a)", text, sizeof text) == 0))
        return;
    write_file("reward.lua", text, metrics, sizeof metrics);
    snprintf(x.objectives[1].name, sizeof x.objectives[1].name, "reward");
    x.objectives[1].direction = EXP_MAXIMIZE;
    if (!CHECK(run_search("lua/nsga2.lua", &s, 5, 3, 8, metrics, &h1, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(h1.nreports, 3);
    const struct kept *k = &h1.kept[2];
    CHECK_EQ_INT(k->nm, 4);
    for (int i = 0; i < k->n; i++) {
        const double *v = k->values + i * k->nm;
        CHECK_NEAR(v[3], v[0] * pow(v[2] / 5e6, -0.07), 1e-12);
    }
}

/* FairNAS with only the controller's mutation and no crossover: every child
 * is one layer away from a member of the population it came from. */
static void test_fairnas_controller(void)
{
    char yaml[256];
    write_file("f.yaml",
               "search:\n  params:\n    reinforced: 1\n    crossover: 0\n    lr: 2.0\n"
               "objectives:\n  - name: accuracy\n    direction: maximize\n"
               "  - name: params\n    direction: minimize\n",
               yaml, sizeof yaml);
    struct err e;
    if (!CHECK(experiment_load(&x, yaml, &e) == 0))
        return;
    struct space s;
    space_builtin(&s, "fmnist");
    if (!CHECK(run_search("lua/fairnas.lua", &s, 9, 6, 10, NULL, &h1, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(h1.nreports, 6);
    int far = 0;
    for (int g = 1; g < 6; g++) {
        const struct kept *parents = &h1.kept[g - 1];
        for (int i = g * 10; i < (g + 1) * 10; i++) {
            int near = 0;
            for (int j = 0; j < parents->n && !near; j++)
                near = arch_distance(&h1.evals[i], &parents->pop[j]) == 1;
            far += !near;
        }
    }
    CHECK_EQ_INT(far, 0);
    /* and the controller's draws differ from random point mutation */
    int before = (int)h1.used;
    char first[1 << 16];
    memcpy(first, h1.transcript, (size_t)before + 1);
    write_file("f.yaml",
               "search:\n  params:\n    reinforced: 0\n    crossover: 0\n    lr: 2.0\n"
               "objectives:\n  - name: accuracy\n    direction: maximize\n"
               "  - name: params\n    direction: minimize\n",
               yaml, sizeof yaml);
    if (CHECK(experiment_load(&x, yaml, &e) == 0) &&
        CHECK(run_search("lua/fairnas.lua", &s, 9, 6, 10, NULL, &h1, &e) == 0))
        CHECK(strcmp(first, h1.transcript) != 0);
}

/* ------------------------------------------------------------ bindings */

static const char *bind_lua =
    "return {\n"
    "  name = 'bind',\n"
    "  params = {n = 3, rate = 0.5, flag = true, word = 'hi'},\n"
    "  run = function()\n"
    "    local p = oneshot.params\n"
    "    oneshot.log('params', p.n, math.type(p.n), p.rate, p.flag, p.word)\n"
    "    local o = oneshot.objectives\n"
    "    print('fields', oneshot.generations, oneshot.population, oneshot.seed, #o,\n"
    "          o[1].name, o[1].direction, o[1].maximize, o[1].weight,\n"
    "          o[2].name, o[2].direction, o[2].maximize, o[2].weight,\n"
    "          table.concat(oneshot.metrics, ','), oneshot.space.name)\n"
    "    local a = oneshot.arch('k3e3-k3e6-k5e3-k5e6-k7e3-k7e6-k3e3-k3e6-k5e3-k5e6-k7e3-k7e6')\n"
    "    local before = oneshot.evaluated(a)\n"
    "    local m = oneshot.evaluate(a)\n"
    "    local again, seen = oneshot.evaluate(a), oneshot.evaluated(a)\n"
    "    oneshot.log('evaluate', tostring(before), m.params == a:cost().params,\n"
    "                m.macs == a:cost().macs, again.accuracy == m.accuracy,\n"
    "                seen.accuracy == m.accuracy, m.accuracy > 0.5)\n"
    "    local w = oneshot.weights()\n"
    "    oneshot.log('weights', #w, w[1], w[2])\n"
    "    local list = {}\n"
    "    for i = 1, 30 do list[i] = oneshot.sample() end\n"
    "    oneshot.report(1, list)\n"
    "    oneshot.report(2, oneshot.select(list, 10))\n"
    "    oneshot.report(3, oneshot.select(list, 10, {1, 0.25}))\n"
    "    oneshot.report(4, oneshot.pareto(list))\n"
    "    local rank, crowd = oneshot.fronts(list)\n"
    "    local c = {}\n"
    "    for i = 1, #crowd do c[i] = string.format('%.17g', crowd[i]) end\n"
    "    oneshot.log('fronts', table.concat(rank, ' '))\n"
    "    oneshot.log('crowd', table.concat(c, ' '))\n"
    "    local _, wc = oneshot.fronts(list, {4, 1})\n"
    "    for i = 1, #wc do c[i] = string.format('%.17g', wc[i]) end\n"
    "    oneshot.log('wcrowd', table.concat(c, ' '))\n"
    "    local sc = oneshot.scores({list[1], list[2]})\n"
    "    oneshot.log('scores', #sc, #sc[1], sc[1][1] == oneshot.evaluate(list[1]).accuracy,\n"
    "                sc[2][2] == list[2]:cost().params)\n"
    "    local t = oneshot.tournament(list, rank, crowd)\n"
    "    local found = false\n"
    "    for i = 1, #list do found = found or list[i] == t end\n"
    "    oneshot.log('tournament', found)\n"
    "    local dups = oneshot.pareto({list[1], list[1], list[1]})\n"
    "    oneshot.log('pareto', #dups, #oneshot.select({}, 0), #oneshot.pareto({}))\n"
    "  end,\n"
    "}\n";

/* The line of printed that starts with prefix (without it), or "". */
static const char *printed_line(const struct host *h, const char *prefix, char *out, size_t n)
{
    out[0] = 0;
    const char *p = h->printed;
    size_t pl = strlen(prefix);
    while (*p) {
        const char *end = strchr(p, '\n');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len >= pl && strncmp(p, prefix, pl) == 0) {
            snprintf(out, n, "%.*s", (int)(len - pl), p + pl);
            break;
        }
        p += len + (end != NULL);
    }
    return out;
}

/* The objective matrix of a kept report (accuracy, params). */
static void matrix(const struct kept *k, double *f)
{
    for (int i = 0; i < k->n; i++) {
        f[i * 2] = k->values[i * k->nm];
        f[i * 2 + 1] = k->values[i * k->nm + 1];
    }
}

static void test_bindings(void)
{
    char path[256];
    write_file("bind.lua", bind_lua, path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(2, 0.5);
    struct err e;
    host_init(&h1, &s);
    struct luasearch *ls = open_search(path, &s, 99, 4, 30, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_STR(luasearch_name(ls), "bind");
    CHECK_STR(luasearch_params(ls), "flag=true n=3 rate=0.5 word=hi");
    CHECK_EQ_INT(luasearch_nmetrics(ls), 3);
    CHECK_STR(luasearch_metric_name(ls, 2), "macs");
    if (!CHECK(luasearch_run(ls, &e) == 0)) {
        printf("  %s\n  %s\n", e.msg, luasearch_traceback(ls));
        luasearch_free(ls);
        return;
    }
    luasearch_free(ls);
    char line[2048];
    CHECK_STR(printed_line(&h1, "params\t", line, sizeof line), "3\tinteger\t0.5\ttrue\thi");
    CHECK_STR(printed_line(&h1, "fields\t", line, sizeof line),
              "4\t30\t99\t2\taccuracy\tmaximize\ttrue\t2.0\tparams\tminimize\tfalse\t0.5\t"
              "accuracy,params,macs\tfmnist");
    CHECK_STR(printed_line(&h1, "evaluate\t", line, sizeof line),
              "nil\ttrue\ttrue\ttrue\ttrue\ttrue");
    CHECK_STR(printed_line(&h1, "weights\t", line, sizeof line), "2\t2.0\t0.5");
    CHECK_STR(printed_line(&h1, "scores\t", line, sizeof line), "2\t2\ttrue\ttrue");
    CHECK_STR(printed_line(&h1, "tournament\t", line, sizeof line), "true");
    CHECK_STR(printed_line(&h1, "pareto\t", line, sizeof line), "1\t0\t0");
    CHECK_EQ_INT(h1.calls, 31); /* a, then the 30 of the list, each once */
    CHECK_EQ_INT(h1.dup, 0);
    if (!CHECK(h1.nreports == 4))
        return;
    /* select, fronts and pareto against the C primitives on the same matrix */
    const struct kept *all = &h1.kept[0];
    CHECK_EQ_INT(all->n, 30);
    double f[60], crowd[30], w[2] = {1, 0.25};
    int rank[30], chosen[10], maximize[2] = {1, 0};
    matrix(all, f);
    CHECK(nsga2_select(f, 30, 2, maximize, NULL, 10, chosen) == 0);
    CHECK_EQ_INT(h1.kept[1].n, 10);
    for (int i = 0; i < 10; i++)
        CHECK(arch_equal(&h1.kept[1].pop[i], &all->pop[chosen[i]]));
    CHECK(nsga2_select(f, 30, 2, maximize, w, 10, chosen) == 0);
    int same = 1;
    for (int i = 0; i < 10; i++)
        same &= arch_equal(&h1.kept[2].pop[i], &all->pop[chosen[i]]);
    CHECK(same);
    int nfronts = pareto_sort(f, 30, 2, maximize, rank);
    CHECK(nfronts > 1);
    int k = 0;
    for (int i = 0; i < 30; i++)
        if (rank[i] == 0)
            CHECK(k < h1.kept[3].n && arch_equal(&h1.kept[3].pop[k++], &all->pop[i]));
    CHECK_EQ_INT(k, h1.kept[3].n);
    char want[2048];
    size_t used = 0;
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%d", i ? " " : "",
                                 rank[i] + 1);
    CHECK_STR(printed_line(&h1, "fronts\t", line, sizeof line), want);
    CHECK(pareto_crowding(f, 30, 2, rank, NULL, crowd) == 0);
    used = 0;
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%.17g", i ? " " : "",
                                 crowd[i]);
    CHECK_STR(printed_line(&h1, "crowd\t", line, sizeof line), want);
    CHECK(strstr(line, "inf") != NULL); /* boundary points */
    double w41[2] = {1, 0.25};         /* {4, 1} scaled by the largest */
    CHECK(pareto_crowding(f, 30, 2, rank, w41, crowd) == 0);
    used = 0;
    for (int i = 0; i < 30; i++)
        used += (size_t)snprintf(want + used, sizeof want - used, "%s%.17g", i ? " " : "",
                                 crowd[i]);
    CHECK_STR(printed_line(&h1, "wcrowd\t", line, sizeof line), want);
}

/* Equal weights of any value give the crowding of no weights, bit for bit. */
static void test_fronts_equal_weights(void)
{
    char path[256];
    write_file("eq.lua",
               "return {run = function()\n"
               "  local list = {}\n"
               "  for i = 1, 40 do list[i] = oneshot.sample() end\n"
               "  local _, c0 = oneshot.fronts(list)\n"
               "  local _, c1 = oneshot.fronts(list, {0.3, 0.3})\n"
               "  local _, c2 = oneshot.fronts(list, {7, 7})\n"
               "  local s0, s1 = oneshot.select(list, 13), oneshot.select(list, 13, {0.3, 0.3})\n"
               "  local bad = 0\n"
               "  for i = 1, #list do\n"
               "    if c0[i] ~= c1[i] or c0[i] ~= c2[i] then bad = bad + 1 end\n"
               "  end\n"
               "  for i = 1, 13 do if s0[i] ~= s1[i] then bad = bad + 1 end end\n"
               "  print('bad', bad)\n"
               "end}\n",
               path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    two_objectives(1, 1);
    x.nobjectives = 2;
    struct err e;
    if (!CHECK(run_search(path, &s, 4, 1, 40, NULL, &h1, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_STR(h1.printed, "bad\t0\n");
}

/* Runs a strategy whose run() is body (from line 2 of the file) and expects
 * the error "PATH:LINE: error: in run: " + want (line 0: no line). */
static void run_error(const char *body, int line, const char *want)
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

static void test_argument_errors(void)
{
    two_objectives(1, 1);
    run_error("  oneshot.report(0, {})", 2,
              "bad argument #1 to 'report' (generations count from 1)");
    run_error("  local l = {oneshot.sample()}\n  oneshot.select(l, 2)", 3,
              "bad argument #2 to 'select' (k must lie in 0..#list)");
    run_error("  oneshot.select({oneshot.sample(), 1}, 1)", 2,
              "bad argument #1 to 'select' (element 2 is a number, not an architecture)");
    run_error("  oneshot.fronts({oneshot.sample()}, {1})", 2,
              "bad argument #2 to 'fronts' (expected 2 weights, one per objective)");
    run_error("  oneshot.fronts({oneshot.sample()}, {0, 0})", 2,
              "bad argument #2 to 'fronts' (at least one weight must be positive)");
    run_error("  oneshot.select({oneshot.sample()}, 1, {1, -1})", 2,
              "bad argument #3 to 'select' (weights must be finite numbers >= 0)");
    run_error("  oneshot.tournament({}, {}, {})", 2,
              "bad argument #1 to 'tournament' (the list is empty)");
    run_error("  oneshot.tournament({oneshot.sample()}, {1, 2}, {0})", 2,
              "bad argument #2 to 'tournament' (rank and crowding must have one entry per "
              "element)");
    run_error("  oneshot.evaluate('k3e3')", 2,
              "bad argument #1 to 'evaluate' (oneshot.arch expected, got string)");
    run_error("\n  math.randomseed(1)", 3,
              "math.randomseed: oneshot seeds every random stream from the experiment's seed");
    run_error("  local t = nil\n  return t.x", 3, "attempt to index a nil value (local 't')");
    run_error("  error('boom', 0)", 2, "boom");
    run_error("  error({})", 2, "(error object is a table value)");
}

/* The experiment's budget (3 generations of 4, so 12 evaluations) holds,
 * whatever the script does: the error names its line, and a pcall cannot
 * swallow it. */
static void test_search_budget(void)
{
    two_objectives(1, 1);
    /* reporting forever: each report used to re-arm the instruction budget */
    run_error("  local g = 1\n  while true do\n    oneshot.report(g, {})\n    g = g + 1\n  end", 4,
              "oneshot.report: generation 4 is beyond the experiment's 3 (search.generations)");
    run_error("  while true do oneshot.report(1, {}) end", 2,
              "oneshot.report: generation 1 reported after generation 1 (each generation is "
              "reported once, in order)");
    run_error("  oneshot.report(2, {})\n  oneshot.report(1, {})", 3,
              "oneshot.report: generation 1 reported after generation 2 (each generation is "
              "reported once, in order)");
    run_error("  local l = {}\n  for i = 1, 5 do l[i] = oneshot.sample() end\n"
              "  oneshot.report(1, l)", 4,
              "oneshot.report: a population of 5 is larger than the experiment's 4 "
              "(search.population)");
    run_error("  while true do oneshot.evaluate(oneshot.sample()) end", 2,
              "oneshot.evaluate: the experiment's budget of 12 evaluations (search.generations 3 "
              "x search.population 4) is spent");
    run_error("  for i = 1, 100 do pcall(oneshot.report, 9, {}) end", 2,
              "oneshot.report: generation 9 is beyond the experiment's 3 (search.generations)");
    run_error("  for i = 1, 100 do pcall(oneshot.evaluate, oneshot.sample()) end", 2,
              "oneshot.evaluate: the experiment's budget of 12 evaluations (search.generations 3 "
              "x search.population 4) is spent");
    /* the budget itself is usable: 12 evaluations, 3 reports of 4 */
    char path[256];
    write_file("full.lua",
               "return {run = function()\n"
               "  for g = 1, 3 do\n"
               "    local l = {}\n"
               "    while #l < 4 do\n"
               "      local a = oneshot.sample()\n"
               "      if not oneshot.evaluated(a) then oneshot.evaluate(a); l[#l + 1] = a end\n"
               "    end\n"
               "    oneshot.report(g, l)\n"
               "  end\n"
               "  -- evaluated ones come from the cache: not counted again\n"
               "  oneshot.evaluate(oneshot.arch(oneshot.evaluated and 'k3e3-k3e3-k3e3-k3e3-k3e3-"
               "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3'))\n"
               "end}\n",
               path, sizeof path);
    struct space s;
    space_builtin(&s, "fmnist");
    struct err e;
    int rc = run_search(path, &s, 1, 3, 4, NULL, &h1, &e);
    /* the 13th, new architecture is refused (unless a random one was it) */
    CHECK_EQ_INT(rc, -1);
    CHECK(strstr(e.msg, "full.lua:11: error: in run: oneshot.evaluate: the experiment's budget "
                        "of 12 evaluations") != NULL);
    CHECK_EQ_INT(h1.calls, 12);
    CHECK_EQ_INT(h1.nreports, 3);
}

/* A strategy file that is wrong: loading fails with want (path prefixed). */
static void load_error(const char *text, const char *want)
{
    char path[256], full[1024];
    write_file("broken.lua", text, path, sizeof path);
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    host_init(&h1, &s);
    struct luasearch *ls = open_search(path, &s, 1, 2, 4, NULL, &h1, NULL, &e);
    CHECK(ls == NULL);
    luasearch_free(ls);
    snprintf(full, sizeof full, "%s%s", path, want);
    CHECK_STR(e.msg, full);
}

static void test_broken_strategies(void)
{
    two_objectives(1, 1);
    load_error("return {\n  run = function()\n    local x = = 1\n  end,\n}\n",
               ":3: error: unexpected symbol near '='");
    load_error("local t = {}\n\nt.a.b = 1\n",
               ":3: error: attempt to index a nil value (field 'a')");
    load_error("return 42\n",
               ": error: a strategy must return a table with a function 'run' (it returned a "
               "number)");
    load_error("-- nothing returned\n",
               ": error: a strategy must return a table with a function 'run' (it returned a "
               "nil)");
    load_error("return {name = 'x', run = 'later'}\n",
               ": error: a strategy must return a table with a function 'run'");
    /* read raw: a metamethod cannot raise an error outside a protected call */
    load_error("return setmetatable({}, {__index = function() error('no') end})\n",
               ": error: a strategy must return a table with a function 'run'");
    load_error("return {run = function() end, params = 5}\n",
               ": error: the strategy's 'params' must be a table");
    load_error("return {run = function() end, params = {'a'}}\n",
               ": error: the keys of 'params' must be names");
    load_error("while true do end\n",
               ": error: the script ran too long (more than 200000000 instructions without "
               "a new evaluation or report)");

    /* the runtime error of run, with the line, the hook and a traceback */
    char path[256];
    write_file("run.lua",
               "local function helper(t)\n"
               "  return t.field.sub\n"
               "end\n"
               "return {run = function()\n"
               "  oneshot.evaluate(oneshot.sample())\n"
               "  helper({})\n"
               "end}\n",
               path, sizeof path);
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    host_init(&h1, &s);
    struct luasearch *ls = open_search(path, &s, 1, 2, 4, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:2: error: in run: attempt to index a nil value (field 'field')", path);
    CHECK_STR(e.msg, want);
    /* the traceback has both frames of the script */
    const char *tb = luasearch_traceback(ls);
    char frame[300];
    CHECK(strncmp(tb, "stack traceback:\n", 17) == 0);
    snprintf(frame, sizeof frame, "%s:2: in ", path);
    CHECK(strstr(tb, frame) != NULL);
    snprintf(frame, sizeof frame, "%s:6: in ", path);
    CHECK(strstr(tb, frame) != NULL);
    CHECK_EQ_INT(luasearch_interrupted(ls), 0);
    luasearch_free(ls);
}

/* search.params from a YAML file: overrides, unknown keys, wrong types. */
static void test_params_yaml(void)
{
    char yaml[256];
    struct err e;
    struct space s;
    space_builtin(&s, "tiny");
    const char *head = "search:\n"              /* 1 */
                       "  strategy: nsga2\n"    /* 2 */
                       "  params:\n";           /* 3 */
    const char *tail = "objectives:\n"                   /* 5 */
                       "  - name: accuracy\n"            /* 6 */
                       "    direction: maximize\n"       /* 7 */
                       "  - name: params\n"              /* 8 */
                       "    direction: minimize\n";      /* 9 */
    static const struct {
        const char *line4, *want; /* want: after "PATH" */
    } cases[] = {
        {"    mutation: 0.25\n", NULL},
        {"    mutaton: 0.25\n",
         ":4:5: error: search.params: unknown parameter 'mutaton' of strategy nsga2 (did you "
         "mean 'mutation'?)"},
        {"    speed: 3\n",
         ":4:5: error: search.params: unknown parameter 'speed' of strategy nsga2 (it has "
         "crossover, mutation, tries, weighted)"},
        {"    mutation: lots\n",
         ":4:15: error: search.params.mutation: expected a number, got 'lots'"},
        {"    mutation: '0.25'\n",
         ":4:15: error: search.params.mutation: expected a number, got '0.25'"},
        {"    tries: 2.5\n",
         ":4:12: error: search.params.tries: expected a whole number, got '2.5'"},
        {"    weighted: maybe\n",
         ":4:15: error: search.params.weighted: expected true or false, got 'maybe'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char text[1024], want[1024];
        snprintf(text, sizeof text, "%s%s%s", head, cases[i].line4, tail);
        write_file("exp.yaml", text, yaml, sizeof yaml);
        if (!CHECK(experiment_load(&x, yaml, &e) == 0)) {
            printf("  %s\n", e.msg);
            continue;
        }
        host_init(&h1, &s);
        struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, NULL, &h1, NULL, &e);
        if (!cases[i].want) {
            if (CHECK(ls != NULL))
                CHECK_STR(luasearch_params(ls), "crossover=0.9 mutation=0.25 tries=100 "
                                                "weighted=false");
            luasearch_free(ls);
            continue;
        }
        CHECK(ls == NULL);
        luasearch_free(ls);
        snprintf(want, sizeof want, "%s%s", yaml, cases[i].want);
        CHECK_STR(e.msg, want);
    }
    /* a value in range for its type but not for the strategy: run() says so */
    char text[1024];
    snprintf(text, sizeof text, "%s    crossover: 1.5\n%s", head, tail);
    write_file("exp.yaml", text, yaml, sizeof yaml);
    if (CHECK(experiment_load(&x, yaml, &e) == 0)) {
        CHECK(run_search("lua/nsga2.lua", &s, 1, 3, 6, NULL, &h1, &e) == -1);
        char want[512];
        snprintf(want, sizeof want,
                 "lua/nsga2.lua:%d: error: in run: search.params.crossover must lie in [0, 1], "
                 "not 1.5",
                 line_of("lua/nsga2.lua", "search.params.crossover must"));
        CHECK_STR(e.msg, want);
    }
}

/* Objectives name metrics: the engine's or a metrics file's. */
static void test_objectives_and_metrics(void)
{
    char yaml[256], metrics[256];
    struct err e;
    struct space s;
    space_builtin(&s, "tiny");
    write_file("exp.yaml",
               "objectives:\n"               /* 1 */
               "  - name: accuracy\n"        /* 2 */
               "    direction: maximize\n"   /* 3 */
               "  - name: reward\n"          /* 4 */
               "    direction: maximize\n",  /* 5 */
               yaml, sizeof yaml);
    if (!CHECK(experiment_load(&x, yaml, &e) == 0))
        return;
    host_init(&h1, &s);
    struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, NULL, &h1, NULL, &e);
    CHECK(ls == NULL);
    luasearch_free(ls);
    char want[1024];
    snprintf(want, sizeof want,
             "%s:4:11: error: objectives[1]: no metric 'reward' (known: accuracy, params, macs; "
             "others can come from a metrics file)",
             yaml);
    CHECK_STR(e.msg, want);

    /* a metrics file adds kparams and reward (name order: kparams first, so
     * reward can use it) */
    write_file("metrics.lua",
               "return {\n"
               "  reward = function(m, a)\n"
               "    return m.accuracy - 0.001 * m.kparams + 0 * #a\n"
               "  end,\n"
               "  kparams = function(m) return m.params / 1000 end,\n"
               "}\n",
               metrics, sizeof metrics);
    host_init(&h1, &s);
    ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, metrics, &h1, NULL, &e);
    if (!CHECK(ls != NULL)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(luasearch_nmetrics(ls), 5);
    CHECK_STR(luasearch_metric_name(ls, 3), "kparams");
    CHECK_STR(luasearch_metric_name(ls, 4), "reward");
    if (!CHECK(luasearch_run(ls, &e) == 0))
        printf("  %s\n", e.msg);
    luasearch_free(ls);
    CHECK_EQ_INT(h1.nreports, 3);
    CHECK_EQ_INT(h1.bad_values, 0);
    int bad = 0;
    for (int r = 0; r < 3; r++) {
        const struct kept *k = &h1.kept[r];
        CHECK_EQ_INT(k->nm, 5);
        for (int i = 0; i < k->n; i++) {
            const double *v = k->values + i * k->nm;
            bad += v[3] != v[1] / 1000 || v[4] != v[0] - 0.001 * v[3];
        }
    }
    CHECK_EQ_INT(bad, 0);

    /* broken metrics files */
    static const struct {
        const char *text, *want; /* want: after the metrics path, or after the strategy path */
        int at_run;
    } cases[] = {
        {"return 3\n", ": error: a metrics file must return a table of functions, name = "
                       "function(m, a)", 0},
        {"return {reward = 3}\n", ": error: metric 'reward' must be a function(m, a), not a "
                                  "number", 0},
        {"return {accuracy = function() return 1 end}\n",
         ": error: metric 'accuracy' is one the engine computes", 0},
        {"return {['9lives'] = function() return 1 end}\n",
         ": error: metric names must be words of letters, digits and '_' not starting with a "
         "digit", 0},
        {"return {reward = function() return 'high' end}\n", "", 1},
        {"return {reward = function() return 0/0 end}\n", "", 2},
        {"return {reward = function(m) return m.nothing + 1 end}\n", "", 3},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        write_file("metrics.lua", cases[i].text, metrics, sizeof metrics);
        host_init(&h1, &s);
        ls = open_search("lua/nsga2.lua", &s, 1, 3, 6, metrics, &h1, NULL, &e);
        if (!cases[i].at_run) {
            CHECK(ls == NULL);
            snprintf(want, sizeof want, "%s%s", metrics, cases[i].want);
            CHECK_STR(e.msg, want);
            luasearch_free(ls);
            continue;
        }
        if (!CHECK(ls != NULL)) {
            printf("  %s\n", e.msg);
            continue;
        }
        CHECK(luasearch_run(ls, &e) == -1);
        int line = line_of("lua/nsga2.lua", "oneshot.evaluate(a)");
        if (cases[i].at_run == 1)
            snprintf(want, sizeof want,
                     "lua/nsga2.lua:%d: error: in run: metric 'reward' of %s: expected a finite "
                     "number, got string",
                     line, metrics);
        else if (cases[i].at_run == 2)
            snprintf(want, sizeof want,
                     "lua/nsga2.lua:%d: error: in run: metric 'reward' of %s: expected a finite "
                     "number, got a non-finite one",
                     line, metrics);
        else
            snprintf(want, sizeof want,
                     "lua/nsga2.lua:%d: error: in run: %s:1: attempt to perform arithmetic on a "
                     "nil value (field 'nothing')",
                     line, metrics);
        CHECK_STR(e.msg, want);
        luasearch_free(ls);
    }
}

/* ------------------------------------------------------------ limits */

static int run_text(const char *text, int gens, struct host *h, volatile sig_atomic_t *interrupt,
                    char *path, size_t n, struct err *e)
{
    write_file("limit.lua", text, path, n);
    struct space s;
    space_builtin(&s, "fmnist");
    host_init(h, &s);
    struct luasearch *ls = open_search(path, &s, 1, gens, 4, NULL, h, interrupt, e);
    if (!CHECK(ls != NULL))
        return 0;
    int rc = luasearch_run(ls, e);
    luasearch_free(ls);
    return rc;
}

static void test_instruction_budget(void)
{
    two_objectives(1, 1);
    char path[256], want[512];
    struct err e;
    /* a runaway loop, even inside pcall, is stopped */
    CHECK(run_text("return {run = function()\n"
                   "  oneshot.evaluate(oneshot.sample())\n"
                   "  local ok = pcall(function() while true do end end)\n"
                   "  oneshot.report(1, {})\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == -1);
    snprintf(want, sizeof want,
             "%s: error: in run: the script ran too long (more than 200000000 instructions "
             "without a new evaluation or report)",
             path);
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(h1.nreports, 0);
    /* the budget is rearmed by every evaluation: a long search is fine */
    CHECK(run_text("return {run = function()\n"
                   "  for g = 1, 3 do\n"
                   "    local x = 0 for i = 1, 30000000 do x = x + i end\n"
                   "    oneshot.evaluate(oneshot.sample())\n"
                   "  end\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == 0);
    CHECK_EQ_INT(h1.calls, 3);
}

static void test_memory_limit(void)
{
    two_objectives(1, 1);
    char path[256], want[512];
    struct err e;
    CHECK(run_text("return {run = function()\n"
                   "  local s = 'x'\n"
                   "  while true do s = s .. s end\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == -1);
    snprintf(want, sizeof want, "%s: error: in run: the script used more than 256 MB", path);
    CHECK_STR(e.msg, want);
    /* caught by pcall, the memory is freed and the script goes on */
    CHECK(run_text("return {run = function()\n"
                   "  local ok, msg = pcall(function()\n"
                   "    local s = 'x' while true do s = s .. s end\n"
                   "  end)\n"
                   "  print(ok, msg)\n"
                   "  oneshot.report(1, {oneshot.sample()})\n"
                   "end}\n",
                   1, &h1, NULL, path, sizeof path, &e) == 0);
    CHECK_STR(h1.printed, "false\tnot enough memory\n");
    CHECK_EQ_INT(h1.nreports, 1);
}

static void test_interrupt(void)
{
    two_objectives(1, 1);
    volatile sig_atomic_t stop = 0;
    struct err e;
    struct space s;
    space_builtin(&s, "fmnist");
    /* set by the host during the 5th evaluation of a shipped strategy */
    host_init(&h1, &s);
    h1.interrupt = &stop;
    h1.interrupt_at = 5;
    struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 5, 8, NULL, &h1, &stop, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "lua/nsga2.lua: error: in run: interrupted");
    CHECK_EQ_INT(luasearch_interrupted(ls), 1);
    CHECK_EQ_INT(h1.calls, 5); /* stopped right after the evaluation that raised it */
    CHECK_EQ_INT(h1.nreports, 0);
    luasearch_free(ls);
    /* a pcall in the script does not catch it */
    stop = 0;
    char path[256];
    h1.interrupt = &stop;
    write_file("stop.lua",
               "return {run = function()\n"
               "  for i = 1, 3 do\n"
               "    local ok, msg = pcall(oneshot.evaluate, oneshot.sample())\n"
               "    pcall(function() for k = 1, 100000 do end end)\n"
               "  end\n"
               "  oneshot.report(1, {oneshot.sample()})\n"
               "end}\n",
               path, sizeof path);
    host_init(&h1, &s);
    h1.interrupt = &stop;
    h1.interrupt_at = 1;
    ls = open_search(path, &s, 1, 5, 8, NULL, &h1, &stop, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    char want[512];
    snprintf(want, sizeof want, "%s: error: in run: interrupted", path);
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(luasearch_interrupted(ls), 1);
    CHECK_EQ_INT(h1.nreports, 0);
    luasearch_free(ls);
}

/* A host callback's error ends the run with its own text, even when the
 * script catches it with pcall. */
static void test_host_errors(void)
{
    two_objectives(1, 1);
    struct err e;
    struct space s;
    space_builtin(&s, "fmnist");
    host_init(&h1, &s);
    h1.fail_at = 11;
    struct luasearch *ls = open_search("lua/nsga2.lua", &s, 1, 3, 8, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "host: error: evaluation 11 failed");
    CHECK_EQ_INT(luasearch_interrupted(ls), 0);
    CHECK_EQ_INT(h1.nreports, 1);
    luasearch_free(ls);

    host_init(&h1, &s);
    h1.fail_report_at = 2;
    ls = open_search("lua/aging.lua", &s, 1, 3, 8, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "host: error: cannot write generation 2");
    luasearch_free(ls);

    /* pcall catches the error in the script, but cannot swallow it: the run
     * still fails with it, and later evaluations fail too */
    char path[256];
    write_file("catch.lua",
               "return {run = function()\n"
               "  local ok, msg = pcall(oneshot.evaluate, oneshot.sample())\n"
               "  print('caught', ok, msg)\n"
               "  local ok2 = pcall(oneshot.evaluate, oneshot.sample())\n"
               "  print('again', ok2)\n"
               "end}\n",
               path, sizeof path);
    host_init(&h1, &s);
    h1.fail_at = 1;
    ls = open_search(path, &s, 1, 3, 8, NULL, &h1, NULL, &e);
    if (!CHECK(ls != NULL))
        return;
    CHECK(luasearch_run(ls, &e) == -1);
    CHECK_STR(e.msg, "host: error: evaluation 1 failed");
    CHECK_STR(h1.printed, "caught\tfalse\thost: error: evaluation 1 failed\nagain\tfalse\n");
    CHECK_EQ_INT(h1.calls, 1); /* the second evaluate did not reach the host */
    luasearch_free(ls);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-luasearch-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    RUN(test_every_file_loads);
    RUN(test_strategies_tiny);
    RUN(test_strategies_fmnist);
    RUN(test_space_exhausted);
    RUN(test_elitism);
    RUN(test_strategy_library);
    RUN(test_moga_equals_nsga2);
    RUN(test_aging_queue);
    RUN(test_resume_replays);
    RUN(test_man_examples);
    RUN(test_fairnas_controller);
    RUN(test_bindings);
    RUN(test_fronts_equal_weights);
    RUN(test_argument_errors);
    RUN(test_broken_strategies);
    RUN(test_params_yaml);
    RUN(test_objectives_and_metrics);
    RUN(test_instruction_budget);
    RUN(test_search_budget);
    RUN(test_memory_limit);
    RUN(test_interrupt);
    RUN(test_host_errors);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    if (system(cmd) != 0)
        return 1;
    return check_done();
}
