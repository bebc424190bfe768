/* naogen: new architectures from NAO's controller (src/naogen.h): the
 * encoder outputs of good architectures moved along the predictor's
 * gradient and decoded, and generation's keeping of the new ones in
 * canonical form.  The controller itself (encoding, the gradient at the
 * encoder outputs, decoding) is src/nao.c's. */
#include "naogen.h"

#include <math.h>
#include <stdlib.h>

#include "archset.h"
#include "rank.h"

/* Scratch of the moves of up to cap architectures at once. */
struct moves {
    double *o;        /* [keep][L][H] encoder outputs */
    double *grad;     /* [keep][H] the predictor's gradient at them */
    double *o2;       /* [cap][L][H] moved */
    struct arch *dec; /* [cap] */
};

static void moves_done(struct moves *m)
{
    free(m->o);
    free(m->grad);
    free(m->o2);
    free(m->dec);
    *m = (struct moves){0};
}

/* Room for `keep` architectures' outputs and gradients, and the moves of
 * cfg.batch at once.  0, or -1 with e filled. */
static int moves_init(struct moves *m, const struct nao *n, int keep, struct err *e)
{
    const size_t L = (size_t)n->L, H = (size_t)n->H, cap = (size_t)n->cfg.batch;
    m->o = malloc((size_t)keep * L * H * sizeof *m->o);
    m->grad = malloc((size_t)keep * H * sizeof *m->grad);
    m->o2 = malloc(cap * L * H * sizeof *m->o2);
    m->dec = malloc(cap * sizeof *m->dec);
    if (m->o && m->grad && m->o2 && m->dec)
        return 0;
    moves_done(m);
    return err_plain(e, "out of memory");
}

/* Encodes count architectures and keeps their encoder outputs o
 * [count][L][H] and the gradient of f there, grad [count][H]. */
static int encode_keep(struct nao *n, const struct arch *a, int count, double *o, double *grad,
                       struct err *e)
{
    const size_t L = (size_t)n->L, H = (size_t)n->H;
    if (nao_encode(n, a, count, o, NULL, e))
        return -1;
    for (int i = 0; i < count; i++)
        nao_outputs_grad(n, o + (size_t)i * L * H, grad + (size_t)i * H);
    return 0;
}

/* Decodes B (<= cfg.batch) architectures from encoder outputs o [B][L][H]
 * moved by eta along grad [B][H]: o_t + eta grad, which nao_decode
 * normalises and decodes from.  o2 [B][L][H] is scratch. */
static int move_decode(struct nao *n, const double *o, const double *grad, int B, double eta,
                       double *o2, struct arch *out, struct err *e)
{
    const int L = n->L, H = n->H;
    for (int b = 0; b < B; b++) {
        const double *gb = grad + (size_t)b * H;
        for (int t = 0; t < L; t++) {
            const double *ot = o + ((size_t)b * L + t) * H;
            double *dst = o2 + ((size_t)b * L + t) * H;
            for (int k = 0; k < H; k++)
                dst[k] = ot[k] + eta * gb[k];
        }
    }
    return nao_decode(n, o2, B, out, e);
}

int naogen_move(struct nao *n, const struct arch *archs, int count, double eta, struct arch *out,
                struct err *e)
{
    if (count < 0 || !isfinite(eta))
        return err_set(e, n->space.name, 0, 0, "NAO controller: %d architectures moved by %g",
                       count, eta);
    if (nao_check(n, archs, count, e))
        return -1;
    const int cap = n->cfg.batch;
    struct moves m;
    if (moves_init(&m, n, cap, e))
        return -1;
    int rc = 0;
    for (int at = 0; at < count && rc == 0; at += cap) {
        int B = count - at < cap ? count - at : cap;
        if (encode_keep(n, archs + at, B, m.o, m.grad, e) ||
            move_decode(n, m.o, m.grad, B, eta, m.o2, out + at, e))
            rc = -1;
    }
    moves_done(&m);
    return rc;
}

int naogen_generate(struct nao *n, const struct arch *pool, const double *acc, int npool,
                    int top_k, int want, int max_eta, struct arch *out, int *last_eta,
                    struct err *e)
{
    if (last_eta)
        *last_eta = 0;
    if (npool < 1 || top_k < 1 || want < 0 || max_eta < 0)
        return err_set(e, n->space.name, 0, 0, "NAO controller: generation needs a pool, top_k "
                       ">= 1, want >= 0 and max_eta >= 0, got %d, %d, %d and %d", npool, top_k,
                       want, max_eta);
    if (nao_check(n, pool, npool, e))
        return -1;
    for (int i = 0; i < npool; i++)
        if (isnan(acc[i]))
            return err_set(e, n->space.name, 0, 0, "NAO controller: the accuracy of architecture "
                           "%d of %d is not a number", i + 1, npool);
    if (top_k > npool)
        top_k = npool;
    const int L = n->L, H = n->H, cap = n->cfg.batch;
    int *order = malloc((size_t)npool * sizeof *order);
    struct arch *top = malloc((size_t)top_k * sizeof *top);
    struct archset seen = {0};
    struct moves m = {0};
    int kept = -1;
    if (!order || !top) {
        err_plain(e, "out of memory");
        goto out;
    }
    if (archset_init(&seen, &n->space, e) || moves_init(&m, n, top_k, e))
        goto out;
    for (int i = 0; i < npool; i++)
        if (archset_add(&seen, &pool[i], e) < 0)
            goto out;
    if (rank_order_desc(acc, npool, order) < 0) { /* (every one: no NaN, checked above) */
        err_plain(e, "out of memory");
        goto out;
    }
    for (int k = 0; k < top_k; k++)
        top[k] = pool[order[k]];
    /* the top architectures are encoded once; each eta moves them afresh */
    if (encode_keep(n, top, top_k, m.o, m.grad, e))
        goto out;
    kept = 0;
    for (int eta = 1; eta <= max_eta && kept < want; eta++) {
        if (last_eta)
            *last_eta = eta;
        for (int at = 0; at < top_k && kept < want; at += cap) {
            int B = top_k - at < cap ? top_k - at : cap;
            if (move_decode(n, m.o + (size_t)at * L * H, m.grad + (size_t)at * H, B, eta, m.o2,
                            m.dec, e)) {
                kept = -1;
                goto out;
            }
            for (int b = 0; b < B && kept < want; b++) {
                int added = archset_add(&seen, &m.dec[b], e);
                if (added < 0) {
                    kept = -1;
                    goto out;
                }
                if (added)
                    archset_canonical(&n->space, &m.dec[b], &out[kept++]);
            }
        }
    }
out:
    free(order);
    free(top);
    archset_done(&seen);
    moves_done(&m);
    return kept;
}
