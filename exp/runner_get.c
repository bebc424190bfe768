/* runner_get: what front ends read of a run (exp/runner.h's getters). */
#include "runner_priv.h"

#include <string.h>

#include "luasearch.h"

const struct runner_info *runner_info(const struct runner *r) { return &r->info; }

const char *runner_train_origin(const struct runner *r, char *buf, size_t size)
{
    if (!r->trained || r->train.step == 0)
        return "";
    if (!r->from_pending)
        return " (resumed)";
    snprintf(buf, size, " (from %s, step %lld)", r->x.supernet.from.resolved,
             (long long)r->train.step);
    return buf;
}

void runner_progress(const struct runner *r, struct runner_progress *p)
{
    memset(p, 0, sizeof *p);
    p->phase = r->phase;
    p->generation = r->generation;
    p->nevals = r->nevals;
    p->retrained = r->rt.done;
    p->retrainings = r->rt.jobs;
    p->rstep = r->rt.step;
    p->rtotal = r->rt.total;
    p->rloss = r->rt.loss;
    if (r->trained) {
        const struct supertrain *t = &r->train;
        p->step = t->step;
        p->total = t->total;
        p->epoch = t->epoch;
        p->npaths = t->npaths;
        p->loss = t->loss;
        p->lr = t->lr;
        p->step_seconds = t->seconds;
        p->saved = r->saved_step;
        p->diverged = t->diverged;
    }
    if (r->sp_open) {
        struct runner_singlepath s;
        sprun_status(&r->sp, &r->x, &s);
        p->step = s.step;
        p->total = s.total;
        p->epoch = s.epoch;
        p->loss = s.loss;
        p->lr = s.lr;
        p->step_seconds = s.step_seconds;
        p->saved = s.step - sprun_unsaved(&r->sp);
        p->diverged = r->sp.diverged;
    }
}

int runner_nao(const struct runner *r, struct runner_nao *p)
{
    naorun_status(r->nao_open ? &r->nao : NULL, &r->x, p);
    return r->x.method == EXP_NAO;
}

int runner_nao_arch(const struct runner *r, int i, struct runner_nao_arch *a)
{
    return r->nao_open ? naorun_arch(&r->nao, i, a) : -1;
}

int runner_nao_round(const struct runner *r, int k, struct naosearch_round *rd)
{
    if (!r->nao_open || k < 1 || k > r->nao.ns.evaluated)
        return -1;
    *rd = r->nao.ns.rounds[k - 1];
    return 0;
}

int runner_singlepath(const struct runner *r, struct runner_singlepath *p)
{
    if (r->x.method != EXP_SINGLEPATH) {
        memset(p, 0, sizeof *p);
        return 0;
    }
    sprun_status(r->sp_open ? &r->sp : NULL, &r->x, p);
    return 1;
}

void runner_counts(const struct runner *r, int64_t (*trainings)[SPACE_MAX_CHOICES],
                   int64_t (*updates)[SPACE_MAX_CHOICES])
{
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        for (int c = 0; c < SPACE_MAX_CHOICES; c++) {
            trainings[l][c] = r->trained ? r->sampler.st.counts[l][c] : 0;
            updates[l][c] = r->trained ? r->train.sn->updates[l][c] : 0;
        }
}

/* (method singlepath has no search strategy: the engine's metrics) */
const struct metrics *runner_metrics(const struct runner *r)
{
    return r->search ? luasearch_metrics(r->search) : &r->engine;
}

void runner_objectives(const struct runner *r, struct objectives *o)
{
    const struct metrics *m = runner_metrics(r);
    const char *names[METRICS_MAX];
    for (int i = 0; i < m->n; i++)
        names[i] = m->m[i].name;
    struct err ignored; /* luasearch_new checked every objective */
    objectives_init(o, &r->x, names, m->n, NULL, &ignored);
}

int runner_nevaluations(const struct runner *r)
{
    return r->search ? luasearch_count(r->search) : 0;
}

const double *runner_evaluation(const struct runner *r, int i, struct arch *a)
{
    return luasearch_at(r->search, i, a);
}

const char *runner_traceback(const struct runner *r) { return r->traceback; }

const struct split *runner_train_split(const struct runner *r) { return &r->data.train; }

const struct split *runner_val_split(const struct runner *r) { return &r->data.val; }
