#include "supernet.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "loss.h"
#include "train.h"

struct supernet *supernet_new(const struct space *s, uint64_t seed, struct err *e)
{
    struct supernet *sn = calloc(1, sizeof *sn);
    if (!sn) {
        err_plain(e, "out of memory");
        return NULL;
    }
    sn->space = *s;
    size_t pw = 0, ps = 0;
    sn->stem_off = pw;
    sn->stem_soff = ps;
    pw += net_stem_param_floats(s);
    ps += net_stem_stat_floats(s);
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++) {
            sn->off[l][c] = pw;
            sn->soff[l][c] = ps;
            if (!(s->allowed[l] & (1ULL << c)))
                continue;
            pw += net_layer_param_floats(s, l, c);
            ps += net_layer_stat_floats(s, l, c);
        }
    sn->head_off = pw;
    sn->head_soff = ps;
    pw += net_head_param_floats(s);
    ps += net_head_stat_floats(s);
    sn->nparams = pw;
    sn->nstats = ps;
    sn->w = calloc(pw, sizeof(float));
    sn->g = calloc(pw, sizeof(float));
    sn->mom = calloc(pw, sizeof(float));
    sn->stats = calloc(ps, sizeof(float));
    if (!sn->w || !sn->g || !sn->mom || !sn->stats) {
        supernet_free(sn);
        err_plain(e, "out of memory");
        return NULL;
    }
    struct rng r;
    rng_seed(&r, seed, RNG_STREAM_INIT);
    net_init_stem(s, sn->w + sn->stem_off, sn->stats + sn->stem_soff, &r);
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++) {
            if (!(s->allowed[l] & (1ULL << c)) || s->choices[c].skip)
                continue;
            struct block_desc b;
            struct block_params p;
            struct block_stats st;
            block_describe(&b, s, l, c);
            block_params_bind(&p, sn->w + sn->off[l][c], &b);
            block_stats_bind(&st, sn->stats + sn->soff[l][c], &b);
            block_init(&p, &st, &b, &r);
        }
    net_init_head(s, sn->w + sn->head_off, sn->stats + sn->head_soff, &r);
    return sn;
}

void supernet_free(struct supernet *sn)
{
    if (!sn)
        return;
    net_done(&sn->net);
    free(sn->w);
    free(sn->g);
    free(sn->mom);
    free(sn->stats);
    free(sn);
}

void supernet_bind(struct supernet *sn, const struct arch *a)
{
    struct wslot layers[SPACE_MAX_LAYERS];
    for (int l = 0; l < a->n; l++) {
        int c = a->choice[l];
        layers[l] = (struct wslot){sn->w + sn->off[l][c], sn->g + sn->off[l][c],
                                   sn->stats + sn->soff[l][c]};
    }
    struct wslot stem = {sn->w + sn->stem_off, sn->g + sn->stem_off, sn->stats + sn->stem_soff};
    struct wslot head = {sn->w + sn->head_off, sn->g + sn->head_off, sn->stats + sn->head_soff};
    net_bind(&sn->net, &sn->space, a, stem, layers, head);
}

/* Weights of (layer, choice): [off, off + len). */
static size_t choice_len(const struct supernet *sn, int l, int c)
{
    return net_layer_param_floats(&sn->space, l, c);
}

void supernet_touch(const struct supernet *sn, const struct arch *paths, int npaths,
                    struct supernet_touched *t)
{
    memset(t, 0, sizeof *t);
    for (int p = 0; p < npaths; p++)
        for (int l = 0; l < sn->space.nlayers; l++)
            t->on[l][paths[p].choice[l]] = 1;
}

void supernet_clear_grads(struct supernet *sn, const struct supernet_touched *t)
{
    const struct space *s = &sn->space;
    memset(sn->g + sn->stem_off, 0, net_stem_param_floats(s) * sizeof(float));
    memset(sn->g + sn->head_off, 0, net_head_param_floats(s) * sizeof(float));
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++)
            if (t->on[l][c])
                memset(sn->g + sn->off[l][c], 0, choice_len(sn, l, c) * sizeof(float));
}

