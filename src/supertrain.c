#include "supertrain.h"

#include "ctx.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define RUN_MAGIC 0x534e5255u /* "URNS" */
#define RUN_VERSION 3

/* What a supernet checkpoint carries besides the weights: the run's settings
 * (a resume must match them) and where it stands.  Followed by the sampler's
 * pool, if any. */
struct run_state {
    uint32_t magic, version;
    char sampler[64];
    int32_t repeat, pool, iterations, epochs, batch, train_images;
    uint64_t seed;
    double lr, shared_lr, label_smoothing;
    int64_t step, total;
    struct sampler_state sampler_state;
};

static void fill_state(const struct supertrain *t, struct run_state *rs)
{
    memset(rs, 0, sizeof *rs);
    rs->magic = RUN_MAGIC;
    rs->version = RUN_VERSION;
    snprintf(rs->sampler, sizeof rs->sampler, "%s", sampler_name(t->sm));
    rs->repeat = t->sm->repeat;
    rs->pool = t->sm->pool;
    rs->iterations = t->cfg.iterations;
    rs->epochs = t->cfg.epochs;
    rs->batch = t->cfg.batch;
    rs->train_images = t->cfg.train_images;
    rs->seed = t->cfg.seed;
    rs->lr = t->cfg.lr;
    rs->shared_lr = t->cfg.shared_lr;
    rs->label_smoothing = t->cfg.label_smoothing;
    rs->step = t->step;
    rs->total = t->total;
    rs->sampler_state = t->sm->st;
}

/* After the pool, in a checkpoint of a run on more than one rank (a serial
 * run's ends with the pool, as before ranks existed). */
#define DP_MAGIC 0x4e525044u /* "DPRN" */
struct dp_record {
    uint32_t magic;
    int32_t ranks, split, reserved;
};

static size_t pool_bytes(const struct sampler *sm)
{
    return sm->pool_archs ? (size_t)sm->pool * sizeof(struct arch) : 0;
}

int supertrain_save(const struct supertrain *t, const char *path, struct err *e)
{
    if (t->diverged)
        return err_set(e, path, 0, 0,
                       "not saved: training diverged at step %lld; the file keeps the last "
                       "good state it held",
                       (long long)t->diverged);
    size_t pb = pool_bytes(t->sm), n = sizeof(struct run_state) + pb;
    struct dp_record dr = {DP_MAGIC, t->dp.ranks, (int32_t)t->cfg.dp.split, 0};
    size_t dn = t->dp.ranks > 1 ? sizeof dr : 0;
    char *blob = malloc(n + dn);
    if (!blob)
        return err_plain(e, "out of memory");
    struct run_state rs;
    fill_state(t, &rs);
    memcpy(blob, &rs, sizeof rs);
    if (pb)
        memcpy(blob + sizeof rs, t->sm->pool_archs, pb);
    if (dn)
        memcpy(blob + n, &dr, dn);
    int rc = supernet_save(t->sn, blob, n + dn, path, e);
    free(blob);
    return rc;
}

/* Names the first setting of the saved run that differs from this one. */
static const char *differing(const struct run_state *a, const struct run_state *b)
{
    if (strcmp(a->sampler, b->sampler) != 0)
        return "sampler";
    if (a->repeat != b->repeat)
        return "repeat";
    if (a->pool != b->pool)
        return "pool";
    if (a->iterations != b->iterations)
        return "iterations";
    if (a->epochs != b->epochs)
        return "epochs";
    if (a->batch != b->batch)
        return "batch";
    if (a->train_images != b->train_images)
        return "training images";
    if (a->seed != b->seed)
        return "seed";
    if (a->lr != b->lr)
        return "learning rate";
    if (a->shared_lr != b->shared_lr)
        return "learning rate of the stem and head";
    if (a->label_smoothing != b->label_smoothing)
        return "label smoothing";
    return NULL;
}

