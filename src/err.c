#include "err.h"

#include <stdio.h>
#include <string.h>

int err_vset(struct err *e, const char *file, int line, int col, const char *fmt, va_list ap)
{
    if (!e)
        return -1;
    /* formatted apart first: the arguments may be parts of e itself (an
     * error placed anew under another position) */
    char text[ERR_MAX], where[ERR_FILE_MAX];
    vsnprintf(text, sizeof text, fmt, ap);
    snprintf(where, sizeof where, "%s", file ? file : "");
    memcpy(e->text, text, sizeof text);
    memcpy(e->file, where, sizeof where);
    file = e->file;
    e->line = line > 0 ? line : 0;
    e->col = line > 0 && col > 0 ? col : 0;
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
    snprintf(e->msg + n, sizeof e->msg - (size_t)n, "%s", e->text);
    return -1;
}

const char *err_text(const struct err *e) { return e ? e->text : ""; }

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
