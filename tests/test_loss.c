/* Unit tests of loss: the mean softmax cross-entropy, its count of correct
 * answers and its gradient (against the formula and against central
 * differences of the mean loss), numerical stability, and logits_argmax. */
#include "loss.h"

#include <float.h>
#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

/* Mean cross-entropy in double; *correct as the number of n whose first
 * maximal logit is y[n]. */
static double naive_xent(const float *logits, const int *y, int K, int N, int *correct,
                         double *grad)
{
    double total = 0;
    int right = 0;
    for (int n = 0; n < N; n++) {
        double mx = -INFINITY;
        int best = 0;
        for (int k = 0; k < K; k++)
            if (logits[(size_t)k * N + n] > mx) {
                mx = logits[(size_t)k * N + n];
                best = k;
            }
        double z = 0;
        for (int k = 0; k < K; k++)
            z += exp(logits[(size_t)k * N + n] - mx);
        total += mx + log(z) - logits[(size_t)y[n] * N + n];
        right += best == y[n];
        if (grad)
            for (int k = 0; k < K; k++)
                grad[(size_t)k * N + n] =
                    (exp(logits[(size_t)k * N + n] - mx) / z - (k == y[n])) / N;
    }
    *correct = right;
    return total / N;
}

struct xp {
    int K, N;
    float *logits;
    int *y;
};

static double xent_loss(void *ctx, struct kinks *k)
{
    struct xp *p = ctx;
    return softmax_xent_forward_backward(NULL, p->logits, p->y, p->K, p->N, NULL);
}

static void check_xent(int K, int N, float spread, struct rng *r)
{
    size_t n = (size_t)K * N;
    struct xp p = {K, N, falloc(n), malloc(N * sizeof(int))};
    fill_uniform(p.logits, n, -spread, spread, r);
    for (int i = 0; i < N; i++)
        p.y[i] = (int)rng_below(r, K);
    /* make a few samples right for sure, so the count is not trivially 0 */
    for (int i = 0; i < N; i += 3)
        p.logits[(size_t)p.y[i] * N + i] = spread + 1.0f;

    float *dl = falloc(n + 1);
    fill_const(dl, n + 1, NAN);
    dl[n] = 2.0f;
    int correct = -1, want_correct;
    double *wg = dalloc(n);
    double loss = softmax_xent_forward_backward(dl, p.logits, p.y, K, N, &correct);
    double want = naive_xent(p.logits, p.y, K, N, &want_correct, wg);
    CHECK_NEAR(loss, want, 1e-9 * (1 + fabs(want)));
    CHECK_EQ_INT(correct, want_correct);
    CHECK(correct >= (N + 2) / 3);
    CHECK_ALL_NEAR(dl, wg, n, 1e-5, 1e-8);
    CHECK(dl[n] == 2.0f);

    /* each column of the gradient sums to zero (softmax minus one-hot) */
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int k = 0; k < K; k++)
            s += dl[(size_t)k * N + i];
        CHECK_NEAR(s, 0.0, 1e-6);
    }

    struct fd f;
    fd_init(&f, xent_loss, &p, 1e-3, 1e-3, 1e-5, 1e-6);
    FD_TENSOR(&f, "logits", p.logits, dl, n, 0);
    CHECK_EQ_INT(f.skipped, 0);
    fd_done(&f);

    /* NULL gradient and NULL count are allowed and change nothing */
    CHECK(softmax_xent_forward_backward(NULL, p.logits, p.y, K, N, NULL) == loss);
    free(p.logits);
    free(p.y);
    free(dl);
    free(wg);
}

static void test_xent(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    check_xent(10, 7, 3.0f, &r);
    check_xent(2, 1, 1.0f, &r);
    check_xent(10, 32, 8.0f, &r);
    check_xent(3, 17, 0.5f, &r);
}

/* Uniform logits: loss log K, gradient (1/K - onehot) / N. */
static void test_xent_uniform(void)
{
    float logits[4 * 3];
    int y[3] = {0, 3, 1};
    float dl[12];
    fill_const(logits, 12, 0.25f);
    int correct;
    double loss = softmax_xent_forward_backward(dl, logits, y, 4, 3, &correct);
    CHECK_NEAR(loss, log(4.0), 1e-9);
    for (int k = 0; k < 4; k++)
        for (int n = 0; n < 3; n++)
            CHECK_NEAR(dl[k * 3 + n], (0.25 - (k == y[n])) / 3, 1e-7);
}

/* Huge logits neither overflow nor lose the answer. */
static void test_xent_stable(void)
{
    float logits[3 * 2] = {1000.0f, -1000.0f, 990.0f, -990.0f, -1000.0f, 88.0f};
    int y[2] = {1, 2}, correct;
    float dl[6];
    double loss = softmax_xent_forward_backward(dl, logits, y, 3, 2, &correct);
    /* sample 0: logits 1000, 990, -1000, label 1: loss ~ 10 + log(1 + e^-10)
     * sample 1: logits -1000, -990, 88, label 2: loss ~ 0 */
    double want0 = 10.0 + log1p(exp(-10.0)), want1 = log1p(exp(-1078.0) + exp(-1088.0));
    CHECK(isfinite(loss));
    CHECK_NEAR(loss, (want0 + want1) / 2, 1e-6);
    CHECK_EQ_INT(correct, 1);
    for (int i = 0; i < 6; i++)
        CHECK(isfinite(dl[i]));
    CHECK_NEAR(dl[0 * 2 + 0], (1 / (1 + exp(-10.0))) / 2, 1e-6);
    CHECK_NEAR(dl[1 * 2 + 0], (exp(-10.0) / (1 + exp(-10.0)) - 1) / 2, 1e-6);
    CHECK_NEAR(dl[2 * 2 + 1], 0.0, 1e-7);
}

