/* Unit tests of dwconv: depthwise k = 3, 5, 7, stride 1 and 2, odd, even and
 * non-square maps, batches N = 1, 3, 17, 64, 67, 130 (below, at and across the
 * kernels' vector width of 16 and batch block of 64);
 * forward against a naive loop, backward (din written, dw accumulated)
 * against central differences of L = sum(out * R). */
#include "dwconv.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

/* Linear op: no truncation error in the central difference (see test_conv.c). */
#define EPS 1e-2
#define RTOL 1e-3
#define ATOL 1e-3
#define SAMPLE 200 /* input coordinates checked per case when there are more */

static void naive_dwconv(double *out, const float *in, const float *w, const struct dw_dims *d)
{
    int p = d->k / 2, N = d->N;
    for (int c = 0; c < d->C; c++)
        for (int oh = 0; oh < d->Ho; oh++)
            for (int ow = 0; ow < d->Wo; ow++)
                for (int n = 0; n < N; n++) {
                    double v = 0;
                    for (int i = 0; i < d->k; i++)
                        for (int j = 0; j < d->k; j++) {
                            int ih = oh * d->stride + i - p, iw = ow * d->stride + j - p;
                            if (ih < 0 || ih >= d->H || iw < 0 || iw >= d->W)
                                continue;
                            v += (double)w[(c * d->k + i) * d->k + j] *
                                 in[(((size_t)c * d->H + ih) * d->W + iw) * N + n];
                        }
                    out[(((size_t)c * d->Ho + oh) * d->Wo + ow) * N + n] = v;
                }
}

struct dwc {
    struct dw_dims d;
    float *in, *w, *out, *R;
};

static double dwc_loss(void *ctx, struct kinks *k)
{
    struct dwc *c = ctx;
    dwconv_forward(c->out, c->in, c->w, &c->d);
    return dotd(c->out, c->R, (size_t)c->d.C * c->d.Ho * c->d.Wo * c->d.N);
}

