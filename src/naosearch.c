#include "naosearch.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archset.h"
#include "atomic.h"
#include "ckpt.h"
#include "naockpt.h"
#include "naogen.h"
#include "optim.h"
#include "rank.h"
#include "strbuf.h"
#include "train.h"

#define SUPERNET_FILE "supernet.ckpt"
#define POOL_FILE "pool.csv"
#define ROUNDS_FILE "rounds.csv"
#define TOP_FILE "top.csv"
#define ROUNDS_COLUMNS                                                                            \
    "round,new,pool,steps,updates_mean,updates_min,updates_max,lr,train_loss,best_acc,"           \
    "best_arch,mean_acc,heldout_tau,heldout_pairwise,predictor_tau,controller_loss,generated,"    \
    "last_eta,train_s,eval_s,controller_s,seconds"
#define ARCH_TEXT (SPACE_MAX_LAYERS * CHOICE_NAME_MAX)
#define PATH_BUF (NAOSEARCH_PATH_MAX + 64) /* the directory, "/" and a file name */
#define STATE_MAGIC 0x4f414e53u /* "SNAO" */
#define STATE_VERSION 1

void naosearch_config_default(struct naosearch_config *c)
{
    memset(c, 0, sizeof *c);
    c->rounds = 3;
    c->seed_archs = 40;
    c->new_archs = 20;
    c->top_k = 20;
    c->max_eta = 50;
    c->epochs_per_round = 4;
    c->controller_epochs = 300;
    c->batch = 128;
    c->lr = 0.1;
    c->bn = NAOSEARCH_BN_RECAL;
    c->calib_images = 500;
    c->eval_batch = 500;
    c->reinit = NAOSEARCH_REINIT_SCHEDULE;
    c->seed = 0;
    nao_config_default(&c->controller);
    c->controller.seed = 0;
}

/* ---- the settings a resume must match ---- */

static const char *const setting_name[] = {
    "seed_archs", "new_archs", "top_k", "max_eta", "epochs_per_round", "controller_epochs",
    "batch", "lr", "bn", "calib_images", "eval_batch", "reinit", "train_images", "val_images",
    "controller_embed", "controller_hidden", "controller_trade_off", "controller_lr",
    "controller_clip", "controller_batch",
};
#define NSETTINGS ((int)(sizeof setting_name / sizeof setting_name[0]))

struct saved_settings {
    char space[SPACE_NAME_MAX];
    uint64_t seed, controller_seed;
    double v[NSETTINGS]; /* in setting_name's order */
};

static void settings_of(const struct naosearch *ns, struct saved_settings *st)
{
    const struct naosearch_config *c = &ns->cfg;
    memset(st, 0, sizeof *st);
    snprintf(st->space, sizeof st->space, "%s", ns->space->name);
    st->seed = c->seed;
    st->controller_seed = c->controller.seed;
    double v[] = {c->seed_archs, c->new_archs, c->top_k, c->max_eta, c->epochs_per_round,
                  c->controller_epochs, c->batch, c->lr, c->bn,
                  c->bn == NAOSEARCH_BN_RECAL ? c->calib_images : 0, /* BATCH: unused */
                  c->eval_batch, c->reinit, ns->train->n, ns->val->n, c->controller.embed,
                  c->controller.hidden, c->controller.trade_off, c->controller.lr,
                  c->controller.clip, c->controller.batch};
    _Static_assert(sizeof v / sizeof v[0] == NSETTINGS, "one value per setting");
    memcpy(st->v, v, sizeof v);
}

#define RESUME_MSG                                                                                \
    "was saved by a search with %s %s, this one has %s: resume with the same settings (only "    \
    "the rounds may differ)"

static int settings_check(const struct saved_settings *saved, const struct saved_settings *now,
                          const char *path, struct err *e)
{
    if (strncmp(saved->space, now->space, sizeof saved->space))
        return err_set(e, path, 0, 0, "holds a search of space '%.*s', not of '%s'",
                       (int)strnlen(saved->space, sizeof saved->space), saved->space, now->space);
    char a[32], b[32];
    if (saved->seed != now->seed || saved->controller_seed != now->controller_seed) {
        int ctl = saved->seed == now->seed;
        snprintf(a, sizeof a, "%llu",
                 (unsigned long long)(ctl ? saved->controller_seed : saved->seed));
        snprintf(b, sizeof b, "%llu", (unsigned long long)(ctl ? now->controller_seed : now->seed));
        return err_set(e, path, 0, 0, RESUME_MSG, ctl ? "controller_seed" : "seed", a, b);
    }
    for (int i = 0; i < NSETTINGS; i++)
        if (saved->v[i] != now->v[i])
            return err_set(e, path, 0, 0, RESUME_MSG, setting_name[i],
                           format_double(saved->v[i], a, sizeof a),
                           format_double(now->v[i], b, sizeof b));
    return 0;
}

