/* check: the tiny test harness of oneshot's unit tests.
 *
 * A test binary runs test functions with RUN(fn); each CHECK that fails prints
 * `FAIL file:line: expression` and marks the running test failed.  check_done()
 * prints one line per binary, `# N passed, M failed, K skipped`, that
 * tests/run.sh adds up into the suite's closing `N passed, N failed, N
 * skipped`, and returns the exit status.  A test whose prerequisite is
 * missing (the data set, say) calls check_skip and returns: it counts as
 * skipped, never as passed. */
#ifndef ONESHOT_CHECK_H
#define ONESHOT_CHECK_H

#include <math.h>
#include <stddef.h>

void check_begin(const char *name);
void check_end(void);
int check_report(int ok, const char *file, int line, const char *expr);
void check_fail_msg(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The running test cannot run here (why, printf-style): skipped. */
void check_skip(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
int check_done(void);

#define RUN(fn)                                                                                    \
    do {                                                                                           \
        check_begin(#fn);                                                                          \
        fn();                                                                                      \
        check_end();                                                                               \
    } while (0)

#define CHECK(cond) check_report(!!(cond), __FILE__, __LINE__, #cond)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        long long a_ = (long long)(a), b_ = (long long)(b);                                        \
        if (a_ != b_)                                                                              \
            check_fail_msg(__FILE__, __LINE__, "%s == %s: %lld != %lld", #a, #b, a_, b_);          \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                      \
    do {                                                                                           \
        double a_ = (double)(a), b_ = (double)(b);                                                 \
        if (!(fabs(a_ - b_) <= (tol)))                                                             \
            check_fail_msg(__FILE__, __LINE__, "%s ~ %s: %.9g vs %.9g (tol %g)", #a, #b, a_, b_,   \
                           (double)(tol));                                                         \
    } while (0)

#define CHECK_STR(a, b)                                                                            \
    do {                                                                                           \
        const char *a_ = (a), *b_ = (b);                                                           \
        if (!a_ || !b_ || strcmp(a_, b_) != 0)                                                     \
            check_fail_msg(__FILE__, __LINE__, "%s == %s:\n  got:      %s\n  expected: %s", #a,  \
                           #b, a_ ? a_ : "(null)", b_ ? b_ : "(null)");                            \
    } while (0)

#endif
