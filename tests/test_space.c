/* Tests of src/space.c: the default space and architecture strings with
 * their errors.  The counts of the reference architectures are checked
 * against tests/data/fmnist-reference.txt by tests/test_reference.c. */
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "space.h"

static void test_default_space(void)
{
    struct space s;
    space_default_fmnist(&s);
    CHECK_STR(s.name, "fmnist");
    CHECK_EQ_INT(s.nlayers, 12);
    CHECK_EQ_INT(s.nchoices, 6);
    CHECK_NEAR(space_count(&s), 2176782336.0, 0.5); /* 6^12 */
    struct layer_shape sh = space_layer_shape(&s, 5);
    CHECK_EQ_INT(sh.cin, 24);
    CHECK_EQ_INT(sh.cout, 40);
    CHECK_EQ_INT(sh.stride, 2);
    CHECK_EQ_INT(sh.h_in, 7);
    CHECK_EQ_INT(sh.h_out, 4);
    sh = space_layer_shape(&s, 8);
    CHECK_EQ_INT(sh.cin, 40);
    CHECK_EQ_INT(sh.cout, 64);
    CHECK_EQ_INT(sh.stride, 1);
    CHECK_EQ_INT(sh.h_out, 4);
}

static void test_skip_positions(void)
{
    struct space s;
    space_fmnist_variant(&s, 0, 1);
    int skip = space_find_choice(&s, "skip");
    CHECK(skip >= 0);
    char got[64] = "";
    for (int l = 0; l < s.nlayers; l++)
        if (s.allowed[l] & (1ULL << skip))
            snprintf(got + strlen(got), sizeof got - strlen(got), "%d ", l);
    CHECK_STR(got, "0 1 3 4 6 7 9 10 11 ");
    CHECK_NEAR(space_count(&s), 216.0 * 40353607.0, 0.5); /* 6^3 * 7^9 */
}

static void test_format_round_trip(void)
{
    struct space s;
    space_fmnist_variant(&s, 1, 1);
    const char *str = "k5e6s-k3e3-k7e3s-k5e6-k3e6s-k3e3-k5e3-k7e6s-k3e6-skip-k5e6s-k3e3";
    struct arch a;
    struct err e;
    CHECK(arch_parse(&s, str, "t", &a, &e) == 0);
    char buf[256];
    CHECK_EQ_INT(arch_format(&s, &a, buf, sizeof buf), (long long)strlen(str));
    CHECK_STR(buf, str);
    char small[8];
    arch_format(&s, &a, small, sizeof small);
    CHECK_EQ_INT(strlen(small), 7); /* truncated, still terminated */
}

static void parse_error(const struct space *s, const char *str, const char *want)
{
    struct arch a;
    struct err e;
    if (CHECK(arch_parse(s, str, "--arch", &a, &e) == -1))
        CHECK_STR(e.msg, want);
}

/* A token quoted in an error keeps it one line (found by tests/fuzz/fuzz_arch):
 * control characters are shown as '?' and a long token is cut at 32 bytes. */
static void test_parse_error_one_line(void)
{
    struct space s;
    space_tiny(&s);
    parse_error(&s, "k3e2-k5\ne4-k7e6-k3e2",
                "--arch:1:6: error: layer 2: unknown choice 'k5?e4' (choices here: k3e2 k5e4 "
                "k7e6)");
    parse_error(&s, "k3e2-k5e4-\x1b[2Jk7e6-k3e2",
                "--arch:1:11: error: layer 3: unknown choice '?[2Jk7e6' (choices here: k3e2 k5e4 "
                "k7e6)");
    parse_error(&s, "k3e2-0123456789abcdef0123456789abcdefXYZ",
                "--arch:1:6: error: layer 2: unknown choice '0123456789abcdef0123456789abcdef...' "
                "(choices here: k3e2 k5e4 k7e6)");
    /* 31 bytes, then a 2-byte character across the cut: left out whole */
    parse_error(&s, "0123456789abcdef0123456789abcde\xc3\xa9-k5e4-k7e6-k3e2",
                "--arch:1:1: error: layer 1: unknown choice '0123456789abcdef0123456789abcde...' "
                "(choices here: k3e2 k5e4 k7e6)");
}

static void test_parse_errors(void)
{
    struct space s;
    space_default_fmnist(&s);
    parse_error(&s, "k3e3-k3e3-k9e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
                "--arch:1:11: error: layer 3: unknown choice 'k9e3' (choices here: k3e3 k3e6 "
                "k5e3 k5e6 k7e3 k7e6)");
    parse_error(&s, "k3e3-k3e3", "--arch:1:10: error: 2 layers given, the space fmnist has 12");
    parse_error(&s, "k3e3--k3e3", "--arch:1:6: error: layer 2: empty choice");
    parse_error(&s, "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
                "--arch:1:61: error: too many layers: the space fmnist has 12");
    parse_error(&s, "skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
                "--arch:1:1: error: layer 1: unknown choice 'skip' (choices here: k3e3 k3e6 "
                "k5e3 k5e6 k7e3 k7e6)");
    struct space sk;
    space_fmnist_variant(&sk, 0, 1);
    parse_error(&sk, "k3e3-k3e3-skip-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3",
                "--arch:1:11: error: layer 3: 'skip' is not allowed here (16->24 channels, "
                "stride 2; choices here: k3e3 k3e6 k5e3 k5e6 k7e3 k7e6)");
    parse_error(&sk, "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-skip-k3e3-k3e3-k3e3",
                "--arch:1:41: error: layer 9: 'skip' is not allowed here (40->64 channels, "
                "stride 1; choices here: k3e3 k3e6 k5e3 k5e6 k7e3 k7e6)");
}

static void test_space_validation(void)
{
    struct space s;
    struct err e;
    space_default_fmnist(&s);
    s.stages[1].layers = 0;
    CHECK(space_finish(&s, &e) == -1);
    CHECK_STR(e.msg, "fmnist: error: stage 2 needs channels, layers and stride >= 1");
    space_default_fmnist(&s);
    s.choices[2] = s.choices[0];
    CHECK(space_finish(&s, &e) == -1);
    CHECK_STR(e.msg, "fmnist: error: choice 'k3e3' is listed twice");
    space_default_fmnist(&s);
    s.choices[1].k = 4;
    CHECK(space_finish(&s, &e) == -1);
    CHECK_STR(e.msg, "fmnist: error: choice 'k3e6' needs an odd kernel and an expansion >= 1");
    space_default_fmnist(&s);
    s.choices[0].k = 15;
    CHECK(space_finish(&s, &e) == -1);
    CHECK_STR(e.msg, "fmnist: error: choice 'k3e3': kernel 15 is larger than the largest, 13");
}

int main(void)
{
    RUN(test_default_space);
    RUN(test_skip_positions);
    RUN(test_format_round_trip);
    RUN(test_parse_errors);
    RUN(test_parse_error_one_line);
    RUN(test_space_validation);
    return check_done();
}
