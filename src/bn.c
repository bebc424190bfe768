#include "bn.h"

#include <math.h>

#include "vec.h"

void bn_forward(float *y, const float *x, const float *gamma, const float *beta,
                struct bn_state *st, int C, size_t S, enum act a, int training, float momentum)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const float *xc = x + c * S;
        float *yc = y + c * S;
        float mean, invstd;
        if (training) {
            double s1, s2;
            vec_moments_shifted(xc, S, xc[0], &s1, &s2);
            double m = xc[0] + s1 / (double)S;
            double var = (s2 - s1 * s1 / (double)S) / (double)S;
            if (var < 0)
                var = 0;
            mean = (float)m;
            invstd = (float)(1.0 / sqrt(var + BN_EPS));
            if (momentum > 0) {
                double unbiased = S > 1 ? var * (double)S / (double)(S - 1) : var;
                st->running_mean[c] = (1 - momentum) * st->running_mean[c] + momentum * mean;
                st->running_var[c] =
                    (float)((1 - momentum) * st->running_var[c] + momentum * unbiased);
            }
        } else {
            mean = st->running_mean[c];
            invstd = 1.0f / sqrtf(st->running_var[c] + BN_EPS);
        }
        st->mean[c] = mean;
        st->invstd[c] = invstd;
        float scale = gamma[c] * invstd, shift = beta[c] - mean * scale;
        switch (a) {
        case ACT_RELU:
            for (size_t i = 0; i < S; i++)
                yc[i] = act_apply(ACT_RELU, xc[i] * scale + shift);
            break;
        case ACT_HSWISH:
            for (size_t i = 0; i < S; i++)
                yc[i] = act_apply(ACT_HSWISH, xc[i] * scale + shift);
            break;
        case ACT_HSIGMOID:
            for (size_t i = 0; i < S; i++)
                yc[i] = act_apply(ACT_HSIGMOID, xc[i] * scale + shift);
            break;
        default:
            for (size_t i = 0; i < S; i++)
                yc[i] = xc[i] * scale + shift;
        }
    }
}

/* g = dy * act'(pre) written into dx, returning sum(g) and sum(g * xhat). */
static void bn_act_grad(float *dx, const float *dy, const float *restrict xc, size_t S,
                        float mean, float invstd, float gamma, float beta, enum act a,
                        double *sum_g, double *sum_gx)
{
    float acc_g[VEC_LANES] = {0}, acc_gx[VEC_LANES] = {0};
    size_t i = 0;
#define BN_GRAD_BODY(KIND)                                                                         \
    for (; i + VEC_LANES <= S; i += VEC_LANES)                                                     \
        for (int l = 0; l < VEC_LANES; l++) {                                                      \
            float xh = (xc[i + l] - mean) * invstd;                                                \
            float g = dy[i + l] * act_grad(KIND, gamma * xh + beta);                               \
            dx[i + l] = g;                                                                         \
            acc_g[l] += g;                                                                         \
            acc_gx[l] += g * xh;                                                                   \
        }
    switch (a) {
    case ACT_RELU:
        BN_GRAD_BODY(ACT_RELU);
        break;
    case ACT_HSWISH:
        BN_GRAD_BODY(ACT_HSWISH);
        break;
    case ACT_HSIGMOID:
        BN_GRAD_BODY(ACT_HSIGMOID);
        break;
    default:
        BN_GRAD_BODY(ACT_NONE);
    }
#undef BN_GRAD_BODY
    double sg = 0, sgx = 0;
    for (; i < S; i++) {
        float xh = (xc[i] - mean) * invstd;
        float g = dy[i] * act_grad(a, gamma * xh + beta);
        dx[i] = g;
        sg += g;
        sgx += (double)g * xh;
    }
    for (int l = 0; l < VEC_LANES; l++) {
        sg += acc_g[l];
        sgx += acc_gx[l];
    }
    *sum_g = sg;
    *sum_gx = sgx;
}

void bn_backward(float *dx, float *dgamma, float *dbeta, const float *dy, const float *x,
                 const float *gamma, const float *beta, const struct bn_state *st, int C,
                 size_t S, enum act a)
{
#pragma omp parallel for schedule(static)
    for (int c = 0; c < C; c++) {
        const float *xc = x + c * S;
        float *dxc = dx + c * S;
        float mean = st->mean[c], invstd = st->invstd[c];
        double sg, sgx;
        bn_act_grad(dxc, dy + c * S, xc, S, mean, invstd, gamma[c], beta[c], a, &sg, &sgx);
        dbeta[c] += (float)sg;
        dgamma[c] += (float)sgx;
        float k = gamma[c] * invstd, mg = (float)(sg / (double)S), mgx = (float)(sgx / (double)S);
        for (size_t i = 0; i < S; i++) {
            float xh = (xc[i] - mean) * invstd;
            dxc[i] = k * (dxc[i] - mg - xh * mgx);
        }
    }
}
