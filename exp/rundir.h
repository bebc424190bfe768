/* rundir: the files of a run directory, written so that nothing is lost.
 *
 * Whole files are replaced atomically (written to path.tmp, fsync'd, renamed
 * over path).  CSV files grow a row at a time, each written with one write
 * when it is known; a write that fails is cut off again, and a row cut short
 * by a kill (should one be) has no newline and is dropped when the run is
 * resumed (rundir_recover_csv), so it is written again whole.  Every
 * error names the file: `runs/quick/history.csv: error: cannot write: No
 * space left on device`. */
#ifndef ONESHOT_RUNDIR_H
#define ONESHOT_RUNDIR_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

#define RUNDIR_PATH_MAX 1024


/* dir/name into out (n bytes); "" when it does not fit (a run's directory
 * is checked to be short enough when the run opens).  Returns out. */
char *rundir_path(char *out, size_t n, const char *dir, const char *name);

/* The whole text file at path, NUL-terminated, into *out (caller frees) and
 * its length into *len; a missing file gives *out = NULL and 0.  0 or -1. */
int rundir_slurp(const char *path, char **out, size_t *len, struct err *e);

/* What keep() of rundir_recover_csv returns for a line that no run writes
 * (fields missing, not numbers): it is dropped, and said so. */
#define RUNDIR_DAMAGED 2

/* Keeps the header and the complete lines of the CSV file path that keep()
 * accepts, rewriting the file when anything was dropped (a torn last line, a
 * line keep() refuses).  keep gets a copy of each line (without its newline)
 * and its 1-based number, and returns 1 to keep, 0 to drop (a row the run
 * writes again: past its checkpoint), RUNDIR_DAMAGED to drop a damaged row
 * (e says why), -1 on error (e filled).  warn (may be NULL) hears each
 * damaged row as `path:LINE: warning: damaged row dropped: why`.  A first
 * line other than header is an error at 1:1.  A missing file is fine.  0 or
 * -1. */
int rundir_recover_csv(const char *path, const char *header,
                       int (*keep)(void *ud, char *line, int lineno, struct err *e), void *ud,
                       void (*warn)(void *ud, const char *text), struct err *e);

/* 1 when line holds exactly n comma-separated numbers (strtod's forms, nan
 * and inf included). */
int rundir_numbers(const char *line, int n);

/* Opens path for appending, writing header first when the file is empty.
 * The FILE is a handle for rundir_append only (nothing is buffered in it):
 * fclose it when done.  NULL with e filled. */
FILE *rundir_open_append(const char *path, const char *header, struct err *e);

/* Formats a row (or rows) and appends it to f with one write, so a kill
 * cannot tear it in practice; a write that fails (a full disk) is cut off
 * again, so the file keeps whole rows only.  Errors name the file `name`.
 * 0 or -1. */
int rundir_append(FILE *f, const char *name, struct err *e, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Copies the file from to the file to (atomically).  0 or -1. */
int rundir_copy_file(const char *from, const char *to, struct err *e);

/* 1 when path exists. */
int rundir_exists(const char *path);

/* Makes the directory path and its missing parents.  0 or -1. */
int rundir_mkdirs(const char *path, struct err *e);

/* Makes a new run's directory into dir (n bytes): out when given (refused
 * when it holds a run already), else the experiment's output, numbered
 * (output.1, ...) when that holds a run; an output whose place is not
 * writable (an installed example) becomes runs/NAME in the current
 * directory, said in note (nnote bytes; "" otherwise).  0 or -1. */
int rundir_new_run(char *dir, size_t n, const char *out, const char *output, const char *name,
                   char *note, size_t nnote, struct err *e);

/* The run's status file (dir/status): the text and a newline, replaced
 * atomically, best effort (a failure is ignored: the run's other files
 * matter more). */
void rundir_status(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends text to dir/info.txt, best effort. */
void rundir_info(const char *dir, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The time now, "2026-01-31 12:00:00 UTC", into buf (n bytes). */
void rundir_now(char *buf, size_t n);

#endif