double supernet_path_step(struct supernet *sn, const struct arch *a, const float *x, const int *y,
                          int N, float *dlogits, float smoothing, int *correct, struct err *e)
{
    supernet_bind(sn, a);
    if (net_reserve(&sn->net, N, 1, e))
        return 0;
    const float *logits = net_forward(&sn->net, x, 1, BN_MOMENTUM);
    int ok;
    double loss = softmax_xent_smooth_forward_backward(dlogits, logits, y, sn->space.classes, N,
                                                       smoothing, &ok);
    net_backward(&sn->net, x, dlogits);
    if (correct)
        *correct += ok;
    return loss;
}

void supernet_update(struct supernet *sn, const struct supernet_touched *t, float lr,
                     float shared_lr, const struct sgd *o)
{
    const struct space *s = &sn->space;
    size_t stem_n = net_stem_param_floats(s), head_n = net_head_param_floats(s);
    float lr_shared = lr * shared_lr;
    sgd_step(sn->w + sn->stem_off, sn->g + sn->stem_off, sn->mom + sn->stem_off, stem_n, o,
             lr_shared);
    sgd_step(sn->w + sn->head_off, sn->g + sn->head_off, sn->mom + sn->head_off, head_n, o,
             lr_shared);
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++)
            if (t->on[l][c]) {
                size_t off = sn->off[l][c];
                sgd_step(sn->w + off, sn->g + off, sn->mom + off, choice_len(sn, l, c), o, lr);
                sn->updates[l][c]++;
            }
    sn->steps++;
}

double supernet_train_step(struct supernet *sn, const struct arch *paths, int npaths,
                           const float *x, const int *y, int N, float *dlogits, float lr,
                           float shared_lr, float smoothing, const struct sgd *o, int *correct,
                           struct err *e)
{
    struct supernet_touched t;
    supernet_touch(sn, paths, npaths, &t);
    supernet_clear_grads(sn, &t);
    double loss = 0;
    int right = 0;
    e->msg[0] = 0;
    for (int p = 0; p < npaths; p++) {
        loss += supernet_path_step(sn, &paths[p], x, y, N, dlogits, smoothing, &right, e);
        if (e->msg[0])
            return 0;
    }
    /* one update of everything touched: the shared parts get the summed gradient */
    supernet_update(sn, &t, lr, shared_lr, o);
    if (correct)
        *correct = right;
    return loss / npaths;
}

int supernet_evaluate(struct supernet *sn, const struct arch *a, const struct split *val,
                      const struct split *calib, const struct supernet_eval *opt,
                      struct supernet_score *out, struct err *e)
{
    float *saved = malloc(sn->nstats * sizeof *saved);
    if (!saved)
        return err_plain(e, "out of memory");
    memcpy(saved, sn->stats, sn->nstats * sizeof *saved);
    supernet_bind(sn, a);
    int rc = net_evaluate(&sn->net, val, opt->batch, &out->acc_before, &out->loss_before, e);
    if (!rc && opt->calib_images > 0) {
        rc = net_recalibrate(&sn->net, calib, opt->calib_images, opt->batch, e);
        if (!rc)
            rc = net_evaluate(&sn->net, val, opt->batch, &out->acc_after, &out->loss_after, e);
    } else if (!rc) {
        out->acc_after = out->acc_before;
        out->loss_after = out->loss_before;
    }
    memcpy(sn->stats, saved, sn->nstats * sizeof *saved);
    free(saved);
    return rc;
}

