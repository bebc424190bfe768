/* atomic: a file written whole or not at all.
 *
 * Every file oneshot writes for a user to keep (checkpoints, experiment and
 * latency YAML, a run's files, SVG charts) goes through here: it is written
 * to PATH.tmp, fsync'd and closed, then renamed over PATH, and the directory
 * is fsync'd.  The directory is opened before the rename, so every failure
 * that can be foreseen happens while PATH is untouched; the one step after
 * the rename (the directory's fsync) is best effort, because by then PATH
 * already holds the new, complete file (a filesystem that cannot fsync a
 * directory loses nothing but that last bit of durability).  On any failure
 * PATH.tmp is removed and PATH keeps what it held.  Errors name PATH and
 * the step: `x.ckpt: error: cannot sync x.ckpt.tmp: Input/output error`.
 *
 * Writes are retried on EINTR and short counts, so a signal (a timer, a
 * resize) never cuts a file short. */
#ifndef ONESHOT_ATOMIC_H
#define ONESHOT_ATOMIC_H

#include <stddef.h>
#include <stdio.h>

#include "err.h"

struct atomic {
    char *path, *tmp; /* owned copies: PATH and PATH.tmp */
    int fd;           /* of PATH.tmp (-1: closed) */
    FILE *f;          /* stdio on fd, once atomic_stdio was called */
};

/* Creates PATH.tmp (`cannot create PATH.tmp: ...`).  0, or -1 with nothing
 * left behind. */
int atomic_begin(struct atomic *a, const char *path, struct err *e);

/* Appends n bytes (`cannot write PATH.tmp: ...`).  0 or -1. */
int atomic_write(struct atomic *a, const void *buf, size_t n, struct err *e);

/* A stdio stream on the file, for writers that print (flushed and checked
 * by atomic_end).  NULL with e filled on failure. */
FILE *atomic_stdio(struct atomic *a, struct err *e);

/* Ends the file: with rc == 0 makes it PATH (flush, sync, close, rename);
 * with rc != 0 (the caller's error, already in e) removes PATH.tmp.  Frees
 * what a holds either way.  0, or -1 (e filled, PATH untouched). */
int atomic_end(struct atomic *a, int rc, struct err *e);

/* Writes all n bytes of buf to fd, retrying short writes and EINTR (for
 * appends as well).  0, or -1 with errno set. */
int write_full(int fd, const void *buf, size_t n);

/* The whole sequence for data already in memory.  0 or -1. */
int atomic_save(const char *path, const void *data, size_t n, struct err *e);

/* Creates path whole with data, but never replaces it: the data goes to a
 * temporary file of a unique name (PATH.XXXXXX.tmp), fsync'd, which is then
 * linked to PATH (link(2) fails when PATH exists, so of several processes
 * creating PATH at once exactly one succeeds and nobody's file is lost),
 * and removed.  On a filesystem without hard links it is renamed instead
 * (then a concurrent creator may replace PATH).  0 when created, 1 when PATH
 * existed already (left as it was), -1 on error (nothing left behind). */
int atomic_create(const char *path, const void *data, size_t n, struct err *e);

#endif
