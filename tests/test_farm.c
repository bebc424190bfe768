/* Tests of src/farm.c on one process (src/par_serial.c): rank 0 takes every
 * task itself in the order given, and the callback gets each result with
 * its task; a result for a task not handed out is refused.  Under mpirun the
 * farm is tested by tests/cli/farm.sh. */
#include <string.h>

#include "check.h"
#include "farm.h"

struct seen {
    int n, task[8];
    double value[8];
};

static int record(void *user, int rank, int task, const void *result, size_t n, struct err *e)
{
    struct seen *s = user;
    if (rank != 0 || n != sizeof(double) || s->n == 8)
        return err_plain(e, "unexpected result");
    s->task[s->n] = task;
    memcpy(&s->value[s->n++], result, sizeof(double));
    return 0;
}

static void test_one_rank(void)
{
    struct err e;
    struct par *p = par_new(NULL, NULL, &e);
    if (!CHECK(p != NULL))
        return;
    int order[] = {4, 0, 2};
    struct seen s = {0};
    struct farm f;
    CHECK(farm_init(&f, p, order, 3, record, &s, &e) == 0);
    int task, got, k = 0;
    double v = 0;
    while ((got = farm_next(&f, k ? &v : NULL, sizeof v, &task, &e)) == 1 && k < 10) {
        CHECK_EQ_INT(task, order[k]);
        CHECK(farm_poll(&f, &e) == 0);
        v = 10.0 * task;
        k++;
    }
    CHECK_EQ_INT(got, 0);
    CHECK_EQ_INT(k, 3);
    CHECK_EQ_INT(s.n, 3);
    for (int i = 0; i < s.n; i++) {
        CHECK_EQ_INT(s.task[i], order[i]);
        CHECK_NEAR(s.value[i], 10.0 * order[i], 0);
    }
    CHECK(farm_next(&f, &v, FARM_RESULT_MAX + 1, &task, &e) == -1);
    farm_done(&f);
    /* no tasks at all: done at once */
    CHECK(farm_init(&f, p, order, 0, record, &s, &e) == 0);
    CHECK_EQ_INT(farm_next(&f, NULL, 0, &task, &e), 0);
    farm_done(&f);
    par_free(p);
}

int main(void)
{
    RUN(test_one_rank);
    return check_done();
}
