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

int retrain_ntasks(const struct retrain *t) { return t->npicks * t->x->retrain.seeds; }

int retrain_train(struct retrain *t, int task, struct retrain_result *res, struct err *e)
{
    const struct experiment *x = t->x;
    if (task < 0 || task >= retrain_ntasks(t))
        return err_plain(e, "retraining: no task %d (of %d)", task, retrain_ntasks(t));
    const struct retrain_pick *p = &t->picks[task / x->retrain.seeds];
    uint64_t seed = x->seed + (uint64_t)(task % x->retrain.seeds);
    struct standalone sa;
    if (standalone_begin_with(&sa, t->run, &p->arch, x->retrain.epochs, seed, t->train, e))
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
        if (t->hooks.between && t->hooks.between(t->hooks.ud, e)) {
            rc = -2; /* (the hook's error, as it is) */
            break;
        }
    }
    if (rc == 0 && standalone_evaluate(&sa, e) < 0)
        rc = -1;
    standalone_end(&sa);
    if (rc == -1) { /* (a divergence, say: the run fails, saying which training) */
        char msg[ERR_MAX];
        snprintf(msg, sizeof msg, "%s", e->text);
        return err_plain(e, "retraining %s with seed %llu: %s", sa.name,
                         (unsigned long long)seed, msg);
    }
    if (rc != 0)
        return rc < 0 ? -1 : rc;
    res->accuracy = sa.accuracy;
    res->seconds = sa.seconds;
    return 0;
}

int retrain_append(struct retrain *t, int task, const struct retrain_result *res,
                   struct err *e)
{
    const struct experiment *x = t->x;
    if (!t->f || task < 0 || task >= retrain_ntasks(t))
        return err_plain(e, "retraining: no row for task %d (of %d)", task, retrain_ntasks(t));
    const struct retrain_pick *p = &t->picks[task / x->retrain.seeds];
    struct runner_retrained rt = {.arch = p->arch,
                                  .seed = x->seed + (uint64_t)(task % x->retrain.seeds),
                                  .epochs = x->retrain.epochs,
                                  .images = x->retrain.images,
                                  .inherited = p->inherited,
                                  .accuracy = res->accuracy,
                                  .seconds = res->seconds};
    char name[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(t->space, &p->arch, name, (int)sizeof name);
    struct strbuf row;
    strbuf_init(&row);
    strbuf_printf(&row, "%s,%llu,%d,%d,", name, (unsigned long long)rt.seed, rt.epochs,
                  rt.images);
    const double v[] = {rt.inherited, rt.accuracy, p->params, p->macs};
    for (int i = 0; i < 4; i++) {
        strbuf_double(&row, v[i]);
        strbuf_add(&row, ",", 1);
    }
    for (int i = 0; i < t->nlat; i++) {
        strbuf_double(&row, p->latency[i]);
        strbuf_add(&row, ",", 1);
    }
    strbuf_printf(&row, "%.3f\n", rt.seconds);
    int rc = strbuf_failed(&row) ? err_plain(e, "out of memory")
                                 : rundir_append(t->f, t->path, e, "%s", strbuf_text(&row));
    strbuf_done(&row);
    if (rc == 0) {
        t->done++;
        if (t->hooks.retrained)
            t->hooks.retrained(t->hooks.ud, &rt);
    }
    return rc;
}

int retrain_plan(struct retrain *t, struct err *e)
{
    const struct experiment *x = t->x;
    t->todo = NULL;
    t->ntodo = t->done = t->jobs = 0;
    t->f = NULL;
    if (x->retrain.epochs == 0)
        return 0;
    int n = retrain_ntasks(t);
    struct plan p = {.t = t, .p = t->picks, .n = t->npicks};
    p.done = calloc((size_t)(n > 0 ? n : 1), 1);
    t->todo = malloc((size_t)(n > 0 ? n : 1) * sizeof *t->todo);
    rundir_path(t->path, sizeof t->path, t->dir, "retrained.csv");
    struct strbuf head;
    strbuf_init(&head);
    strbuf_printf(&head, "%s", retrained_head);
    for (int i = 0; i < t->nlat; i++)
        strbuf_printf(&head, ",%s", t->lat_name[i]);
    strbuf_printf(&head, ",seconds");
    int rc = !p.done || !t->todo || strbuf_failed(&head) ? err_plain(e, "out of memory") : 0;
    if (rc == 0 &&
        (rundir_recover_csv(t->path, strbuf_text(&head), keep_retrained, &p, warn, e) ||
         !(t->f = rundir_open_append(t->path, strbuf_text(&head), e))))
        rc = -1;
    strbuf_done(&head);
    if (rc == 0) {
        t->jobs = n;
        t->done = p.ndone;
        for (int i = 0; i < n; i++)
            if (!p.done[i])
                t->todo[t->ntodo++] = i;
        if (t->ntodo && t->hooks.begin)
            t->hooks.begin(t->hooks.ud);
    }
    free(p.done);
    if (rc)
        retrain_close(t);
    return rc;
}

void retrain_close(struct retrain *t)
{
    if (t->f)
        fclose(t->f);
    t->f = NULL;
    free(t->todo);
    t->todo = NULL;
    t->ntodo = 0;
    t->step = t->total = 0;
}

int retrain_run(struct retrain *t, struct err *e)
{
    int rc = retrain_plan(t, e);
    for (int i = 0; rc == 0 && i < t->ntodo; i++) {
        struct retrain_result res;
        if (t->stop && *t->stop)
            rc = 1;
        else
            rc = retrain_train(t, t->todo[i], &res, e);
        if (rc == 0)
            rc = retrain_append(t, t->todo[i], &res, e);
    }
    retrain_close(t);
    return rc;
}
