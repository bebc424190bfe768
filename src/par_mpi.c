/* par over MPI (src/par.h), with MPI-3.1 calls only, so Open MPI and MPICH
 * both build it.  Linked instead of par_serial.c by `make MPI=1`.
 *
 * MPI_COMM_WORLD's error handler is set to MPI_ERRORS_RETURN, so a failed
 * call comes back as an error with MPI's own words rather than ending the
 * job from inside the library. */
#include "par.h"

#include <limits.h>
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct par {
    int rank, size, local_size;
};

/* Fills e with MPI's message for rc after the call's name; returns -1. */
static int mpi_fail(struct err *e, const char *call, int rc)
{
    char msg[MPI_MAX_ERROR_STRING];
    int len = 0;
    if (MPI_Error_string(rc, msg, &len) != MPI_SUCCESS)
        snprintf(msg, sizeof msg, "error code %d", rc);
    return err_plain(e, "%s: %s", call, msg);
}

struct par *par_new(int *argc, char ***argv, struct err *e)
{
    int inited = 0, provided = 0, rc;
    MPI_Initialized(&inited);
    if (inited) {
        err_plain(e, "MPI is initialised already (one struct par per process)");
        return NULL;
    }
    if ((rc = MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided)) != MPI_SUCCESS) {
        mpi_fail(e, "MPI_Init_thread", rc);
        return NULL;
    }
    struct par *p = calloc(1, sizeof *p);
    MPI_Comm local = MPI_COMM_NULL;
    if (!p) {
        err_plain(e, "out of memory");
    } else if (provided < MPI_THREAD_FUNNELED) {
        err_plain(e, "MPI_Init_thread: the MPI library gives no MPI_THREAD_FUNNELED");
    } else if ((rc = MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN)) ||
               (rc = MPI_Comm_rank(MPI_COMM_WORLD, &p->rank)) ||
               (rc = MPI_Comm_size(MPI_COMM_WORLD, &p->size)) ||
               (rc = MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, p->rank,
                                         MPI_INFO_NULL, &local)) ||
               (rc = MPI_Comm_size(local, &p->local_size))) {
        mpi_fail(e, "MPI setup", rc);
    } else {
        MPI_Comm_free(&local);
        return p;
    }
    if (local != MPI_COMM_NULL)
        MPI_Comm_free(&local);
    free(p);
    MPI_Finalize();
    return NULL;
}

void par_free(struct par *p)
{
    if (!p)
        return;
    free(p);
    MPI_Finalize();
}

int par_rank(const struct par *p)
{
    return p->rank;
}

int par_size(const struct par *p)
{
    return p->size;
}

int par_local_size(const struct par *p)
{
    return p->local_size;
}

const char *par_library(char *buf, size_t n)
{
    char v[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0;
    if (MPI_Get_library_version(v, &len) != MPI_SUCCESS)
        snprintf(v, sizeof v, "MPI (version unknown)");
    v[strcspn(v, "\r\n")] = 0;
    snprintf(buf, n, "%s", v);
    return buf;
}

int par_is_mpi(void)
{
    return 1;
}

int par_barrier(struct par *p, struct err *e)
{
    (void)p;
    int rc = MPI_Barrier(MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(e, "MPI_Barrier", rc);
}

/* MPI counts are ints: large buffers go in pieces of CHUNK elements. */
#define CHUNK ((size_t)1 << 30)

int par_bcast(struct par *p, void *buf, size_t n, int root, struct err *e)
{
    if (root < 0 || root >= p->size)
        return err_plain(e, "par_bcast: no rank %d (%d ranks)", root, p->size);
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        int rc = MPI_Bcast((char *)buf + at, (int)k, MPI_BYTE, root, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail(e, "MPI_Bcast", rc);
    }
    return 0;
}

int par_sum(struct par *p, float *buf, size_t n, struct err *e)
{
    (void)p;
    for (size_t at = 0; at < n; at += CHUNK) {
        size_t k = n - at < CHUNK ? n - at : CHUNK;
        int rc = MPI_Allreduce(MPI_IN_PLACE, buf + at, (int)k, MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail(e, "MPI_Allreduce", rc);
    }
    return 0;
}

int par_sum_ordered(struct par *p, float *buf, size_t n, float *scratch, struct err *e)
{
    if (p->size == 1)
        return 0;
    /* each piece gathers size * k floats into scratch, within an int count */
    size_t chunk = (size_t)INT_MAX / (size_t)p->size;
    for (size_t at = 0; at < n; at += chunk) {
        size_t k = n - at < chunk ? n - at : chunk;
        int rc = MPI_Allgather(buf + at, (int)k, MPI_FLOAT, scratch, (int)k, MPI_FLOAT,
                               MPI_COMM_WORLD);
        if (rc != MPI_SUCCESS)
            return mpi_fail(e, "MPI_Allgather", rc);
        par_add_parts(scratch, p->size, k, buf + at);
    }
    return 0;
}

int par_send(struct par *p, int to, int tag, const void *msg, size_t n, struct err *e)
{
    if (to < 0 || to >= p->size || tag < 0 || n > PAR_MSG_MAX)
        return err_plain(e, "par_send: rank %d, tag %d or size %zu out of range", to, tag, n);
    int rc = MPI_Send(msg, (int)n, MPI_BYTE, to, tag, MPI_COMM_WORLD);
    return rc == MPI_SUCCESS ? 0 : mpi_fail(e, "MPI_Send", rc);
}

int par_recv(struct par *p, int from, void *msg, size_t cap, size_t *n, int *tag, int *source,
             struct err *e)
{
    if (from != PAR_ANY && (from < 0 || from >= p->size))
        return err_plain(e, "par_recv: no rank %d (%d ranks)", from, p->size);
    MPI_Status st;
    int src = from == PAR_ANY ? MPI_ANY_SOURCE : from, count = 0;
    int rc = MPI_Probe(src, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    if (rc != MPI_SUCCESS)
        return mpi_fail(e, "MPI_Probe", rc);
    MPI_Get_count(&st, MPI_BYTE, &count);
    if ((size_t)count > cap)
        return err_plain(e, "par_recv: a message of %d bytes from rank %d, room for %zu", count,
                         st.MPI_SOURCE, cap);
    /* receive exactly the message probed (its source and tag) */
    rc = MPI_Recv(msg, count, MPI_BYTE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st);
    if (rc != MPI_SUCCESS)
        return mpi_fail(e, "MPI_Recv", rc);
    if (n)
        *n = (size_t)count;
    if (tag)
        *tag = st.MPI_TAG;
    if (source)
        *source = st.MPI_SOURCE;
    return 0;
}

int par_poll(struct par *p, int from, struct err *e)
{
    (void)p;
    int flag = 0;
    MPI_Status st;
    int rc = MPI_Iprobe(from == PAR_ANY ? MPI_ANY_SOURCE : from, MPI_ANY_TAG, MPI_COMM_WORLD,
                        &flag, &st);
    if (rc != MPI_SUCCESS)
        return mpi_fail(e, "MPI_Iprobe", rc);
    return flag != 0;
}

void par_abort(struct par *p, int code)
{
    (void)p;
    MPI_Abort(MPI_COMM_WORLD, code);
}