/* Label smoothing: against the formula (1 - eps) CE + eps * mean(-log p),
 * its gradient against central differences, and eps = 0 equal to the plain
 * loss to the bit. */
struct sp {
    struct xp x;
    float eps;
};

static double smooth_loss(void *ctx, struct kinks *k)
{
    struct sp *p = ctx;
    (void)k;
    return softmax_xent_smooth_forward_backward(NULL, p->x.logits, p->x.y, p->x.K, p->x.N, p->eps,
                                                NULL);
}

static void test_xent_smooth(void)
{
    struct rng r;
    rng_seed(&r, 31, 0);
    enum { K = 10, N = 7 };
    size_t n = (size_t)K * N;
    struct sp p = {{K, N, falloc(n), malloc(N * sizeof(int))}, 0.1f};
    fill_uniform(p.x.logits, n, -3, 3, &r);
    for (int i = 0; i < N; i++)
        p.x.y[i] = (int)rng_below(&r, K);
    float *dl = falloc(n), *d0 = falloc(n);
    int correct, c0;
    double loss = softmax_xent_smooth_forward_backward(dl, p.x.logits, p.x.y, K, N, p.eps, &correct);
    /* the formula, in double */
    double want = 0;
    for (int i = 0; i < N; i++) {
        double mx = -INFINITY, z = 0, mean = 0;
        for (int k = 0; k < K; k++)
            mx = fmax(mx, p.x.logits[(size_t)k * N + i]);
        for (int k = 0; k < K; k++) {
            z += exp(p.x.logits[(size_t)k * N + i] - mx);
            mean += p.x.logits[(size_t)k * N + i];
        }
        double logz = mx + log(z);
        want += 0.9 * (logz - p.x.logits[(size_t)p.x.y[i] * N + i]) + 0.1 * (logz - mean / K);
    }
    want /= N;
    CHECK_NEAR(loss, want, 1e-6);
    double plain = softmax_xent_forward_backward(d0, p.x.logits, p.x.y, K, N, &c0);
    CHECK(loss != plain);
    CHECK_EQ_INT(correct, c0);
    /* each column of the gradient still sums to zero (targets sum to one) */
    for (int i = 0; i < N; i++) {
        double s = 0;
        for (int k = 0; k < K; k++)
            s += dl[(size_t)k * N + i];
        CHECK_NEAR(s, 0.0, 1e-6);
    }
    struct fd f;
    fd_init(&f, smooth_loss, &p, 1e-3, 1e-3, 1e-5, 1e-6);
    FD_TENSOR(&f, "logits", p.x.logits, dl, n, 0);
    CHECK_EQ_INT(f.skipped, 0);
    fd_done(&f);
    /* eps = 0 is the plain loss, gradient included, to the bit */
    double zero = softmax_xent_smooth_forward_backward(dl, p.x.logits, p.x.y, K, N, 0.0f, NULL);
    CHECK(zero == plain);
    CHECK(memcmp(dl, d0, n * sizeof *dl) == 0);
    free(p.x.logits);
    free(p.x.y);
    free(dl);
    free(d0);
}

static void test_argmax(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    int K = 10, N = 19;
    float *logits = falloc((size_t)K * N);
    fill_uniform(logits, (size_t)K * N, -5, 5, &r);
    logits[9 * N + 0] = 100.0f;  /* last class */
    logits[0 * N + 1] = 100.0f;  /* first class */
    for (int k = 0; k < K; k++) /* all equal: the first wins */
        logits[(size_t)k * N + 2] = 1.0f;
    int pred[19], y[19];
    logits_argmax(pred, logits, K, N);
    for (int n = 0; n < N; n++) {
        int best = 0;
        for (int k = 1; k < K; k++)
            if (logits[(size_t)k * N + n] > logits[(size_t)best * N + n])
                best = k;
        CHECK_EQ_INT(pred[n], best);
    }
    CHECK_EQ_INT(pred[0], 9);
    CHECK_EQ_INT(pred[1], 0);
    CHECK_EQ_INT(pred[2], 0);
    /* the count of softmax_xent agrees with logits_argmax */
    int want = 0, correct;
    for (int n = 0; n < N; n++) {
        y[n] = (int)rng_below(&r, K);
        if (n % 2)
            y[n] = pred[n];
        want += y[n] == pred[n];
    }
    softmax_xent_forward_backward(NULL, logits, y, K, N, &correct);
    CHECK_EQ_INT(correct, want);
    free(logits);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_xent);
    RUN(test_xent_uniform);
    RUN(test_xent_stable);
    RUN(test_xent_smooth);
    RUN(test_argmax);
    return check_done();
}