/* The inverse of settings_of. */
static void config_of(const struct saved_settings *st, struct naosearch_config *c,
                      int *train_images, int *val_images)
{
    naosearch_config_default(c);
    const double *v = st->v;
    c->seed_archs = (int)v[0];
    c->new_archs = (int)v[1];
    c->top_k = (int)v[2];
    c->max_eta = (int)v[3];
    c->epochs_per_round = (int)v[4];
    c->controller_epochs = (int)v[5];
    c->batch = (int)v[6];
    c->lr = v[7];
    c->bn = v[8] == NAOSEARCH_BN_BATCH ? NAOSEARCH_BN_BATCH : NAOSEARCH_BN_RECAL;
    if (c->bn == NAOSEARCH_BN_RECAL)
        c->calib_images = (int)v[9];
    c->eval_batch = (int)v[10];
    c->reinit = v[11] == NAOSEARCH_REINIT_WEIGHTS ? NAOSEARCH_REINIT_WEIGHTS
                                                   : NAOSEARCH_REINIT_SCHEDULE;
    *train_images = (int)v[12];
    *val_images = (int)v[13];
    c->controller.embed = (int)v[14];
    c->controller.hidden = (int)v[15];
    c->controller.trade_off = v[16];
    c->controller.lr = v[17];
    c->controller.clip = v[18];
    c->controller.batch = (int)v[19];
    c->seed = st->seed;
    c->controller.seed = st->controller_seed;
}

/* ---- small helpers ---- */

static int path_of(const struct naosearch *ns, const char *name, char *out, size_t n)
{
    return snprintf(out, n, "%s/%s", ns->dir, name) >= (int)n ? -1 : 0;
}

static void controller_name(int round, char *buf, size_t n)
{
    snprintf(buf, n, "controller-%d.ckpt", round);
}

double naosearch_acc(const struct naosearch *ns, int i, int r)
{
    if (i < 0 || i >= ns->npool || r < 1 || r > ns->cfg.rounds)
        return NAN;
    return ns->acc[(size_t)i * ns->cfg.rounds + r - 1];
}

static double *acc_at(struct naosearch *ns, int i, int r)
{
    return &ns->acc[(size_t)i * ns->cfg.rounds + r - 1];
}

int naosearch_ranked(const struct naosearch *ns, int *idx)
{
    if (ns->evaluated < 1)
        return 0;
    double *acc = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *acc);
    if (!acc)
        return 0;
    for (int i = 0; i < ns->npool; i++)
        acc[i] = naosearch_acc(ns, i, ns->evaluated);
    int n = rank_order_desc(acc, ns->npool, idx);
    free(acc);
    return n < 0 ? 0 : n;
}

/* The pool's architectures (and their accuracies after round r, if vals)
 * into the scratch arrays. */
static void gather(struct naosearch *ns, int r, struct arch *archs, double *vals)
{
    for (int i = 0; i < ns->npool; i++) {
        archs[i] = ns->pool[i].arch;
        if (vals)
            vals[i] = naosearch_acc(ns, i, r);
    }
}

/* ---- the CSV files ---- */

/* x, or nothing for NAN. */
static void put_num(struct strbuf *b, double x)
{
    if (!isnan(x))
        strbuf_double(b, x);
}

/* Writes b's text to file name of the directory, atomically; frees b. */
static int save_text(const struct naosearch *ns, const char *name, struct strbuf *b,
                     struct err *e)
{
    char path[PATH_BUF];
    path_of(ns, name, path, sizeof path);
    int rc = strbuf_failed(b) ? err_plain(e, "out of memory")
                              : atomic_save(path, b->text, b->len, e);
    strbuf_done(b);
    return rc;
}

static int write_pool(const struct naosearch *ns, struct err *e)
{
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "arch,round,params,macs,predicted,updates");
    for (int r = 1; r <= ns->cfg.rounds; r++)
        strbuf_printf(&b, ",acc_%d", r);
    strbuf_add(&b, "\n", 1);
    for (int i = 0; i < ns->npool; i++) {
        const struct naosearch_arch *p = &ns->pool[i];
        char arch[ARCH_TEXT];
        arch_format(ns->space, &p->arch, arch, sizeof arch);
        strbuf_printf(&b, "%s,%d,%lld,%lld,", arch, p->round, (long long)p->params,
                      (long long)p->macs);
        put_num(&b, p->predicted);
        strbuf_printf(&b, ",%lld", (long long)p->updates);
        for (int r = 1; r <= ns->cfg.rounds; r++) {
            strbuf_add(&b, ",", 1);
            put_num(&b, naosearch_acc(ns, i, r));
        }
        strbuf_add(&b, "\n", 1);
    }
    return save_text(ns, POOL_FILE, &b, e);
}

static int write_rounds(const struct naosearch *ns, struct err *e)
{
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, ROUNDS_COLUMNS "\n");
    for (int k = 0; k < ns->evaluated; k++) {
        const struct naosearch_round *r = &ns->rounds[k];
        char arch[ARCH_TEXT];
        arch_format(ns->space, &ns->pool[r->best].arch, arch, sizeof arch);
        strbuf_printf(&b, "%d,%d,%d,%lld,", r->round, r->new_archs, r->pool, (long long)r->steps);
        put_num(&b, r->updates_mean);
        strbuf_printf(&b, ",%lld,%lld,", (long long)r->updates_min, (long long)r->updates_max);
        /* (the rate is a float: its shortest form as one) */
        strbuf_printf(&b, "%.7g,", r->lr);
        put_num(&b, r->train_loss);
        strbuf_add(&b, ",", 1);
        put_num(&b, r->best_acc);
        strbuf_printf(&b, ",%s", arch);
        double tail[] = {r->mean_acc, r->heldout_tau, r->heldout_pairwise, r->tau,
                         r->controller_loss};
        for (int j = 0; j < 5; j++) {
            strbuf_add(&b, ",", 1);
            put_num(&b, tail[j]);
        }
        strbuf_add(&b, ",", 1);
        if (r->generated >= 0)
            strbuf_printf(&b, "%d,%d", r->generated, r->last_eta);
        else
            strbuf_add(&b, ",", 1);
        strbuf_printf(&b, ",%.3f,%.3f,%.3f,%.3f\n", r->train_seconds, r->eval_seconds,
                      r->controller_seconds, r->seconds);
    }
    return save_text(ns, ROUNDS_FILE, &b, e);
}

