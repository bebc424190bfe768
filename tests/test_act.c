/* Unit tests of act: the names, act_forward against the textbook formulas,
 * act_backward against the formulas of the derivatives (PyTorch's conventions
 * at the kinks) and against central differences away from the kinks. */
#include "act.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

static const enum act all_acts[] = {ACT_NONE, ACT_RELU, ACT_HSWISH, ACT_HSIGMOID};

/* Written independently of act.h: relu6-based definitions. */
static double relu6(double x) { return x < 0 ? 0 : x > 6 ? 6 : x; }

static double naive_act(enum act a, double x)
{
    switch (a) {
    case ACT_RELU:
        return x > 0 ? x : 0;
    case ACT_HSWISH:
        return x * relu6(x + 3) / 6;
    case ACT_HSIGMOID:
        return relu6(x + 3) / 6;
    default:
        return x;
    }
}

/* PyTorch: relu'(0) = 0; hardswish' is x/3 + 1/2 on [-3, 3]; hardsigmoid' is
 * 1/6 on the open interval (-3, 3). */
static double naive_grad(enum act a, double x)
{
    switch (a) {
    case ACT_RELU:
        return x > 0 ? 1 : 0;
    case ACT_HSWISH:
        return x < -3 ? 0 : x <= 3 ? x / 3 + 0.5 : 1;
    case ACT_HSIGMOID:
        return x > -3 && x < 3 ? 1.0 / 6 : 0;
    default:
        return 1;
    }
}

#define NX 203 /* not a multiple of any vector width */

/* x: random in [-6, 6] and, at the front, every kink and its neighbours. */
static void make_inputs(float *x, struct rng *r)
{
    static const float special[] = {0.0f, -0.0f, 3.0f, -3.0f, 1e-7f, -1e-7f, 2.9999998f,
                                    3.0000002f, -2.9999998f, -3.0000002f, 6.0f, -6.0f, 100.0f,
                                    -100.0f};
    size_t ns = sizeof special / sizeof special[0];
    memcpy(x, special, sizeof special);
    fill_uniform(x + ns, NX - ns, -6.0f, 6.0f, r);
}

static void test_names(void)
{
    CHECK_STR(act_name(ACT_NONE), "none");
    CHECK_STR(act_name(ACT_RELU), "relu");
    CHECK_STR(act_name(ACT_HSWISH), "hswish");
    CHECK_STR(act_name(ACT_HSIGMOID), "hsigmoid");
    for (int i = 0; i < 4; i++)
        CHECK_EQ_INT(act_parse(act_name(all_acts[i])), all_acts[i]);
    CHECK_EQ_INT(act_parse("swish"), -1);
    CHECK_EQ_INT(act_parse(""), -1);
    CHECK_EQ_INT(act_parse("RELU"), -1);
}

static void test_forward(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    float x[NX], y[NX + 1];
    double want[NX];
    make_inputs(x, &r);
    for (int t = 0; t < 4; t++) {
        enum act a = all_acts[t];
        y[NX] = 1234.5f; /* guard: nothing is written past n */
        act_forward(y, x, NX, a);
        for (int i = 0; i < NX; i++)
            want[i] = naive_act(a, x[i]);
        CHECK_ALL_NEAR(y, want, NX, 1e-6, 1e-7);
        CHECK(y[NX] == 1234.5f);
        /* the inline scalar form agrees with the array form */
        for (int i = 0; i < NX; i++)
            if (act_apply(a, x[i]) != y[i]) {
                check_fail_msg(__FILE__, __LINE__, "act_apply(%s, %g) = %g, act_forward %g",
                               act_name(a), x[i], act_apply(a, x[i]), y[i]);
                break;
            }
        /* in place */
        float z[NX];
        memcpy(z, x, sizeof z);
        act_forward(z, z, NX, a);
        CHECK_ALL_EQ(z, y, NX);
    }
    /* exact values at the kinks */
    CHECK(act_apply(ACT_RELU, 0.0f) == 0.0f);
    CHECK(act_apply(ACT_HSWISH, -3.0f) == 0.0f);
    CHECK(act_apply(ACT_HSWISH, 3.0f) == 3.0f);
    CHECK(act_apply(ACT_HSIGMOID, -3.0f) == 0.0f);
    CHECK(act_apply(ACT_HSIGMOID, 3.0f) == 1.0f);
    CHECK(act_apply(ACT_HSIGMOID, 0.0f) == 0.5f);
}

