/* Tests of src/par.h.  Built as usual it tests src/par_serial.c: rank 0 of
 * 1, collectives that leave the data as it is, messages to oneself in
 * order.  `make check` also builds it with MPI (build-mpi/tests/test_par),
 * and tests/cli/farm.sh runs that on 2 and 3 ranks under mpirun: sums
 * against the same additions done here, the ordered sum bit-identical on
 * every rank, a broadcast, messages around the ring of ranks (on 2 ranks
 * any order of the additions gives the ordered sum's bits; on 3 an
 * MPI_Allreduce in its place fails test_sums). */
#include <string.h>

#include "check.h"
#include "par.h"

/* the one handle of the process: MPI starts once */
static struct par *P;

static void test_ranks(void)
{
    int size = par_size(P), rank = par_rank(P);
    CHECK(rank >= 0 && rank < size);
    CHECK(par_local_size(P) >= 1 && par_local_size(P) <= size);
    char lib[256];
    par_library(lib, sizeof lib);
    if (par_is_mpi())
        CHECK(strcmp(lib, "serial") != 0 && lib[0]);
    else
        CHECK(size == 1 && strcmp(lib, "serial") == 0);
    struct err e;
    CHECK(par_barrier(P, &e) == 0);
    CHECK(par_bcast(P, lib, 4, size, &e) == -1);
}

/* Rank r's value at i: large and small numbers mixed, so that the order of
 * the additions shows in the last bits. */
static float value(int r, int i)
{
    return (r % 2 ? -1.0f : 1.0f) * (float)(i % 3 == 0 ? 1e8 : 1.0 + 0.1 * r) + (float)i * 1e-3f;
}

static void test_sums(void)
{
    enum { N = 1000 };
    struct err e;
    int size = par_size(P), rank = par_rank(P);
    static float buf[N], ord[N], scratch[N * 16], first[N];
    if (size > 16) {
        check_skip("more than 16 ranks");
        return;
    }
    for (int i = 0; i < N; i++)
        buf[i] = ord[i] = value(rank, i);
    CHECK(par_sum(P, buf, N, &e) == 0);
    CHECK(par_sum_ordered(P, ord, N, scratch, &e) == 0);
    int exact = 1, near = 1;
    for (int i = 0; i < N; i++) {
        double want = 0;
        for (int r = 0; r < size; r++)
            want += value(r, i); /* rank 0 first, in double: par_sum_ordered's order */
        exact &= ord[i] == (float)want;
        near &= fabs(buf[i] - want) <= 1e-6 * 1e8 * size;
    }
    CHECK(exact);
    CHECK(near);
    /* every rank holds rank 0's bits */
    memcpy(first, ord, sizeof first);
    CHECK(par_bcast(P, first, sizeof first, 0, &e) == 0);
    CHECK(memcmp(first, ord, sizeof first) == 0);
}

static void test_messages(void)
{
    struct err e;
    int size = par_size(P), rank = par_rank(P);
    char msg[PAR_MSG_MAX + 1];
    size_t n;
    int tag, src;
    if (size == 1) {
        /* to oneself, queued */
        CHECK_EQ_INT(par_poll(P, PAR_ANY, &e), 0);
        CHECK(par_recv(P, PAR_ANY, msg, sizeof msg, &n, &tag, &src, &e) == -1);
        CHECK(par_send(P, 0, 7, "first", 5, &e) == 0);
        CHECK(par_send(P, 0, 9, "second!", 7, &e) == 0);
        CHECK(par_send(P, 1, 9, "x", 1, &e) == -1);
        CHECK_STR(e.msg, "error: par_send: no rank 1 (one process)");
        CHECK_EQ_INT(par_poll(P, 0, &e), 1);
        CHECK(par_recv(P, 0, msg, sizeof msg, &n, &tag, &src, &e) == 0);
        CHECK(n == 5 && tag == 7 && src == 0 && memcmp(msg, "first", 5) == 0);
        CHECK(par_recv(P, 0, msg, 3, &n, &tag, &src, &e) == -1); /* too long: kept */
        CHECK(par_recv(P, PAR_ANY, msg, sizeof msg, &n, NULL, NULL, &e) == 0);
        CHECK(n == 7 && memcmp(msg, "second!", 7) == 0);
        int sent = 0;
        while (par_send(P, 0, 1, "y", 1, &e) == 0 && sent < 100)
            sent++;
        CHECK_EQ_INT(sent, 16);
        while (par_poll(P, 0, &e) == 1)
            par_recv(P, 0, msg, sizeof msg, &n, NULL, NULL, &e);
        return;
    }
    /* around the ring: each sends its rank to the next */
    int to = (rank + 1) % size, from = (rank + size - 1) % size;
    CHECK(par_send(P, to, 5, &rank, sizeof rank, &e) == 0);
    int got = -1;
    CHECK(par_recv(P, from, &got, sizeof got, &n, &tag, &src, &e) == 0);
    CHECK(got == from && n == sizeof got && tag == 5 && src == from);
    CHECK(par_send(P, to, 0, msg, PAR_MSG_MAX + 1, &e) == -1);
    CHECK(par_barrier(P, &e) == 0);
    CHECK_EQ_INT(par_poll(P, PAR_ANY, &e), 0);
}

int main(int argc, char **argv)
{
    struct err e;
    P = par_new(&argc, &argv, &e);
    if (!P)
        return 1;
    RUN(test_ranks);
    RUN(test_sums);
    RUN(test_messages);
    par_free(P);
    return check_done();
}