static int write_top(const struct naosearch *ns, struct err *e)
{
    int *idx = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *idx);
    if (!idx)
        return err_plain(e, "out of memory");
    int n = naosearch_ranked(ns, idx);
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "rank,arch,acc,round,params,macs\n");
    for (int k = 0; k < n; k++) {
        const struct naosearch_arch *p = &ns->pool[idx[k]];
        char arch[ARCH_TEXT];
        arch_format(ns->space, &p->arch, arch, sizeof arch);
        strbuf_printf(&b, "%d,%s,", k + 1, arch);
        put_num(&b, naosearch_acc(ns, idx[k], ns->evaluated));
        strbuf_printf(&b, ",%d,%lld,%lld\n", p->round, (long long)p->params,
                      (long long)p->macs);
    }
    free(idx);
    return save_text(ns, TOP_FILE, &b, e);
}

/* ---- the state in the supernet's checkpoint ---- */

struct saved_head {
    uint32_t magic, version;
    struct saved_settings set;
    int32_t rounds;    /* the rounds of the search that saved (informative) */
    int32_t evaluated; /* rounds evaluated: the width of the saved accuracies */
    int32_t npool, pad;
};
/* then npool struct naosearch_arch, npool * evaluated accuracies (double,
 * architecture-major), evaluated struct naosearch_round */

static size_t state_size(int npool, int evaluated)
{
    return sizeof(struct saved_head) + (size_t)npool * sizeof(struct naosearch_arch) +
           (size_t)npool * evaluated * sizeof(double) +
           (size_t)evaluated * sizeof(struct naosearch_round);
}

/* Writes the controller of round r (if it trained), then the supernet with
 * the state: the round's commit; then the CSV files. */
static int commit(struct naosearch *ns, int controller_round, struct err *e)
{
    char path[PATH_BUF], name[32];
    if (controller_round > 0) {
        controller_name(controller_round, name, sizeof name);
        path_of(ns, name, path, sizeof path);
        if (naockpt_save(ns->nao, path, e))
            return -1;
    }
    size_t n = state_size(ns->npool, ns->evaluated);
    char *blob = calloc(1, n);
    if (!blob)
        return err_plain(e, "out of memory");
    struct saved_head h;
    memset(&h, 0, sizeof h);
    h.magic = STATE_MAGIC;
    h.version = STATE_VERSION;
    settings_of(ns, &h.set);
    h.rounds = ns->cfg.rounds;
    h.evaluated = ns->evaluated;
    h.npool = ns->npool;
    char *p = blob;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    memcpy(p, ns->pool, (size_t)ns->npool * sizeof *ns->pool);
    p += (size_t)ns->npool * sizeof *ns->pool;
    for (int i = 0; i < ns->npool; i++)
        for (int r = 1; r <= ns->evaluated; r++) {
            double a = naosearch_acc(ns, i, r);
            memcpy(p, &a, sizeof a);
            p += sizeof a;
        }
    memcpy(p, ns->rounds, (size_t)ns->evaluated * sizeof *ns->rounds);
    path_of(ns, SUPERNET_FILE, path, sizeof path);
    int rc = supernet_save(ns->sn, blob, n, path, e);
    free(blob);
    if (rc)
        return -1;
    return write_pool(ns, e) || write_rounds(ns, e) || write_top(ns, e) ? -1 : 0;
}

/* Room for cap architectures (pool, accuracies all NAN, scratch). */
static int alloc_pool(struct naosearch *ns, int cap, struct err *e)
{
    ns->cap = cap;
    ns->pool = calloc((size_t)cap, sizeof *ns->pool);
    ns->acc = malloc((size_t)cap * ns->cfg.rounds * sizeof *ns->acc);
    ns->archs = malloc((size_t)cap * sizeof *ns->archs);
    ns->vals = malloc((size_t)cap * sizeof *ns->vals);
    ns->preds = malloc((size_t)cap * sizeof *ns->preds);
    if (!ns->pool || !ns->acc || !ns->archs || !ns->vals || !ns->preds)
        return err_plain(e, "out of memory");
    for (size_t i = 0; i < (size_t)cap * ns->cfg.rounds; i++)
        ns->acc[i] = NAN;
    return 0;
}

/* Appends architecture a (canonical) entering in round r. */
static void pool_add(struct naosearch *ns, const struct arch *a, int r, double predicted)
{
    struct naosearch_arch *p = &ns->pool[ns->npool++];
    struct cost c = arch_cost(ns->space, a);
    memset(p, 0, sizeof *p);
    p->arch = *a;
    p->round = r;
    p->params = (int64_t)c.params;
    p->macs = (int64_t)c.macs;
    p->predicted = predicted;
}

