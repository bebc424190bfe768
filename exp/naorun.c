#include "naorun.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "pareto.h"
#include "rank.h"
#include "rundir.h"
#include "strbuf.h"

#define ARCH_TEXT (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

static const char rerank_header[] = "rank,arch,supernet_acc,standalone_acc,epochs,seconds";

/* ------------------------------------------------------------ settings */

static void search_config(const struct experiment *x, struct naosearch_config *c)
{
    naosearch_config_default(c);
    c->rounds = x->nao.rounds;
    c->seed_archs = x->nao.seed_archs;
    c->new_archs = x->nao.new_archs;
    c->top_k = x->nao.top_k;
    c->max_eta = x->nao.max_eta;
    c->epochs_per_round = x->nao.epochs_per_round;
    c->controller_epochs = x->nao.controller_epochs;
    c->batch = x->nao.batch;
    c->lr = x->nao.lr;
    c->bn = x->nao.bn == EXP_NAO_BN_BATCH ? NAOSEARCH_BN_BATCH : NAOSEARCH_BN_RECAL;
    c->calib_images = x->nao.bn_recalibration;
    c->eval_batch = x->nao.eval_batch;
    c->reinit =
        x->nao.reinit == EXP_NAO_REINIT_WEIGHTS ? NAOSEARCH_REINIT_WEIGHTS : NAOSEARCH_REINIT_SCHEDULE;
    c->seed = x->seed;
    c->controller.seed = x->seed;
}

void naorun_describe(const struct experiment *x, char *buf, size_t n)
{
    snprintf(buf, n,
             "method: nao: %d rounds, %d seed architectures, %d new a round from the top %d, "
             "%d supernet epoch%s a round of batch %d (lr %g, reinit %s), %d controller epochs, "
             "BatchNorm %s, re-rank of the best %d by %d epoch%s alone, latency on %s",
             x->nao.rounds, x->nao.seed_archs, x->nao.new_archs, x->nao.top_k,
             x->nao.epochs_per_round, x->nao.epochs_per_round == 1 ? "" : "s", x->nao.batch, x->nao.lr, exp_nao_reinit_name(x->nao.reinit),
             x->nao.controller_epochs, exp_nao_bn_name(x->nao.bn), x->nao.rerank,
             x->nao.rerank_epochs, x->nao.rerank_epochs == 1 ? "" : "s", x->latency.device.text);
}

/* ------------------------------------------------------------ the pool */

/* The supernet's accuracy of pool architecture i by the latest round that
 * scored it (the round in progress included), its round into *round (0:
 * none, NAN). */
static double latest_acc(const struct naosearch *ns, int i, int *round)
{
    for (int r = ns->round; r >= 1; r--) {
        double a = naosearch_acc(ns, i, r);
        if (!isnan(a)) {
            *round = r;
            return a;
        }
    }
    *round = 0;
    return NAN;
}

static double latency_of(const struct naorun *p, const struct arch *a)
{
    return p->c.lat ? latency_predict(p->c.lat, a) : NAN;
}

static void put(struct strbuf *b, double v, const char *sep)
{
    if (!isnan(v))
        strbuf_double(b, v);
    strbuf_add(b, sep, strlen(sep));
}

static int save_text(const struct naorun *p, const char *name, struct strbuf *b, struct err *e)
{
    char path[EXP_PATH_MAX + 32];
    rundir_path(path, sizeof path, p->dir, name);
    int rc = strbuf_failed(b) ? err_plain(e, "out of memory")
                              : atomic_save(path, strbuf_text(b), b->len, e);
    strbuf_done(b);
    return rc;
}

/* front[i] = 1 when scored pool architecture i is on the accuracy-latency
 * Pareto front.  0 or -1. */
