/* latmodel: roofline device models: the milliseconds of each op, and a
 * model evaluated for a space as a latency table. */
#include "latmodel.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double latency_op_ms(const struct latency_device *d, enum latency_op kind, double flops,
                     double bytes)
{
    double compute_s = flops / (d->peak_gflops * 1e9 * d->efficiency[kind]);
    double memory_s = bytes / (d->bandwidth_gbs * 1e9);
    return d->dispatch_us * 1e-3 + 1e3 * (compute_s > memory_s ? compute_s : memory_s);
}

/* One block of layer l with choice c, op by op (BN and activations fused). */
static double device_block_ms(const struct latency_device *d, const struct space *s, int l,
                              int c)
{
    const struct choice *ch = &s->choices[c];
    struct layer_shape sh = space_layer_shape(s, l);
    double b = d->bytes_per_value, m = (double)sh.cin * ch->e, kk = (double)ch->k * ch->k;
    double pin = (double)sh.h_in * sh.w_in, pout = (double)sh.h_out * sh.w_out;
    double cin = sh.cin, cout = sh.cout, ms = 0;
    if (ch->e != 1)
        ms += latency_op_ms(d, LATENCY_OP_POINTWISE, 2 * cin * m * pin,
                            b * (cin * pin + m * pin + cin * m + m));
    ms += latency_op_ms(d, LATENCY_OP_DEPTHWISE, 2 * m * kk * pout,
                        b * (m * pin + m * pout + m * kk + m));
    if (ch->se) {
        double r = space_se_hidden((int)m);
        ms += latency_op_ms(d, LATENCY_OP_POOL, m * pout, b * (m * pout + m));
        ms += latency_op_ms(d, LATENCY_OP_FC, 2 * m * r, b * (m + m * r + 2 * r));
        ms += latency_op_ms(d, LATENCY_OP_FC, 2 * r * m, b * (r + r * m + 2 * m));
        ms += latency_op_ms(d, LATENCY_OP_ELEMENTWISE, m * pout, b * (2 * m * pout + m));
    }
    ms += latency_op_ms(d, LATENCY_OP_POINTWISE, 2 * m * cout * pout,
                        b * (m * pout + cout * pout + m * cout + cout));
    if (sh.stride == 1 && sh.cin == sh.cout)
        ms += latency_op_ms(d, LATENCY_OP_ELEMENTWISE, cout * pout, b * 3 * cout * pout);
    return ms;
}

void latency_device_eval(struct latency_table *t, const struct latency_device *d,
                         const struct space *s)
{
    memset(t, 0, sizeof *t);
    t->space = *s;
    t->kind = LATENCY_MODEL;
    t->batch = 1;
    t->percentile = 50;
    snprintf(t->device, sizeof t->device, "%s", d->name);
    snprintf(t->machine, sizeof t->machine, "%s", d->hardware);
    snprintf(t->method, sizeof t->method,
             "roofline model per op, evaluated for space %s: a model, not a measurement",
             s->name);
    double b = d->bytes_per_value;
    /* stem: a dense kxk conv */
    double ho = space_out_size(s->in_h, s->stem_k, s->stem_stride);
    double wo = space_out_size(s->in_w, s->stem_k, s->stem_stride);
    double kk = (double)s->stem_k * s->stem_k, ic = s->in_c, sc = s->stem_c;
    t->stem_ms = latency_op_ms(d, LATENCY_OP_CONV, 2 * ic * sc * kk * ho * wo,
                               b * (ic * s->in_h * s->in_w + sc * ho * wo + ic * sc * kk + sc));
    /* head: pointwise conv, pool, FC */
    struct layer_shape last = space_layer_shape(s, s->nlayers - 1);
    double p = (double)last.h_out * last.w_out, lc = last.cout, hc = s->head_c, k = s->classes;
    t->head_ms = latency_op_ms(d, LATENCY_OP_POINTWISE, 2 * lc * hc * p,
                               b * (lc * p + hc * p + lc * hc + hc)) +
                 latency_op_ms(d, LATENCY_OP_POOL, hc * p, b * (hc * p + hc)) +
                 latency_op_ms(d, LATENCY_OP_FC, 2 * hc * k, b * (hc + hc * k + 2 * k));
    t->overhead_ms = d->overhead_us * 1e-3;
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++) {
            if (!(s->allowed[l] & (1ULL << c)))
                t->ms[l][c] = NAN;
            else
                t->ms[l][c] = s->choices[c].skip ? 0 : device_block_ms(d, s, l, c);
        }
}