/* The checks of a state read back (the checkpoint's CRC holds, but a file
 * may still hold what no search writes). */
static int check_state(const struct naosearch *ns, const struct saved_head *h,
                       const struct naosearch_arch *pool, const struct naosearch_round *rounds,
                       const char *path, struct err *e)
{
    if (h->evaluated < 0 || h->evaluated > NAOSEARCH_MAX_ROUNDS || h->npool < 1 ||
        h->npool > NAOSEARCH_MAX_POOL)
        return err_set(e, path, 0, 0, "is damaged: %d rounds evaluated, a pool of %d",
                       h->evaluated, h->npool);
    for (int i = 0; i < h->npool; i++) {
        const struct naosearch_arch *p = &pool[i];
        int last = i ? pool[i - 1].round : 1;
        if (!arch_is_valid(ns->space, &p->arch) || p->round < last ||
            p->round > h->evaluated + 1 || (i < ns->cfg.seed_archs) != (p->round == 1) ||
            p->updates < 0)
            return err_set(e, path, 0, 0, "is damaged: its pool's architecture %d of %d", i + 1,
                           h->npool);
    }
    for (int k = 0; k < h->evaluated; k++)
        if (rounds[k].round != k + 1 || rounds[k].best < 0 || rounds[k].best >= h->npool ||
            rounds[k].generated < -1 || rounds[k].generated > ns->cfg.new_archs)
            return err_set(e, path, 0, 0, "is damaged: its round %d", k + 1);
    return 0;
}

/* Reads the state of a search from its checkpoint: the supernet, the pool,
 * the rounds. */
static int load_state(struct naosearch *ns, const char *path, struct err *e)
{
    void *extra = NULL;
    size_t n = 0;
    ns->sn = supernet_load(ns->space, path, &extra, &n, e);
    if (!ns->sn)
        return -1;
    int rc = -1;
    struct saved_head h;
    if (n < sizeof h) {
        err_set(e, path, 0, 0, "holds no NAO search (a supernet of another command?)");
        goto out;
    }
    memcpy(&h, extra, sizeof h);
    if (h.magic != STATE_MAGIC) {
        err_set(e, path, 0, 0, "holds no NAO search (a supernet of another command?)");
        goto out;
    }
    if (h.version != STATE_VERSION) {
        err_set(e, path, 0, 0, "was written by another version of oneshot's NAO search");
        goto out;
    }
    struct saved_settings now;
    settings_of(ns, &now);
    if (settings_check(&h.set, &now, path, e))
        goto out;
    if (h.npool < 1 || h.npool > NAOSEARCH_MAX_POOL || h.evaluated < 0 ||
        h.evaluated > NAOSEARCH_MAX_ROUNDS || n != state_size(h.npool, h.evaluated)) {
        err_set(e, path, 0, 0, "is damaged: its search's state has %zu bytes", n);
        goto out;
    }
    if (h.evaluated > ns->cfg.rounds) {
        err_set(e, path, 0, 0, "holds a search of %d rounds evaluated, more than the %d rounds "
                "asked for", h.evaluated, ns->cfg.rounds);
        goto out;
    }
    /* copied out (nothing assumed of the blob's alignment), then checked */
    int cap = ns->cfg.seed_archs + (ns->cfg.rounds - 1) * ns->cfg.new_archs;
    if (alloc_pool(ns, cap > h.npool ? cap : h.npool, e))
        goto out;
    const char *p = (const char *)extra + sizeof h;
    memcpy(ns->pool, p, (size_t)h.npool * sizeof *ns->pool);
    p += (size_t)h.npool * sizeof *ns->pool;
    for (int i = 0; i < h.npool; i++)
        for (int r = 1; r <= h.evaluated; r++, p += sizeof(double))
            memcpy(acc_at(ns, i, r), p, sizeof(double));
    memcpy(ns->rounds, p, (size_t)h.evaluated * sizeof *ns->rounds);
    if (check_state(ns, &h, ns->pool, ns->rounds, path, e))
        goto out;
    ns->npool = h.npool;
    ns->evaluated = h.evaluated;
    rc = 0;
out:
    free(extra);
    return rc;
}

int naosearch_peek(const char *dir, struct naosearch_config *cfg, char *space, size_t n,
                   int *train_images, int *val_images, struct err *e)
{
    char path[PATH_BUF];
    if (snprintf(path, sizeof path, "%s/" SUPERNET_FILE, dir) >= (int)sizeof path)
        return err_set(e, dir, 0, 0, "the directory's path is too long");
    struct stat st;
    if (stat(path, &st))
        return err_set(e, dir, 0, 0, "holds no NAO search to resume (no %s)", SUPERNET_FILE);
    struct ckpt c;
    if (ckpt_load(&c, path, CKPT_KIND_SUPERNET, e))
        return -1;
    const struct ckpt_section *x = ckpt_get(&c, "extra");
    struct saved_head h;
    int rc = -1;
    if (!x || x->size < sizeof h) {
        err_set(e, path, 0, 0, "holds no NAO search (a supernet of another command?)");
    } else {
        memcpy(&h, x->data, sizeof h);
        if (h.magic != STATE_MAGIC)
            err_set(e, path, 0, 0, "holds no NAO search (a supernet of another command?)");
        else if (h.version != STATE_VERSION)
            err_set(e, path, 0, 0, "was written by another version of oneshot's NAO search");
        else
            rc = 0;
    }
    ckpt_done(&c);
    if (rc)
        return -1;
    config_of(&h.set, cfg, train_images, val_images);
    cfg->rounds = h.rounds;
    snprintf(space, n, "%.*s", (int)strnlen(h.set.space, sizeof h.set.space), h.set.space);
    return 0;
}