static int pool_front(const struct naorun *p, unsigned char *front, struct err *e)
{
    const struct naosearch *ns = &p->ns;
    double *f = malloc((size_t)(ns->npool ? ns->npool : 1) * 2 * sizeof *f);
    int *map = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *map);
    int *idx = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *idx);
    int n = 0, rc = 0;
    memset(front, 0, (size_t)ns->npool);
    if (!f || !map || !idx) {
        rc = err_plain(e, "out of memory");
        goto out;
    }
    for (int i = 0; i < ns->npool; i++) {
        int r;
        double acc = latest_acc(ns, i, &r), ms = latency_of(p, &ns->pool[i].arch);
        if (isfinite(acc) && isfinite(ms)) {
            f[2 * n] = acc;
            f[2 * n + 1] = ms;
            map[n++] = i;
        }
    }
    const int maximize[2] = {1, 0};
    int k = pareto_front(f, n, 2, maximize, idx);
    if (k < 0) {
        rc = err_plain(e, "out of memory");
        goto out;
    }
    for (int j = 0; j < k; j++)
        front[map[idx[j]]] = 1;
out:
    free(f);
    free(map);
    free(idx);
    return rc;
}

/* pool.csv, from the state. */
static int write_pool(const struct naorun *p, struct err *e)
{
    const struct naosearch *ns = &p->ns;
    unsigned char *front = malloc((size_t)(ns->npool ? ns->npool : 1));
    if (!front || pool_front(p, front, e)) {
        free(front);
        return front ? -1 : err_plain(e, "out of memory");
    }
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "arch,round,params,macs,latency_ms,predicted,accuracy,updates,front\n");
    for (int i = 0; i < ns->npool; i++) {
        const struct naosearch_arch *a = &ns->pool[i];
        char name[ARCH_TEXT];
        int r;
        arch_format(ns->space, &a->arch, name, (int)sizeof name);
        strbuf_printf(&b, "%s,%d,%lld,%lld,", name, a->round, (long long)a->params,
                      (long long)a->macs);
        put(&b, latency_of(p, &a->arch), ",");
        put(&b, a->predicted, ",");
        put(&b, latest_acc(ns, i, &r), ",");
        strbuf_printf(&b, "%lld,%d\n", (long long)a->updates, front[i]);
    }
    free(front);
    return save_text(p, "pool.csv", &b, e);
}


/* candidates.csv: each round's decoded architectures, best predicted first. */
static int write_candidates(const struct naorun *p, struct err *e)
{
    const struct naosearch *ns = &p->ns;
    int *idx = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *idx);
    double *pred = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *pred);
    if (!idx || !pred) {
        free(idx);
        free(pred);
        return err_plain(e, "out of memory");
    }
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "round,rank,arch,predicted,accuracy,latency_ms,params,macs\n");
    for (int i = 0; i < ns->npool;) {
        int j = i, n = 0;
        while (j < ns->npool && ns->pool[j].round == ns->pool[i].round)
            j++;
        if (ns->pool[i].round > 1) {
            for (int k = i; k < j; k++)
                pred[n++] = ns->pool[k].predicted;
            int m = rank_order_desc(pred, n, idx);
            if (m < 0)
                b.failed = 1; /* (out of memory: said at the end) */
            for (int k = 0; k < m; k++) {
                const struct naosearch_arch *a = &ns->pool[i + idx[k]];
                char name[ARCH_TEXT];
                arch_format(ns->space, &a->arch, name, (int)sizeof name);
                /* (a candidate is scored first in the round it enters) */
                strbuf_printf(&b, "%d,%d,%s,", a->round - 1, k + 1, name);
                put(&b, a->predicted, ",");
                put(&b, naosearch_acc(ns, i + idx[k], a->round), ",");
                put(&b, latency_of(p, &a->arch), ",");
                strbuf_printf(&b, "%lld,%lld\n", (long long)a->params, (long long)a->macs);
            }
        }
        i = j;
    }
    free(idx);
    free(pred);
    return save_text(p, "candidates.csv", &b, e);
}

static int write_files(const struct naorun *p, struct err *e)
{
    return write_pool(p, e) || write_candidates(p, e) ? -1 : 0;
}

/* ------------------------------------------------------------ open */