static int resume_from(struct supertrain *t, const struct space *s, const char *path,
                       struct err *e)
{
    void *blob = NULL;
    size_t n = 0;
    t->sn = supernet_load(s, path, &blob, &n, e);
    if (!t->sn)
        return -1;
    struct run_state saved, now;
    size_t pb = pool_bytes(t->sm);
    if (n < sizeof saved) {
        free(blob);
        return err_set(e, path, 0, 0, "is not a supernet training checkpoint of this version");
    }
    memcpy(&saved, blob, sizeof saved);
    if (saved.magic != RUN_MAGIC || saved.version != RUN_VERSION) {
        free(blob);
        return err_set(e, path, 0, 0,
                       "was written by another version of oneshot's supernet training");
    }
    fill_state(t, &now);
    const char *diff = differing(&saved, &now);
    struct dp_record dr = {DP_MAGIC, 1, DP_SPLIT_DATA, 0};
    int recorded = n == sizeof saved + pb + sizeof dr;
    if (!diff && recorded)
        memcpy(&dr, (char *)blob + sizeof saved + pb, sizeof dr);
    else if (!diff && n != sizeof saved + pb)
        diff = "pool";
    if (diff) {
        free(blob);
        return err_set(e, path, 0, 0,
                       "was saved by a run with another %s: resume with the same settings",
                       diff);
    }
    if (dr.magic != DP_MAGIC || dr.ranks < 1 || (recorded && dr.ranks < 2) ||
        (dr.split != DP_SPLIT_DATA && dr.split != DP_SPLIT_PATHS)) {
        free(blob);
        return err_set(e, path, 0, 0, "is damaged: its record of the ranks makes no sense");
    }
    if (dr.ranks != t->dp.ranks) {
        free(blob);
        return err_set(e, path, 0, 0,
                       "was saved by a run on %d rank%s, and this one has %d: resume on %d "
                       "rank%s (each step's shares depend on their number)",
                       dr.ranks, dr.ranks == 1 ? "" : "s", t->dp.ranks, dr.ranks,
                       dr.ranks == 1 ? "" : "s");
    }
    if (dr.ranks > 1 && dr.split != (int32_t)t->cfg.dp.split) {
        free(blob);
        return err_set(e, path, 0, 0,
                       "was saved by a run that split its steps by %s, not by %s: resume with "
                       "the same split",
                       dp_split_name((enum dp_split)dr.split), dp_split_name(t->cfg.dp.split));
    }
    if (saved.step < 0 || saved.step > t->total) {
        free(blob);
        return err_set(e, path, 0, 0, "is damaged: step %lld of %lld", (long long)saved.step,
                       (long long)t->total);
    }
    struct err why;
    /* one sampler draw per step */
    if (saved.total != t->total || saved.sampler_state.step != saved.step) {
        free(blob);
        return err_set(e, path, 0, 0, "is damaged: step %lld of %lld, the sampler's %lld",
                       (long long)saved.step, (long long)saved.total,
                       (long long)saved.sampler_state.step);
    }
    if (sampler_restore(t->sm, &saved.sampler_state,
                        pb ? (const struct arch *)((char *)blob + sizeof saved) : NULL, &why)) {
        free(blob);
        return err_set(e, path, 0, 0, "is damaged: %s", why.text);
    }
    t->step = saved.step;
    free(blob);
    return 0;
}

int supertrain_init(struct supertrain *t, const struct space *s, struct sampler *sm,
                    const struct split *train, const struct supertrain_config *cfg,
                    const char *resume, struct err *e)
{
    memset(t, 0, sizeof *t);
    t->sm = sm;
    t->train = train;
    t->cfg = *cfg;
    train_config_default(&t->recipe);
    if (cfg->epochs < 1 || cfg->batch < 1 || !(cfg->lr > 0) || cfg->iterations < 1 ||
        !(cfg->shared_lr > 0) || !(cfg->label_smoothing >= 0 && cfg->label_smoothing < 1))
        return err_plain(e, "supernet training needs epochs, batch and iterations >= 1, a "
                            "positive learning rate and multiplier of the shared layers' rate, "
                            "and label smoothing in [0, 1)");
    int ranks = dp_ranks(&cfg->dp);
    if (ranks > 1 && cfg->dp.split == DP_SPLIT_DATA && cfg->batch < ranks)
        return err_plain(e, "a batch of %d images cannot be shared by %d ranks: each needs one "
                            "at least",
                         cfg->batch, ranks);
    if (batches_init(&t->b, train, s, cfg->batch, cfg->epochs, cfg->seed, e))
        return -1;
    t->steps_per_epoch = t->b.steps_per_epoch;
    t->total = t->b.total;
    t->dp.ranks = ranks;
    if (resume) {
        if (resume_from(t, s, resume, e)) {
            supertrain_done(t);
            return -1;
        }
    } else {
        t->sn = supernet_new(s, cfg->seed, e);
        if (!t->sn) {
            supertrain_done(t);
            return -1;
        }
    }
    if (dp_init(&t->dp, &cfg->dp, t->sn, e)) {
        supertrain_done(t);
        return -1;
    }
    return 0;
}

void supertrain_done(struct supertrain *t)
{
    supernet_free(t->sn);
    batches_done(&t->b);
    dp_done(&t->dp);
    t->sn = NULL;
}

int supertrain_step(struct supertrain *t, struct err *e)
{
    if (t->diverged)
        return err_plain(e, "training diverged at step %lld: its state is not finite and is "
                            "not trained further",
                         (long long)t->diverged);
    if (t->step >= t->total)
        return 0;
    double t0 = ctx_seconds();
    int its = t->cfg.iterations;
    int64_t it_len = t->total / its;
    if (it_len < 1)
        it_len = 1;
    int iteration = (int)(t->step / it_len);
    if (iteration >= its)
        iteration = its - 1;
    int64_t it_start = (int64_t)iteration * it_len;
    int64_t it_steps = iteration == its - 1 ? t->total - it_start : it_len;
    float lr = cosine_lr((float)t->cfg.lr, (long)(t->step - it_start), (long)it_steps);
    struct arch paths[SUPERNET_MAX_PATHS];
    int np = sampler_next(t->sm, iteration, paths);
    if (np < 1) {
        *e = t->sm->err;
        return -1;
    }
    double loss;
    int epoch;
    if (dp_train_step(&t->dp, t->sn, paths, np, &t->b, t->step, lr, (float)t->cfg.shared_lr,
                      (float)t->cfg.label_smoothing, &t->recipe.sgd, &loss, &epoch, e))
        return -1;
    const struct supernet *sn = t->sn;
    if (train_check_finite(loss, sn->w, sn->nparams, sn->stats, sn->nstats, t->step + 1,
                           epoch + 1, t->cfg.epochs, t->cfg.lr, e)) {
        t->diverged = t->step + 1;
        return -1;
    }
    t->loss = loss;
    t->lr = lr;
    t->npaths = np;
    t->epoch = epoch;
    t->step++;
    t->seconds = ctx_seconds() - t0;
    return t->step < t->total;
}
