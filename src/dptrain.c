#include "dptrain.h"

#include <stdlib.h>
#include <string.h>

#include "bn.h"
#include "ctx.h"

const char *dp_split_name(enum dp_split s)
{
    return s == DP_SPLIT_PATHS ? "paths" : "data";
}

int dp_split_parse(const char *name, enum dp_split *s)
{
    if (strcmp(name, "data") == 0)
        *s = DP_SPLIT_DATA;
    else if (strcmp(name, "paths") == 0)
        *s = DP_SPLIT_PATHS;
    else
        return -1;
    return 0;
}

/* One stretch of the flat buffer: n floats at off of sn->g or sn->stats. */
struct section {
    int stats;
    size_t off, n;
};

enum { MAX_SECTIONS = 2 * (2 + SPACE_MAX_LAYERS * SPACE_MAX_CHOICES) };

/* The sections of `which` in the buffer's order: the gradients of the stem,
 * the touched choices and the head, then their statistics alike. */
static int sections(const struct supernet *sn, const struct supernet_touched *t, int which,
                    struct section *sec)
{
    const struct space *s = &sn->space;
    int n = 0;
    for (int stats = 0; stats < 2; stats++) {
        if (!(which & (stats ? DP_STATS : DP_GRADS)))
            continue;
        sec[n++] = stats ? (struct section){1, sn->stem_soff, net_stem_stat_floats(s)}
                         : (struct section){0, sn->stem_off, net_stem_param_floats(s)};
        for (int l = 0; l < s->nlayers; l++)
            for (int c = 0; c < s->nchoices; c++)
                if (t->on[l][c])
                    sec[n++] = stats ? (struct section){1, sn->soff[l][c],
                                                        net_layer_stat_floats(s, l, c)}
                                     : (struct section){0, sn->off[l][c],
                                                        net_layer_param_floats(s, l, c)};
        sec[n++] = stats ? (struct section){1, sn->head_soff, net_head_stat_floats(s)}
                         : (struct section){0, sn->head_off, net_head_param_floats(s)};
    }
    return n;
}

size_t dp_floats(const struct supernet *sn, const struct supernet_touched *t, int which)
{
    struct section sec[MAX_SECTIONS];
    int n = sections(sn, t, which, sec);
    size_t total = 0;
    for (int i = 0; i < n; i++)
        total += sec[i].n;
    return total;
}

size_t dp_flatten(const struct supernet *sn, const struct supernet_touched *t, int which,
                  float scale, float *buf)
{
    struct section sec[MAX_SECTIONS];
    int n = sections(sn, t, which, sec);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        const float *from = (sec[i].stats ? sn->stats : sn->g) + sec[i].off;
        if (scale == 1)
            memcpy(buf + at, from, sec[i].n * sizeof *buf);
        else
            for (size_t k = 0; k < sec[i].n; k++)
                buf[at + k] = from[k] * scale;
        at += sec[i].n;
    }
    return at;
}

size_t dp_unflatten(struct supernet *sn, const struct supernet_touched *t, int which,
                    const float *buf)
{
    struct section sec[MAX_SECTIONS];
    int n = sections(sn, t, which, sec);
    size_t at = 0;
    for (int i = 0; i < n; i++) {
        memcpy((sec[i].stats ? sn->stats : sn->g) + sec[i].off, buf + at, sec[i].n * sizeof *buf);
        at += sec[i].n;
    }
    return at;
}

int dp_ranks(const struct dp_config *cfg)
{
    int size = cfg->par ? par_size(cfg->par) : 1;
    return size > 1 ? size : cfg->emulate > 1 ? cfg->emulate : 1;
}