int naorun_open(struct naorun *p, const struct naorun_config *c, struct err *e)
{
    memset(p, 0, sizeof *p);
    p->c = *c;
    p->at = p->last = -1;
    p->chosen = -1;
    snprintf(p->dir, sizeof p->dir, "%s", c->dir);
    char dir[EXP_PATH_MAX + 32], ckpt[EXP_PATH_MAX + 64];
    rundir_path(dir, sizeof dir, p->dir, "nao");
    rundir_path(ckpt, sizeof ckpt, dir, "supernet.ckpt");
    struct naosearch_config cfg;
    search_config(c->x, &cfg);
    if (naosearch_open(&p->ns, dir, c->space, c->train, c->val, &cfg, c->ctx,
                       rundir_exists(ckpt), e))
        return -1;
    p->open = 1;
    return write_files(p, e);
}

void naorun_close(struct naorun *p)
{
    if (p->at >= 0)
        standalone_end(&p->sa);
    p->at = -1;
    if (p->rerank)
        fclose(p->rerank);
    p->rerank = NULL;
    if (p->open)
        naosearch_close(&p->ns);
    p->open = 0;
}

/* ------------------------------------------------------------ the re-rank */

/* A row of rerank.csv: kept when it is the re-rank of the architecture at
 * its rank with this run's epochs (its result taken), else dropped (the
 * search went on after it: rounds grew). */
static int keep_rerank(void *ud, char *line, int lineno, struct err *e)
{
    struct naorun *p = ud;
    (void)lineno;
    char *comma = strchr(line, ','), *rest = comma ? strchr(comma + 1, ',') : NULL;
    if (!rest || !rundir_numbers(rest + 1, 4))
        return err_plain(e, "expected a rank, an architecture and 4 numbers"), RUNDIR_DAMAGED;
    *rest = 0;
    struct arch a;
    struct err why;
    if (arch_parse(p->c.space, comma + 1, "", &a, &why))
        return err_plain(e, "%s", why.text), RUNDIR_DAMAGED;
    long rank = strtol(line, NULL, 10);
    char *end;
    strtod(rest + 1, &end);                      /* supernet_acc */
    double standalone = strtod(end + 1, &end);
    long epochs = strtol(end + 1, &end, 10);
    double seconds = strtod(end + 1, NULL);
    if (rank < 1 || rank > p->ntop || epochs != p->c.x->nao.rerank_epochs ||
        !arch_equal(&a, &p->ns.pool[p->top[rank - 1]].arch) || !isnan(p->standalone[rank - 1]))
        return 0;
    p->standalone[rank - 1] = standalone;
    p->seconds[rank - 1] = seconds;
    p->nreranked++;
    return 1;
}

/* The architectures to re-rank (the search is over) and what rerank.csv
 * holds of them already.  0 or -1. */
static int begin_rerank(struct naorun *p, struct err *e)
{
    const struct naosearch *ns = &p->ns;
    int *idx = malloc((size_t)(ns->npool ? ns->npool : 1) * sizeof *idx);
    if (!idx)
        return err_plain(e, "out of memory");
    int n = naosearch_ranked(ns, idx);
    if (n == 0) {
        free(idx);
        return err_plain(e, "NAO scored no architecture");
    }
    p->ntop = n < p->c.x->nao.rerank ? n : p->c.x->nao.rerank;
    for (int i = 0; i < p->ntop; i++) {
        p->top[i] = idx[i];
        p->standalone[i] = NAN;
    }
    p->chosen = idx[0];
    free(idx);
    if (p->ntop == 0)
        return 0;
    char path[EXP_PATH_MAX + 32];
    rundir_path(path, sizeof path, p->dir, "rerank.csv");
    if (rundir_recover_csv(path, rerank_header, keep_rerank, p, p->c.log, e))
        return -1;
    p->rerank = rundir_open_append(path, rerank_header, e);
    return p->rerank ? 0 : -1;
}

static int stopped(const struct naorun *p) { return p->c.stop && *p->c.stop; }

/* Trains the architecture at rank i alone and appends its row.  0, 1 when
 * stopped (nothing written), -1. */
