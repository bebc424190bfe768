/* Tests of src/err.c: the error grammar, and the parts kept apart. */
#include <string.h>

#include "check.h"
#include "err.h"

static void test_grammar(void)
{
    struct err e;
    CHECK(err_set(&e, "exp.yaml", 3, 7, "bad %s", "key") == -1);
    CHECK_STR(e.msg, "exp.yaml:3:7: error: bad key");
    CHECK_STR(e.file, "exp.yaml");
    CHECK(e.line == 3 && e.col == 7);
    CHECK_STR(err_text(&e), "bad key");
    err_set(&e, "exp.yaml", 3, 0, "x");
    CHECK_STR(e.msg, "exp.yaml:3: error: x");
    err_set(&e, "data.idx", 0, 9, "short");
    CHECK_STR(e.msg, "data.idx: error: short");
    CHECK(e.line == 0 && e.col == 0);
    err_plain(&e, "no %d", 5);
    CHECK_STR(e.msg, "error: no 5");
    CHECK_STR(e.file, "");
    CHECK_STR(err_text(NULL), "");
    CHECK(err_set(NULL, "f", 1, 1, "dropped") == -1);
}

/* An error placed anew under another position, from its own parts. */
static void test_reposition(void)
{
    struct err e;
    err_set(&e, "lua/random.lua", 12, 3, "attempt to call a nil value");
    err_set(&e, "exp.yaml", 20, 11, "search.strategy: %s", e.text);
    CHECK_STR(e.msg, "exp.yaml:20:11: error: search.strategy: attempt to call a nil value");
    err_set(&e, e.file, e.line + 1, 1, "%s", e.msg);
    CHECK_STR(e.file, "exp.yaml");
    CHECK(e.line == 21);
    CHECK_STR(e.msg, "exp.yaml:21:1: error: exp.yaml:20:11: error: search.strategy: attempt to "
                     "call a nil value");
}

/* A message longer than the line is cut, never overflows. */
static void test_long(void)
{
    struct err e;
    char big[3 * ERR_MAX];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    err_set(&e, big, 1, 1, "%s", big);
    CHECK(strlen(e.msg) == ERR_MAX - 1);
    CHECK(strlen(e.text) == ERR_MAX - 1);
    CHECK(strlen(e.file) == ERR_FILE_MAX - 1);
}

int main(void)
{
    RUN(test_grammar);
    RUN(test_reposition);
    RUN(test_long);
    return check_done();
}