/* ---- the phases ---- */

/* Starts round r's training on the pool's architectures that entered in
 * it (the pool's tail from first_new). */
static int start_round(struct naosearch *ns, int r, struct err *e)
{
    int first = ns->npool;
    while (first > 0 && ns->pool[first - 1].round == r)
        first--;
    ns->round = r;
    ns->first_new = first;
    ns->phase = NAOSEARCH_TRAIN;
    ns->step = 0;
    ns->round_steps = (int64_t)ns->b.steps_per_epoch * ns->cfg.epochs_per_round;
    ns->loss_sum = 0;
    ns->eval_next = 0;
    sampler_list_done(&ns->draw);
    for (int i = first; i < ns->npool; i++)
        ns->archs[i - first] = ns->pool[i].arch;
    if (sampler_list_init(&ns->draw, ns->space, ns->archs, ns->npool - first, e))
        return -1;
    rng_seed(&ns->draw_rng, ns->cfg.seed, RNG_STREAM_SAMPLER + 16 * (uint64_t)r);
    memset(&ns->cur, 0, sizeof ns->cur);
    ns->cur.round = r;
    ns->cur.new_archs = ns->npool - first;
    ns->cur.generated = -1;
    ns->cur.heldout_tau = ns->cur.heldout_pairwise = ns->cur.tau = NAN;
    ns->cur.controller_loss = ns->cur.controller_mse = ns->cur.controller_nll = NAN;
    if (ns->cfg.reinit == NAOSEARCH_REINIT_WEIGHTS && r > 1) {
        struct supernet *fresh = supernet_new(ns->space, ns->cfg.seed, e);
        if (!fresh)
            return -1;
        memcpy(ns->sn->w, fresh->w, ns->sn->nparams * sizeof *ns->sn->w);
        memcpy(ns->sn->stats, fresh->stats, ns->sn->nstats * sizeof *ns->sn->stats);
        memset(ns->sn->mom, 0, ns->sn->nparams * sizeof *ns->sn->mom);
        supernet_free(fresh);
    }
    ctx_log(ns->ctx, LOG_INFO,
            "round %d: learning rate restarted at %g (cosine to 0 over %lld steps), %d new "
            "architecture%s, %s",
            r, ns->cfg.lr, (long long)ns->round_steps, ns->npool - first,
            ns->npool - first == 1 ? "" : "s",
            ns->cfg.reinit == NAOSEARCH_REINIT_WEIGHTS && r > 1
                ? "weights and momentum initialised afresh"
                : "weights and momentum kept");
    return 0;
}

static int train_step(struct naosearch *ns, struct err *e)
{
    const struct naosearch_config *c = &ns->cfg;
    int64_t at = (int64_t)(ns->round - 1) * ns->round_steps + ns->step;
    int epoch = batches_gather(&ns->b, at);
    int k = ns->first_new + sampler_list_next(&ns->draw, &ns->draw_rng);
    float lr = cosine_lr((float)c->lr, (long)ns->step, (long)ns->round_steps);
    struct train_config recipe;
    train_config_default(&recipe);
    e->msg[0] = 0;
    double loss = supernet_train_step(ns->sn, &ns->pool[k].arch, 1, ns->b.x, ns->b.y, c->batch,
                                      ns->b.dlogits, lr, 1.0f, 0.0f, &recipe.sgd, NULL, e);
    if (e->msg[0])
        return -1;
    const struct supernet *sn = ns->sn;
    if (train_check_finite(loss, sn->w, sn->nparams, sn->stats, sn->nstats, at + 1, epoch + 1,
                           c->rounds * c->epochs_per_round, c->lr, e))
        return -1;
    if (ns->step == 0)
        ns->cur.lr = lr;
    ns->pool[k].updates++;
    ns->loss_sum += loss;
    ns->step++;
    ns->stepped = 1;
    ns->loss = loss;
    ns->lr = lr;
    ns->trained = k;
    if (ns->step < ns->round_steps)
        return 0;
    /* the round's training is over */
    struct naosearch_round *r = &ns->cur;
    r->steps = ns->round_steps;
    r->train_loss = ns->loss_sum / (double)ns->round_steps;
    r->updates_min = INT64_MAX;
    r->updates_max = 0;
    for (int i = ns->first_new; i < ns->npool; i++) {
        int64_t u = ns->pool[i].updates;
        r->updates_min = u < r->updates_min ? u : r->updates_min;
        r->updates_max = u > r->updates_max ? u : r->updates_max;
    }
    r->updates_mean = (double)ns->round_steps / r->new_archs;
    ns->phase = NAOSEARCH_EVALUATE;
    return 0;
}

/* Pool architecture i scored through the supernet on the validation
 * images, BatchNorm as cfg.bn says; the supernet's statistics as before. */
