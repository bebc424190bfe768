/* Unit tests of dense: the double-precision fully connected layer over rows
 * (src/dense.c).  The forward against a naive loop, with and without a bias;
 * the backward (every gradient accumulated, dx optional) against central
 * differences of L = sum(y * R) in double. */
#include "dense.h"

#include <string.h>

#include "check.h"
#include "fdd.h"

struct densep {
    int B, K, N;
    double *x, *w, *b, *y, *R;
};

static double dense_loss(void *ctx)
{
    struct densep *p = ctx;
    dense_forward(p->y, p->x, p->w, p->b, p->B, p->K, p->N);
    double s = 0;
    for (int i = 0; i < p->B * p->N; i++)
        s += p->y[i] * p->R[i];
    return s;
}

static void check_dense(int B, int K, int N, int bias, struct rng *r)
{
    struct densep p = {B, K, N, dalloc((size_t)B * K), dalloc((size_t)N * K),
                       bias ? dalloc(N) : NULL, dalloc((size_t)B * N),
                       dalloc((size_t)B * N)};
    fdd_fill(p.x, (size_t)B * K, -1, 1, r);
    fdd_fill(p.w, (size_t)N * K, -1, 1, r);
    if (bias)
        fdd_fill(p.b, N, -1, 1, r);
    fdd_fill(p.R, (size_t)B * N, -1, 1, r);
    for (int i = 0; i < B * N; i++)
        p.y[i] = NAN; /* overwritten, never read */
    dense_forward(p.y, p.x, p.w, p.b, B, K, N);
    for (int rr = 0; rr < B; rr++)
        for (int n = 0; n < N; n++) {
            double s = bias ? p.b[n] : 0;
            for (int k = 0; k < K; k++)
                s += p.x[rr * K + k] * p.w[n * K + k];
            CHECK_NEAR(p.y[rr * N + n], s, 1e-12);
        }

    /* gradients start at a random value: the backward must add to it */
    double *dx = dalloc((size_t)B * K), *dw = dalloc((size_t)N * K), *db = dalloc(N);
    double *gx = dalloc((size_t)B * K), *gw = dalloc((size_t)N * K), *gb = dalloc(N);
    fdd_fill(dx, (size_t)B * K, -1, 1, r);
    fdd_fill(dw, (size_t)N * K, -1, 1, r);
    fdd_fill(db, N, -1, 1, r);
    memcpy(gx, dx, (size_t)B * K * sizeof *gx);
    memcpy(gw, dw, (size_t)N * K * sizeof *gw);
    memcpy(gb, db, (size_t)N * sizeof *gb);
    dense_backward(dx, dw, bias ? db : NULL, p.R, p.x, p.w, B, K, N);
    for (int i = 0; i < B * K; i++)
        gx[i] = dx[i] - gx[i];
    for (int i = 0; i < N * K; i++)
        gw[i] = dw[i] - gw[i];
    for (int i = 0; i < N; i++)
        gb[i] = db[i] - gb[i];
    struct rng pick;
    rng_seed(&pick, 1, 0);
    FDD_CHECK(dense_loss, &p, "x", p.x, gx, (size_t)B * K, 0, &pick, 1e-5, 1e-7, 1e-9);
    FDD_CHECK(dense_loss, &p, "w", p.w, gw, (size_t)N * K, 0, &pick, 1e-5, 1e-7, 1e-9);
    if (bias)
        FDD_CHECK(dense_loss, &p, "b", p.b, gb, N, 0, &pick, 1e-5, 1e-7, 1e-9);
    else
        for (int i = 0; i < N; i++)
            CHECK(gb[i] == 0); /* no bias: db is not touched */

    /* dx NULL: the weight's gradient alone, the same as before */
    double *dw2 = dalloc((size_t)N * K);
    dense_backward(NULL, dw2, NULL, p.R, p.x, p.w, B, K, N);
    for (int i = 0; i < N * K; i++)
        CHECK_NEAR(dw2[i], gw[i], 1e-12);
    free(dw2);
    free(dx);
    free(dw);
    free(db);
    free(gx);
    free(gw);
    free(gb);
    free(p.x);
    free(p.w);
    free(p.b);
    free(p.y);
    free(p.R);
}

static void test_dense(void)
{
    struct rng r;
    rng_seed(&r, 7, 0);
    check_dense(1, 1, 1, 1, &r);
    check_dense(5, 3, 4, 1, &r);
    check_dense(7, 6, 2, 0, &r);
    check_dense(3, 17, 9, 1, &r);
}

int main(void)
{
    RUN(test_dense);
    return check_done();
}
