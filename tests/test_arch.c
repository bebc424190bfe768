/* Tests of src/arch.c: mutation, crossover and comparison of architectures
 * keep them valid, change what they should with the right frequencies, and
 * are reproducible from a seed. */
#include <string.h>

#include "check.h"
#include "arch.h"
#include "sampler.h"

static int nallowed(const struct space *s, int l)
{
    return __builtin_popcountll(s->allowed[l]);
}

static void skip_space(struct space *s)
{
    space_builtin(s, "fmnist-skip");
}

static void test_distance_equal(void)
{
    struct space s;
    skip_space(&s);
    struct rng r;
    rng_seed(&r, 1, RNG_STREAM_SEARCH);
    struct arch a, b;
    arch_random(&s, &r, &a);
    b = a;
    CHECK(arch_equal(&a, &b));
    CHECK_EQ_INT(arch_distance(&a, &b), 0);
    b.choice[SPACE_MAX_LAYERS - 1] = 99; /* past n: ignored */
    CHECK(arch_equal(&a, &b));
    b.choice[3] = a.choice[3] + 1;
    b.choice[7] = a.choice[7] + 1;
    CHECK(!arch_equal(&a, &b));
    CHECK_EQ_INT(arch_distance(&a, &b), 2);
    CHECK_EQ_INT(arch_distance(&b, &a), 2);
    b = a;
    b.n = a.n - 2;
    CHECK(!arch_equal(&a, &b));
    CHECK_EQ_INT(arch_distance(&a, &b), 2);
}

static void test_mutate_valid(void)
{
    static const char *const spaces[] = {"fmnist-skip", "fmnist-se-skip", "tiny"};
    for (int k = 0; k < 3; k++) {
        struct space s;
        CHECK(space_builtin(&s, spaces[k]) == 0);
        struct rng r;
        rng_seed(&r, 7, RNG_STREAM_SEARCH);
        int bad = 0;
        for (int t = 0; t < 2000; t++) {
            struct arch a, b, child;
            arch_random(&s, &r, &a);
            arch_random(&s, &r, &b);
            arch_mutate(&s, &a, 0.3, &r);
            bad += !arch_is_valid(&s, &a);
            CHECK(arch_mutate_one(&s, &b, &r) >= 0);
            bad += !arch_is_valid(&s, &b);
            arch_crossover(&s, &a, &b, &child, &r);
            bad += !arch_is_valid(&s, &child);
            arch_mutate(&s, &child, 1.0, &r);
            bad += !arch_is_valid(&s, &child);
        }
        CHECK_EQ_INT(bad, 0);
    }
}

static void test_mutate_rate_extremes(void)
{
    struct space s;
    skip_space(&s);
    int fixed = 0;
    for (int l = 0; l < s.nlayers; l++)
        fixed += nallowed(&s, l) < 2;
    /* a layer with a single choice never changes: pin layer 2 to one */
    s.allowed[2] = 1ULL;
    struct rng r;
    rng_seed(&r, 3, RNG_STREAM_SEARCH);
    int changed0 = 0, missed1 = 0;
    for (int t = 0; t < 1000; t++) {
        struct arch a, b;
        arch_random(&s, &r, &a);
        b = a;
        arch_mutate(&s, &b, 0.0, &r);
        changed0 += arch_distance(&a, &b);
        arch_mutate(&s, &b, 1.0, &r);
        CHECK(arch_is_valid(&s, &b));
        CHECK_EQ_INT(b.choice[2], 0);
        for (int l = 0; l < s.nlayers; l++)
            missed1 += nallowed(&s, l) >= 2 && b.choice[l] == a.choice[l];
    }
    CHECK_EQ_INT(fixed, 0);
    CHECK_EQ_INT(changed0, 0);
    CHECK_EQ_INT(missed1, 0);
}

static void test_mutate_frequency(void)
{
    struct space s;
    skip_space(&s);
    static const double rates[] = {0.05, 0.3, 0.5, 0.9};
    for (int k = 0; k < 4; k++) {
        struct rng r;
        rng_seed(&r, 11 + (uint64_t)k, RNG_STREAM_SEARCH);
        long changes = 0, draws = 0;
        long per_choice[SPACE_MAX_CHOICES] = {0}; /* layer 0's new choices */
        while (draws < 120000) {
            struct arch a, b;
            arch_random(&s, &r, &a);
            b = a;
            arch_mutate(&s, &b, rates[k], &r);
            changes += arch_distance(&a, &b);
            draws += s.nlayers;
            if (b.choice[0] != a.choice[0])
                per_choice[b.choice[0]]++;
        }
        CHECK_NEAR((double)changes / (double)draws, rates[k], 0.01);
        /* the new choice is uniform among the other allowed ones */
        long n0 = 0;
        int m0 = nallowed(&s, 0);
        for (int c = 0; c < s.nchoices; c++)
            n0 += per_choice[c];
        double p = 1.0 / m0, sd = sqrt(p * (1 - p) / (double)n0);
        for (int c = 0; c < s.nchoices; c++)
            if (s.allowed[0] & (1ULL << c))
                CHECK_NEAR((double)per_choice[c] / (double)n0, p, 5 * sd);
    }
}

