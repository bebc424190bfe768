#include "farm.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { TAG_ASK = 1, TAG_TASK = 2, TAG_STOP = 3 };

/* A request: the task the result is of (-1: none) and the result. */
struct ask {
    int32_t task, pad;
    unsigned char result[FARM_RESULT_MAX];
};

int farm_init(struct farm *f, struct par *p, const int *order, int ntasks,
              farm_result_fn on_result, void *user, struct err *e)
{
    memset(f, 0, sizeof *f);
    f->par = p;
    f->order = order;
    f->ntasks = ntasks;
    f->on_result = on_result;
    f->user = user;
    f->mine = -1;
    if (par_rank(p) == 0) {
        int size = par_size(p);
        f->holding = malloc((size_t)size * sizeof *f->holding);
        if (!f->holding)
            return err_plain(e, "out of memory");
        for (int r = 0; r < size; r++)
            f->holding[r] = -1;
    }
    return 0;
}

void farm_done(struct farm *f)
{
    free(f->holding);
    f->holding = NULL;
}

/* Rank 0: hands the result of `task` done by `rank` to the callback. */
static int take_result(struct farm *f, int rank, int task, const void *result, size_t n,
                       struct err *e)
{
    if (task < 0 || task != f->holding[rank])
        return err_plain(e, "farm: rank %d reports task %d, which it was not given", rank, task);
    f->holding[rank] = -1;
    return f->on_result ? f->on_result(f->user, rank, task, result, n, e) : 0;
}

/* Waits until a message from `from` (or PAR_ANY) is there.  MPI's blocking
 * receive spins on its core, which a rank training on the same host needs
 * (ranks may outnumber cores): this looks every millisecond and sleeps in
 * between.  One process waits for nothing (nobody can send). */
static int wait_message(struct farm *f, int from, struct err *e)
{
    if (par_size(f->par) == 1)
        return 0;
    int got;
    while ((got = par_poll(f->par, from, e)) == 0) {
        struct timespec ts = {0, 1000000};
        while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
            ;
    }
    return got < 0 ? -1 : 0;
}

/* Rank 0: receives one request (blocking) and answers it. */
static int serve_one(struct farm *f, struct err *e)
{
    struct ask a;
    size_t n;
    int tag, src;
    if (wait_message(f, PAR_ANY, e) || par_recv(f->par, PAR_ANY, &a, sizeof a, &n, &tag, &src, e))
        return -1;
    if (tag != TAG_ASK || n < 8 || src <= 0)
        return err_plain(e, "farm: an unexpected message (tag %d, %zu bytes) from rank %d", tag,
                         n, src);
    if (a.task >= 0 && take_result(f, src, a.task, a.result, n - 8, e))
        return -1;
    if (f->next < f->ntasks) {
        int32_t t = f->order[f->next++];
        f->holding[src] = t;
        return par_send(f->par, src, TAG_TASK, &t, sizeof t, e);
    }
    f->stopped++;
    return par_send(f->par, src, TAG_STOP, NULL, 0, e);
}

int farm_poll(struct farm *f, struct err *e)
{
    if (par_rank(f->par) != 0)
        return 0;
    int waiting;
    while ((waiting = par_poll(f->par, PAR_ANY, e)) > 0)
        if (serve_one(f, e))
            return -1;
    return waiting;
}

int farm_next(struct farm *f, const void *result, size_t n, int *task, struct err *e)
{
    if (n > FARM_RESULT_MAX)
        return err_plain(e, "farm: a result of %zu bytes, at most %d", n, FARM_RESULT_MAX);
    int done = f->mine;
    f->mine = -1;
    if (par_rank(f->par) == 0) {
        if (done >= 0 && result && take_result(f, 0, done, result, n, e))
            return -1;
        if (farm_poll(f, e))
            return -1;
        if (f->next < f->ntasks) {
            *task = f->mine = f->holding[0] = f->order[f->next++];
            return 1;
        }
        /* nothing left for anyone: wait for the others' last results */
        while (f->stopped < par_size(f->par) - 1)
            if (serve_one(f, e))
                return -1;
        return 0;
    }
    struct ask a;
    a.task = result && done >= 0 ? done : -1;
    a.pad = 0;
    if (a.task >= 0)
        memcpy(a.result, result, n);
    else
        n = 0;
    if (par_send(f->par, 0, TAG_ASK, &a, 8 + n, e))
        return -1;
    int32_t t;
    size_t got;
    int tag;
    if (wait_message(f, 0, e) || par_recv(f->par, 0, &t, sizeof t, &got, &tag, NULL, e))
        return -1;
    if (tag == TAG_STOP)
        return 0;
    if (tag != TAG_TASK || got != sizeof t || t < 0)
        return err_plain(e, "farm: an unexpected message (tag %d, %zu bytes) from rank 0", tag,
                         got);
    *task = f->mine = t;
    return 1;
}
