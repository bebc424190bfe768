/* err: the one error grammar of oneshot.
 *
 * Every error a user sees reads `file:line:col: error: message` (GNU style, so an
 * editor can jump to it).  Where a file has no lines (a binary data file, a
 * checkpoint) the position is left out: `file: error: message`.  The engine never
 * prints: it fills a struct err and returns -1; the front end decides where the
 * text goes. */
#ifndef ONESHOT_ERR_H
#define ONESHOT_ERR_H

#include <stdarg.h>

#define ERR_MAX 1024

struct err {
    char msg[ERR_MAX]; /* the full formatted line, without a trailing newline */
};

/* Formats `file:line:col: error: ...` into e (line <= 0 leaves out line and col,
 * col <= 0 leaves out col).  Returns -1 so callers can `return err_set(...)`.
 * e may be NULL (the error is dropped). */
int err_set(struct err *e, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int err_vset(struct err *e, const char *file, int line, int col, const char *fmt, va_list ap);

/* Formats an error about no file (a command-line option, an argument): `error: ...`. */
int err_plain(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
