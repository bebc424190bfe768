#include "objective.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

int objectives_init(struct objectives *o, const struct experiment *x, const char *const *names,
                    int nnames, const char *hint, struct err *e)
{
    memset(o, 0, sizeof *o);
    o->n = x->nobjectives;
    for (int j = 0; j < x->nobjectives; j++) {
        const struct exp_objective *ob = &x->objectives[j];
        experiment_objective_metric(x, j, o->name[j], sizeof o->name[j]);
        int k = -1;
        for (int i = 0; i < nnames && k < 0; i++)
            if (strcmp(o->name[j], names[i]) == 0)
                k = i;
        if (k < 0) {
            char known[1024] = "";
            size_t used = 0;
            for (int i = 0; i < nnames && used < sizeof known; i++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", i ? ", " : "",
                                         names[i]);
            return err_set(e, x->file, ob->name_line, ob->name_col,
                           "objectives[%d]: no metric '%s' (known: %s%s)", j, ob->name, known,
                           hint ? hint : "");
        }
        o->metric[j] = k;
        o->maximize[j] = ob->direction == EXP_MAXIMIZE;
        o->weight[j] = ob->weight;
    }
    return 0;
}

void objectives_matrix(const struct objectives *o, const double *rows, int nrows, int nmetrics,
                       double *f)
{
    for (int i = 0; i < nrows; i++)
        for (int j = 0; j < o->n; j++)
            f[(size_t)i * o->n + j] = rows[(size_t)i * nmetrics + o->metric[j]];
}

int objectives_set_weights(struct objectives *o, const double *w, int n)
{
    if (n != o->n)
        return -1;
    for (int j = 0; j < n; j++)
        if (!(w[j] > 0) || !isfinite(w[j]))
            return -1;
    memcpy(o->weight, w, (size_t)n * sizeof *w);
    return 0;
}
