#include "progress.h"

#include <stdarg.h>
#include <time.h>
#include <unistd.h>

double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

void format_duration(char *buf, size_t n, double s)
{
    if (s < 0 || s != s)
        s = 0;
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, n, "%lds", t);
}

void progress_init(struct progress *p, FILE *f)
{
    p->f = f;
    p->tty = isatty(fileno(f));
    p->start = now_seconds();
    p->last = 0;
    p->drawn = 0;
}

void progress_update(struct progress *p, double frac, int force, const char *fmt, ...)
{
    if (!p->tty)
        return;
    double t = now_seconds();
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
    char text[160], left[32] = "";
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    double el = t - p->start;
    if (frac > 0.001 && frac < 1) {
        char d[16];
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