static void test_mutate_one(void)
{
    struct space s;
    skip_space(&s);
    struct rng r;
    rng_seed(&r, 5, RNG_STREAM_SEARCH);
    long hits[SPACE_MAX_LAYERS] = {0};
    int wrong = 0;
    for (int t = 0; t < 12000; t++) {
        struct arch a, b;
        arch_random(&s, &r, &a);
        b = a;
        int l = arch_mutate_one(&s, &b, &r);
        if (l < 0 || l >= s.nlayers) {
            wrong++;
            continue;
        }
        hits[l]++;
        wrong += arch_distance(&a, &b) != 1 || a.choice[l] == b.choice[l] || !arch_is_valid(&s, &b);
    }
    CHECK_EQ_INT(wrong, 0);
    for (int l = 0; l < s.nlayers; l++)
        CHECK_NEAR(hits[l] / 12000.0, 1.0 / s.nlayers, 0.015);

    /* only one layer can change: always that one */
    struct space t = s;
    for (int l = 0; l < t.nlayers; l++)
        t.allowed[l] = 1ULL;
    t.allowed[4] = 3ULL;
    struct arch a;
    arch_random(&t, &r, &a);
    for (int k = 0; k < 10; k++) {
        int before = a.choice[4];
        CHECK_EQ_INT(arch_mutate_one(&t, &a, &r), 4);
        CHECK_EQ_INT(a.choice[4], 1 - before);
    }
    /* no layer can change */
    t.allowed[4] = 2ULL;
    a.choice[4] = 1;
    struct arch b = a;
    CHECK_EQ_INT(arch_mutate_one(&t, &a, &r), -1);
    CHECK(arch_equal(&a, &b));
}

static void test_crossover(void)
{
    struct space s;
    skip_space(&s);
    struct rng r;
    rng_seed(&r, 9, RNG_STREAM_SEARCH);
    long from_a = 0, from_b = 0, total = 0;
    int wrong = 0;
    for (int t = 0; t < 10000; t++) {
        struct arch a, b, child;
        arch_random(&s, &r, &a);
        arch_random(&s, &r, &b);
        arch_crossover(&s, &a, &b, &child, &r);
        wrong += !arch_is_valid(&s, &child);
        for (int l = 0; l < s.nlayers; l++) {
            if (a.choice[l] == b.choice[l]) {
                wrong += child.choice[l] != a.choice[l];
                continue;
            }
            total++;
            if (child.choice[l] == a.choice[l])
                from_a++;
            else if (child.choice[l] == b.choice[l])
                from_b++;
            else
                wrong++;
        }
        /* child may be a parent */
        struct arch a2 = a;
        arch_crossover(&s, &a2, &b, &a2, &r);
        for (int l = 0; l < s.nlayers; l++)
            wrong += a2.choice[l] != a.choice[l] && a2.choice[l] != b.choice[l];
    }
    CHECK_EQ_INT(wrong, 0);
    CHECK(from_a > 0 && from_b > 0);
    CHECK_NEAR((double)from_a / (double)total, 0.5, 0.01);
    /* identical parents give the parent */
    struct arch a, child;
    arch_random(&s, &r, &a);
    arch_crossover(&s, &a, &a, &child, &r);
    CHECK(arch_equal(&a, &child));
}

/* Runs every operator from one seed, writing n architectures to out. */
static void run_ops(const struct space *s, uint64_t seed, struct arch *out, int n)
{
    struct rng r;
    rng_seed(&r, seed, RNG_STREAM_SEARCH);
    for (int i = 0; i + 2 < n; i += 3) {
        arch_random(s, &r, &out[i]);
        arch_random(s, &r, &out[i + 1]);
        arch_mutate(s, &out[i], 0.2, &r);
        arch_mutate_one(s, &out[i + 1], &r);
        arch_crossover(s, &out[i], &out[i + 1], &out[i + 2], &r);
    }
}

static void test_reproducible(void)
{
    struct space s;
    skip_space(&s);
    struct arch x[300], y[300], z[300];
    run_ops(&s, 42, x, 300);
    run_ops(&s, 42, y, 300);
    run_ops(&s, 43, z, 300);
    int same = 1, differ = 0;
    for (int i = 0; i < 300; i++) {
        same &= arch_equal(&x[i], &y[i]);
        differ += !arch_equal(&x[i], &z[i]);
    }
    CHECK(same);
    CHECK(differ > 0);
}

/* The extremes, layer by layer: fewest and most multiply-adds, and no
 * allowed architecture beyond them (fmnist-skip: skip wherever a layer
 * allows it; the largest k7e6 everywhere). */
static void test_extremes(void)
{
    struct space s;
    skip_space(&s);
    struct arch lo, hi, a;
    arch_extreme(&s, 0, &lo);
    arch_extreme(&s, 1, &hi);
    char buf[512];
    CHECK(arch_format(&s, &lo, buf, sizeof buf) > 0);
    CHECK(strcmp(buf, "skip-skip-k3e3-skip-skip-k3e3-skip-skip-k3e3-skip-skip-skip") == 0);
    CHECK(arch_format(&s, &hi, buf, sizeof buf) > 0);
    CHECK(strcmp(buf, "k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6-k7e6") == 0);
    struct cost cl = arch_cost(&s, &lo), ch = arch_cost(&s, &hi);
    CHECK(cl.macs == 746800 && ch.macs == 10437184);
    struct rng r;
    rng_seed(&r, 7, RNG_STREAM_SEARCH);
    for (int i = 0; i < 200; i++) {
        arch_random(&s, &r, &a);
        struct cost c = arch_cost(&s, &a);
        CHECK(c.macs >= cl.macs && c.macs <= ch.macs);
    }
}

int main(void)
{
    RUN(test_distance_equal);
    RUN(test_mutate_valid);
    RUN(test_mutate_rate_extremes);
    RUN(test_mutate_frequency);
    RUN(test_mutate_one);
    RUN(test_crossover);
    RUN(test_reproducible);
    RUN(test_extremes);
    return check_done();
}
