/* Unit tests of archset: the canonical form of an architecture (each
 * stage's skips pushed to its end) on hand-made cases of fmnist-skip,
 * idempotent and valid on random ones with each stage's skips kept; the
 * fallback where a layer of the stage does not allow the moved choice; a
 * set that holds [A, skip, B] and [A, B, skip] once and grows past its
 * first size. */
#include "archset.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static void parse(const struct space *s, const char *str, struct arch *a)
{
    struct err e;
    if (arch_parse(s, str, "test", a, &e)) {
        fprintf(stderr, "%s\n", e.msg);
        exit(2);
    }
}

static void check_canonical(const struct space *s, const char *in, const char *want)
{
    struct arch a, c;
    char buf[512];
    parse(s, in, &a);
    archset_canonical(s, &a, &c);
    arch_format(s, &c, buf, sizeof buf);
    CHECK_STR(buf, want);
}

static void test_canonical(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    /* stages of 2, 3, 3, 4 layers; skip is not allowed at layers 3, 6, 9 */
    check_canonical(&s, "skip-k3e3-k5e6-skip-k7e3-k3e6-skip-k5e3-k3e3-skip-k7e6-skip",
                    "k3e3-skip-k5e6-k7e3-skip-k3e6-k5e3-skip-k3e3-k7e6-skip-skip");
    check_canonical(&s, "k3e3-k3e6-k5e6-k7e3-k5e3-k3e6-k5e3-k7e3-k3e3-k7e6-k5e6-k3e6",
                    "k3e3-k3e6-k5e6-k7e3-k5e3-k3e6-k5e3-k7e3-k3e3-k7e6-k5e6-k3e6");
    check_canonical(&s, "skip-skip-k5e6-skip-skip-k3e6-skip-skip-k3e3-skip-skip-skip",
                    "skip-skip-k5e6-skip-skip-k3e6-skip-skip-k3e3-skip-skip-skip");
    /* [A, skip, B] and [A, B, skip]: one network, one set entry */
    struct archset set;
    struct err e;
    struct arch x, y;
    parse(&s, "k3e3-k3e3-k5e6-skip-k7e3-k3e6-k5e3-k3e3-k3e3-skip-k7e6-k5e3", &x);
    parse(&s, "k3e3-k3e3-k5e6-k7e3-skip-k3e6-k5e3-k3e3-k3e3-k7e6-k5e3-skip", &y);
    CHECK(archset_init(&set, &s, &e) == 0);
    CHECK_EQ_INT(archset_add(&set, &x, &e), 1);
    CHECK(archset_has(&set, &y));
    CHECK_EQ_INT(archset_add(&set, &y, &e), 0);
    CHECK_EQ_INT(set.count, 1);
    /* random ones: valid, idempotent, the skips of each stage kept; the set
     * grows past its first size and holds them all */
    struct rng r;
    rng_seed(&r, 31, 0);
    for (int i = 0; i < 2000; i++) {
        struct arch a, c, cc;
        arch_random(&s, &r, &a);
        archset_canonical(&s, &a, &c);
        archset_canonical(&s, &c, &cc);
        CHECK(arch_is_valid(&s, &c) && arch_equal(&c, &cc));
        for (int st = 0, l0 = 0; st < s.nstages; l0 += s.stages[st++].layers) {
            int ka = 0, kc = 0;
            for (int l = l0; l < l0 + s.stages[st].layers; l++) {
                ka += s.choices[a.choice[l]].skip;
                kc += s.choices[c.choice[l]].skip;
            }
            CHECK_EQ_INT(ka, kc);
        }
        CHECK(archset_add(&set, &a, &e) >= 0);
        CHECK(archset_has(&set, &a) && archset_has(&set, &c));
    }
    CHECK(set.count > 1000 && set.mask + 1 >= 2 * set.count);
    archset_done(&set);
    /* where a layer of the stage does not allow the choice that would move
     * there, the architecture is its own canonical form */
    struct space t = s;
    t.allowed[3] &= ~(1ULL << space_find_choice(&s, "k7e6"));
    check_canonical(&t, "k3e3-k3e3-k5e6-skip-k7e6-k3e6-k5e3-k3e3-k3e3-k7e6-k5e3-k3e3",
                    "k3e3-k3e3-k5e6-skip-k7e6-k3e6-k5e3-k3e3-k3e3-k7e6-k5e3-k3e3");
    check_canonical(&t, "k3e3-k3e3-k5e6-skip-k7e3-k3e6-k5e3-k3e3-k3e3-k7e6-k5e3-k3e3",
                    "k3e3-k3e3-k5e6-k7e3-skip-k3e6-k5e3-k3e3-k3e3-k7e6-k5e3-k3e3");
    /* a space without skip: every architecture is its own canonical form */
    struct space f;
    space_default_fmnist(&f);
    for (int i = 0; i < 200; i++) {
        struct arch a, c;
        arch_random(&f, &r, &a);
        archset_canonical(&f, &a, &c);
        CHECK(arch_equal(&a, &c));
    }
}

int main(void)
{
    RUN(test_canonical);
    return check_done();
}
