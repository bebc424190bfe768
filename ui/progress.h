/* progress: a one-line progress bar on a terminal (nothing when the stream is
 * not a terminal), redrawn at most ten times a second. */
#ifndef ONESHOT_PROGRESS_H
#define ONESHOT_PROGRESS_H

#include <stdio.h>

struct progress {
    FILE *f;
    int tty;
    double start, last;
    int drawn;
};

void progress_init(struct progress *p, FILE *f);
/* Draws `[#####.....]  45%  text  12s left` for frac in [0, 1]; force draws
 * even when the last draw was recent. */
void progress_update(struct progress *p, double frac, int force, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
/* Clears the bar's line so normal output can follow. */
void progress_clear(struct progress *p);

/* Formats seconds as "1h02m", "3m05s" or "12s". */
void format_duration(char *buf, size_t n, double s);

#endif
