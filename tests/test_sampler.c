/* Unit tests of src/sampler.c: FairNAS strict fairness on spaces with and
 * without `skip`, validity of every drawn path, the marginals of the uniform
 * sampler, the exact marginals of the proportional sampler over the whole
 * space (closed form of P(a) ∝ params(a)) and over a pool, repeat, seeding,
 * and the error for an unknown name; the proportional draw over an explicit
 * list (chi-square).
 *
 * Frequencies come from 100,000 draws: the standard error of a frequency near
 * 1/7 is ~0.0011, so the 0.01 tolerances sit ~9 standard errors out. */
#include "sampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ctx.h"

#define DRAWS 100000

static int allowed(const struct space *s, int l, int c)
{
    return c >= 0 && c < s->nchoices && (s->allowed[l] & (1ULL << c)) != 0;
}

static int nallowed(const struct space *s, int l)
{
    return __builtin_popcountll(s->allowed[l]);
}

static int arch_eq(const struct arch *a, const struct arch *b)
{
    return a->n == b->n && memcmp(a->choice, b->choice, (size_t)a->n * sizeof a->choice[0]) == 0;
}

/* A sampler that must exist (the test stops here if it does not). */
static void make(struct sampler *sm, const char *name, const struct space *s, uint64_t seed,
                 int repeat, int pool)
{
    struct err e;
    if (sampler_init(sm, name, s, seed, repeat, pool, &e)) {
        fprintf(stderr, "sampler_init(%s): %s\n", name, e.msg);
        exit(2);
    }
}

/* ---- fair ---- */

static void test_fair_fmnist(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct sampler sm;
    make(&sm, "fair", &s, 1, 1, 0);
    CHECK_STR(sampler_name(&sm), "fair");
    enum { T = 50 };
    struct arch paths[SPACE_MAX_CHOICES];
    int bad_n = 0, bad_once = 0, pairs_seen = 0;
    int pair[SPACE_MAX_CHOICES][SPACE_MAX_CHOICES] = {{0}};
    for (int t = 0; t < T; t++) {
        int n = sampler_next(&sm, t, paths);
        if (n != 6) {
            bad_n++;
            continue;
        }
        for (int p = 0; p < n; p++)
            pairs_seen += pair[paths[p].choice[0]][paths[p].choice[1]]++ == 0;
        for (int l = 0; l < s.nlayers; l++) {
            int seen[SPACE_MAX_CHOICES] = {0};
            for (int p = 0; p < n; p++)
                seen[paths[p].choice[l]]++;
            for (int c = 0; c < s.nchoices; c++)
                bad_once += allowed(&s, l, c) && seen[c] != 1;
        }
    }
    CHECK_EQ_INT(bad_n, 0);
    CHECK_EQ_INT(bad_once, 0);
    /* the per-layer permutations are independent: the (layer 0, layer 1)
     * choice pairs of the 300 paths cover (nearly) all 36 combinations */
    CHECK(pairs_seen >= 30);
    int bad_count = 0;
    for (int l = 0; l < s.nlayers; l++)
        for (int c = 0; c < s.nchoices; c++)
            if (allowed(&s, l, c) && sm.st.counts[l][c] != T) {
                if (!bad_count)
                    printf("  counts[%d][%d] = %lld\n", l, c, (long long)sm.st.counts[l][c]);
                bad_count++;
            }
    CHECK_EQ_INT(bad_count, 0);
    sampler_done(&sm);
}

