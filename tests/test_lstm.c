/* Unit tests of lstm: one LSTM step in double over a batch (src/lstm.c).
 * The forward against the cell's equations written out per element; the
 * backward of a three-step sequence (the way src/nao.c chains steps: h and c
 * carried, the gradient reaching each step's h from its output and from the
 * next step) against central differences in double, for the weights, the
 * bias, every step's input and the initial h and c; dc = NULL is a zero
 * gradient. */
#include "lstm.h"

#include <string.h>

#include "check.h"
#include "fdd.h"

static double ref_sigmoid(double z) { return 1 / (1 + exp(-z)); }

static void test_lstm_forward(void)
{
    enum { B = 3, X = 4, H = 5 };
    struct rng r;
    rng_seed(&r, 11, 0);
    double xh[B][X + H], cp[B][H], w[4 * H][X + H], b[4 * H];
    double h[B][H], c[B][H], gates[B][4 * H], tc[B][H];
    fdd_fill(&xh[0][0], sizeof xh / sizeof(double), -1, 1, &r);
    fdd_fill(&cp[0][0], sizeof cp / sizeof(double), -1, 1, &r);
    fdd_fill(&w[0][0], sizeof w / sizeof(double), -0.7, 0.7, &r);
    fdd_fill(b, 4 * H, -0.5, 0.5, &r);
    lstm_forward(&h[0][0], &c[0][0], &gates[0][0], &tc[0][0], &xh[0][0], &cp[0][0], &w[0][0], b,
                 B, X, H);
    for (int n = 0; n < B; n++)
        for (int j = 0; j < H; j++) {
            double z[4];
            for (int k = 0; k < 4; k++) {
                z[k] = b[k * H + j];
                for (int m = 0; m < X + H; m++)
                    z[k] += w[k * H + j][m] * xh[n][m];
            }
            double i = ref_sigmoid(z[0]), f = ref_sigmoid(z[1]), g = tanh(z[2]),
                   o = ref_sigmoid(z[3]);
            double cc = f * cp[n][j] + i * g;
            CHECK_NEAR(c[n][j], cc, 1e-13);
            CHECK_NEAR(h[n][j], o * tanh(cc), 1e-13);
            CHECK_NEAR(tc[n][j], tanh(cc), 1e-13);
            CHECK_NEAR(gates[n][j], i, 1e-13);
            CHECK_NEAR(gates[n][H + j], f, 1e-13);
            CHECK_NEAR(gates[n][2 * H + j], g, 1e-13);
            CHECK_NEAR(gates[n][3 * H + j], o, 1e-13);
        }
}

/* A sequence of T steps: L = sum_t h_t . R_t + c_T . Rc. */
enum { T = 3, SB = 2, SX = 3, SH = 4, XH = SX + SH };
struct seq {
    double x[T][SB][SX], h0[SB][SH], c0[SB][SH], w[4 * SH][XH], b[4 * SH];
    double R[T][SB][SH], Rc[SB][SH];
    /* caches */
    double xh[T][SB][XH], gates[T][SB][4 * SH], tc[T][SB][SH], h[T + 1][SB][SH],
        c[T + 1][SB][SH];
};

static double seq_loss(void *ctx)
{
    struct seq *s = ctx;
    memcpy(s->h[0], s->h0, sizeof s->h0);
    memcpy(s->c[0], s->c0, sizeof s->c0);
    double L = 0;
    for (int t = 0; t < T; t++) {
        for (int n = 0; n < SB; n++) {
            memcpy(s->xh[t][n], s->x[t][n], sizeof s->x[t][n]);
            memcpy(s->xh[t][n] + SX, s->h[t][n], sizeof s->h[t][n]);
        }
        lstm_forward(&s->h[t + 1][0][0], &s->c[t + 1][0][0], &s->gates[t][0][0],
                     &s->tc[t][0][0], &s->xh[t][0][0], &s->c[t][0][0], &s->w[0][0], s->b, SB, SX,
                     SH);
        for (int n = 0; n < SB; n++)
            for (int j = 0; j < SH; j++)
                L += s->h[t + 1][n][j] * s->R[t][n][j];
    }
    for (int n = 0; n < SB; n++)
        for (int j = 0; j < SH; j++)
            L += s->c[T][n][j] * s->Rc[n][j];
    return L;
}

