/* par: the few parallel operations oneshot uses, over MPI or over one process.
 *
 * Two implementations share this header and the Makefile links one:
 * src/par_mpi.c when built with `make MPI=1` (standard MPI-3.1 calls only,
 * so Open MPI and MPICH both build it), src/par_serial.c otherwise (one
 * rank, no peers).  Only par_mpi.c includes mpi.h; nothing else in the
 * engine knows whether MPI is there.
 *
 * A process makes one struct par, before its threads start and after the
 * start-up restart of ui/main.c (MPI_Init must come after any exec), and
 * frees it last.  All collectives (barrier, bcast, sums) must be called by
 * every rank in the same order, from the thread that made the struct par.
 *
 * Messages are small byte strings (tasks and results, at most PAR_MSG_MAX
 * bytes) between two ranks, with a tag >= 0; every rank runs the same binary
 * on the same kind of machine, so structs travel as bytes.
 *
 * Errors: each call returns 0, or -1 with e filled (`error: MPI_Send: ...`).
 * Under MPI an error on one rank usually ends the job (par_abort). */
#ifndef ONESHOT_PAR_H
#define ONESHOT_PAR_H

#include <stddef.h>

#include "err.h"

#define PAR_MSG_MAX 1024
#define PAR_ANY (-1) /* any source rank for par_recv and par_poll */

struct par;

/* Starts the parallel runtime (MPI_Init_thread with MPI_THREAD_FUNNELED: only
 * this thread calls MPI, OpenMP threads do not) and returns the handle, or
 * NULL with e filled.  argc/argv are handed to MPI_Init_thread (may be NULL). */
struct par *par_new(int *argc, char ***argv, struct err *e);

/* Ends the runtime (MPI_Finalize) and frees p.  NULL is a no-op. */
void par_free(struct par *p);

/* This process's rank in [0, size) and the number of ranks. */
int par_rank(const struct par *p);
int par_size(const struct par *p);

/* The number of ranks on this host, this one included (MPI's shared-memory
 * split): what the cores of the host are shared between. */
int par_local_size(const struct par *p);

/* "serial" or the first line of the MPI library's version ("Open MPI v4.1.4,
 * ..."), into buf (n bytes), for --version; returns buf.  Needs no struct
 * par (MPI_Get_library_version may come before MPI_Init). */
const char *par_library(char *buf, size_t n);

/* 1 when built with MPI, 0 for the serial implementation. */
int par_is_mpi(void);

/* Waits until every rank has called it. */
int par_barrier(struct par *p, struct err *e);

/* Copies n bytes of buf on rank root to buf on every other rank. */
int par_bcast(struct par *p, void *buf, size_t n, int root, struct err *e);

/* Replaces buf[0..n) on every rank with the sum over ranks (MPI_Allreduce).
 * Fast, but MPI leaves the order of the additions open, so the sums may
 * differ in their last bits between two runs. */
int par_sum(struct par *p, float *buf, size_t n, struct err *e);

/* The same sum in a fixed order: every rank gathers every rank's buffer
 * (allgather into scratch, room for n * size floats, borrowed) and adds them
 * up rank 0 first, in double, so that two runs with the same number of ranks
 * give bit-identical sums on every rank.  One rank leaves buf as it is. */
int par_sum_ordered(struct par *p, float *buf, size_t n, float *scratch, struct err *e);

/* The additions of par_sum_ordered, in one process: out[i] becomes the sum
 * of the nparts buffers of n floats laid one after another in parts (part r
 * at parts + r * n), added in double, part 0 first, rounded to float.  Built
 * in both implementations (src/par_add.c), so that one process emulating
 * several ranks (src/dptrain.h) adds their parts exactly as MPI ranks do.
 * out may be parts itself (part 0 is overwritten). */
void par_add_parts(const float *parts, int nparts, size_t n, float *out);

/* Sends n <= PAR_MSG_MAX bytes to rank `to` with tag (>= 0); returns once
 * msg may be reused.  A message to oneself is queued (the serial
 * implementation keeps up to 16; MPI may block, so the farm never does it). */
int par_send(struct par *p, int to, int tag, const void *msg, size_t n, struct err *e);

/* Receives the next message from `from` (or PAR_ANY), blocking until one
 * arrives: at most cap bytes into msg, *n its length, *tag and *source
 * (either may be NULL) where it came from.  A longer message is an error.
 * In the serial implementation an empty queue is an error (nobody could
 * ever send). */
int par_recv(struct par *p, int from, void *msg, size_t cap, size_t *n, int *tag, int *source,
             struct err *e);

/* 1 when a message from `from` (or PAR_ANY) waits to be received, else 0;
 * never blocks.  -1 on error. */
int par_poll(struct par *p, int from, struct err *e);

/* Ends every rank of the job with status code (MPI_Abort); in the serial
 * implementation, returns and the caller exits as usual.  For a front end
 * whose rank failed alone, so that the others cannot wait for it forever
 * (the engine itself never calls it: it returns its errors). */
void par_abort(struct par *p, int code);

#endif
