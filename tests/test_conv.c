/* Unit tests of conv: the 1x1 convolution and the kxk one (im2col + gemm),
 * forward against a naive direct convolution, backward (din written, dw
 * accumulated) against central differences of L = sum(out * R). */
#include "conv.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

/* Tolerances of the finite differences.  The ops are linear, so the central
 * difference has no truncation error; what is left is the float rounding of the
 * few outputs a parameter touches. */
#define EPS 1e-2
#define RTOL 1e-3
#define ATOL 1e-3

/* ---- 1x1 ---- */

struct c1 {
    int cin, cout;
    size_t S;
    float *in, *w, *out, *R;
};

static double c1_loss(void *ctx, struct kinks *k)
{
    struct c1 *c = ctx;
    conv1x1_forward(c->out, c->in, c->w, c->cin, c->cout, c->S);
    return dotd(c->out, c->R, (size_t)c->cout * c->S);
}

static void check_conv1x1(int cin, int cout, size_t S, struct rng *r)
{
    struct c1 c = {cin, cout, S, falloc((size_t)cin * S), falloc((size_t)cout * cin),
                   falloc((size_t)cout * S), falloc((size_t)cout * S)};
    fill_uniform(c.in, (size_t)cin * S, -1, 1, r);
    fill_uniform(c.w, (size_t)cout * cin, -1, 1, r);
    fill_normal(c.R, (size_t)cout * S, r);

    /* forward vs naive */
    fill_const(c.out, (size_t)cout * S, NAN);
    conv1x1_forward(c.out, c.in, c.w, cin, cout, S);
    double *want = dalloc((size_t)cout * S);
    for (int o = 0; o < cout; o++)
        for (size_t s = 0; s < S; s++) {
            double v = 0;
            for (int i = 0; i < cin; i++)
                v += (double)c.w[o * cin + i] * c.in[(size_t)i * S + s];
            want[(size_t)o * S + s] = v;
        }
    CHECK_ALL_NEAR(c.out, want, (size_t)cout * S, 1e-5, 1e-5);

    /* backward: din written over garbage, dw accumulated onto dw0 */
    float *din = falloc((size_t)cin * S), *dw = falloc((size_t)cout * cin);
    float *dw0 = falloc((size_t)cout * cin), *gw = falloc((size_t)cout * cin);
    fill_const(din, (size_t)cin * S, NAN);
    fill_uniform(dw0, (size_t)cout * cin, -1, 1, r);
    memcpy(dw, dw0, (size_t)cout * cin * sizeof *dw);
    conv1x1_backward(din, dw, c.R, c.in, c.w, cin, cout, S);
    for (size_t i = 0; i < (size_t)cout * cin; i++)
        gw[i] = dw[i] - dw0[i];

    struct fd f;
    fd_init(&f, c1_loss, &c, EPS, RTOL, ATOL, 1e-3);
    FD_TENSOR(&f, "in", c.in, din, (size_t)cin * S, 0);
    FD_TENSOR(&f, "w", c.w, gw, (size_t)cout * cin, 0);
    CHECK_EQ_INT(f.skipped, 0);
    fd_done(&f);

    /* din NULL: the weight gradient alone, the same */
    memcpy(dw, dw0, (size_t)cout * cin * sizeof *dw);
    conv1x1_backward(NULL, dw, c.R, c.in, c.w, cin, cout, S);
    for (size_t i = 0; i < (size_t)cout * cin; i++)
        CHECK_NEAR(dw[i] - dw0[i], gw[i], 1e-6);

    free(c.in);
    free(c.w);
    free(c.out);
    free(c.R);
    free(want);
    free(din);
    free(dw);
    free(dw0);
    free(gw);
}

static void test_conv1x1(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    check_conv1x1(5, 3, 7 * 17, &r);
    check_conv1x1(1, 4, 33, &r);
    check_conv1x1(16, 1, 4 * 4 * 3, &r);
    check_conv1x1(12, 8, 5 * 5 * 2, &r);
}

/* ---- kxk ---- */

static void naive_conv(double *out, const float *in, const float *w, const struct conv_dims *d)
{
    int p = d->k / 2, N = d->N;
    for (int o = 0; o < d->cout; o++)
        for (int oh = 0; oh < d->Ho; oh++)
            for (int ow = 0; ow < d->Wo; ow++)
                for (int n = 0; n < N; n++) {
                    double v = 0;
                    for (int c = 0; c < d->cin; c++)
                        for (int i = 0; i < d->k; i++)
                            for (int j = 0; j < d->k; j++) {
                                int ih = oh * d->stride + i - p, iw = ow * d->stride + j - p;
                                if (ih < 0 || ih >= d->H || iw < 0 || iw >= d->W)
                                    continue;
                                v += (double)w[((o * d->cin + c) * d->k + i) * d->k + j] *
                                     in[(((size_t)c * d->H + ih) * d->W + iw) * N + n];
                            }
                    out[(((size_t)o * d->Ho + oh) * d->Wo + ow) * N + n] = v;
                }
}

