/* Tests of src/evalcache.c: round trips, replacement, absent keys, insertion
 * order, growth and architectures that differ in one layer. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "evalcache.h"
#include "rng.h"
#include "sampler.h"

/* Metrics derived from a record number, so any value can be checked. */
static void metrics_of(int i, double *m)
{
    m[0] = i + 0.25;
    m[1] = -i;
    m[2] = i * 1e-3;
}

static int metrics_are(const double *m, int i)
{
    double want[3];
    metrics_of(i, want);
    return m && m[0] == want[0] && m[1] == want[1] && m[2] == want[2];
}

static void test_new_free(void)
{
    CHECK(evalcache_new(0) == NULL);
    CHECK(evalcache_new(-1) == NULL);
    evalcache_free(NULL);
    struct evalcache *c = evalcache_new(3);
    if (!CHECK(c != NULL))
        return;
    CHECK_EQ_INT(evalcache_nmetrics(c), 3);
    CHECK_EQ_INT(evalcache_count(c), 0);
    struct arch a = {.n = 0};
    CHECK(evalcache_get(c, &a) == NULL);
    CHECK(evalcache_at(c, 0, &a, NULL) == -1);
    a.n = SPACE_MAX_LAYERS + 1;
    double m[3] = {1, 2, 3};
    CHECK(evalcache_put(c, &a, m) == -1);
    CHECK(evalcache_get(c, &a) == NULL);
    a.n = -1;
    CHECK(evalcache_put(c, &a, m) == -1);
    CHECK_EQ_INT(evalcache_count(c), 0);
    evalcache_free(c);
}

/* 10,000 random distinct architectures of fmnist-skip: every one comes back
 * with its metrics, in insertion order, through every growth of the table. */