static int evaluate_one(struct naosearch *ns, int i, double *acc, struct err *e)
{
    struct supernet *sn = ns->sn;
    supernet_bind(sn, &ns->pool[i].arch);
    if (ns->cfg.bn == NAOSEARCH_BN_BATCH)
        return net_evaluate_batch_stats(&sn->net, ns->val, ns->cfg.eval_batch, acc, NULL, e);
    memcpy(ns->stats_saved, sn->stats, sn->nstats * sizeof *sn->stats);
    int rc = net_recalibrate(&sn->net, ns->train, ns->cfg.calib_images, ns->cfg.eval_batch, e);
    if (!rc)
        rc = net_evaluate(&sn->net, ns->val, ns->cfg.eval_batch, acc, NULL, e);
    memcpy(sn->stats, ns->stats_saved, sn->nstats * sizeof *sn->stats);
    return rc;
}

static int begin_controller(struct naosearch *ns, struct err *e)
{
    gather(ns, ns->round, ns->archs, ns->vals);
    if (nao_train_begin(ns->nao, ns->archs, ns->vals, ns->npool, ns->cfg.controller_epochs, e))
        return -1;
    ns->phase = NAOSEARCH_CONTROLLER;
    return 0;
}

/* The end of the evaluation: the round's figures; the last round commits. */
static int end_evaluation(struct naosearch *ns, struct err *e)
{
    struct naosearch_round *r = &ns->cur;
    int R = ns->round;
    r->pool = ns->npool;
    r->best = 0;
    double sum = 0;
    for (int i = 0; i < ns->npool; i++) {
        double a = naosearch_acc(ns, i, R);
        sum += a;
        if (a > naosearch_acc(ns, r->best, R))
            r->best = i;
    }
    r->best_acc = naosearch_acc(ns, r->best, R);
    r->mean_acc = sum / ns->npool;
    /* held out: the last controller's predictions of this round's new ones */
    int n = 0;
    for (int i = ns->first_new; i < ns->npool; i++)
        if (!isnan(ns->pool[i].predicted)) {
            ns->preds[n] = ns->pool[i].predicted;
            ns->vals[n++] = naosearch_acc(ns, i, R);
        }
    if (n) {
        r->heldout_tau = kendall_tau(ns->preds, ns->vals, n);
        r->heldout_pairwise = pairwise_accuracy(ns->preds, ns->vals, n);
    }
    ns->rounds[ns->evaluated++] = *r;
    if (R < ns->cfg.rounds)
        return begin_controller(ns, e);
    ns->phase = NAOSEARCH_DONE;
    ns->end = NAOSEARCH_ROUNDS;
    struct naosearch_round *done = &ns->rounds[ns->evaluated - 1];
    done->seconds = done->train_seconds + done->eval_seconds;
    ns->round_done = 1;
    return commit(ns, 0, e);
}

/* The controller's end: its tau on the pool it trained on. */
static int end_controller(struct naosearch *ns, struct err *e)
{
    nao_train_end(ns->nao);
    gather(ns, ns->round, ns->archs, ns->vals);
    if (nao_predict(ns->nao, ns->archs, ns->npool, ns->preds, e))
        return -1;
    ns->rounds[ns->evaluated - 1].tau = kendall_tau(ns->preds, ns->vals, ns->npool);
    ns->phase = NAOSEARCH_GENERATE;
    return 0;
}

/* Generation, from t0 on (its time counts as the controller's), and the
 * round's commit. */
static int generate(struct naosearch *ns, double t0, struct err *e)
{
    struct naosearch_round *r = &ns->rounds[ns->evaluated - 1];
    const struct naosearch_config *c = &ns->cfg;
    gather(ns, ns->round, ns->archs, ns->vals);
    struct arch *out = malloc((size_t)c->new_archs * sizeof *out);
    double *pred = malloc((size_t)c->new_archs * sizeof *pred);
    int kept = -1;
    if (!out || !pred)
        err_plain(e, "out of memory");
    else
        kept = naogen_generate(ns->nao, ns->archs, ns->vals, ns->npool, c->top_k, c->new_archs,
                               c->max_eta, out, &r->last_eta, e);
    if (kept > 0 && nao_predict(ns->nao, out, kept, pred, e))
        kept = -1;
    if (kept >= 0) {
        for (int i = 0; i < kept; i++)
            pool_add(ns, &out[i], ns->round + 1, pred[i]);
        r->generated = kept;
    }
    free(out);
    free(pred);
    if (kept < 0)
        return -1;
    r->controller_seconds += ctx_seconds() - t0;
    r->seconds = r->train_seconds + r->eval_seconds + r->controller_seconds;
    ns->round_done = 1;
    if (commit(ns, ns->round, e))
        return -1;
    if (kept == 0) {
        ns->phase = NAOSEARCH_DONE;
        ns->end = NAOSEARCH_EXHAUSTED;
        return 0;
    }
    return start_round(ns, ns->round + 1, e);
}

