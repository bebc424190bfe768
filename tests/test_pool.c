/* Unit tests of pool: global average pooling C x P x N -> C x N, forward
 * against a naive mean, backward (din written) against central differences of
 * L = sum(out * R), on a small map and on one big enough for the parallel path. */
#include "pool.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

struct pl {
    int C, P, N;
    float *in, *out, *R;
};

static double pl_loss(void *ctx, struct kinks *k)
{
    struct pl *p = ctx;
    pool_forward(p->out, p->in, p->C, p->P, p->N);
    return dotd(p->out, p->R, (size_t)p->C * p->N);
}

static void check_pool(int C, int P, int N, size_t sample, struct rng *r)
{
    size_t nin = (size_t)C * P * N, nout = (size_t)C * N;
    struct pl p = {C, P, N, falloc(nin), falloc(nout + 1), falloc(nout)};
    fill_uniform(p.in, nin, -1, 1, r);
    fill_normal(p.R, nout, r);
    fill_const(p.out, nout + 1, NAN);
    p.out[nout] = 3.0f;
    pool_forward(p.out, p.in, C, P, N);
    double *want = dalloc(nout);
    for (int c = 0; c < C; c++)
        for (int n = 0; n < N; n++) {
            double s = 0;
            for (int q = 0; q < P; q++)
                s += p.in[((size_t)c * P + q) * N + n];
            want[(size_t)c * N + n] = s / P;
        }
    CHECK_ALL_NEAR(p.out, want, nout, 1e-5, 1e-6);
    CHECK(p.out[nout] == 3.0f);

    float *din = falloc(nin + 1);
    fill_const(din, nin + 1, NAN);
    din[nin] = 3.0f;
    pool_backward(din, p.R, C, P, N);
    CHECK(din[nin] == 3.0f);
    /* exactly dout / P everywhere */
    double *wd = dalloc(nin);
    for (size_t i = 0; i < nin; i++) {
        size_t c = i / ((size_t)P * N), n = i % N;
        wd[i] = p.R[c * N + n] / (double)P;
    }
    CHECK_ALL_NEAR(din, wd, nin, 1e-6, 0.0);

    struct fd f;
    fd_init(&f, pl_loss, &p, 1e-2, 1e-3, 1e-3, 1e-3);
    FD_TENSOR(&f, "in", p.in, din, nin, sample);
    CHECK_EQ_INT(f.skipped, 0);
    fd_done(&f);
    free(p.in);
    free(p.out);
    free(p.R);
    free(want);
    free(din);
    free(wd);
}

static void test_pool_small(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    check_pool(3, 7 * 7, 5, 0, &r);
    check_pool(1, 1, 1, 0, &r);
    check_pool(2, 4 * 4, 17, 0, &r);
}

/* C * P * N > 65536 takes the OpenMP path. */
static void test_pool_large(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    check_pool(16, 8 * 8, 65, 300, &r);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_pool_small);
    RUN(test_pool_large);
    return check_done();
}