struct ck {
    struct conv_dims d;
    float *in, *w, *out, *col, *R;
};

static double ck_loss(void *ctx, struct kinks *k)
{
    struct ck *c = ctx;
    conv_forward(c->out, c->col, c->in, c->w, &c->d);
    return dotd(c->out, c->R, (size_t)c->d.cout * c->d.Ho * c->d.Wo * c->d.N);
}

static void check_conv(int cin, int cout, int H, int W, int N, int k, int stride, struct rng *r)
{
    struct ck c;
    struct conv_dims *d = &c.d;
    d->cin = cin;
    d->cout = cout;
    d->H = H;
    d->W = W;
    d->N = N;
    d->k = k;
    d->stride = stride;
    d->Ho = (H + 2 * (k / 2) - k) / stride + 1;
    d->Wo = (W + 2 * (k / 2) - k) / stride + 1;
    size_t nin = (size_t)cin * H * W * N, nw = (size_t)cout * cin * k * k;
    size_t nout = (size_t)cout * d->Ho * d->Wo * N, ncol = (size_t)cin * k * k * d->Ho * d->Wo * N;
    c.in = falloc(nin);
    c.w = falloc(nw);
    c.out = falloc(nout);
    c.col = falloc(ncol);
    c.R = falloc(nout);
    fill_uniform(c.in, nin, -1, 1, r);
    fill_uniform(c.w, nw, -1, 1, r);
    fill_normal(c.R, nout, r);

    fill_const(c.out, nout, NAN);
    conv_forward(c.out, c.col, c.in, c.w, d);
    double *want = dalloc(nout);
    naive_conv(want, c.in, c.w, d);
    CHECK_ALL_NEAR(c.out, want, nout, 1e-5, 1e-5);

    float *din = falloc(nin), *dcol = falloc(ncol), *dw = falloc(nw), *dw0 = falloc(nw),
          *gw = falloc(nw);
    fill_const(din, nin, NAN);
    fill_const(dcol, ncol, NAN);
    fill_uniform(dw0, nw, -1, 1, r);
    memcpy(dw, dw0, nw * sizeof *dw);
    conv_backward(din, dcol, dw, c.R, c.col, c.w, d);
    for (size_t i = 0; i < nw; i++)
        gw[i] = dw[i] - dw0[i];

    struct fd f;
    fd_init(&f, ck_loss, &c, EPS, RTOL, ATOL, 1e-3);
    FD_TENSOR(&f, "in", c.in, din, nin, 0);
    FD_TENSOR(&f, "w", c.w, gw, nw, 0);
    CHECK_EQ_INT(f.skipped, 0);
    fd_done(&f);

    /* din NULL (dcol NULL too): dw alone, the same; a second call accumulates */
    conv_forward(c.out, c.col, c.in, c.w, d);
    memcpy(dw, dw0, nw * sizeof *dw);
    conv_backward(NULL, NULL, dw, c.R, c.col, c.w, d);
    conv_backward(NULL, NULL, dw, c.R, c.col, c.w, d);
    for (size_t i = 0; i < nw; i++)
        CHECK_NEAR(dw[i] - dw0[i], 2.0 * gw[i], 1e-5 * (1 + fabs(gw[i])));

    free(c.in);
    free(c.w);
    free(c.out);
    free(c.col);
    free(c.R);
    free(want);
    free(din);
    free(dcol);
    free(dw);
    free(dw0);
    free(gw);
}

static void test_conv_k3_stride1(void)
{
    struct rng r;
    rng_seed(&r, 2, 0);
    check_conv(3, 4, 7, 6, 3, 3, 1, &r);
    check_conv(1, 2, 5, 5, 1, 3, 1, &r);
}

static void test_conv_k3_stride2(void)
{
    struct rng r;
    rng_seed(&r, 3, 0);
    check_conv(3, 4, 7, 6, 3, 3, 2, &r);
    check_conv(2, 5, 8, 8, 2, 3, 2, &r); /* even size: the stem's 28 -> 14 case */
}

static void test_conv_k5(void)
{
    struct rng r;
    rng_seed(&r, 4, 0);
    check_conv(3, 4, 7, 6, 3, 5, 1, &r);
    check_conv(2, 3, 6, 7, 2, 5, 2, &r);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_conv1x1);
    RUN(test_conv_k3_stride1);
    RUN(test_conv_k3_stride2);
    RUN(test_conv_k5);
    return check_done();
}