int naosearch_step(struct naosearch *ns, struct err *e)
{
    ns->stepped = ns->round_done = 0;
    if (ns->phase == NAOSEARCH_DONE)
        return 0;
    double t0 = ctx_seconds();
    int rc = 0;
    double *clock = NULL;
    switch (ns->phase) {
    case NAOSEARCH_TRAIN:
        clock = &ns->cur.train_seconds;
        rc = train_step(ns, e);
        break;
    case NAOSEARCH_EVALUATE: {
        clock = &ns->cur.eval_seconds;
        int i = ns->eval_next;
        rc = evaluate_one(ns, i, acc_at(ns, i, ns->round), e);
        if (!rc && ++ns->eval_next == ns->npool) {
            ns->cur.eval_seconds += ctx_seconds() - t0;
            clock = NULL;
            rc = end_evaluation(ns, e);
        }
        break;
    }
    case NAOSEARCH_CONTROLLER: {
        struct naosearch_round *r = &ns->rounds[ns->evaluated - 1];
        int more = 0;
        if (ns->cfg.controller_epochs > 0) {
            struct nao_loss l;
            more = nao_train_step(ns->nao, &l, e);
            if (more >= 0) {
                r->controller_loss = l.loss;
                r->controller_mse = l.mse;
                r->controller_nll = l.nll;
            }
        }
        rc = more < 0 ? -1 : more ? 0 : end_controller(ns, e);
        r->controller_seconds += ctx_seconds() - t0;
        break;
    }
    case NAOSEARCH_GENERATE:
        rc = generate(ns, t0, e);
        break;
    case NAOSEARCH_DONE:
        break;
    }
    ns->seconds = ctx_seconds() - t0;
    if (clock)
        *clock += ns->seconds;
    if (rc)
        return -1;
    return ns->phase != NAOSEARCH_DONE;
}

/* ---- opening ---- */

/* Round 1's architectures: seed_archs random ones, distinct in canonical
 * form, drawn from (seed, RNG_STREAM_SEARCH + 16). */
static int seed_pool(struct naosearch *ns, struct err *e)
{
    struct archset set;
    if (archset_init(&set, ns->space, e))
        return -1;
    struct rng r;
    rng_seed(&r, ns->cfg.seed, RNG_STREAM_SEARCH + 16);
    long tries = 1000L * ns->cfg.seed_archs + 10000;
    int rc = 0;
    while (ns->npool < ns->cfg.seed_archs && tries-- > 0) {
        struct arch a, canon;
        arch_random(ns->space, &r, &a);
        archset_canonical(ns->space, &a, &canon);
        int added = archset_add(&set, &canon, e);
        if (added < 0) {
            rc = -1;
            break;
        }
        if (added)
            pool_add(ns, &canon, 1, NAN);
    }
    archset_done(&set);
    if (!rc && ns->npool < ns->cfg.seed_archs)
        rc = err_set(e, ns->space->name, 0, 0, "found %d distinct networks in %ld random draws, "
                     "fewer than the %d seed architectures asked for (a smaller pool, or a "
                     "larger space)", ns->npool, 1000L * ns->cfg.seed_archs + 10000,
                     ns->cfg.seed_archs);
    return rc;
}

static int check_config(const struct naosearch_config *c, const struct split *train,
                        struct err *e)
{
    if (c->rounds < 1 || c->rounds > NAOSEARCH_MAX_ROUNDS || c->seed_archs < 2 ||
        c->new_archs < 1 || c->top_k < 1 || c->max_eta < 1 || c->epochs_per_round < 1 ||
        c->controller_epochs < 0 || c->batch < 1 || !(c->lr > 0 && isfinite(c->lr)) ||
        c->eval_batch < 1 || (c->bn != NAOSEARCH_BN_RECAL && c->bn != NAOSEARCH_BN_BATCH) ||
        (c->bn == NAOSEARCH_BN_RECAL && c->calib_images < 1) ||
        (c->reinit != NAOSEARCH_REINIT_SCHEDULE && c->reinit != NAOSEARCH_REINIT_WEIGHTS))
        return err_plain(e, "a NAO search needs 1 to %d rounds, at least 2 seed architectures, "
                            "new architectures, top_k, max_eta, epochs a round, a batch and an "
                            "evaluation batch >= 1, controller epochs >= 0, a positive finite "
                            "learning rate, and calibration images >= 1 with BatchNorm "
                            "recalibrated",
                         NAOSEARCH_MAX_ROUNDS);
    if ((double)c->seed_archs + (double)(c->rounds - 1) * c->new_archs > NAOSEARCH_MAX_POOL)
        return err_plain(e, "a NAO search's pool holds at most %d architectures",
                         NAOSEARCH_MAX_POOL);
    if (c->bn == NAOSEARCH_BN_RECAL && c->calib_images > train->n)
        return err_plain(e, "%d calibration images, more than the %d training images",
                         c->calib_images, train->n);
    return 0;
}

