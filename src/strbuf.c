#include "strbuf.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_init(struct strbuf *b) { memset(b, 0, sizeof *b); }

void strbuf_done(struct strbuf *b)
{
    free(b->text);
    memset(b, 0, sizeof *b);
}

void strbuf_clear(struct strbuf *b)
{
    b->len = 0;
    if (b->text)
        b->text[0] = 0;
}

/* Room for `more` bytes and the NUL; 0 or -1 (failed set). */
static int reserve(struct strbuf *b, size_t more)
{
    if (b->failed)
        return -1;
    if (b->len + more + 1 <= b->cap)
        return 0;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + more + 1) {
        if (cap > (size_t)-1 / 2) {
            b->failed = 1;
            return -1;
        }
        cap *= 2;
    }
    char *t = realloc(b->text, cap);
    if (!t) {
        b->failed = 1;
        return -1;
    }
    b->text = t;
    b->cap = cap;
    return 0;
}

void strbuf_add(struct strbuf *b, const char *s, size_t n)
{
    if (reserve(b, n))
        return;
    memcpy(b->text + b->len, s, n);
    b->len += n;
    b->text[b->len] = 0;
}

void strbuf_printf(struct strbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->text + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *format_double(double x, char *out, size_t n)
{
    if (isnan(x)) {
        snprintf(out, n, "nan");
        return out;
    }
    if (isinf(x)) {
        snprintf(out, n, "%s", x < 0 ? "-inf" : "inf");
        return out;
    }
    /* whole numbers (counts, parameters, MACs) as integers, not 2.8985e+05 */
    if (x == floor(x) && fabs(x) < 1e15) {
        snprintf(out, n, "%.0f", x);
        return out;
    }
    /* 17 significant digits always read back; the first shorter precision
     * that does is the shortest form %g can give */
    for (int p = 1; p <= 17; p++) {
        snprintf(out, n, "%.*g", p, x);
        if (strtod(out, NULL) == x)
            break;
    }
    return out;
}

void strbuf_double(struct strbuf *b, double x)
{
    char s[40];
    format_double(x, s, sizeof s);
    strbuf_add(b, s, strlen(s));
}

const char *strbuf_text(const struct strbuf *b) { return b->text ? b->text : ""; }

int strbuf_failed(const struct strbuf *b) { return b->failed; }
