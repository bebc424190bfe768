#include "metrics.h"

#include <stdio.h>
#include <string.h>

void metrics_init(struct metrics *r)
{
    memset(r, 0, sizeof *r);
    metrics_add(r, "accuracy", METRIC_ACCURACY, NULL, NULL);
    metrics_add(r, "accuracy_no_recal", METRIC_ACCURACY_NO_RECAL, NULL, NULL);
    metrics_add(r, "params", METRIC_PARAMS, NULL, NULL);
    metrics_add(r, "macs", METRIC_MACS, NULL, NULL);
}

int metrics_add(struct metrics *r, const char *name, enum metric_kind kind,
                const struct latency_table *table, struct err *e)
{
    if (metrics_find(r, name) >= 0)
        return err_plain(e, "metric '%s' is there already", name);
    if (r->n >= METRICS_MAX)
        return err_plain(e, "more than %d metrics", METRICS_MAX);
    if (strlen(name) >= METRIC_NAME_MAX)
        return err_plain(e, "a metric's name is longer than %d bytes", METRIC_NAME_MAX - 1);
    struct metric *m = &r->m[r->n++];
    snprintf(m->name, sizeof m->name, "%s", name);
    m->kind = kind;
    m->table = table;
    return 0;
}

int metrics_find(const struct metrics *r, const char *name)
{
    for (int i = 0; i < r->n; i++)
        if (strcmp(r->m[i].name, name) == 0)
            return i;
    return -1;
}

const char *metrics_list(const struct metrics *r, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; i < r->n && used < n; i++)
        used += (size_t)snprintf(buf + used, n - used, "%s%s", i ? ", " : "", r->m[i].name);
    return buf;
}

int metrics_compute(const struct metrics *r, const struct metrics_source *src,
                    const struct arch *a, double *v, struct err *e)
{
    int through_supernet = 0;
    for (int i = 0; i < r->n; i++)
        through_supernet |= r->m[i].kind == METRIC_ACCURACY ||
                            r->m[i].kind == METRIC_ACCURACY_NO_RECAL || r->m[i].kind == METRIC_LOSS;
    struct supernet_score sc = {0};
    if (through_supernet) {
        struct supernet_eval opt = src->opt;
        if (opt.calib_images > src->calib->n)
            opt.calib_images = src->calib->n;
        if (supernet_evaluate(src->sn, a, src->val, src->calib, &opt, &sc, e))
            return -1;
    }
    struct cost c = arch_cost(&src->sn->space, a);
    for (int i = 0; i < r->n; i++)
        switch (r->m[i].kind) {
        case METRIC_ACCURACY:
            v[i] = sc.acc_after;
            break;
        case METRIC_ACCURACY_NO_RECAL:
            v[i] = sc.acc_before;
            break;
        case METRIC_LOSS:
            v[i] = sc.loss_after;
            break;
        case METRIC_PARAMS:
            v[i] = (double)c.params;
            break;
        case METRIC_MACS:
            v[i] = (double)c.macs;
            break;
        case METRIC_LATENCY:
            v[i] = latency_predict(r->m[i].table, a);
            break;
        case METRIC_SCRIPT:
            break;
        }
    return 0;
}