/* act_backward accumulates: dx = dx0 + dy * act'(x). */
static void test_backward_formula(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    float x[NX], dy[NX], dx0[NX], dx[NX + 1];
    double want[NX];
    make_inputs(x, &r);
    fill_uniform(dy, NX, -2.0f, 2.0f, &r);
    fill_uniform(dx0, NX, -1.0f, 1.0f, &r);
    for (int t = 0; t < 4; t++) {
        enum act a = all_acts[t];
        memcpy(dx, dx0, sizeof dx0);
        dx[NX] = 1234.5f;
        act_backward(dx, dy, x, NX, a);
        for (int i = 0; i < NX; i++)
            want[i] = dx0[i] + (double)dy[i] * naive_grad(a, x[i]);
        CHECK_ALL_NEAR(dx, want, NX, 1e-6, 1e-6);
        CHECK(dx[NX] == 1234.5f);
        float g[NX];
        for (int i = 0; i < NX; i++) {
            g[i] = act_grad(a, x[i]);
            want[i] = naive_grad(a, x[i]);
        }
        CHECK_ALL_NEAR(g, want, NX, 1e-6, 0.0);
    }
    /* the conventions at the kinks, spelled out */
    CHECK(act_grad(ACT_RELU, 0.0f) == 0.0f);
    CHECK(act_grad(ACT_HSWISH, -3.0f) == -0.5f);
    CHECK(act_grad(ACT_HSWISH, 3.0f) == 1.5f);
    CHECK(act_grad(ACT_HSIGMOID, -3.0f) == 0.0f);
    CHECK(act_grad(ACT_HSIGMOID, 3.0f) == 0.0f);
    CHECK(act_grad(ACT_NONE, 123.0f) == 1.0f);
}

/* act'(x) against (act(x + h) - act(x - h)) / 2h through act_forward, at
 * points at least 2h away from every kink. */
static void test_backward_fd(void)
{
    const float h = 1e-3f;
    struct rng r;
    rng_seed(&r, 3, 0);
    float x[NX], xp[NX], xm[NX], yp[NX], ym[NX], ones[NX], dx[NX];
    double num[NX];
    for (int i = 0; i < NX; i++) {
        float v;
        do
            v = -6.0f + 12.0f * rng_uniform(&r);
        while (fabsf(v) < 2 * h || fabsf(v - 3.0f) < 2 * h || fabsf(v + 3.0f) < 2 * h);
        x[i] = v;
        xp[i] = v + h;
        xm[i] = v - h;
        ones[i] = 1.0f;
    }
    for (int t = 0; t < 4; t++) {
        enum act a = all_acts[t];
        act_forward(yp, xp, NX, a);
        act_forward(ym, xm, NX, a);
        for (int i = 0; i < NX; i++)
            num[i] = ((double)yp[i] - ym[i]) / ((double)xp[i] - xm[i]);
        memset(dx, 0, sizeof dx);
        act_backward(dx, ones, x, NX, a);
        /* y is at most 6 here: float rounding of y / 2h is ~ 6e-7 * 6 / 2e-3 */
        CHECK_ALL_NEAR(dx, num, NX, 1e-3, 2e-3);
    }
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_names);
    RUN(test_forward);
    RUN(test_backward_formula);
    RUN(test_backward_fd);
    return check_done();
}
