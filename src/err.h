/* err: the one error grammar of oneshot.
 *
 * Every error a user sees reads `file:line:col: error: message` (GNU style, so an
 * editor can jump to it).  Where a file has no lines (a binary data file, a
 * checkpoint) the position is left out: `file: error: message`.  The engine never
 * prints: it fills a struct err and returns -1; the front end decides where the
 * text goes.
 *
 * The parts are kept apart as well as the line, so that a caller that
 * reports an error of a file it read on behalf of another (a strategy the
 * experiment names, a damaged row, a checkpoint's section) places the
 * message under its own position without cutting the line apart. */
#ifndef ONESHOT_ERR_H
#define ONESHOT_ERR_H

#include <stdarg.h>

#define ERR_MAX 1024
#define ERR_FILE_MAX ERR_MAX

struct err {
    char msg[ERR_MAX];       /* the full formatted line, without a trailing newline */
    char file[ERR_FILE_MAX]; /* "" when about no file */
    int line, col;           /* 0 when not known */
    char text[ERR_MAX];      /* the message alone: what follows "error: " */
};

/* Formats `file:line:col: error: ...` into e (line <= 0 leaves out line and col,
 * col <= 0 leaves out col).  Returns -1 so callers can `return err_set(...)`.
 * e may be NULL (the error is dropped). */
int err_set(struct err *e, const char *file, int line, int col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
int err_vset(struct err *e, const char *file, int line, int col, const char *fmt, va_list ap);

/* The message of e without its position ("" for NULL). */
const char *err_text(const struct err *e);

/* Formats an error about no file (a command-line option, an argument): `error: ...`. */
int err_plain(struct err *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
