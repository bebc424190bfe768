/* truthrank: a ground-truth table opened with its seeds averaged, its own
 * statistics, the spanning subset of a quick probe, and the comparison of
 * supernet scores (by accuracy and by loss) with it. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "truthrank.h"

static char path[64];

/* tiny: five architectures, two with a second seed */
static const char table[] =
    "# a test table\n"
    "arch,seed,params,macs,val_accuracy,test_accuracy,epochs,seconds\n"
    "k3e2-k3e2-k3e2-k3e2,0,1,1,0.50,0.80,3,1\n"
    "k5e4-k5e4-k5e4-k5e4,0,1,1,0.60,0.84,3,1\n"
    "k7e6-k7e6-k7e6-k7e6,0,1,1,0.70,0.86,3,1\n"
    "k3e2-k5e4-k7e6-k3e2,0,1,1,0.55,0.82,3,1\n"
    "k7e6-k5e4-k3e2-k7e6,0,1,1,0.65,0.88,3,1\n"
    "k3e2-k3e2-k3e2-k3e2,1,1,1,0.52,0.78,3,1\n"
    "k7e6-k7e6-k7e6-k7e6,1,1,1,0.72,0.90,3,1\n";

static void test_open(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    struct truthrank t;
    struct err e;
    if (!CHECK(truthrank_open(&t, path, &s, 0, 0, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(t.n, 5);
    CHECK_EQ_INT(t.rows, 7);
    CHECK_NEAR(t.truth[0], 0.79, 1e-12); /* seeds averaged */
    CHECK_NEAR(t.truth[2], 0.88, 1e-12);
    CHECK_EQ_INT(t.seeds[0], 2);
    CHECK_EQ_INT(t.seeds[1], 1);
    CHECK_NEAR(t.lo, 0.79, 1e-12);
    CHECK_NEAR(t.hi, 0.88, 1e-12);
    CHECK_EQ_INT(t.n_seeded, 2);
    CHECK_NEAR(t.seed_noise, 0.03, 1e-12);
    CHECK_NEAR(t.seed_tau, 1.0, 1e-12);
    CHECK_NEAR(t.seed_r, 1.0, 1e-12);
    CHECK_NEAR(t.mean2_reliability, 1.0, 1e-12);
    /* the params of tiny grow with kernel and expansion together */
    CHECK(t.params[2] > t.params[1] && t.params[1] > t.params[0]);
    /* a supernet that orders them perfectly, by accuracy and by loss */
    struct supernet_score sc[5];
    for (int i = 0; i < 5; i++) {
        sc[i].acc_after = t.truth[i] - 0.3;
        sc[i].acc_before = 0.5;            /* constant: tau undefined */
        sc[i].loss_after = 2 - t.truth[i]; /* lower is better */
        sc[i].loss_before = 1;
    }
    struct truthrank_result r;
    CHECK_EQ_INT(truthrank_compare(&t, sc, 0, 3, 200, &r), 0);
    CHECK_NEAR(r.tau, 1.0, 1e-12);
    CHECK_NEAR(r.tau_other, 1.0, 1e-12);
    CHECK_NEAR(r.rho, 1.0, 1e-12);
    CHECK(isnan(r.tau_no_recal));
    CHECK_EQ_INT(r.k, 3);
    CHECK_NEAR(r.precision, 1.0, 1e-12);
    CHECK(r.tau_lo <= r.tau && r.tau <= r.tau_hi);
    /* by loss, with the accuracies reversed: the loss ranks, accuracy does not */
    for (int i = 0; i < 5; i++)
        sc[i].acc_after = 1 - t.truth[i];
    CHECK_EQ_INT(truthrank_compare(&t, sc, 1, 10, 200, &r), 0);
    CHECK_NEAR(r.tau, 1.0, 1e-12);
    CHECK_NEAR(r.tau_other, -1.0, 1e-12);
    CHECK_EQ_INT(r.k, 5);
    /* one interval wherever a checkpoint is ranked */
    struct truthrank_result r2;
    truthrank_compare(&t, sc, 1, 10, 200, &r2);
    CHECK(r.tau_lo == r2.tau_lo && r.tau_hi == r2.tau_hi);
    truthrank_close(&t);
    /* a quick probe of 3: the least, the middle and the most accurate */
    CHECK_EQ_INT(truthrank_open(&t, path, &s, 0, 3, &e), 0);
    CHECK_EQ_INT(t.n, 3);
    CHECK_NEAR(t.truth[0], 0.79, 1e-12);
    CHECK_NEAR(t.truth[1], 0.84, 1e-12);
    CHECK_NEAR(t.truth[2], 0.88, 1e-12);
    truthrank_close(&t);
    /* validation accuracy instead */
    CHECK_EQ_INT(truthrank_open(&t, path, &s, 1, 0, &e), 0);
    CHECK_NEAR(t.truth[0], 0.51, 1e-12);
    truthrank_close(&t);
}

static void test_errors(void)
{
    struct space s;
    space_builtin(&s, "tiny");
    FILE *f = fopen(path, "w");
    fputs("arch,seed,params,macs,val_accuracy,test_accuracy,epochs,seconds\n"
          "k3e2-k3e2-k3e2-k3e2,0,1,1,0.50,0.80,3,1\n",
          f);
    fclose(f);
    struct truthrank t;
    struct err e;
    CHECK_EQ_INT(truthrank_open(&t, path, &s, 0, 0, &e), -1);
    char want[256];
    snprintf(want, sizeof want, "%s: error: needs at least 2 architectures to rank, has 1", path);
    CHECK_STR(e.msg, want);
    CHECK(t.archs == NULL && t.n == 0);
}

int main(void)
{
    snprintf(path, sizeof path, "/tmp/oneshot-truthrank-%d.csv", (int)getpid());
    FILE *f = fopen(path, "w");
    if (!f)
        return 1;
    fputs(table, f);
    fclose(f);
    RUN(test_open);
    RUN(test_errors);
    unlink(path);
    return check_done();
}
