#include "singlepath.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "ctx.h"
#include "train.h"

#define SP_MAGIC 0x48544150u /* "PATH" */
#define SP_VERSION 1

void sp_config_default(struct sp_config *c)
{
    c->epochs = 8;
    c->batch = 128;
    c->lr = 0.016;
    c->lr_decay = 0.97;
    c->decay_epochs = 2.4;
    c->lambda = 20;
    c->warmup_epochs = -1;
    c->keep = 0.6;
    c->label_smoothing = 0.1;
    c->weight_decay = 1e-5;
    c->seed = 0;
    c->train_images = 0;
    c->calib_images = 2000;
}

/* What a checkpoint carries besides the arrays: the settings (a resume must
 * match them), the table's fingerprint and where the run stands. */
struct sp_state {
    uint32_t magic, version;
    int32_t epochs, batch, train_images, pad;
    uint64_t seed, lut_hash;
    double lr, lr_decay, decay_epochs, lambda, warmup_epochs, keep, label_smoothing,
        weight_decay;
    int64_t step, total;
};

static void fill_state(const struct singlepath *t, struct sp_state *st)
{
    memset(st, 0, sizeof *st);
    st->magic = SP_MAGIC;
    st->version = SP_VERSION;
    st->epochs = t->cfg.epochs;
    st->batch = t->cfg.batch;
    st->train_images = t->cfg.train_images;
    st->seed = t->cfg.seed;
    st->lut_hash = t->net->lut_hash;
    st->lr = t->cfg.lr;
    st->lr_decay = t->cfg.lr_decay;
    st->decay_epochs = t->cfg.decay_epochs;
    st->lambda = t->cfg.lambda;
    st->warmup_epochs = t->cfg.warmup_epochs;
    st->keep = t->cfg.keep;
    st->label_smoothing = t->cfg.label_smoothing;
    st->weight_decay = t->cfg.weight_decay;
    st->step = t->step;
    st->total = t->total;
}

/* The first setting of the saved run that differs from this one. */
static const char *differing(const struct sp_state *a, const struct sp_state *b)
{
    if (a->epochs != b->epochs)
        return "epochs";
    if (a->batch != b->batch)
        return "batch";
    if (a->train_images != b->train_images)
        return "training images";
    if (a->seed != b->seed)
        return "seed";
    if (a->lut_hash != b->lut_hash)
        return "latency table";
    if (a->lr != b->lr || a->lr_decay != b->lr_decay || a->decay_epochs != b->decay_epochs)
        return "learning rate";
    if (a->lambda != b->lambda)
        return "lambda";
    if (a->warmup_epochs != b->warmup_epochs || a->keep != b->keep)
        return "warm-up";
    if (a->label_smoothing != b->label_smoothing)
        return "label smoothing";
    if (a->weight_decay != b->weight_decay)
        return "weight decay";
    return NULL;
}

int singlepath_save(const struct singlepath *t, const char *path, struct err *e)
{
    const struct spnet *n = t->net;
    struct sp_state st;
    fill_state(t, &st);
    struct ckpt c;
    ckpt_init(&c, CKPT_KIND_SINGLEPATH);
    int rc = ckpt_put(&c, "space", n->space.name, strlen(n->space.name), e);
    if (!rc)
        rc = ckpt_put(&c, "weights", n->w, n->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "bn_stats", n->stats, n->nstats * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "rms", t->ms, n->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "momentum", t->mom, n->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "state", &st, sizeof st, e);
    if (!rc)
        rc = ckpt_save(&c, path, e);
    ckpt_done(&c);
    return rc;
}

/* Reads the checkpoint at path into t.  fork: the checkpoint may have
 * another lambda, provided its step is within the warm-up (singlepath_fork). */