static void test_fair_skip(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    struct sampler sm;
    make(&sm, "fair", &s, 2, 1, 0);
    enum { T = 60 };
    struct arch paths[SPACE_MAX_CHOICES];
    int64_t cum[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES] = {{0}};
    int bad_n = 0, bad_seven = 0, bad_six_missing = 0, bad_spread = 0, n6 = 0, n7 = 0;
    for (int l = 0; l < s.nlayers; l++) {
        n6 += nallowed(&s, l) == 6;
        n7 += nallowed(&s, l) == 7;
    }
    CHECK_EQ_INT(n6, 3);
    CHECK_EQ_INT(n7, 9);
    for (int t = 0; t < T; t++) {
        int n = sampler_next(&sm, 0, paths);
        if (n != 7) {
            bad_n++;
            continue;
        }
        for (int l = 0; l < s.nlayers; l++) {
            int seen[SPACE_MAX_CHOICES] = {0};
            for (int p = 0; p < n; p++) {
                seen[paths[p].choice[l]]++;
                cum[l][paths[p].choice[l]]++;
            }
            int64_t lo = INT64_MAX, hi = INT64_MIN;
            for (int c = 0; c < s.nchoices; c++) {
                if (!allowed(&s, l, c))
                    continue;
                if (nallowed(&s, l) == 7)
                    bad_seven += seen[c] != 1;
                else
                    bad_six_missing += seen[c] < 1;
                lo = cum[l][c] < lo ? cum[l][c] : lo;
                hi = cum[l][c] > hi ? cum[l][c] : hi;
            }
            bad_spread += hi - lo > 1;
        }
    }
    CHECK_EQ_INT(bad_n, 0);
    CHECK_EQ_INT(bad_seven, 0);
    CHECK_EQ_INT(bad_six_missing, 0);
    CHECK_EQ_INT(bad_spread, 0);
    /* the six-choice layers really do get a seventh slot, and the sampler's
     * counts are the trainings it handed out */
    int bad_sum = 0, bad_state = 0, bad_disallowed = 0;
    for (int l = 0; l < s.nlayers; l++) {
        int64_t sum = 0;
        for (int c = 0; c < s.nchoices; c++) {
            sum += cum[l][c];
            bad_state += sm.st.counts[l][c] != cum[l][c];
            bad_disallowed += !allowed(&s, l, c) && cum[l][c] != 0;
        }
        bad_sum += sum != 7 * T;
    }
    CHECK_EQ_INT(bad_sum, 0);
    CHECK_EQ_INT(bad_state, 0);
    CHECK_EQ_INT(bad_disallowed, 0);
    sampler_done(&sm);
}

/* ---- every path is an architecture of the space ---- */

static int check_paths_valid(const struct space *s, const char *name, int repeat, int pool)
{
    struct sampler sm;
    make(&sm, name, s, 3, repeat, pool);
    struct arch paths[SPACE_MAX_CHOICES];
    int bad = 0;
    for (int t = 0; t < 300; t++) {
        int n = sampler_next(&sm, t / 50, paths);
        if (n < 1 || n > SPACE_MAX_CHOICES) {
            bad++;
            break;
        }
        for (int p = 0; p < n; p++) {
            const struct arch *a = &paths[p];
            int ok = a->n == s->nlayers;
            for (int l = 0; ok && l < a->n; l++)
                ok = allowed(s, l, a->choice[l]);
            char buf[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
            struct arch back;
            struct err e;
            if (ok) {
                int len = arch_format(s, a, buf, sizeof buf);
                ok = len > 0 && len < (int)sizeof buf &&
                     arch_parse(s, buf, "test", &back, &e) == 0 && arch_eq(a, &back);
            }
            if (!ok && !bad)
                printf("  %s on %s: invalid path at step %d\n", name, s->name, t);
            bad += !ok;
        }
    }
    sampler_done(&sm);
    return bad;
}

static void test_paths_valid(void)
{
    for (int v = 0; v < 4; v++) {
        struct space s;
        space_fmnist_variant(&s, v & 1, v >> 1);
        CHECK_EQ_INT(check_paths_valid(&s, "uniform", 1, 0), 0);
        CHECK_EQ_INT(check_paths_valid(&s, "fair", 1, 0), 0);
        CHECK_EQ_INT(check_paths_valid(&s, "proportional", 1, 0), 0);
        CHECK_EQ_INT(check_paths_valid(&s, "proportional", 2, 10), 0);
    }
}

/* ---- uniform ---- */

static void test_uniform_marginals(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1); /* 6 and 7 choices */
    struct sampler sm;
    make(&sm, "uniform", &s, 4, 1, 0);
    CHECK_STR(sampler_name(&sm), "uniform");
    static int64_t cnt[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];
    memset(cnt, 0, sizeof cnt);
    struct arch paths[SPACE_MAX_CHOICES];
    int bad_n = 0;
    for (int t = 0; t < DRAWS; t++) {
        int n = sampler_next(&sm, 0, paths);
        bad_n += n != 1;
        for (int l = 0; l < s.nlayers; l++)
            cnt[l][paths[0].choice[l]]++;
    }
    CHECK_EQ_INT(bad_n, 0);
    double worst = 0;
    int bad_disallowed = 0;
    for (int l = 0; l < s.nlayers; l++)
        for (int c = 0; c < s.nchoices; c++) {
            if (!allowed(&s, l, c)) {
                bad_disallowed += cnt[l][c] != 0;
                continue;
            }
            double d = fabs((double)cnt[l][c] / DRAWS - 1.0 / nallowed(&s, l));
            worst = d > worst ? d : worst;
        }
    CHECK_EQ_INT(bad_disallowed, 0);
    CHECK_NEAR(worst, 0, 0.01);
    sampler_done(&sm);
}