static int rerank_one(struct naorun *p, int i, const struct naorun_hooks *h, struct err *e)
{
    const struct naosearch_arch *a = &p->ns.pool[p->top[i]];
    if (standalone_begin(&p->sa, p->c.run, &a->arch, p->c.x->nao.rerank_epochs, e))
        return -1;
    p->at = i;
    int rc = 1;
    while (!stopped(p) && (rc = standalone_step(&p->sa, e)) == 1)
        if (h && h->step)
            h->step(h->ud);
    if (rc == 0 && standalone_evaluate(&p->sa, e) == 0) {
        p->standalone[i] = p->sa.accuracy;
        p->seconds[i] = p->sa.seconds;
        struct strbuf b;
        strbuf_init(&b);
        strbuf_printf(&b, "%d,%s,", i + 1, p->sa.name);
        put(&b, naosearch_acc(&p->ns, p->top[i], p->ns.evaluated), ",");
        put(&b, p->sa.accuracy, ",");
        strbuf_printf(&b, "%d,%.3f\n", p->c.x->nao.rerank_epochs, p->sa.seconds);
        char path[EXP_PATH_MAX + 32];
        rundir_path(path, sizeof path, p->dir, "rerank.csv");
        rc = strbuf_failed(&b) ? err_plain(e, "out of memory")
                               : rundir_append(p->rerank, path, e, "%s", strbuf_text(&b));
        strbuf_done(&b);
        if (rc == 0) {
            p->nreranked++;
            p->last = p->top[i];
        }
    } else if (rc == 0) {
        rc = -1;
    }
    standalone_end(&p->sa);
    p->at = -1;
    if (rc == 0 && h && h->reranked)
        h->reranked(h->ud);
    return rc;
}

/* chosen.txt: the re-rank's best by stand-alone accuracy (the first of
 * equals), or the supernet's best. */
static int write_chosen(struct naorun *p, struct err *e)
{
    const struct experiment *x = p->c.x;
    int best = -1;
    for (int i = 0; i < p->ntop; i++)
        if (best < 0 || p->standalone[i] > p->standalone[best])
            best = i;
    if (best >= 0)
        p->chosen = p->top[best];
    const struct naosearch *ns = &p->ns;
    char name[ARCH_TEXT];
    arch_format(ns->space, &ns->pool[p->chosen].arch, name, (int)sizeof name);
    struct strbuf b;
    strbuf_init(&b);
    strbuf_printf(&b, "# the architecture NAO chose in %s after %d round%s (%d architectures): ",
                  x->name, ns->evaluated, ns->evaluated == 1 ? "" : "s", ns->npool);
    if (best >= 0)
        strbuf_printf(&b, "the best of the supernet's top %d trained %d epoch%s alone", p->ntop,
                      x->nao.rerank_epochs, x->nao.rerank_epochs == 1 ? "" : "s");
    else
        strbuf_printf(&b, "the supernet's best (no re-rank)");
    strbuf_printf(&b,
                  ": label, architecture, predicted latency [ms on %s], supernet accuracy, "
                  "stand-alone accuracy (%d validation images)\nnao\t%s\t",
                  x->latency.device.text, p->c.val->n, name);
    put(&b, latency_of(p, &ns->pool[p->chosen].arch), "\t");
    put(&b, naosearch_acc(ns, p->chosen, ns->evaluated), "\t");
    put(&b, best >= 0 ? p->standalone[best] : NAN, "\n");
    return save_text(p, "chosen.txt", &b, e);
}

/* ------------------------------------------------------------ the phase */

/* The search on to its end: 0, 1 when stopped, -1. */
static int search(struct naorun *p, const struct naorun_hooks *h, struct err *e)
{
    struct naosearch *ns = &p->ns;
    while (ns->phase != NAOSEARCH_DONE) {
        if (stopped(p))
            return 1;
        int rc = naosearch_step(ns, e);
        if (rc < 0) {
            p->failed = 1;
            return -1;
        }
        if (h && h->step)
            h->step(h->ud);
        if (ns->round_done) {
            if (write_files(p, e))
                return -1;
            if (h && h->round)
                h->round(h->ud);
        }
        if (rc == 0)
            break;
    }
    return 0;
}

