/* Tests of src/par_serial.c, the one-process implementation of src/par.h:
 * rank 0 of 1, collectives that leave the data as it is, and messages to
 * oneself in order.  (The MPI implementation is tested under mpirun by
 * tests/cli/farm.sh.) */
#include <string.h>

#include "check.h"
#include "par.h"

static void test_one_rank(void)
{
    struct err e;
    struct par *p = par_new(NULL, NULL, &e);
    if (!CHECK(p != NULL))
        return;
    CHECK_EQ_INT(par_rank(p), 0);
    CHECK_EQ_INT(par_size(p), 1);
    CHECK_EQ_INT(par_local_size(p), 1);
    CHECK_EQ_INT(par_is_mpi(), 0);
    char lib[64];
    CHECK_STR(par_library(lib, sizeof lib), "serial");
    float buf[3] = {1.5f, -2, 3}, scratch[3];
    CHECK(par_barrier(p, &e) == 0);
    CHECK(par_sum(p, buf, 3, &e) == 0);
    CHECK(par_sum_ordered(p, buf, 3, scratch, &e) == 0);
    CHECK(buf[0] == 1.5f && buf[1] == -2 && buf[2] == 3);
    CHECK(par_bcast(p, buf, sizeof buf, 0, &e) == 0);
    CHECK(par_bcast(p, buf, sizeof buf, 1, &e) == -1);
    CHECK_STR(e.msg, "error: par_bcast: no rank 1 (one process)");
    par_free(p);
    par_free(NULL);
}

static void test_messages(void)
{
    struct err e;
    struct par *p = par_new(NULL, NULL, &e);
    if (!CHECK(p != NULL))
        return;
    CHECK_EQ_INT(par_poll(p, PAR_ANY, &e), 0);
    char msg[PAR_MSG_MAX + 1];
    size_t n;
    int tag, src;
    CHECK(par_recv(p, PAR_ANY, msg, sizeof msg, &n, &tag, &src, &e) == -1);
    CHECK(par_send(p, 0, 7, "first", 5, &e) == 0);
    CHECK(par_send(p, 0, 9, "second!", 7, &e) == 0);
    CHECK(par_send(p, 1, 9, "x", 1, &e) == -1);
    CHECK(par_send(p, 0, 9, msg, PAR_MSG_MAX + 1, &e) == -1);
    CHECK_EQ_INT(par_poll(p, 0, &e), 1);
    CHECK(par_recv(p, 0, msg, sizeof msg, &n, &tag, &src, &e) == 0);
    CHECK(n == 5 && tag == 7 && src == 0 && memcmp(msg, "first", 5) == 0);
    /* too small a buffer: an error, and the message stays */
    CHECK(par_recv(p, 0, msg, 3, &n, &tag, &src, &e) == -1);
    CHECK(par_recv(p, PAR_ANY, msg, sizeof msg, &n, NULL, NULL, &e) == 0);
    CHECK(n == 7 && memcmp(msg, "second!", 7) == 0);
    CHECK_EQ_INT(par_poll(p, PAR_ANY, &e), 0);
    /* a full queue */
    int sent = 0;
    while (par_send(p, 0, 1, "y", 1, &e) == 0 && sent < 100)
        sent++;
    CHECK_EQ_INT(sent, 16);
    par_free(p);
}

int main(void)
{
    RUN(test_one_rank);
    RUN(test_messages);
    return check_done();
}