static void test_round_trip(void)
{
    struct space s;
    space_builtin(&s, "fmnist-skip");
    struct evalcache *c = evalcache_new(3);
    if (!CHECK(c != NULL))
        return;
    enum { N = 10000 };
    struct arch *archs = malloc(N * sizeof *archs);
    if (!CHECK(archs != NULL)) {
        evalcache_free(c);
        return;
    }
    struct rng r;
    rng_seed(&r, 1, RNG_STREAM_SEARCH);
    int n = 0, bad = 0;
    while (n < N) {
        struct arch a;
        arch_random(&s, &r, &a);
        if (evalcache_get(c, &a))
            continue; /* drawn twice: keep the keys distinct */
        double m[3];
        metrics_of(n, m);
        bad += evalcache_put(c, &a, m) != 0;
        archs[n++] = a;
        bad += evalcache_count(c) != n;
        /* spot checks across growths */
        if ((n & (n - 1)) == 0)
            for (int i = 0; i < n; i++)
                bad += !metrics_are(evalcache_get(c, &archs[i]), i);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(evalcache_count(c), N);
    for (int i = 0; i < N; i++) {
        struct arch a;
        const double *m = NULL;
        bad += evalcache_at(c, i, &a, &m) != 0;
        bad += a.n != archs[i].n || memcmp(a.choice, archs[i].choice, sizeof a.choice[0] * a.n);
        bad += !metrics_are(m, i);
        bad += !metrics_are(evalcache_get(c, &archs[i]), i);
    }
    CHECK_EQ_INT(bad, 0);
    CHECK(evalcache_at(c, N, NULL, NULL) == -1);
    CHECK(evalcache_at(c, -1, NULL, NULL) == -1);
    /* absent keys: fresh random architectures not inserted */
    int absent = 0, found_absent = 0;
    for (int t = 0; t < 20000 && absent < 2000; t++) {
        struct arch a;
        arch_random(&s, &r, &a);
        int known = 0;
        for (int i = 0; i < N && !known; i++)
            known = a.n == archs[i].n &&
                    !memcmp(a.choice, archs[i].choice, sizeof a.choice[0] * a.n);
        if (known)
            continue;
        absent++;
        found_absent += evalcache_get(c, &a) != NULL;
    }
    CHECK(absent == 2000);
    CHECK_EQ_INT(found_absent, 0);
    free(archs);
    evalcache_free(c);
}

static void test_replace(void)
{
    struct space s;
    space_builtin(&s, "fmnist-skip");
    struct evalcache *c = evalcache_new(3);
    if (!CHECK(c != NULL))
        return;
    struct rng r;
    rng_seed(&r, 2, RNG_STREAM_SEARCH);
    struct arch a[3];
    for (int i = 0; i < 3; i++) {
        arch_random(&s, &r, &a[i]);
        double m[3];
        metrics_of(i, m);
        CHECK(evalcache_put(c, &a[i], m) == 0);
    }
    double m[3];
    metrics_of(77, m);
    CHECK(evalcache_put(c, &a[1], m) == 0);
    CHECK_EQ_INT(evalcache_count(c), 3);
    CHECK(metrics_are(evalcache_get(c, &a[1]), 77));
    CHECK(metrics_are(evalcache_get(c, &a[0]), 0));
    /* the replaced record keeps its place in the order */
    const double *got;
    struct arch b;
    CHECK(evalcache_at(c, 1, &b, &got) == 0);
    CHECK(b.n == a[1].n && !memcmp(b.choice, a[1].choice, sizeof b.choice[0] * b.n));
    CHECK(metrics_are(got, 77));
    /* entries past n do not matter */
    b = a[2];
    b.choice[SPACE_MAX_LAYERS - 1] = 12345;
    CHECK(metrics_are(evalcache_get(c, &b), 2));
    /* a prefix is another architecture */
    b = a[2];
    b.n--;
    CHECK(evalcache_get(c, &b) == NULL);
    /* metrics may come from the cache itself, also while it grows */
    CHECK(evalcache_put(c, &a[0], evalcache_get(c, &a[1])) == 0);
    CHECK(metrics_are(evalcache_get(c, &a[0]), 77));
    int bad = 0;
    for (int i = 0; i < 200; i++) {
        struct arch x;
        arch_random(&s, &r, &x);
        if (evalcache_get(c, &x))
            continue;
        CHECK(evalcache_put(c, &x, evalcache_get(c, &a[2])) == 0);
        bad += !metrics_are(evalcache_get(c, &x), 2);
    }
    CHECK_EQ_INT(bad, 0);
    evalcache_free(c);
}

/* Architectures that differ from a base in one or two layers: all keys are
 * distinct, their hashes too, and the low hash bits spread evenly. */
static void test_near_keys(void)
{
    struct space s;
    space_builtin(&s, "fmnist-skip");
    struct evalcache *c = evalcache_new(3);
    if (!CHECK(c != NULL))
        return;
    enum { MAXK = 20000 };
    uint64_t *hashes = malloc(MAXK * sizeof *hashes);
    if (!CHECK(hashes != NULL)) {
        evalcache_free(c);
        return;
    }
    struct arch base = {.n = s.nlayers};
    int n = 0, bad = 0;
    double m[3];
    /* base, its one-layer neighbours, and the two-layer neighbours in layers 0, 1 */
    for (int l0 = 0; l0 < s.nchoices; l0++) {
        for (int l1 = 0; l1 < s.nchoices; l1++) {
            if (!(s.allowed[0] & (1ULL << l0)) || !(s.allowed[1] & (1ULL << l1)))
                continue;
            for (int l = 2; l <= s.nlayers; l++) {
                for (int ch = 0; ch < s.nchoices; ch++) {
                    if (l == s.nlayers ? ch > 0 : !(s.allowed[l] & (1ULL << ch)) || ch == 0)
                        continue;
                    struct arch a = base;
                    a.choice[0] = l0;
                    a.choice[1] = l1;
                    if (l < s.nlayers)
                        a.choice[l] = ch;
                    metrics_of(n, m);
                    bad += evalcache_put(c, &a, m) != 0;
                    hashes[n++] = evalcache_hash(&a);
                }
            }
        }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(evalcache_count(c), n);
    for (int i = 0; i < n; i++) {
        struct arch a;
        evalcache_at(c, i, &a, NULL);
        bad += !metrics_are(evalcache_get(c, &a), i);
    }
    CHECK_EQ_INT(bad, 0);
    /* no two 64-bit hashes equal */
    int dup = 0;
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            dup += hashes[i] == hashes[j];
    CHECK_EQ_INT(dup, 0);
    /* low 8 bits: each of 256 buckets within 5 sd of n/256 */
    int bucket[256] = {0};
    for (int i = 0; i < n; i++)
        bucket[hashes[i] & 255]++;
    double mean = n / 256.0, sd = sqrt(mean);
    int off = 0;
    for (int b = 0; b < 256; b++)
        off += fabs(bucket[b] - mean) > 5 * sd;
    CHECK_EQ_INT(off, 0);
    CHECK_EQ_INT(n, 49 * (1 + 3 * 5 + 7 * 6)); /* 7 x 7 in layers 0, 1; 6 or 7 elsewhere */
    free(hashes);
    evalcache_free(c);
}

/* The tiny space whole (81 architectures), inserted twice. */
static void test_whole_tiny(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    struct evalcache *c = evalcache_new(1);
    if (!CHECK(c != NULL))
        return;
    int total = 1;
    for (int l = 0; l < s.nlayers; l++)
        total *= __builtin_popcountll(s.allowed[l]);
    for (int pass = 0; pass < 2; pass++) {
        for (int code = 0; code < total; code++) {
            struct arch a = {.n = s.nlayers};
            int x = code;
            for (int l = 0; l < s.nlayers; l++) {
                int k = __builtin_popcountll(s.allowed[l]), pick = x % k, c2 = 0;
                x /= k;
                for (int ch = 0; ch < s.nchoices; ch++)
                    if (s.allowed[l] & (1ULL << ch)) {
                        if (pick-- == 0)
                            c2 = ch;
                    }
                a.choice[l] = c2;
            }
            double v = pass * 1000 + code;
            CHECK(evalcache_put(c, &a, &v) == 0);
        }
    }
    CHECK_EQ_INT(total, 81);
    CHECK_EQ_INT(evalcache_count(c), 81);
    int bad = 0;
    for (int i = 0; i < 81; i++) {
        const double *v;
        evalcache_at(c, i, NULL, &v);
        bad += *v != 1000 + i;
    }
    CHECK_EQ_INT(bad, 0);
    evalcache_free(c);
}

int main(void)
{
    RUN(test_new_free);
    RUN(test_round_trip);
    RUN(test_replace);
    RUN(test_near_keys);
    RUN(test_whole_tiny);
    return check_done();
}
