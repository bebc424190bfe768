#include "err.h"

#include <stdio.h>

int err_vset(struct err *e, const char *file, int line, int col, const char *fmt, va_list ap)
{
    if (!e)
        return -1;
    int n;
    if (!file || !*file)
        n = snprintf(e->msg, sizeof e->msg, "error: ");
    else if (line <= 0)
        n = snprintf(e->msg, sizeof e->msg, "%s: error: ", file);
    else if (col <= 0)
        n = snprintf(e->msg, sizeof e->msg, "%s:%d: error: ", file, line);
    else
        n = snprintf(e->msg, sizeof e->msg, "%s:%d:%d: error: ", file, line, col);
    if (n < 0 || (size_t)n >= sizeof e->msg)
        return -1;
    vsnprintf(e->msg + n, sizeof e->msg - (size_t)n, fmt, ap);
    return -1;
}

int err_set(struct err *e, const char *file, int line, int col, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, file, line, col, fmt, ap);
    va_end(ap);
    return -1;
}

int err_plain(struct err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(e, NULL, 0, 0, fmt, ap);
    va_end(ap);
    return -1;
}
