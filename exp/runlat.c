#include "runlat.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rundir.h"
#include "shipped.h"

/* Where table i of a run lives: latency.yaml, latency-2.yaml, ... */
static void table_file(const char *dir, int i, char *out, size_t n)
{
    char name[32];
    if (i == 0)
        snprintf(name, sizeof name, "latency.yaml");
    else
        snprintf(name, sizeof name, "latency-%d.yaml", i + 1);
    rundir_path(out, n, dir, name);
}

int runlat_open(struct runlat *rl, const struct experiment *x, const struct space *s,
                struct ctx *ctx, const char *dir, int resume, int no_host,
                void (*note)(void *ud, const char *text), void *ud, struct err *e)
{
    memset(rl, 0, sizeof *rl);
    const struct exp_ref *dev[EXP_MAX_OBJECTIVES + 1];
    int uses_default = x->method != EXP_ONESHOT; /* (a method without objectives: latency.device's table) */
    for (int o = 0; o < x->nobjectives; o++)
        if (!strcmp(x->objectives[o].name, "latency") &&
            !strcmp(x->objectives[o].device.resolved, x->latency.device.resolved))
            uses_default = 1;
    if (uses_default || strcmp(x->latency.device.resolved, "host") != 0) {
        dev[rl->n] = &x->latency.device;
        snprintf(rl->metric[rl->n++], EXP_NAME_MAX, "latency");
    }
    for (int o = 0; o < x->nobjectives; o++) {
        char m[EXP_PATH_MAX + 16];
        experiment_objective_metric(x, o, m, sizeof m);
        if (strncmp(m, "latency@", 8) != 0)
            continue;
        int seen = 0;
        for (int i = 0; i < rl->n; i++)
            seen |= !strcmp(rl->metric[i], m);
        if (seen)
            continue;
        dev[rl->n] = &x->objectives[o].device;
        snprintf(rl->metric[rl->n++], EXP_NAME_MAX, "%.120s", m);
    }
    for (int i = 0; i < rl->n; i++) {
        rl->lat[i] = calloc(1, sizeof *rl->lat[i]);
        if (!rl->lat[i])
            return err_plain(e, "out of memory");
        const struct exp_ref *d = dev[i];
        int host = !strcmp(d->resolved, "host");
        if (resume) {
            char file[EXP_PATH_MAX + 32];
            table_file(dir, i, file, sizeof file);
            if (latency_table_load(rl->lat[i], file, s, e))
                return -1;
        } else if (!(no_host && host)) {
            struct err le;
            if (host && note)
                note(ud, "timing this machine's networks for a latency table (a minute or so)");
            if (shipped_device(rl->lat[i], d->resolved, s, ctx, NULL, NULL, &le))
                return err_set(e, x->file, d->line, d->col, "latency device %s: %s", d->text,
                               le.text);
        }
    }
    return 0;
}

void runlat_done(struct runlat *rl)
{
    for (int i = 0; i < rl->n; i++)
        free(rl->lat[i]);
    memset(rl, 0, sizeof *rl);
}

int runlat_save(struct runlat *rl, const char *dir, const struct space *s, struct err *e)
{
    for (int i = 0; i < rl->n; i++) {
        char file[EXP_PATH_MAX + 32];
        table_file(dir, i, file, sizeof file);
        if (latency_table_save(rl->lat[i], file, e) || latency_table_load(rl->lat[i], file, s, e))
            return -1;
    }
    return 0;
}

int runlat_metrics(const struct runlat *rl, struct metrics *m, struct err *e)
{
    for (int i = 0; i < rl->n; i++)
        if (metrics_add(m, rl->metric[i], METRIC_LATENCY, rl->lat[i], e))
            return -1;
    return 0;
}
