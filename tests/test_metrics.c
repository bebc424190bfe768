/* metrics: the registry (names, duplicates, a full one) and the engine's
 * metrics of an architecture, against the functions that define them. */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "fakedata.h"
#include "metrics.h"

static void test_registry(void)
{
    struct metrics r;
    metrics_init(&r);
    CHECK_EQ_INT(r.n, 4);
    CHECK_EQ_INT(metrics_find(&r, "accuracy"), 0);
    CHECK_EQ_INT(metrics_find(&r, "macs"), 3);
    CHECK_EQ_INT(metrics_find(&r, "loss"), -1);
    struct err e;
    CHECK_EQ_INT(metrics_add(&r, "loss", METRIC_LOSS, NULL, &e), 0);
    CHECK_EQ_INT(metrics_add(&r, "params", METRIC_SCRIPT, NULL, &e), -1);
    CHECK_STR(e.msg, "error: metric 'params' is there already");
    char buf[256];
    CHECK_STR(metrics_list(&r, buf, sizeof buf), "accuracy, accuracy_no_recal, params, macs, loss");
    for (int i = r.n; i < METRICS_MAX; i++) {
        char name[16];
        snprintf(name, sizeof name, "m%d", i);
        CHECK_EQ_INT(metrics_add(&r, name, METRIC_SCRIPT, NULL, &e), 0);
    }
    CHECK_EQ_INT(metrics_add(&r, "one_more", METRIC_SCRIPT, NULL, &e), -1);
}

static void test_compute(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    struct err e;
    struct supernet *sn = supernet_new(&s, 2, &e);
    struct dataset d;
    fake_dataset(&d, 96, 1);
    struct split val = {&d, 64, 32}, calib = {&d, 0, 64};
    struct metrics r;
    metrics_init(&r);
    metrics_add(&r, "loss", METRIC_LOSS, NULL, &e);
    metrics_add(&r, "score", METRIC_SCRIPT, NULL, &e);
    struct metrics_source src = {sn, &val, &calib, {.calib_images = 1000, .batch = 16}};
    struct arch a;
    CHECK(arch_parse(&s, "k5e4-k3e2-k7e6-k3e2", "t", &a, &e) == 0);
    double v[8] = {0, 0, 0, 0, 0, -7, 0, 0};
    if (!CHECK(metrics_compute(&r, &src, &a, v, &e) == 0))
        printf("  %s\n", e.msg);
    /* the same through the functions that define them (calibration clipped
     * to the images there are) */
    struct supernet_score sc;
    struct supernet_eval opt = {64, 16};
    CHECK(supernet_evaluate(sn, &a, &val, &calib, &opt, &sc, &e) == 0);
    struct cost c = arch_cost(&s, &a);
    CHECK(v[0] == sc.acc_after && v[1] == sc.acc_before && v[4] == sc.loss_after);
    CHECK(v[2] == (double)c.params && v[3] == (double)c.macs);
    CHECK(v[5] == -7); /* a script's metric is left alone */
    CHECK(v[4] > 0 && isfinite(v[4]));
    supernet_free(sn);
    dataset_done(&d);
}

int main(void)
{
    struct ctx c;
    ctx_init(&c, 1);
    RUN(test_registry);
    RUN(test_compute);
    return check_done();
}