/* ---- proportional ---- */

/* Exact P(c_l = c) under P(a) ∝ params(a) over the whole space s. */
static void proportional_marginals(const struct space *s,
                                   double p[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES])
{
    double F = (double)(space_stem_cost(s).params + space_head_cost(s).params);
    double mean[SPACE_MAX_LAYERS], total = F;
    for (int l = 0; l < s->nlayers; l++) {
        double sum = 0;
        for (int c = 0; c < s->nchoices; c++)
            if (allowed(s, l, c))
                sum += (double)space_layer_cost(s, l, c).params;
        mean[l] = sum / nallowed(s, l);
        total += mean[l];
    }
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++)
            p[l][c] = allowed(s, l, c) ? (total - mean[l] + (double)space_layer_cost(s, l, c).params) /
                                             (nallowed(s, l) * total)
                                       : 0;
}

static void test_proportional_space(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1); /* skip has 0 parameters */
    static double want[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];
    static int64_t cnt[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];
    proportional_marginals(&s, want);
    memset(cnt, 0, sizeof cnt);
    struct sampler sm;
    make(&sm, "proportional", &s, 5, 1, 0);
    CHECK_STR(sampler_name(&sm), "proportional");
    struct arch paths[SPACE_MAX_CHOICES];
    for (int t = 0; t < DRAWS; t++) {
        CHECK_EQ_INT(sampler_next(&sm, 0, paths), 1);
        for (int l = 0; l < s.nlayers; l++)
            cnt[l][paths[0].choice[l]]++;
    }
    double worst = 0, spread = 0, want_spread = 0;
    for (int l = 0; l < s.nlayers; l++) {
        double lo = 1, hi = 0, wlo = 1, whi = 0;
        for (int c = 0; c < s.nchoices; c++) {
            double f = (double)cnt[l][c] / DRAWS;
            double d = fabs(f - want[l][c]);
            worst = d > worst ? d : worst;
            if (!allowed(&s, l, c))
                continue;
            lo = f < lo ? f : lo;
            hi = f > hi ? f : hi;
            wlo = want[l][c] < wlo ? want[l][c] : wlo;
            whi = want[l][c] > whi ? want[l][c] : whi;
        }
        spread = hi - lo > spread ? hi - lo : spread;
        want_spread = whi - wlo > want_spread ? whi - wlo : want_spread;
    }
    CHECK_NEAR(worst, 0, 0.01);
    CHECK(spread > 0.02);      /* not the uniform sampler */
    CHECK(want_spread > 0.02); /* the reference itself is far from uniform */
    sampler_done(&sm);
}

/* The whole distribution on a space small enough to enumerate: fmnist-skip
 * cut to two layers (16 -> 16 with skip: 7 choices; 16 -> 24 stride 2: 6),
 * where stem and head weigh as much as a layer, so the mixture's stem-and-head
 * component matters.  Every one of the 42 architectures must come up with
 * probability params(a) / sum params. */