static int resume_from(struct singlepath *t, const char *path, int fork, struct err *e)
{
    struct spnet *n = t->net;
    struct ckpt c;
    if (ckpt_load(&c, path, CKPT_KIND_SINGLEPATH, e))
        return -1;
    int rc = -1;
    struct sp_state saved, now;
    const struct ckpt_section *name = ckpt_get(&c, "space");
    if (!name || name->size != strlen(n->space.name) ||
        memcmp(name->data, n->space.name, name->size)) {
        err_set(e, path, 0, 0, "holds a Single-Path NAS search of space '%.*s', not of '%s'",
                name ? (int)name->size : 1, name ? (const char *)name->data : "?",
                n->space.name);
        goto out;
    }
    if (ckpt_get_exact(&c, path, "weights", n->w, n->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "bn_stats", n->stats, n->nstats * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "rms", t->ms, n->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "momentum", t->mom, n->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "state", &saved, sizeof saved, e))
        goto out;
    if (saved.magic != SP_MAGIC || saved.version != SP_VERSION) {
        err_set(e, path, 0, 0, "was written by another version of oneshot's Single-Path NAS");
        goto out;
    }
    fill_state(t, &now);
    if (fork)
        now.lambda = saved.lambda; /* the one setting a fork may change */
    const char *diff = differing(&saved, &now);
    if (diff) {
        err_set(e, path, 0, 0, "was saved by a run with another %s: resume with the same settings",
                diff);
        goto out;
    }
    if (saved.total != t->total || saved.step < 0 || saved.step > t->total) {
        err_set(e, path, 0, 0, "is damaged: step %lld of %lld", (long long)saved.step,
                (long long)saved.total);
        goto out;
    }
    if (fork && saved.step > t->warmup_steps) {
        err_set(e, path, 0, 0,
                "is at step %lld, past the warm-up's %lld steps: its lambda (%g) has acted, so "
                "no trial with another lambda can start from it",
                (long long)saved.step, (long long)t->warmup_steps, saved.lambda);
        goto out;
    }
    /* a CRC-valid file may still hold what no run writes */
    const float *v[] = {n->w, n->stats, t->ms, t->mom};
    size_t cnt[] = {n->nparams, n->nstats, n->nparams, n->nparams};
    const char *what[] = {"weight", "BatchNorm statistic", "RMSProp mean square", "momentum"};
    for (int k = 0; k < 4; k++)
        for (size_t i = 0; i < cnt[k]; i++)
            if (!isfinite(v[k][i]) || (k == 2 && v[k][i] < 0)) {
                err_set(e, path, 0, 0, "is damaged: %s %zu of %zu is not valid", what[k], i + 1,
                        cnt[k]);
                goto out;
            }
    t->step = saved.step;
    rc = 0;
out:
    ckpt_done(&c);
    return rc;
}

static int start(struct singlepath *t, const struct space *s, const struct latency_table *lat,
                 const struct split *train, const struct sp_config *cfg, const char *resume,
                 int fork, struct err *e)
{
    memset(t, 0, sizeof *t);
    t->train = train;
    t->cfg = *cfg;
    if (cfg->warmup_epochs < 0)
        t->cfg.warmup_epochs = cfg->epochs * 5.0 / 8.0;
    const struct sp_config *c = &t->cfg;
    if (c->epochs < 1 || c->batch < 1 || !(c->lr > 0) || !(c->lr_decay > 0 && c->lr_decay <= 1) ||
        !(c->decay_epochs > 0) || !(c->lambda >= 0 && isfinite(c->lambda)) ||
        !(c->warmup_epochs <= c->epochs) || !(c->keep > 0 && c->keep <= 1) ||
        !(c->label_smoothing >= 0 && c->label_smoothing < 1) || !(c->weight_decay >= 0))
        return err_plain(e, "Single-Path NAS needs epochs and batch >= 1, a positive learning "
                            "rate, a decay factor in (0, 1] every positive number of epochs, "
                            "lambda >= 0, warm-up epochs at most the epochs, a keep probability "
                            "in (0, 1], label smoothing in [0, 1) and weight decay >= 0");
    if (batches_init(&t->b, train, s, c->batch, c->epochs, c->seed, e))
        return -1;
    t->steps_per_epoch = t->b.steps_per_epoch;
    t->total = t->b.total;
    t->warmup_steps = (int64_t)llround(c->warmup_epochs * t->steps_per_epoch);
    t->net = spnet_new(s, lat, c->seed, e);
    if (!t->net) {
        batches_done(&t->b);
        return -1;
    }
    rmsprop_default(&t->opt);
    t->opt.weight_decay = (float)c->weight_decay;
    size_t np = t->net->nparams;
    t->ms = malloc(np * sizeof *t->ms);
    t->mom = malloc(np * sizeof *t->mom);
    if (!t->ms || !t->mom) {
        singlepath_done(t);
        return err_plain(e, "out of memory");
    }
    rmsprop_state_init(t->ms, t->mom, np);
    if (resume && resume_from(t, resume, fork, e)) {
        singlepath_done(t);
        return -1;
    }
    return 0;
}

