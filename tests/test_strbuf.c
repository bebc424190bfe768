/* strbuf: rows of any length, and the shortest exact form of a double. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "rng.h"
#include "strbuf.h"

static void test_grows(void)
{
    struct strbuf b;
    strbuf_init(&b);
    CHECK_STR(strbuf_text(&b), "");
    /* far past the first allocation, one piece at a time */
    for (int i = 0; i < 10000; i++)
        strbuf_printf(&b, "%s%d", i ? "," : "", i);
    CHECK(!strbuf_failed(&b));
    CHECK(strncmp(strbuf_text(&b), "0,1,2,3,", 8) == 0);
    CHECK(strcmp(strbuf_text(&b) + b.len - 10, ",9998,9999") == 0);
    CHECK_EQ_INT(strlen(strbuf_text(&b)), b.len);
    /* one piece longer than everything so far */
    char big[100000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    size_t before = b.len;
    strbuf_printf(&b, "%s", big);
    CHECK_EQ_INT(b.len, before + sizeof big - 1);
    strbuf_clear(&b);
    CHECK_STR(strbuf_text(&b), "");
    strbuf_add(&b, "ab", 2);
    CHECK_STR(strbuf_text(&b), "ab");
    strbuf_done(&b);
    strbuf_done(&b); /* twice is harmless */
}

static void test_shortest(void)
{
    char s[40];
    CHECK_STR(format_double(0.4465, s, sizeof s), "0.4465");
    CHECK_STR(format_double(0.1, s, sizeof s), "0.1");
    CHECK_STR(format_double(32298, s, sizeof s), "32298");
    CHECK_STR(format_double(289850, s, sizeof s), "289850"); /* not 2.8985e+05 */
    CHECK_STR(format_double(7031680, s, sizeof s), "7031680");
    CHECK_STR(format_double(1e15, s, sizeof s), "1e+15");
    CHECK_STR(format_double(1e-300, s, sizeof s), "1e-300");
    CHECK_STR(format_double(-2.5, s, sizeof s), "-2.5");
    CHECK_STR(format_double(0.0, s, sizeof s), "0");
    CHECK_STR(format_double(1.0 / 3, s, sizeof s), "0.3333333333333333");
    CHECK_STR(format_double(DBL_MAX, s, sizeof s), "1.7976931348623157e+308");
    CHECK_STR(format_double(NAN, s, sizeof s), "nan");
    CHECK_STR(format_double(-INFINITY, s, sizeof s), "-inf");
    /* an accuracy of k/n for every k: exact and no longer than needed */
    for (int k = 0; k <= 2000; k++) {
        double x = k / 2000.0;
        format_double(x, s, sizeof s);
        CHECK(strtod(s, NULL) == x);
        CHECK(strlen(s) <= 6);
    }
    /* random doubles of every magnitude read back exactly */
    struct rng r;
    rng_seed(&r, 7, 0);
    int bad = 0;
    for (int i = 0; i < 20000; i++) {
        double x = (rng_uniform(&r) - 0.5) * pow(10, (int)(rng_uniform(&r) * 40) - 20);
        format_double(x, s, sizeof s);
        bad += strtod(s, NULL) != x;
    }
    CHECK_EQ_INT(bad, 0);
}

int main(void)
{
    RUN(test_grows);
    RUN(test_shortest);
    return check_done();
}
