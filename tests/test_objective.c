/* objective: the experiment's objectives mapped onto the run's metrics, the
 * objective matrix, weights. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "objective.h"

static void objective(struct experiment *x, int j, const char *name, enum exp_direction d,
                      double w)
{
    struct exp_objective *o = &x->objectives[j];
    memset(o, 0, sizeof *o);
    snprintf(o->name, sizeof o->name, "%s", name);
    o->direction = d;
    o->weight = w;
    o->name_line = 20 + j;
    o->name_col = 11;
    snprintf(o->device.resolved, sizeof o->device.resolved, "host");
    snprintf(o->device.text, sizeof o->device.text, "host");
}

static void test_objectives(void)
{
    static struct experiment x;
    memset(&x, 0, sizeof x);
    snprintf(x.file, sizeof x.file, "exp.yaml");
    snprintf(x.latency.device.resolved, sizeof x.latency.device.resolved, "host");
    x.nobjectives = 2;
    objective(&x, 0, "accuracy", EXP_MAXIMIZE, 1);
    objective(&x, 1, "macs", EXP_MINIMIZE, 0.5);
    const char *names[] = {"accuracy", "accuracy_no_recal", "params", "macs"};
    struct objectives o;
    struct err e;
    CHECK_EQ_INT(objectives_init(&o, &x, names, 4, NULL, &e), 0);
    CHECK_EQ_INT(o.n, 2);
    CHECK(o.metric[0] == 0 && o.metric[1] == 3);
    CHECK(o.maximize[0] == 1 && o.maximize[1] == 0);
    CHECK(o.weight[1] == 0.5);
    CHECK_STR(o.name[1], "macs");
    const double rows[] = {0.9, 0.8, 100, 2000, 0.7, 0.6, 50, 1000};
    double f[4];
    objectives_matrix(&o, rows, 2, 4, f);
    CHECK(f[0] == 0.9 && f[1] == 2000 && f[2] == 0.7 && f[3] == 1000);
    const double w[] = {2, 3};
    CHECK_EQ_INT(objectives_set_weights(&o, w, 2), 0);
    CHECK(o.weight[0] == 2 && o.weight[1] == 3);
    const double bad[] = {1, 0}, nan[] = {NAN, 1};
    CHECK_EQ_INT(objectives_set_weights(&o, bad, 2), -1);
    CHECK_EQ_INT(objectives_set_weights(&o, nan, 2), -1);
    CHECK_EQ_INT(objectives_set_weights(&o, w, 1), -1);
    CHECK(o.weight[0] == 2 && o.weight[1] == 3);
    /* an objective that names no metric: its line, and the known ones */
    objective(&x, 1, "reward", EXP_MAXIMIZE, 1);
    CHECK_EQ_INT(objectives_init(&o, &x, names, 4, "; others can come from a metrics file", &e),
                 -1);
    CHECK_STR(e.msg, "exp.yaml:21:11: error: objectives[1]: no metric 'reward' (known: accuracy, "
                     "accuracy_no_recal, params, macs; others can come from a metrics file)");
}

int main(void)
{
    RUN(test_objectives);
    return check_done();
}
