/* farm: tasks handed out by rank 0 to every rank as each becomes free, over
 * src/par.h (MPI, or one process).
 *
 * Rank 0 holds the tasks to do, in the order to hand them out (largest
 * first, say), and works on them too: between the steps of its own work it
 * calls farm_poll, which answers the ranks that asked for work.  Every rank
 * loops on farm_next, which reports the result of its last task (if any)
 * and returns the next task.  Results travel to rank 0, which alone hands
 * them to the result callback (the one writer of the results' files).  When
 * no task is left, each rank that asks is told to stop; rank 0's farm_next
 * returns 0 once every other rank was told, so every result has arrived by
 * then.
 *
 * Messages (tags 1-3, PAR_MSG_MAX bytes at most): a rank asks with its last
 * result (empty the first time); rank 0 answers with a task index or stop.
 * A task is an index into a list every rank holds alike (the caller makes
 * sure of that, e.g. with par_bcast).
 *
 * Errors: -1 with e filled.  After an error on one rank the others would
 * wait for it forever: the caller ends the job (par_abort). */
#ifndef ONESHOT_FARM_H
#define ONESHOT_FARM_H

#include <stddef.h>

#include "err.h"
#include "par.h"

#define FARM_RESULT_MAX (PAR_MSG_MAX - 16)

/* Called on rank 0 with each result (n bytes, as the rank passed it to
 * farm_next) of task `task` done by rank `rank`.  0, or -1 with e filled. */
typedef int (*farm_result_fn)(void *user, int rank, int task, const void *result, size_t n,
                              struct err *e);

struct farm {
    struct par *par;   /* borrowed */
    /* rank 0 */
    const int *order;  /* tasks in the order handed out, borrowed */
    int ntasks, next;  /* next: the first task not yet handed out */
    int stopped;       /* other ranks told to stop */
    int *holding;      /* per rank: the task it holds, or -1 (owned) */
    farm_result_fn on_result;
    void *user;
    /* every rank */
    int mine;          /* the task this rank holds, or -1 */
};

/* Sets up f for this rank.  On rank 0, order[0..ntasks) are the tasks (by
 * index) and on_result gets every result; other ranks pass NULL, 0 and NULL.
 * 0, or -1 (out of memory). */
int farm_init(struct farm *f, struct par *p, const int *order, int ntasks,
              farm_result_fn on_result, void *user, struct err *e);
void farm_done(struct farm *f);

/* Reports the result of this rank's last task (result of n <=
 * FARM_RESULT_MAX bytes; NULL for none, the first time) and waits for the
 * next: 1 with *task set, 0 when no task is left (on rank 0: and every rank
 * has been told to stop), -1 on error. */
int farm_next(struct farm *f, const void *result, size_t n, int *task, struct err *e);

/* On rank 0, answers every rank whose request waits (without blocking); a
 * no-op elsewhere.  0 or -1. */
int farm_poll(struct farm *f, struct err *e);

#endif