static void check_dwconv(int C, int H, int W, int N, int k, int stride, struct rng *r)
{
    struct dwc c;
    struct dw_dims *d = &c.d;
    d->C = C;
    d->H = H;
    d->W = W;
    d->N = N;
    d->k = k;
    d->stride = stride;
    d->Ho = (H + 2 * (k / 2) - k) / stride + 1;
    d->Wo = (W + 2 * (k / 2) - k) / stride + 1;
    size_t nin = (size_t)C * H * W * N, nw = (size_t)C * k * k;
    size_t nout = (size_t)C * d->Ho * d->Wo * N;
    c.in = falloc(nin);
    c.w = falloc(nw);
    c.out = falloc(nout + 1);
    c.R = falloc(nout);
    fill_uniform(c.in, nin, -1, 1, r);
    fill_uniform(c.w, nw, -1, 1, r);
    fill_normal(c.R, nout, r);

    fill_const(c.out, nout + 1, NAN);
    c.out[nout] = 5.0f;
    dwconv_forward(c.out, c.in, c.w, d);
    double *want = dalloc(nout);
    naive_dwconv(want, c.in, c.w, d);
    int failed_before = 0;
    {
        size_t at;
        double w = worst_ratio_fd(c.out, want, nout, 1e-5, 1e-6, &at);
        if (!(w <= 1.0)) {
            check_fail_msg(__FILE__, __LINE__,
                           "forward C=%d H=%d W=%d N=%d k=%d stride=%d: out[%zu] = %.7g, want "
                           "%.7g",
                           C, H, W, N, k, stride, at, c.out[at], want[at]);
            failed_before = 1;
        }
    }
    CHECK(c.out[nout] == 5.0f);

    float *din = falloc(nin + 1), *dw = falloc(nw), *dw0 = falloc(nw), *gw = falloc(nw);
    fill_const(din, nin + 1, NAN);
    din[nin] = 5.0f;
    fill_uniform(dw0, nw, -1, 1, r);
    memcpy(dw, dw0, nw * sizeof *dw);
    dwconv_backward(din, dw, c.R, c.in, c.w, d);
    CHECK(din[nin] == 5.0f);
    for (size_t i = 0; i < nw; i++)
        gw[i] = dw[i] - dw0[i];

    struct fd f;
    fd_init(&f, dwc_loss, &c, EPS, RTOL, ATOL, 1e-3);
    FD_TENSOR(&f, "in", c.in, din, nin, SAMPLE);
    FD_TENSOR(&f, "w", c.w, gw, nw, 0);
    CHECK_EQ_INT(f.skipped, 0);
    if (f.worst > 1.0 && !failed_before)
        check_fail_msg(__FILE__, __LINE__, "  in the case C=%d H=%d W=%d N=%d k=%d stride=%d", C,
                       H, W, N, k, stride);
    fd_done(&f);

    /* din NULL: the same dw */
    memcpy(dw, dw0, nw * sizeof *dw);
    dwconv_backward(NULL, dw, c.R, c.in, c.w, d);
    for (size_t i = 0; i < nw; i++)
        CHECK_NEAR(dw[i] - dw0[i], gw[i], 1e-6 * (1 + fabs(gw[i])));

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

static const int sizes[][2] = {{7, 7}, {14, 14}, {5, 8}};
/* the kernels take the batch in blocks of 64 images, in vectors of 16, and a
 * scalar tail: batches below, at and across those sizes */
static const int batches[] = {1, 3, 17, 64, 67, 130};

static void check_k(int k, uint64_t seed)
{
    struct rng r;
    rng_seed(&r, seed, 0);
    for (int stride = 1; stride <= 2; stride++)
        for (int s = 0; s < 3; s++)
            for (int b = 0; b < 6; b++) {
                if (batches[b] >= 64 && sizes[s][0] == 14)
                    continue; /* big batches on the small maps only (time) */
                check_dwconv(2, sizes[s][0], sizes[s][1], batches[b], k, stride, &r);
            }
}

static void test_dwconv_k3(void) { check_k(3, 1); }
static void test_dwconv_k5(void) { check_k(5, 2); }
static void test_dwconv_k7(void) { check_k(7, 3); }

/* Kernels up to DW_MAX_K, larger than the map. */
static void test_dwconv_large_k(void)
{
    struct rng r;
    rng_seed(&r, 5, 0);
    CHECK(DW_MAX_K >= 13);
    for (int k = 9; k <= 13; k += 4)
        for (int stride = 1; stride <= 2; stride++) {
            check_dwconv(2, 5, 8, 3, k, stride, &r);
            check_dwconv(1, 6, 5, 67, k, stride, &r);
        }
}

/* The channels use their own filters and planes: a 3-channel map whose
 * middle channel alone is non-zero gives output in the middle channel only. */
static void test_dwconv_channels_independent(void)
{
    struct dw_dims d = {3, 5, 5, 2, 3, 1, 5, 5};
    size_t plane = 5 * 5 * 2;
    float in[3 * 50] = {0}, w[27], out[3 * 50];
    struct rng r;
    rng_seed(&r, 4, 0);
    fill_uniform(in + plane, plane, -1, 1, &r);
    fill_uniform(w, 27, -1, 1, &r);
    dwconv_forward(out, in, w, &d);
    double e0 = 0, e1 = 0, e2 = 0;
    for (size_t i = 0; i < plane; i++) {
        e0 += fabs(out[i]);
        e1 += fabs(out[plane + i]);
        e2 += fabs(out[2 * plane + i]);
    }
    CHECK(e0 == 0 && e2 == 0 && e1 > 0);
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_dwconv_k3);
    RUN(test_dwconv_k5);
    RUN(test_dwconv_k7);
    RUN(test_dwconv_large_k);
    RUN(test_dwconv_channels_independent);
    return check_done();
}
