#include "check.h"

#include <stdarg.h>
#include <stdio.h>

/* Test binaries are single-threaded at this level: state local to this file. */
static const char *current;
static int current_failed, current_skipped, passed, failed, skipped;

void check_begin(const char *name)
{
    current = name;
    current_failed = 0;
    current_skipped = 0;
}

void check_end(void)
{
    if (current_skipped && !current_failed) {
        skipped++;
        return;
    }
    if (current_failed) {
        failed++;
        printf("FAIL %s\n", current);
    } else {
        passed++;
        printf("ok   %s\n", current);
    }
    fflush(stdout);
}

int check_report(int ok, const char *file, int line, const char *expr)
{
    if (!ok) {
        printf("  %s:%d: check failed: %s\n", file, line, expr);
        current_failed = 1;
    }
    return ok;
}

void check_fail_msg(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    printf("  %s:%d: check failed: ", file, line);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    current_failed = 1;
}

void check_skip(const char *fmt, ...)
{
    va_list ap;
    printf("skip %s: ", current);
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    printf("\n");
    fflush(stdout);
    current_skipped = 1;
}

int check_done(void)
{
    printf("# %d passed, %d failed, %d skipped\n", passed, failed, skipped);
    return failed ? 1 : 0;
}
