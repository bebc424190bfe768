#include "retrain.h"

#include <stdlib.h>
#include <string.h>

#include "rundir.h"
#include "standalone.h"
#include "strbuf.h"

static const char retrained_head[] =
    "arch,seed,epochs,images,inherited_accuracy,val_accuracy,params,macs";

/* The trainings of the phase: picks p[0..n), each for seeds seed, seed + 1,
 * ...; done[i * seeds + k] once retrained.csv holds pick i with seed k. */
struct plan {
    const struct retrain *t;
    const struct retrain_pick *p;
    int n;
    unsigned char *done;
    int ndone;
};

static void warn(void *ud, const char *text)
{
    const struct plan *p = ud;
    if (p->t->hooks.warn)
        p->t->hooks.warn(p->t->hooks.ud, text);
}

/* A row of retrained.csv: kept; one of the plan marks its training done (a
 * row of another architecture, left by a strategy since reloaded, is kept as
 * it is). */
static int keep_retrained(void *ud, char *line, int lineno, struct err *e)
{
    struct plan *p = ud;
    const struct retrain *t = p->t;
    const struct experiment *x = t->x;
    char *comma = strchr(line, ',');
    if (!comma)
        return err_plain(e, "expected an architecture and its results"), RUNDIR_DAMAGED;
    *comma = 0;
    struct arch a;
    struct err why;
    if (arch_parse_at(t->space, line, "", lineno, 1, &a, &why))
        return err_plain(e, "%s", why.text), RUNDIR_DAMAGED;
    if (!rundir_numbers(comma + 1, 8 + t->nlat))
        return err_plain(e, "expected %d numbers after the architecture", 8 + t->nlat),
               RUNDIR_DAMAGED;
    char *end;
    unsigned long long seed = strtoull(comma + 1, &end, 10);
    long epochs = strtol(end + 1, &end, 10);
    long images = strtol(end + 1, &end, 10);
    if (epochs != x->retrain.epochs || images != x->retrain.images || seed < x->seed ||
        seed - x->seed >= (unsigned long long)x->retrain.seeds)
        return 1;
    int k = (int)(seed - x->seed);
    for (int i = 0; i < p->n; i++) {
        unsigned char *d = &p->done[(size_t)i * x->retrain.seeds + k];
        if (arch_equal(&a, &p->p[i].arch) && !*d) {
            *d = 1;
            p->ndone++;
        }
    }
    return 1;
}

/* Trains pick p stand-alone with seed and appends its row.  0, 1 when
 * stopped (nothing written), -1 on error. */
static int retrain_one(struct retrain *t, FILE *f, const char *path, const struct retrain_pick *p,
                       uint64_t seed, struct err *e)
{
    const struct experiment *x = t->x;
    struct runner_retrained res = {.arch = p->arch,
                                   .seed = seed,
                                   .epochs = x->retrain.epochs,
                                   .images = x->retrain.images,
                                   .inherited = p->inherited};
    struct standalone sa;
    if (standalone_begin_with(&sa, t->run, &res.arch, res.epochs, seed, t->train, e))
        return -1;
    t->step = 0;
    t->total = sa.t.total;
    int rc = 1;
    while (rc > 0) {
        if (t->stop && *t->stop)
            break;
        rc = standalone_step(&sa, e);
        if (rc < 0)
            break;
        t->step = sa.t.step;
        t->loss = sa.t.loss;
        if (t->hooks.step)
            t->hooks.step(t->hooks.ud);
    }
    if (rc == 0 && standalone_evaluate(&sa, e) < 0)
        rc = -1;
    standalone_end(&sa);
    if (rc < 0) { /* (a divergence, say: the run fails, saying which training) */
        char msg[ERR_MAX];
        snprintf(msg, sizeof msg, "%s", e->text);
        return err_plain(e, "retraining %s with seed %llu: %s", sa.name,
                         (unsigned long long)seed, msg);
    }
    if (rc > 0)
        return rc;
    res.accuracy = sa.accuracy;
    res.seconds = sa.seconds;
    struct strbuf row;
    strbuf_init(&row);
    strbuf_printf(&row, "%s,%llu,%d,%d,", sa.name, (unsigned long long)seed, res.epochs,
                  res.images);
    const double v[] = {res.inherited, res.accuracy, p->params, p->macs};
    for (int i = 0; i < 4; i++) {
        strbuf_double(&row, v[i]);
        strbuf_add(&row, ",", 1);
    }
    for (int i = 0; i < t->nlat; i++) {
        strbuf_double(&row, p->latency[i]);
        strbuf_add(&row, ",", 1);
    }
    strbuf_printf(&row, "%.3f\n", res.seconds);
    rc = strbuf_failed(&row) ? err_plain(e, "out of memory")
                             : rundir_append(f, path, e, "%s", strbuf_text(&row));
    strbuf_done(&row);
    if (rc == 0 && t->hooks.retrained)
        t->hooks.retrained(t->hooks.ud, &res);
    return rc;
}

int retrain_run(struct retrain *t, const struct retrain_pick *picks, int n, struct err *e)
{
    const struct experiment *x = t->x;
    if (x->retrain.epochs == 0)
        return 0;
    int seeds = x->retrain.seeds;
    struct plan p = {.t = t, .p = picks, .n = n};
    p.done = calloc((size_t)(n > 0 ? n : 1) * seeds, 1);
    char path[EXP_PATH_MAX + 32];
    rundir_path(path, sizeof path, t->dir, "retrained.csv");
    struct strbuf head;
    strbuf_init(&head);
    strbuf_printf(&head, "%s", retrained_head);
    for (int i = 0; i < t->nlat; i++)
        strbuf_printf(&head, ",%s", t->lat_name[i]);
    strbuf_printf(&head, ",seconds");
    FILE *f = NULL;
    int rc = !p.done || strbuf_failed(&head) ? err_plain(e, "out of memory") : 0;
    if (rc == 0 && (rundir_recover_csv(path, strbuf_text(&head), keep_retrained, &p, warn, e) ||
                    !(f = rundir_open_append(path, strbuf_text(&head), e))))
        rc = -1;
    t->jobs = rc == 0 ? n * seeds : 0;
    t->done = p.ndone;
    if (rc == 0 && t->done < t->jobs && t->hooks.begin)
        t->hooks.begin(t->hooks.ud);
    for (int i = 0; rc == 0 && i < n; i++)
        for (int k = 0; rc == 0 && k < seeds; k++) {
            if (p.done[(size_t)i * seeds + k])
                continue;
            if (t->stop && *t->stop)
                rc = 1;
            else
                rc = retrain_one(t, f, path, &picks[i], x->seed + (uint64_t)k, e);
            if (rc == 0)
                t->done++;
        }
    t->step = t->total = 0;
    if (f)
        fclose(f);
    strbuf_done(&head);
    free(p.done);
    return rc;
}