int naosearch_open(struct naosearch *ns, const char *dir, const struct space *s,
                   const struct split *train, const struct split *val,
                   const struct naosearch_config *cfg, const struct ctx *ctx, int resume,
                   struct err *e)
{
    memset(ns, 0, sizeof *ns);
    ns->space = s;
    ns->train = train;
    ns->val = val;
    ns->ctx = ctx;
    ns->cfg = *cfg;
    if (check_config(cfg, train, e))
        return -1;
    if (strlen(dir) + 32 >= sizeof ns->dir)
        return err_set(e, dir, 0, 0, "the directory's path is too long");
    snprintf(ns->dir, sizeof ns->dir, "%s", dir);
    char path[PATH_BUF];
    path_of(ns, SUPERNET_FILE, path, sizeof path);
    struct stat st;
    int there = stat(path, &st) == 0;
    if (resume && !there)
        return err_set(e, dir, 0, 0, "holds no NAO search to resume (no %s)", SUPERNET_FILE);
    if (!resume && there)
        return err_set(e, dir, 0, 0, "holds a NAO search already: resume it, or search in "
                       "another directory");
    if (!resume && mkdir(dir, 0777) && errno != EEXIST)
        return err_set(e, dir, 0, 0, "cannot create the directory: %s", strerror(errno));
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return err_set(e, dir, 0, 0, "is not a directory");
    if (batches_init(&ns->b, train, s, cfg->batch, cfg->rounds * cfg->epochs_per_round,
                     cfg->seed, e))
        return -1;
    ns->nao = nao_new(s, &cfg->controller, e);
    if (!ns->nao)
        goto fail;
    if (resume) {
        ns->resumed = 1;
        if (load_state(ns, path, e))
            goto fail;
    } else {
        ns->sn = supernet_new(s, cfg->seed, e);
        if (!ns->sn || alloc_pool(ns, cfg->seed_archs + (cfg->rounds - 1) * cfg->new_archs, e) ||
            seed_pool(ns, e))
            goto fail;
    }
    ns->stats_saved = malloc(ns->sn->nstats * sizeof *ns->stats_saved);
    if (!ns->stats_saved) {
        err_plain(e, "out of memory");
        goto fail;
    }
    if (!resume) {
        if (commit(ns, 0, e) || start_round(ns, 1, e))
            goto fail;
        return 0;
    }
    /* where the committed state stands */
    int k = ns->evaluated;
    const struct naosearch_round *last = k ? &ns->rounds[k - 1] : NULL;
    int trained = last ? (last->generated >= 0 ? k : k - 1) : 0; /* the controller's round */
    if (trained > 0) {
        char name[32];
        controller_name(trained, name, sizeof name);
        path_of(ns, name, path, sizeof path);
        if (naockpt_load(ns->nao, path, e))
            goto fail;
    }
    /* the CSV files again, in case a kill came between them and the commit */
    if (write_pool(ns, e) || write_rounds(ns, e) || write_top(ns, e))
        goto fail;
    if (!last) {
        if (start_round(ns, 1, e))
            goto fail;
    } else if (last->generated == 0) {
        ns->round = k;
        ns->phase = NAOSEARCH_DONE;
        ns->end = NAOSEARCH_EXHAUSTED;
    } else if (k >= cfg->rounds) {
        ns->round = k;
        ns->phase = NAOSEARCH_DONE;
        ns->end = NAOSEARCH_ROUNDS;
    } else if (last->generated > 0) {
        if (start_round(ns, k + 1, e))
            goto fail;
    } else { /* a search that ended goes on: the last round's controller */
        ns->round = k;
        ns->first_new = ns->npool;
        while (ns->first_new > 0 && ns->pool[ns->first_new - 1].round == k)
            ns->first_new--;
        if (begin_controller(ns, e))
            goto fail;
    }
    return 0;
fail:
    naosearch_close(ns);
    return -1;
}

void naosearch_close(struct naosearch *ns)
{
    supernet_free(ns->sn);
    nao_free(ns->nao);
    sampler_list_done(&ns->draw);
    batches_done(&ns->b);
    free(ns->pool);
    free(ns->acc);
    free(ns->archs);
    free(ns->vals);
    free(ns->preds);
    free(ns->stats_saved);
    ns->sn = NULL;
    ns->nao = NULL;
    ns->pool = NULL;
    ns->acc = ns->vals = ns->preds = NULL;
    ns->archs = NULL;
    ns->stats_saved = NULL;
}

/* ---- progress ---- */

/* The forward-pass images of round r: training (three a training image)
 * and evaluation, with the pool that round would have if every
 * generation were full. */
static void round_units(const struct naosearch *ns, int r, double *train, double *eval)
{
    const struct naosearch_config *c = &ns->cfg;
    double pool = c->seed_archs + (double)(r - 1) * c->new_archs;
    if (r <= ns->evaluated)
        pool = ns->rounds[r - 1].pool;
    else if (r == ns->round)
        pool = ns->npool;
    *train = 3.0 * ns->b.steps_per_epoch * c->epochs_per_round * c->batch;
    *eval = pool * (ns->val->n + (c->bn == NAOSEARCH_BN_RECAL ? c->calib_images : 0));
}

double naosearch_fraction(const struct naosearch *ns)
{
    if (ns->phase == NAOSEARCH_DONE)
        return 1;
    double total = 0, done = 0;
    for (int r = 1; r <= ns->cfg.rounds; r++) {
        double t, v;
        round_units(ns, r, &t, &v);
        total += t + v;
        if (r < ns->round)
            done += t + v;
        else if (r == ns->round) {
            if (ns->phase == NAOSEARCH_TRAIN)
                done += t * (double)ns->step / (double)ns->round_steps;
            else
                done += t + (ns->phase == NAOSEARCH_EVALUATE ? v * ns->eval_next / ns->npool : v);
        }
    }
    return total > 0 ? done / total : 0;
}