int dp_init(struct dp *d, const struct dp_config *cfg, const struct supernet *sn, struct err *e)
{
    memset(d, 0, sizeof *d);
    d->cfg = *cfg;
    int size = cfg->par ? par_size(cfg->par) : 1;
    if (size > 1 && cfg->emulate > 1)
        return err_plain(e, "emulating %d ranks on %d MPI ranks: emulate on one process only",
                         cfg->emulate, size);
    d->ranks = dp_ranks(cfg);
    d->rank = size > 1 ? par_rank(cfg->par) : 0;
    if (d->ranks == 1)
        return 0;
    d->cap = sn->nparams + sn->nstats + 1;
    int emulating = size == 1;
    d->buf = malloc((emulating ? (size_t)d->ranks : 1) * d->cap * sizeof *d->buf);
    if (emulating)
        d->pre = malloc(d->cap * sizeof *d->pre);
    else if (cfg->deterministic)
        d->scratch = malloc((size_t)d->ranks * d->cap * sizeof *d->scratch);
    if (!d->buf || (emulating && !d->pre) || (!emulating && cfg->deterministic && !d->scratch)) {
        dp_done(d);
        return err_plain(e, "out of memory for the sums of %d ranks", d->ranks);
    }
    return 0;
}

void dp_done(struct dp *d)
{
    free(d->buf);
    free(d->scratch);
    free(d->pre);
    d->buf = d->scratch = d->pre = NULL;
}

/* Multiplies the running statistics of n floats at off by (1 - momentum):
 * the share a momentum update leaves the old values. */
static void decay(struct supernet *sn, size_t off, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sn->stats[off + i] = (1 - BN_MOMENTUM) * sn->stats[off + i];
}

/* Rank `rank`'s part of a path-split step (paths k = rank, rank + ranks,
 * ...) on the whole batch, its statistics prepared as dptrain.h says; the
 * gradients were cleared.  Returns the sum of its paths' losses. */
static double path_part(struct dp *d, struct supernet *sn, const struct arch *paths, int npaths,
                        const struct supernet_touched *t, int rank, struct batches *b,
                        float smoothing, struct err *e)
{
    const struct space *s = &sn->space;
    int R = d->ranks;
    struct supernet_touched mine = {{{0}}};
    int owner[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES];
    for (int k = npaths - 1; k >= 0; k--)
        for (int l = 0; l < s->nlayers; l++) {
            int c = paths[k].choice[l];
            owner[l][c] = k % R; /* the rank of the first path through it */
            if (k % R == rank)
                mine.on[l][c] = 1;
        }
    int shared_mine = rank < npaths; /* stem and head; their first path is rank 0's */
    size_t stem_sn = net_stem_stat_floats(s), head_sn = net_head_stat_floats(s);
    if (rank != 0) {
        memset(sn->stats + sn->stem_soff, 0, stem_sn * sizeof(float));
        memset(sn->stats + sn->head_soff, 0, head_sn * sizeof(float));
    }
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++)
            if (t->on[l][c] && (!mine.on[l][c] || owner[l][c] != rank))
                memset(sn->stats + sn->soff[l][c], 0,
                       net_layer_stat_floats(s, l, c) * sizeof(float));
    double loss = 0;
    e->msg[0] = 0;
    for (int k = 0; k < npaths; k++) {
        if (k % R == rank) {
            loss += supernet_path_step(sn, &paths[k], b->x, b->y, b->batch, b->dlogits, smoothing,
                                       NULL, e);
            if (e->msg[0])
                return 0;
            continue;
        }
        if (shared_mine) {
            decay(sn, sn->stem_soff, stem_sn);
            decay(sn, sn->head_soff, head_sn);
        }
        for (int l = 0; l < s->nlayers; l++) {
            int c = paths[k].choice[l];
            if (mine.on[l][c])
                decay(sn, sn->soff[l][c], net_layer_stat_floats(s, l, c));
        }
    }
    return loss;
}

/* Rank `rank`'s part of a data-split step: its shard of the batch through
 * every path.  Returns the mean loss over the paths; *n gets the shard's
 * images and *epoch the step's epoch. */