static void test_lstm_backward(void)
{
    struct rng r, pick;
    rng_seed(&r, 12, 0);
    rng_seed(&pick, 13, 0);
    static struct seq s;
    fdd_fill(&s.x[0][0][0], T * SB * SX, -1, 1, &r);
    fdd_fill(&s.h0[0][0], SB * SH, -1, 1, &r);
    fdd_fill(&s.c0[0][0], SB * SH, -1, 1, &r);
    fdd_fill(&s.w[0][0], 4 * SH * XH, -0.8, 0.8, &r);
    fdd_fill(s.b, 4 * SH, -0.5, 0.5, &r);
    fdd_fill(&s.R[0][0][0], T * SB * SH, -1, 1, &r);
    fdd_fill(&s.Rc[0][0], SB * SH, -1, 1, &r);
    seq_loss(&s);

    /* backward through time; dw and db start non-zero: the step adds to them */
    double dw[4 * SH][XH], db[4 * SH], dw0[4 * SH][XH], db0[4 * SH];
    fdd_fill(&dw0[0][0], 4 * SH * XH, -1, 1, &r);
    fdd_fill(db0, 4 * SH, -1, 1, &r);
    memcpy(dw, dw0, sizeof dw);
    memcpy(db, db0, sizeof db);
    double dx[T][SB][SX], dh[SB][SH], dc[SB][SH], dxh[SB][XH], dcp[SB][SH], dz[SB][4 * SH];
    memset(dh, 0, sizeof dh);
    memcpy(dc, s.Rc, sizeof dc);
    for (int t = T - 1; t >= 0; t--) {
        for (int n = 0; n < SB; n++)
            for (int j = 0; j < SH; j++)
                dh[n][j] += s.R[t][n][j];
        lstm_backward(&dxh[0][0], &dcp[0][0], &dw[0][0], db, &dz[0][0], &dh[0][0], &dc[0][0],
                      &s.gates[t][0][0], &s.tc[t][0][0], &s.c[t][0][0], &s.xh[t][0][0],
                      &s.w[0][0], SB, SX, SH);
        for (int n = 0; n < SB; n++) {
            memcpy(dx[t][n], dxh[n], sizeof dx[t][n]);
            memcpy(dh[n], dxh[n] + SX, sizeof dh[n]);
        }
        memcpy(dc, dcp, sizeof dc);
    }
    for (int i = 0; i < 4 * SH; i++) {
        db[i] -= db0[i];
        for (int k = 0; k < XH; k++)
            dw[i][k] -= dw0[i][k];
    }
    FDD_CHECK(seq_loss, &s, "w", &s.w[0][0], &dw[0][0], 4 * SH * XH, 0, &pick, 1e-5, 1e-6, 1e-9);
    FDD_CHECK(seq_loss, &s, "b", s.b, db, 4 * SH, 0, &pick, 1e-5, 1e-6, 1e-9);
    FDD_CHECK(seq_loss, &s, "x", &s.x[0][0][0], &dx[0][0][0], T * SB * SX, 0, &pick, 1e-5, 1e-6,
              1e-9);
    FDD_CHECK(seq_loss, &s, "h0", &s.h0[0][0], &dh[0][0], SB * SH, 0, &pick, 1e-5, 1e-6, 1e-9);
    FDD_CHECK(seq_loss, &s, "c0", &s.c0[0][0], &dc[0][0], SB * SH, 0, &pick, 1e-5, 1e-6, 1e-9);

    /* dc = NULL is a zero gradient from the next step */
    seq_loss(&s);
    double zero[SB][SH], a1[SB][XH], a2[SB][XH], c1[SB][SH], c2[SB][SH], gw[4 * SH][XH];
    memset(zero, 0, sizeof zero);
    memset(gw, 0, sizeof gw);
    lstm_backward(&a1[0][0], &c1[0][0], &gw[0][0], db, &dz[0][0], &s.R[1][0][0], &zero[0][0],
                  &s.gates[1][0][0], &s.tc[1][0][0], &s.c[1][0][0], &s.xh[1][0][0], &s.w[0][0],
                  SB, SX, SH);
    lstm_backward(&a2[0][0], &c2[0][0], &gw[0][0], db, &dz[0][0], &s.R[1][0][0], NULL,
                  &s.gates[1][0][0], &s.tc[1][0][0], &s.c[1][0][0], &s.xh[1][0][0], &s.w[0][0],
                  SB, SX, SH);
    CHECK(memcmp(a1, a2, sizeof a1) == 0 && memcmp(c1, c2, sizeof c1) == 0);
}

int main(void)
{
    RUN(test_lstm_forward);
    RUN(test_lstm_backward);
    return check_done();
}