int supernet_save(const struct supernet *sn, const void *extra, size_t extra_size,
                  const char *path, struct err *e)
{
    struct ckpt c;
    ckpt_init(&c, CKPT_KIND_SUPERNET);
    int rc = ckpt_put(&c, "space", sn->space.name, strlen(sn->space.name), e);
    if (!rc)
        rc = ckpt_put(&c, "weights", sn->w, sn->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "bn_stats", sn->stats, sn->nstats * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "momentum", sn->mom, sn->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "updates", sn->updates, sizeof sn->updates, e);
    if (!rc)
        rc = ckpt_put(&c, "steps", &sn->steps, sizeof sn->steps, e);
    if (!rc)
        rc = ckpt_put(&c, "extra", extra, extra_size, e);
    if (!rc)
        rc = ckpt_save(&c, path, e);
    ckpt_done(&c);
    return rc;
}

/* A CRC-valid file may still hold what no run writes: counts of choices the
 * space does not have, negative counts, non-finite numbers. */
static int check_loaded(const struct supernet *sn, const char *path, struct err *e)
{
    const struct space *s = &sn->space;
    /* (past 2^62 steps, which no run takes, counting on would overflow) */
    if (sn->steps < 0 || sn->steps > (int64_t)1 << 62)
        return err_set(e, path, 0, 0, "is damaged: %lld steps", (long long)sn->steps);
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        for (int c = 0; c < SPACE_MAX_CHOICES; c++) {
            int allowed = l < s->nlayers && c < s->nchoices && (s->allowed[l] & (1ULL << c));
            int64_t n = sn->updates[l][c];
            if (n < 0 || n > sn->steps || (!allowed && n != 0))
                return err_set(e, path, 0, 0,
                               "is damaged: layer %d, choice %d has %lld updates in %lld steps",
                               l + 1, c + 1, (long long)n, (long long)sn->steps);
        }
    const float *v[] = {sn->w, sn->mom, sn->stats};
    size_t n[] = {sn->nparams, sn->nparams, sn->nstats};
    const char *what[] = {"weight", "momentum", "BatchNorm statistic"};
    for (int k = 0; k < 3; k++)
        for (size_t i = 0; i < n[k]; i++)
            if (!isfinite(v[k][i]))
                return err_set(e, path, 0, 0, "is damaged: %s %zu of %zu is not a finite number",
                               what[k], i + 1, n[k]);
    return 0;
}

struct supernet *supernet_load(const struct space *s, const char *path, void **extra,
                               size_t *extra_size, struct err *e)
{
    struct ckpt c;
    if (ckpt_load(&c, path, CKPT_KIND_SUPERNET, e))
        return NULL;
    struct supernet *sn = NULL;
    const struct ckpt_section *name = ckpt_get(&c, "space");
    if (!name || name->size != strlen(s->name) || memcmp(name->data, s->name, name->size)) {
        err_set(e, path, 0, 0, "holds a supernet of space '%.*s', not of '%s'",
                name ? (int)name->size : 1, name ? (const char *)name->data : "?", s->name);
        goto out;
    }
    sn = supernet_new(s, 0, e);
    if (!sn)
        goto out;
    if (ckpt_get_exact(&c, path, "weights", sn->w, sn->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "bn_stats", sn->stats, sn->nstats * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "momentum", sn->mom, sn->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "updates", sn->updates, sizeof sn->updates, e) ||
        ckpt_get_exact(&c, path, "steps", &sn->steps, sizeof sn->steps, e) ||
        check_loaded(sn, path, e)) {
        supernet_free(sn);
        sn = NULL;
        goto out;
    }
    const struct ckpt_section *x = ckpt_get(&c, "extra");
    *extra = NULL;
    *extra_size = 0;
    if (x && x->size) {
        *extra = malloc(x->size);
        if (!*extra) {
            supernet_free(sn);
            sn = NULL;
            err_plain(e, "out of memory");
            goto out;
        }
        memcpy(*extra, x->data, x->size);
        *extra_size = x->size;
    }
out:
    ckpt_done(&c);
    return sn;
}