static void test_proportional_exact_small(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    s.nstages = 2;
    s.stages[0] = (struct stage){16, 1, 1};
    s.stages[1] = (struct stage){24, 1, 2};
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        s.allowed[l] = (1ULL << s.nchoices) - 1;
    struct err e;
    if (!CHECK(space_finish(&s, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(s.nlayers, 2);
    CHECK_EQ_INT(nallowed(&s, 0) * nallowed(&s, 1), 42);
    enum { N = 400000 };
    static int64_t cnt[SPACE_MAX_CHOICES][SPACE_MAX_CHOICES];
    memset(cnt, 0, sizeof cnt);
    struct sampler sm;
    make(&sm, "proportional", &s, 9, 1, 0);
    struct arch paths[SPACE_MAX_CHOICES];
    for (int t = 0; t < N; t++) {
        sampler_next(&sm, 0, paths);
        cnt[paths[0].choice[0]][paths[0].choice[1]]++;
    }
    double total = 0;
    struct arch a = {.n = 2};
    for (a.choice[0] = 0; a.choice[0] < s.nchoices; a.choice[0]++)
        for (a.choice[1] = 0; a.choice[1] < s.nchoices; a.choice[1]++)
            if (allowed(&s, 0, a.choice[0]) && allowed(&s, 1, a.choice[1]))
                total += (double)arch_cost(&s, &a).params;
    double F = (double)(space_stem_cost(&s).params + space_head_cost(&s).params);
    CHECK(F > 0.25 * total / 42); /* stem and head are a third of a path */
    int bad = 0;
    for (a.choice[0] = 0; a.choice[0] < s.nchoices; a.choice[0]++)
        for (a.choice[1] = 0; a.choice[1] < s.nchoices; a.choice[1]++) {
            double want = allowed(&s, 0, a.choice[0]) && allowed(&s, 1, a.choice[1])
                              ? (double)arch_cost(&s, &a).params / total
                              : 0;
            double got = (double)cnt[a.choice[0]][a.choice[1]] / N;
            /* 5 standard errors */
            if (fabs(got - want) > 5 * sqrt(want * (1 - want) / N) + 1e-9) {
                if (!bad)
                    printf("  P(%s, %s) = %.5f, want %.5f\n", s.choices[a.choice[0]].name,
                           s.choices[a.choice[1]].name, got, want);
                bad++;
            }
        }
    CHECK_EQ_INT(bad, 0);
    sampler_done(&sm);
}

/* Index of a in pool[0..n), or -1. */
static int pool_index(const struct arch *pool, int n, const struct arch *a)
{
    for (int i = 0; i < n; i++)
        if (arch_eq(&pool[i], a))
            return i;
    return -1;
}

static void test_proportional_pool(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1); /* parameter counts spread wider with skip */
    enum { POOL = 10 };
    struct sampler sm;
    make(&sm, "proportional", &s, 6, 1, POOL);
    struct arch paths[SPACE_MAX_CHOICES], pool[POOL];
    int64_t hits[POOL] = {0};
    int outside = 0;
    for (int t = 0; t < DRAWS; t++) {
        CHECK_EQ_INT(sampler_next(&sm, 7, paths), 1);
        if (t == 0)
            memcpy(pool, sm.pool_archs, sizeof pool);
        int i = pool_index(pool, POOL, &paths[0]);
        if (i < 0)
            outside++;
        else
            hits[i]++;
    }
    CHECK_EQ_INT(outside, 0);
    CHECK(memcmp(pool, sm.pool_archs, sizeof pool) == 0); /* one pool per iteration */
    /* expected share of each distinct pool member (a duplicate adds its weight
     * to the first copy) */
    double want[POOL] = {0}, total = 0;
    for (int i = 0; i < POOL; i++) {
        double p = (double)arch_cost(&s, &pool[i]).params;
        want[pool_index(pool, POOL, &pool[i])] += p;
        total += p;
    }
    double worst = 0, far_from_uniform = 0;
    for (int i = 0; i < POOL; i++) {
        want[i] /= total;
        double d = fabs((double)hits[i] / DRAWS - want[i]);
        worst = d > worst ? d : worst;
        double u = fabs(want[i] - 1.0 / POOL);
        far_from_uniform = u > far_from_uniform ? u : far_from_uniform;
    }
    /* 0.005 is ~5 standard errors; a uniform pick would miss by
     * far_from_uniform, which the pool of this seed makes large enough */
    CHECK_NEAR(worst, 0, 0.005);
    CHECK(far_from_uniform > 0.01);

    /* a new iteration draws a new pool, and the path comes from it */
    CHECK_EQ_INT(sampler_next(&sm, 8, paths), 1);
    CHECK(memcmp(pool, sm.pool_archs, sizeof pool) != 0);
    CHECK(pool_index(sm.pool_archs, POOL, &paths[0]) >= 0);
    CHECK_EQ_INT(sm.st.pool_iteration, 8);
    sampler_done(&sm);
}

static void test_proportional_repeat(void)
{
    struct space s;
    space_default_fmnist(&s);
    for (int pool = 0; pool <= 10; pool += 10) {
        struct sampler sm;
        make(&sm, "proportional", &s, 7, 3, pool);
        struct arch seq[30], paths[SPACE_MAX_CHOICES];
        for (int t = 0; t < 30; t++) {
            CHECK_EQ_INT(sampler_next(&sm, 0, paths), 1);
            seq[t] = paths[0];
        }
        int bad_same = 0, changes = 0;
        for (int g = 0; g < 10; g++) {
            bad_same += !arch_eq(&seq[3 * g], &seq[3 * g + 1]);
            bad_same += !arch_eq(&seq[3 * g], &seq[3 * g + 2]);
            if (g > 0)
                changes += !arch_eq(&seq[3 * g - 1], &seq[3 * g]);
        }
        CHECK_EQ_INT(bad_same, 0);
        CHECK(changes >= (pool ? 5 : 9)); /* a pool of 10 may repeat a member */
        /* a new iteration starts a new path at once, even mid-repeat */
        CHECK_EQ_INT(sampler_next(&sm, 0, paths), 1); /* 1st of a group */
        if (pool) {
            CHECK_EQ_INT(sampler_next(&sm, 1, paths), 1);
            CHECK_EQ_INT(sm.st.repeat_left, 2);
        }
        sampler_done(&sm);
    }
}

/* ---- seeds and names ---- */

/* 1 when two samplers of the same kind draw the same 40 steps. */
static int same_sequence(const struct space *s, const char *name, uint64_t seed_a,
                         uint64_t seed_b, int pool)
{
    struct sampler a, b;
    make(&a, name, s, seed_a, 1, pool);
    make(&b, name, s, seed_b, 1, pool);
    int same = 1;
    for (int t = 0; t < 40; t++) {
        struct arch pa[SPACE_MAX_CHOICES], pb[SPACE_MAX_CHOICES];
        int na = sampler_next(&a, t / 10, pa), nb = sampler_next(&b, t / 10, pb);
        if (na != nb) {
            same = 0;
            continue;
        }
        for (int p = 0; p < na; p++)
            same &= arch_eq(&pa[p], &pb[p]);
    }
    sampler_done(&a);
    sampler_done(&b);
    return same;
}

static void test_seeds(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    static const char *const kinds[] = {"uniform", "fair", "proportional"};
    for (int k = 0; k < 3; k++) {
        CHECK(same_sequence(&s, kinds[k], 11, 11, 0));
        CHECK(!same_sequence(&s, kinds[k], 11, 12, 0));
    }
    CHECK(same_sequence(&s, "proportional", 11, 11, 10));
    CHECK(!same_sequence(&s, "proportional", 11, 12, 10));
}

static void test_errors(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct sampler sm;
    struct err e;
    CHECK_EQ_INT(sampler_init(&sm, "foo", &s, 1, 1, 0, &e), -1);
    CHECK_STR(e.msg, "error: unknown sampler 'foo' (known: uniform, fair, proportional)");
    sampler_done(&sm);
    CHECK_EQ_INT(sampler_init(&sm, "Fair", &s, 1, 1, 0, &e), -1);
    CHECK_STR(e.msg, "error: unknown sampler 'Fair' (known: uniform, fair, proportional)");
    sampler_done(&sm);
    CHECK_EQ_INT(sampler_init(&sm, "proportional", &s, 1, 0, 0, &e), -1);
    CHECK(strstr(e.msg, "repeat >= 1") != NULL);
    sampler_done(&sm);
    CHECK_EQ_INT(sampler_init(&sm, "proportional", &s, 1, 1, SAMPLER_MAX_POOL + 1, &e), -1);
    sampler_done(&sm);
    CHECK_EQ_INT(sampler_init(&sm, "proportional", &s, 1, 1, SAMPLER_MAX_POOL, &e), 0);
    sampler_done(&sm);
}

/* A sampler restored from a saved state and pool draws what the original draws. */
static void test_restore(void)
{
    struct space s;
    space_default_fmnist(&s);
    struct sampler a, b;
    struct err e;
    CHECK(sampler_init(&a, "proportional", &s, 7, 2, 10, &e) == 0);
    CHECK(sampler_init(&b, "proportional", &s, 7, 2, 10, &e) == 0);
    struct arch pa[SPACE_MAX_CHOICES], pb[SPACE_MAX_CHOICES];
    for (int i = 0; i < 5; i++)
        sampler_next(&a, 3, pa);
    CHECK(sampler_restore(&b, &a.st, a.pool_archs, NULL) == 0);
    for (int i = 0; i < 50; i++) {
        sampler_next(&a, 3 + i / 20, pa);
        sampler_next(&b, 3 + i / 20, pb);
        CHECK_EQ_INT(pb[0].n, s.nlayers);
        CHECK(memcmp(pa[0].choice, pb[0].choice, sizeof pa[0].choice) == 0);
    }
    /* without the pool, a new one is drawn rather than reading garbage */
    struct sampler c;
    CHECK(sampler_init(&c, "proportional", &s, 7, 2, 10, &e) == 0);
    CHECK(sampler_restore(&c, &a.st, NULL, NULL) == 0);
    sampler_next(&c, a.st.pool_iteration, pb);
    CHECK_EQ_INT(pb[0].n, s.nlayers);
    sampler_done(&a);
    sampler_done(&b);
    sampler_done(&c);
}

/* Counts a state could not have come to are refused before they overflow
 * as they are counted on (found with tests/fuzz/fuzz_ckpt: a CRC-valid
 * checkpoint with a count of INT64_MAX resumed into signed overflow). */
static void test_restore_counts_in_range(void)
{
    struct space s;
    space_tiny(&s);
    struct sampler a, b;
    struct err e;
    CHECK(sampler_init(&a, "uniform", &s, 7, 1, 0, &e) == 0);
    CHECK(sampler_init(&b, "uniform", &s, 7, 1, 0, &e) == 0);
    struct arch p[SPACE_MAX_CHOICES];
    for (int i = 0; i < 3; i++)
        sampler_next(&a, 0, p);
    struct sampler_state st = a.st;
    CHECK(sampler_restore(&b, &st, NULL, &e) == 0);
    st.counts[0][1] = 3 * SPACE_MAX_CHOICES + 1;
    CHECK(sampler_restore(&b, &st, NULL, &e) == -1);
    CHECK_STR(e.msg, "error: the sampler's count of layer 1, choice 2 is 145, more than 3 steps "
                     "make");
    st.counts[0][1] = INT64_MAX;
    CHECK(sampler_restore(&b, &st, NULL, &e) == -1);
    st = a.st;
    st.step = INT64_MAX;
    CHECK(sampler_restore(&b, &st, NULL, &e) == -1);
    CHECK_STR(e.msg, "error: the sampler's step count is 9223372036854775807, more than a run "
                     "makes");
    sampler_done(&a);
    sampler_done(&b);
}

/* ---- an explicit list (NAO-V2's round of new architectures) ---- */

/* The chi-square statistic of counts hits[0..n) against probabilities
 * p[0..n) over `draws` draws. */
static double chi_square(const int64_t *hits, const double *p, int n, int draws)
{
    double x2 = 0;
    for (int i = 0; i < n; i++) {
        double want = p[i] * draws;
        x2 += ((double)hits[i] - want) * ((double)hits[i] - want) / want;
    }
    return x2;
}

/* The chi-square quantile of df degrees of freedom whose upper tail is
 * 0.001 (Wilson-Hilferty: within 1% of the tables from df = 5 on). */
static double chi_square_999(int df)
{
    double k = 2.0 / (9.0 * df), c = 1 - k + 3.0902 * sqrt(k);
    return df * c * c * c;
}

/* 20 distinct architectures of fmnist-skip, whose parameter counts spread
 * over a factor of about 3, drawn 100,000 times: the counts pass a
 * chi-square test against params(i) / sum params at p = 0.001, and fail it
 * against the uniform draw (the test can fail); the probabilities sum to 1;
 * the same stream draws the same sequence; errors. */
static void test_list_proportional(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    enum { N = 20 };
    struct arch archs[N];
    struct rng r;
    rng_seed(&r, 5, 0);
    for (int i = 0; i < N; i++)
        arch_random(&s, &r, &archs[i]);
    struct sampler_list l;
    struct err e;
    if (!CHECK(sampler_list_init(&l, &s, archs, N, &e) == 0))
        return;
    CHECK(l.archs != archs && memcmp(l.archs, archs, sizeof archs) == 0);
    double p[N], uniform[N], sum = 0, lo = 1, hi = 0;
    for (int i = 0; i < N; i++) {
        p[i] = sampler_list_prob(&l, i);
        uniform[i] = 1.0 / N;
        sum += p[i];
        lo = p[i] < lo ? p[i] : lo;
        hi = p[i] > hi ? p[i] : hi;
        CHECK_NEAR(p[i] * l.cum[N - 1], (double)arch_cost(&s, &archs[i]).params, 1e-6);
    }
    CHECK_NEAR(sum, 1, 1e-12);
    CHECK(hi > 1.5 * lo); /* far enough from uniform for the negative check */
    int64_t hits[N] = {0};
    rng_seed(&r, 6, RNG_STREAM_SAMPLER);
    for (int t = 0; t < DRAWS; t++) {
        int i = sampler_list_next(&l, &r);
        if (!CHECK(i >= 0 && i < N))
            break;
        hits[i]++;
    }
    double x2 = chi_square(hits, p, N, DRAWS), crit = chi_square_999(N - 1);
    CHECK_NEAR(chi_square_999(19), 43.82, 0.25); /* the table's value, within 0.6% */
    if (!CHECK(x2 < crit))
        printf("  chi-square %.1f against %.1f (19 degrees of freedom)\n", x2, crit);
    CHECK(chi_square(hits, uniform, N, DRAWS) > 10 * crit);
    /* the caller's stream names the sequence */
    struct rng a, b;
    rng_seed(&a, 6, RNG_STREAM_SAMPLER);
    rng_seed(&b, 6, RNG_STREAM_SAMPLER);
    int same = 1;
    for (int t = 0; t < 100; t++)
        same &= sampler_list_next(&l, &a) == sampler_list_next(&l, &b);
    CHECK(same);
    sampler_list_done(&l);
    sampler_list_done(&l); /* a second done is harmless */

    CHECK_EQ_INT(sampler_list_init(&l, &s, archs, 0, &e), -1);
    CHECK_STR(e.msg, "error: the proportional draw needs at least one architecture");
    archs[3].choice[0] = s.nchoices;
    CHECK_EQ_INT(sampler_list_init(&l, &s, archs, N, &e), -1);
    CHECK_STR(e.msg, "error: the proportional draw's architecture 4 of 20 is not of space "
                     "fmnist-skip");
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_fair_fmnist);
    RUN(test_fair_skip);
    RUN(test_paths_valid);
    RUN(test_uniform_marginals);
    RUN(test_proportional_space);
    RUN(test_proportional_exact_small);
    RUN(test_proportional_pool);
    RUN(test_proportional_repeat);
    RUN(test_seeds);
    RUN(test_errors);
    RUN(test_restore);
    RUN(test_restore_counts_in_range);
    RUN(test_list_proportional);
    return check_done();
}
