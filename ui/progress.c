#include "progress.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

#include "ctx.h"

void format_duration(char *buf, size_t n, double s)
{
    if (s < 0 || s != s)
        s = 0;
    if (s > 1e9)
        s = 1e9; /* 31 years: the width stays bounded */
    int t = (int)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%dh%02dm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, n, "%dm%02ds", t / 60, t % 60);
    else
        snprintf(buf, n, "%ds", t);
}

void progress_init(struct progress *p, FILE *f)
{
    p->f = f;
    p->tty = isatty(fileno(f));
    p->start = ctx_seconds();
    p->last = 0;
    p->drawn = 0;
}

void progress_update(struct progress *p, double frac, int force, const char *fmt, ...)
{
    if (!p->tty)
        return;
    double t = ctx_seconds();
    if (!force && p->drawn && t - p->last < 0.1)
        return;
    p->last = t;
    p->drawn = 1;
    if (frac < 0)
        frac = 0;
    if (frac > 1)
        frac = 1;
    char bar[21];
    int full = (int)(frac * 20);
    for (int i = 0; i < 20; i++)
        bar[i] = i < full ? '#' : '.';
    bar[20] = 0;
    char text[160], left[48] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    double el = t - p->start;
    if (frac > 0.001 && frac < 1) {
        char d[32];
        format_duration(d, sizeof d, el * (1 - frac) / frac);
        snprintf(left, sizeof left, "  %s left", d);
    }
    fprintf(p->f, "\r\033[K[%s] %3.0f%%  %s%s", bar, frac * 100, text, left);
    fflush(p->f);
}

void progress_clear(struct progress *p)
{
    if (p->tty && p->drawn) {
        fputs("\r\033[K", p->f);
        fflush(p->f);
    }
    p->drawn = 0;
}
