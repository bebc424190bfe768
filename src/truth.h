/* truth: ground-truth tables of stand-alone training, as CSV files.
 *
 *   # comment lines (the command that made the table)
 *   arch,seed,params,macs,val_accuracy,test_accuracy,epochs,seconds
 *   k3e3-k3e3-...,0,149642,3524800,0.9137,0.9040,3,230.1
 *
 * Rows are appended one write at a time and synced, so a killed run loses at
 * most the row it was training; a last line without its newline (a write cut
 * short) is not a row.  Several processes may share a table (groundtruth
 * --worker): it is created without ever replacing one, and each append
 * holds an exclusive flock(2) of the file while it cuts a torn last line and
 * writes its row.  Errors name file:line:col. */
#ifndef ONESHOT_TRUTH_H
#define ONESHOT_TRUTH_H

#include <stdint.h>

#include "err.h"
#include "space.h"

#define TRUTH_HEADER "arch,seed,params,macs,val_accuracy,test_accuracy,epochs,seconds"

struct truth_row {
    char arch[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    int seed;
    int64_t params, macs;
    double val_accuracy, test_accuracy;
    int epochs;
    double seconds;
    int line; /* where it was read (0 if not read) */
};

struct truth {
    int n, cap;
    struct truth_row *rows; /* owned */
};

/* Reads path.  A missing file is an error unless missing_ok (then t is empty).
 * If s is not NULL every arch must parse in s. Returns 0 or -1. */
int truth_load(struct truth *t, const char *path, const struct space *s, int missing_ok,
               struct err *e);
void truth_done(struct truth *t);
/* The distinct architectures of t in first-seen order, into archs[] (room
 * for t->n), with their accuracy averaged over seeds into acc[] (test
 * accuracy, or validation accuracy when use_val) and the number of seeds
 * into seeds[] (may be NULL).  Rows must parse in s (truth_load with s
 * checked that).  Returns how many. */
int truth_average(const struct truth *t, const struct space *s, int use_val, struct arch *archs,
                  double *acc, int *seeds);

/* Index of the row with this arch and seed, or -1. */
int truth_find(const struct truth *t, const char *arch, int seed);

/* Creates path with the comment lines (each written after "# ") and the header
 * if it does not exist yet, atomically (src/atomic.h's atomic_create: a
 * temporary file linked to path), so a kill leaves no table without its
 * header and a table another process made meanwhile is kept.  0 or -1. */
int truth_create(const char *path, const char *const *comments, int ncomments, struct err *e);
/* A table about to be continued must have been trained as the command
 * would train (the rows say nothing of images, batch or learning rate):
 * settings is the command's own settings comment without its first field
 * (what follows "oneshot VERSION, ", say "space S, 4 epochs on 50000
 * images, batch 128, lr 0.1").  Every comment line of path of the form
 * "# oneshot VERSION, ..." must say the same after its version; a table
 * without such a line (made by hand) passes.  0, or -1 with e naming the
 * line that differs and both settings. */
int truth_check_settings(const char *path, const char *settings, struct err *e);
/* Appends one row (one write, then fsync) under the table's lock; when that
 * fails (a full disk), the part written is cut off again.  0 or -1 (e names
 * path). */
int truth_append(const char *path, const struct truth_row *r, struct err *e);
/* The same, unless the table holds a row of r's architecture and seed
 * already (read under the lock, so of processes racing to append the same
 * row one does): 0 appended, 1 there already, -1 on error. */
int truth_append_new(const char *path, const struct truth_row *r, struct err *e);

#endif