int singlepath_init(struct singlepath *t, const struct space *s, const struct latency_table *lat,
                    const struct split *train, const struct sp_config *cfg, const char *resume,
                    struct err *e)
{
    return start(t, s, lat, train, cfg, resume, 0, e);
}

int singlepath_fork(struct singlepath *t, const struct space *s, const struct latency_table *lat,
                    const struct split *train, const struct sp_config *cfg, const char *ckpt,
                    struct err *e)
{
    return start(t, s, lat, train, cfg, ckpt, 1, e);
}

void singlepath_done(struct singlepath *t)
{
    spnet_free(t->net);
    free(t->ms);
    free(t->mom);
    batches_done(&t->b);
    t->net = NULL;
    t->ms = t->mom = NULL;
}

/* The warm-up's multipliers of step `step`: Bernoulli(keep) / keep for each
 * decision a layer has, 1 for the rest (and after the warm-up). */
static void draw_scales(struct singlepath *t, int warm)
{
    struct spnet *n = t->net;
    struct rng r;
    rng_seed(&r, t->cfg.seed, RNG_STREAM_DECISIONS + 16 * (uint64_t)t->step);
    float up = (float)(1.0 / t->cfg.keep);
    for (int l = 0; l < n->space.nlayers; l++)
        for (int j = 0; j < SK_NDEC; j++) {
            float s = 1;
            if (warm && ((n->desc[l].dec >> j) & 1))
                s = rng_uniform(&r) < t->cfg.keep ? up : 0;
            n->run[l].scale[j] = s;
        }
}

int singlepath_step(struct singlepath *t, struct err *e)
{
    if (t->step >= t->total)
        return 0;
    double t0 = ctx_seconds();
    struct spnet *n = t->net;
    int spe = t->steps_per_epoch, B = t->cfg.batch;
    if ((n->N != B || !n->ends.training) && spnet_reserve(n, B, 1, e))
        return -1;
    int epoch = batches_gather(&t->b, t->step);
    int warm = t->step < t->warmup_steps;
    double lambda = warm ? 0 : t->cfg.lambda;
    float lr = exp_decay_lr((float)(t->cfg.lr * B / 256.0), (long)t->step,
                            t->cfg.decay_epochs * spe, (float)t->cfg.lr_decay);
    draw_scales(t, warm);
    spnet_loss(n, t->b.x, t->b.y, t->b.dlogits, lambda, (float)t->cfg.label_smoothing, BN_MOMENTUM,
               &t->loss);
    for (int l = 0; l < n->space.nlayers; l++)
        sk_run_default(&n->run[l]);
    /* weights with decay, thresholds without */
    rmsprop_step(n->w, n->g, t->ms, t->mom, n->nweights, &t->opt, lr);
    struct rmsprop ot = t->opt;
    ot.weight_decay = 0;
    size_t nt = n->nparams - n->nweights;
    rmsprop_step(n->w + n->nweights, n->g + n->nweights, t->ms + n->nweights,
                 t->mom + n->nweights, nt, &ot, lr);
    t->lr = lr;
    t->lambda = lambda;
    t->warm = warm;
    t->epoch = epoch;
    t->step++;
    t->seconds = ctx_seconds() - t0;
    return t->step < t->total;
}

void singlepath_readout(struct singlepath *t, struct spnet_readout *r)
{
    spnet_readout(t->net, r);
}

int singlepath_evaluate(struct singlepath *t, const struct split *val, int batch,
                        double *accuracy, double *loss, struct err *e)
{
    struct spnet *n = t->net;
    if (t->cfg.calib_images <= 0)
        return spnet_evaluate(n, val, batch, accuracy, loss, e);
    float *saved = malloc(n->nstats * sizeof *saved);
    if (!saved)
        return err_plain(e, "out of memory");
    memcpy(saved, n->stats, n->nstats * sizeof *saved);
    int rc = spnet_recalibrate(n, t->train, t->cfg.calib_images, batch, e);
    if (!rc)
        rc = spnet_evaluate(n, val, batch, accuracy, loss, e);
    memcpy(n->stats, saved, n->nstats * sizeof *saved);
    free(saved);
    return rc;
}
