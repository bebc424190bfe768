/* par over one process: rank 0 of 1, collectives that change nothing, and
 * messages to oneself kept in a small queue (src/par.h). */
#include "par.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define QUEUE_MAX 16

struct par_msg {
    int tag;
    size_t n;
    unsigned char data[PAR_MSG_MAX];
};

struct par {
    struct par_msg queue[QUEUE_MAX]; /* messages to oneself, oldest at head */
    int head, count;
};

struct par *par_new(int *argc, char ***argv, struct err *e)
{
    (void)argc;
    (void)argv;
    struct par *p = calloc(1, sizeof *p);
    if (!p)
        err_plain(e, "out of memory");
    return p;
}

void par_free(struct par *p)
{
    free(p);
}

int par_rank(const struct par *p)
{
    (void)p;
    return 0;
}

int par_size(const struct par *p)
{
    (void)p;
    return 1;
}

int par_local_size(const struct par *p)
{
    (void)p;
    return 1;
}

const char *par_library(char *buf, size_t n)
{
    snprintf(buf, n, "serial");
    return buf;
}

int par_is_mpi(void)
{
    return 0;
}

int par_barrier(struct par *p, struct err *e)
{
    (void)p;
    (void)e;
    return 0;
}

int par_bcast(struct par *p, void *buf, size_t n, int root, struct err *e)
{
    (void)p;
    (void)buf;
    (void)n;
    if (root != 0)
        return err_plain(e, "par_bcast: no rank %d (one process)", root);
    return 0;
}

int par_sum(struct par *p, float *buf, size_t n, struct err *e)
{
    (void)p;
    (void)buf;
    (void)n;
    (void)e;
    return 0;
}

int par_sum_ordered(struct par *p, float *buf, size_t n, float *scratch, struct err *e)
{
    (void)p;
    (void)buf;
    (void)n;
    (void)scratch;
    (void)e;
    return 0;
}

int par_send(struct par *p, int to, int tag, const void *msg, size_t n, struct err *e)
{
    if (to != 0)
        return err_plain(e, "par_send: no rank %d (one process)", to);
    if (tag < 0 || n > PAR_MSG_MAX)
        return err_plain(e, "par_send: tag %d or size %zu out of range", tag, n);
    if (p->count == QUEUE_MAX)
        return err_plain(e, "par_send: %d messages to oneself are waiting already", QUEUE_MAX);
    struct par_msg *m = &p->queue[(p->head + p->count++) % QUEUE_MAX];
    m->tag = tag;
    m->n = n;
    memcpy(m->data, msg, n);
    return 0;
}

int par_recv(struct par *p, int from, void *msg, size_t cap, size_t *n, int *tag, int *source,
             struct err *e)
{
    if (from != 0 && from != PAR_ANY)
        return err_plain(e, "par_recv: no rank %d (one process)", from);
    if (p->count == 0)
        return err_plain(e, "par_recv: no message can come (one process, none queued)");
    struct par_msg *m = &p->queue[p->head];
    if (m->n > cap)
        return err_plain(e, "par_recv: a message of %zu bytes, room for %zu", m->n, cap);
    memcpy(msg, m->data, m->n);
    if (n)
        *n = m->n;
    if (tag)
        *tag = m->tag;
    if (source)
        *source = 0;
    p->head = (p->head + 1) % QUEUE_MAX;
    p->count--;
    return 0;
}

int par_poll(struct par *p, int from, struct err *e)
{
    (void)e;
    return (from == 0 || from == PAR_ANY) && p->count > 0;
}

void par_abort(struct par *p, int code)
{
    (void)p;
    (void)code;
}
