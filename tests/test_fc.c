/* Unit tests of fc: the fully connected layer with bias on [cin][N] columns,
 * forward against a naive loop, backward (din written, dw and db accumulated)
 * against central differences of L = sum(out * R). */
#include "fc.h"

#include <string.h>

#include "check.h"
#include "ctx.h"
#include "gradcheck.h"

struct fcp {
    int cin, cout, N;
    float *in, *w, *b, *out, *R;
};

static double fc_loss(void *ctx, struct kinks *k)
{
    struct fcp *p = ctx;
    fc_forward(p->out, p->in, p->w, p->b, p->cin, p->cout, p->N);
    return dotd(p->out, p->R, (size_t)p->cout * p->N);
}

static void check_fc(int cin, int cout, int N, struct rng *r)
{
    size_t nin = (size_t)cin * N, nw = (size_t)cout * cin, nout = (size_t)cout * N;
    struct fcp p = {cin, cout, N, falloc(nin), falloc(nw), falloc(cout), falloc(nout),
                    falloc(nout)};
    fill_uniform(p.in, nin, -1, 1, r);
    fill_uniform(p.w, nw, -1, 1, r);
    fill_uniform(p.b, cout, -1, 1, r);
    fill_normal(p.R, nout, r);
    fill_const(p.out, nout, NAN);
    fc_forward(p.out, p.in, p.w, p.b, cin, cout, N);
    double *want = dalloc(nout);
    for (int o = 0; o < cout; o++)
        for (int n = 0; n < N; n++) {
            double s = p.b[o];
            for (int i = 0; i < cin; i++)
                s += (double)p.w[(size_t)o * cin + i] * p.in[(size_t)i * N + n];
            want[(size_t)o * N + n] = s;
        }
    CHECK_ALL_NEAR(p.out, want, nout, 1e-5, 1e-5);

    float *din = falloc(nin), *dw = falloc(nw), *db = falloc(cout);
    float *dw0 = falloc(nw), *db0 = falloc(cout), *gw = falloc(nw), *gb = falloc(cout);
    fill_const(din, nin, NAN);
    fill_uniform(dw0, nw, -1, 1, r);
    fill_uniform(db0, cout, -1, 1, r);
    memcpy(dw, dw0, nw * sizeof *dw);
    memcpy(db, db0, cout * sizeof *db);
    fc_backward(din, dw, db, p.R, p.in, p.w, cin, cout, N);
    for (size_t i = 0; i < nw; i++)
        gw[i] = dw[i] - dw0[i];
    for (int o = 0; o < cout; o++)
        gb[o] = db[o] - db0[o];

    struct fd f;
    fd_init(&f, fc_loss, &p, 1e-2, 1e-3, 1e-3, 1e-3);
    FD_TENSOR(&f, "in", p.in, din, nin, 0);
    FD_TENSOR(&f, "w", p.w, gw, nw, 0);
    FD_TENSOR(&f, "b", p.b, gb, cout, 0);
    CHECK_EQ_INT(f.skipped, 0);
    fd_done(&f);

    /* din NULL: the same weight gradients */
    memcpy(dw, dw0, nw * sizeof *dw);
    memcpy(db, db0, cout * sizeof *db);
    fc_backward(NULL, dw, db, p.R, p.in, p.w, cin, cout, N);
    for (size_t i = 0; i < nw; i++)
        CHECK_NEAR(dw[i] - dw0[i], gw[i], 1e-6 * (1 + fabs(gw[i])));
    for (int o = 0; o < cout; o++)
        CHECK_NEAR(db[o] - db0[o], gb[o], 1e-6 * (1 + fabs(gb[o])));

    free(p.in);
    free(p.w);
    free(p.b);
    free(p.out);
    free(p.R);
    free(want);
    free(din);
    free(dw);
    free(db);
    free(dw0);
    free(db0);
    free(gw);
    free(gb);
}

static void test_fc(void)
{
    struct rng r;
    rng_seed(&r, 1, 0);
    check_fc(7, 5, 3, &r);
    check_fc(1, 1, 1, &r);
    check_fc(128, 10, 4, &r); /* the classifier of the fmnist spaces */
    check_fc(12, 8, 17, &r);  /* an SE squeeze */
    check_fc(8, 12, 17, &r);  /* an SE excite */
}

int main(void)
{
    struct ctx ctx;
    ctx_init(&ctx, 1);
    RUN(test_fc);
    return check_done();
}
