/* The engine against the reference figures of the fmnist spaces,
 * tests/data/fmnist-reference.txt (spaces/README.md explains them; the file
 * says where each figure comes from): the parameters and multiply-adds of
 * its architectures (src/space.c), the training recipe (src/train.c) and the
 * pixel standardisation (src/data.h).  Run from the top of the source tree,
 * as tests/run.sh does. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "data.h"
#include "space.h"
#include "train.h"

#define REFERENCE "tests/data/fmnist-reference.txt"

/* Calls fn on each line of the reference file whose first word is kind,
 * with the rest of the line; returns the number of such lines, -1 when the
 * file cannot be read (a failure: the file is part of the tree). */
static int each_line(const char *kind, void (*fn)(const char *rest, int line))
{
    FILE *f = fopen(REFERENCE, "r");
    if (!CHECK(f != NULL)) {
        printf("  cannot read %s (run from the top of the source tree)\n", REFERENCE);
        return -1;
    }
    char buf[512];
    int n = 0, line = 0;
    size_t k = strlen(kind);
    while (fgets(buf, sizeof buf, f)) {
        line++;
        if (strncmp(buf, kind, k) == 0 && buf[k] == ' ') {
            fn(buf + k + 1, line);
            n++;
        }
    }
    fclose(f);
    return n;
}

static void check_cost(const char *rest, int line)
{
    char space_name[64], arch_str[256];
    long long params, macs;
    if (!CHECK(sscanf(rest, "%63s %255s %lld %lld", space_name, arch_str, &params, &macs) == 4)) {
        printf("  %s:%d: expected: cost SPACE ARCH PARAMS MACS\n", REFERENCE, line);
        return;
    }
    struct space s;
    struct arch a;
    struct err e;
    if (!CHECK(space_builtin(&s, space_name) == 0)) {
        printf("  %s:%d: no built-in space '%s'\n", REFERENCE, line, space_name);
        return;
    }
    if (!CHECK(arch_parse(&s, arch_str, REFERENCE, &a, &e) == 0)) {
        printf("  %s:%d: %s\n", REFERENCE, line, e.msg);
        return;
    }
    struct cost c = arch_cost(&s, &a);
    if (c.params != params || c.macs != macs)
        printf("  %s:%d: %s\n", REFERENCE, line, arch_str);
    CHECK_EQ_INT(c.params, params);
    CHECK_EQ_INT(c.macs, macs);
}

static void test_reference_costs(void)
{
    int n = each_line("cost", check_cost);
    if (n >= 0 && !CHECK(n >= 5))
        printf("  %d cost lines in %s, expected at least 5\n", n, REFERENCE);
}

static struct train_config recipe_got;
static int recipe_seen;

static void check_recipe(const char *rest, int line)
{
    char key[32];
    double v; /* compared as the float the engine keeps */
    if (!CHECK(sscanf(rest, "%31s %lf", key, &v) == 2)) {
        printf("  %s:%d: expected: recipe KEY VALUE\n", REFERENCE, line);
        return;
    }
    const struct train_config *c = &recipe_got;
    recipe_seen++;
    if (strcmp(key, "batch") == 0)
        CHECK_EQ_INT(c->batch, (long long)v);
    else if (strcmp(key, "lr") == 0)
        CHECK_NEAR(c->lr, (float)v, 0);
    else if (strcmp(key, "momentum") == 0)
        CHECK_NEAR(c->sgd.momentum, (float)v, 0);
    else if (strcmp(key, "weight_decay") == 0)
        CHECK_NEAR(c->sgd.weight_decay, (float)v, 0);
    else if (strcmp(key, "nesterov") == 0)
        CHECK_EQ_INT(c->sgd.nesterov, (long long)v);
    else {
        CHECK(!"known recipe key");
        printf("  %s:%d: unknown recipe key '%s'\n", REFERENCE, line, key);
        recipe_seen--;
    }
}

static void test_reference_recipe(void)
{
    train_config_default(&recipe_got);
    recipe_seen = 0;
    int n = each_line("recipe", check_recipe);
    if (n >= 0)
        CHECK_EQ_INT(recipe_seen, 5);
}

static void check_pixels(const char *rest, int line)
{
    double mean, sd;
    if (!CHECK(sscanf(rest, "%lf %lf", &mean, &sd) == 2)) {
        printf("  %s:%d: expected: pixels MEAN STD\n", REFERENCE, line);
        return;
    }
    CHECK_NEAR(FMNIST_MEAN, (float)mean, 0);
    CHECK_NEAR(FMNIST_STD, (float)sd, 0);
}

static void test_reference_pixels(void)
{
    int n = each_line("pixels", check_pixels);
    if (n >= 0)
        CHECK_EQ_INT(n, 1);
}

int main(void)
{
    RUN(test_reference_costs);
    RUN(test_reference_recipe);
    RUN(test_reference_pixels);
    return check_done();
}