int naorun_run(struct naorun *p, const struct naorun_hooks *h, struct err *e)
{
    if (p->failed) { /* the state in memory is not to be stepped: the last commit */
        struct naorun_config c = p->c;
        naorun_close(p);
        if (naorun_open(p, &c, e))
            return -1;
    }
    int rc = search(p, h, e);
    if (rc)
        return rc;
    if (p->chosen < 0 && begin_rerank(p, e))
        return -1;
    for (int i = 0; i < p->ntop; i++) {
        if (!isnan(p->standalone[i]))
            continue;
        if (stopped(p))
            return 1;
        if ((rc = rerank_one(p, i, h, e)))
            return rc;
    }
    if (!p->done && write_chosen(p, e))
        return -1;
    p->done = 1;
    return 0;
}

/* ------------------------------------------------------------ getters */

int64_t naorun_uncommitted(const struct naorun *p)
{
    const struct naosearch *ns = &p->ns;
    if (!p->open || ns->phase == NAOSEARCH_DONE)
        return 0;
    switch (ns->phase) {
    case NAOSEARCH_TRAIN:
        return ns->step;
    case NAOSEARCH_EVALUATE:
        return ns->round_steps + ns->eval_next;
    default:
        return ns->round_steps + ns->npool + ns->nao->epoch;
    }
}

void naorun_status(const struct naorun *p, const struct experiment *x, struct runner_nao *s)
{
    memset(s, 0, sizeof *s);
    s->rounds = x->nao.rounds;
    s->rerank = x->nao.rerank;
    s->device = x->latency.device.text;
    s->chosen = s->last_reranked = -1;
    s->loss = s->lr = s->rloss = NAN;
    if (!p || !p->open)
        return;
    const struct naosearch *ns = &p->ns;
    s->rounds = ns->cfg.rounds;
    s->round = ns->round;
    s->evaluated = ns->evaluated;
    s->stage = ns->phase == NAOSEARCH_DONE && !p->done ? RUNNER_NAO_RERANK : (int)ns->phase;
    s->step = ns->step;
    s->round_steps = ns->round_steps;
    if (ns->step > 0) {
        s->loss = ns->loss;
        s->lr = ns->lr;
    }
    s->scored = ns->phase == NAOSEARCH_EVALUATE ? ns->eval_next : ns->phase > NAOSEARCH_EVALUATE
                                                                       ? ns->npool
                                                                       : 0;
    s->npool = ns->npool;
    s->controller_epoch = ns->nao ? ns->nao->epoch : 0;
    s->controller_epochs = ns->nao ? ns->nao->epochs : 0;
    s->fraction = naosearch_fraction(ns);
    s->rerank = p->ntop ? p->ntop : s->rerank;
    s->reranked = p->nreranked;
    s->last_reranked = p->last;
    if (p->at >= 0) {
        s->rstep = p->sa.t.step;
        s->rtotal = p->sa.t.total;
        s->rloss = p->sa.t.loss;
    }
    s->done = p->done;
    s->chosen = p->done ? p->chosen : -1;
}

int naorun_arch(const struct naorun *p, int i, struct runner_nao_arch *a)
{
    if (!p->open || i < 0 || i >= p->ns.npool)
        return -1;
    const struct naosearch_arch *n = &p->ns.pool[i];
    a->arch = n->arch;
    a->round = n->round;
    a->params = n->params;
    a->macs = n->macs;
    a->updates = n->updates;
    a->latency_ms = latency_of(p, &n->arch);
    a->predicted = n->predicted;
    a->accuracy = latest_acc(&p->ns, i, &a->scored);
    a->standalone = NAN;
    for (int k = 0; k < p->ntop; k++)
        if (p->top[k] == i)
            a->standalone = p->standalone[k];
    return 0;
}
