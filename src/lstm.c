#include "lstm.h"

#include <math.h>
#include <string.h>

#include "dense.h"

static double sigmoid(double z) { return 1.0 / (1.0 + exp(-z)); }

void lstm_forward(double *h, double *c, double *gates, double *tc, const double *xh,
                  const double *c_prev, const double *w, const double *b, int B, int X, int H)
{
    dense_forward(gates, xh, w, b, B, X + H, 4 * H);
    for (int r = 0; r < B; r++) {
        double *z = gates + (long)r * 4 * H;
        const double *cp = c_prev + (long)r * H;
        double *cr = c + (long)r * H, *hr = h + (long)r * H, *t = tc + (long)r * H;
        for (int j = 0; j < H; j++) {
            double i = sigmoid(z[j]), f = sigmoid(z[H + j]);
            double g = lstm_tanh(z[2 * H + j]), o = sigmoid(z[3 * H + j]);
            z[j] = i;
            z[H + j] = f;
            z[2 * H + j] = g;
            z[3 * H + j] = o;
            cr[j] = f * cp[j] + i * g;
            t[j] = lstm_tanh(cr[j]);
            hr[j] = o * t[j];
        }
    }
}

void lstm_backward(double *dxh, double *dc_prev, double *dw, double *db, double *dz,
                   const double *dh, const double *dc, const double *gates, const double *tc,
                   const double *c_prev, const double *xh, const double *w, int B, int X, int H)
{
    for (int r = 0; r < B; r++) {
        const double *a = gates + (long)r * 4 * H, *t = tc + (long)r * H;
        const double *cp = c_prev + (long)r * H, *dhr = dh + (long)r * H;
        double *d = dz + (long)r * 4 * H, *dcp = dc_prev + (long)r * H;
        for (int j = 0; j < H; j++) {
            double i = a[j], f = a[H + j], g = a[2 * H + j], o = a[3 * H + j];
            /* h = o tanh(c): the gradient reaching c adds the next step's */
            double dcj = dhr[j] * o * (1 - t[j] * t[j]) + (dc ? dc[(long)r * H + j] : 0.0);
            d[j] = dcj * g * i * (1 - i);
            d[H + j] = dcj * cp[j] * f * (1 - f);
            d[2 * H + j] = dcj * i * (1 - g * g);
            d[3 * H + j] = dhr[j] * t[j] * o * (1 - o);
            dcp[j] = dcj * f;
        }
    }
    memset(dxh, 0, (size_t)B * (X + H) * sizeof *dxh);
    dense_backward(dxh, dw, db, dz, xh, w, B, X + H, 4 * H);
}
