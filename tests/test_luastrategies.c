/* Tests of the strategies shipped in lua/, each run through lua/luasearch.c
 * on the tiny and fmnist spaces: every file loads and is named after
 * itself, reports every generation with a full population, evaluates each
 * architecture once (even when it asks for more than the space holds),
 * replays for a seed, differs for another, and resumes from preloaded
 * evaluations; and the examples of oneshot-lua(7) run.  The fake host:
 * tests/luahost.h. */
#include <glob.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "luahost.h"

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

static struct host h2, h3; /* static: large */

static int same_archs(const struct arch *a, const struct arch *b, int n)
{
    for (int i = 0; i < n; i++)
        if (!arch_equal(&a[i], &b[i]))
            return 0;
    return 1;
}

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

int main(void)
{
    if (dir_open("luastrategies"))
        return 1;
    RUN(test_every_file_loads);
    RUN(test_strategies_tiny);
    RUN(test_strategies_fmnist);
    RUN(test_space_exhausted);
    RUN(test_resume_replays);
    RUN(test_man_examples);
    if (dir_remove())
        return 1;
    return check_done();
}