static double data_part(struct dp *d, struct supernet *sn, const struct arch *paths, int npaths,
                        int rank, struct batches *b, int64_t step, float smoothing, int *n,
                        int *epoch, struct err *e)
{
    *epoch = batches_gather_part(b, step, rank, d->ranks, n);
    double loss = 0;
    e->msg[0] = 0;
    for (int k = 0; k < npaths; k++) {
        loss += supernet_path_step(sn, &paths[k], b->x, b->y, *n, b->dlogits, smoothing, NULL, e);
        if (e->msg[0])
            return 0;
    }
    return loss / npaths;
}

/* Rank `rank`'s part of the step into buf: the flat gradients and
 * statistics, then the loss, weighted for the sum. */
static int part(struct dp *d, struct supernet *sn, const struct arch *paths, int npaths,
                const struct supernet_touched *t, int rank, struct batches *b, int64_t step,
                float smoothing, float *buf, int *epoch, struct err *e)
{
    supernet_clear_grads(sn, t);
    float weight = 1;
    double loss;
    if (d->cfg.split == DP_SPLIT_PATHS) {
        *epoch = batches_gather(b, step);
        loss = path_part(d, sn, paths, npaths, t, rank, b, smoothing, e);
    } else {
        int n;
        loss = data_part(d, sn, paths, npaths, rank, b, step, smoothing, &n, epoch, e);
        weight = (float)((double)n / b->batch);
    }
    if (e->msg[0])
        return -1;
    size_t at = dp_flatten(sn, t, DP_GRADS | DP_STATS, weight, buf);
    buf[at] = (float)(loss * weight);
    return 0;
}

int dp_train_step(struct dp *d, struct supernet *sn, const struct arch *paths, int npaths,
                  struct batches *b, int64_t step, float lr, float shared_lr, float smoothing,
                  const struct sgd *o, double *loss, int *epoch, struct err *e)
{
    d->floats = 0;
    d->sum_seconds = 0;
    if (d->ranks == 1) {
        *epoch = batches_gather(b, step);
        e->msg[0] = 0;
        *loss = supernet_train_step(sn, paths, npaths, b->x, b->y, b->batch, b->dlogits, lr,
                                    shared_lr, smoothing, o, NULL, e);
        return e->msg[0] ? -1 : 0;
    }
    struct supernet_touched t;
    supernet_touch(sn, paths, npaths, &t);
    size_t n = dp_floats(sn, &t, DP_GRADS | DP_STATS) + 1;
    d->floats = n;
    if (!d->cfg.par || par_size(d->cfg.par) == 1) {
        /* emulating: each rank's part from the same statistics, then the
         * ordered sum */
        dp_flatten(sn, &t, DP_STATS, 1, d->pre);
        for (int r = 0; r < d->ranks; r++) {
            if (r)
                dp_unflatten(sn, &t, DP_STATS, d->pre);
            if (part(d, sn, paths, npaths, &t, r, b, step, smoothing, d->buf + (size_t)r * n,
                     epoch, e))
                return -1;
        }
        double t0 = ctx_seconds();
        par_add_parts(d->buf, d->ranks, n, d->buf);
        d->sum_seconds = ctx_seconds() - t0;
    } else {
        if (part(d, sn, paths, npaths, &t, d->rank, b, step, smoothing, d->buf, epoch, e))
            return -1;
        double t0 = ctx_seconds();
        int rc = d->cfg.deterministic ? par_sum_ordered(d->cfg.par, d->buf, n, d->scratch, e)
                                      : par_sum(d->cfg.par, d->buf, n, e);
        d->sum_seconds = ctx_seconds() - t0;
        if (rc)
            return -1;
    }
    dp_unflatten(sn, &t, DP_GRADS | DP_STATS, d->buf);
    *loss = d->cfg.split == DP_SPLIT_PATHS ? d->buf[n - 1] / npaths : d->buf[n - 1];
    supernet_update(sn, &t, lr, shared_lr, o);
    return 0;
}
