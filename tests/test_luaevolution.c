/* Tests of what each evolutionary strategy shipped in lua/ promises: NSGA-II
 * and its variants are elitist, MoGA with equal weights is generation for
 * generation NSGA-II (and NSGA-II with weighted = true is MoGA), aging
 * evolution's queue, and FairNAS's controller mutating one layer.  What
 * every strategy does: tests/test_luastrategies.c; the fake host:
 * tests/luahost.h. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "luahost.h"

static struct host h2; /* static: large */

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

int main(void)
{
    if (dir_open("luaevolution"))
        return 1;
    RUN(test_elitism);
    RUN(test_moga_equals_nsga2);
    RUN(test_aging_queue);
    RUN(test_fairnas_controller);
    if (dir_remove())
        return 1;
    return check_done();
}
