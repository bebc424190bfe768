#include "probe.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rundir.h"
#include "shipped.h"

#define PROBE_TOP_K 5
#define PROBE_BATCH 256

int probe_open(struct probe *p, const struct experiment *x, const struct space *s,
               struct err *e)
{
    memset(p, 0, sizeof *p);
    char path[EXP_PATH_MAX + 16];
    const struct exp_ref *sp = &x->space;
    if (sp->is_path) {
        snprintf(path, sizeof path, "%s", sp->resolved);
        size_t l = strlen(path);
        if (l > 4 && strcmp(path + l - 4, ".lua") == 0)
            path[l - 4] = 0;
        strcat(path, ".truth.csv");
        if (!rundir_exists(path))
            return 0;
    } else {
        char name[SPACE_NAME_MAX + 16];
        struct err ignored;
        snprintf(name, sizeof name, "%s.truth.csv", s->name);
        if (shipped_find("spaces", name, path, sizeof path, &ignored))
            return 0;
    }
    if (truthrank_open(&p->t, path, s, 0, PROBE_MAX_ARCHS, e))
        return -1;
    p->score = calloc((size_t)p->t.n, sizeof *p->score);
    p->pred = calloc((size_t)p->t.n, sizeof *p->pred);
    if (!p->score || !p->pred) {
        probe_close(p);
        return err_plain(e, "out of memory");
    }
    return 1;
}

void probe_close(struct probe *p)
{
    if (p->csv)
        fclose(p->csv);
    truthrank_close(&p->t); /* (nothing to free in a zeroed table) */
    free(p->score);
    free(p->pred);
    memset(p, 0, sizeof *p);
}

int probe_rank(struct probe *p, const char *dir, struct supernet *sn, const struct split *val,
               const struct split *calib, int calib_images, int64_t step,
               volatile sig_atomic_t *stop, struct runner_ranking *rk, struct err *e)
{
    char path[EXP_PATH_MAX + 16];
    rundir_path(path, sizeof path, dir, "ranking.csv");
    if (!p->csv && !(p->csv = rundir_open_append(path, PROBE_HEADER, e)))
        return -1;
    struct supernet_eval opt = {.calib_images = calib_images, .batch = PROBE_BATCH};
    if (opt.calib_images > calib->n)
        opt.calib_images = calib->n;
    for (int i = 0; i < p->t.n; i++) {
        if (stop && *stop)
            return 1;
        if (truthrank_score(&p->t, i, sn, val, calib, &opt, &p->score[i], e))
            return -1;
        p->pred[i] = p->score[i].acc_after;
    }
    struct truthrank_result res;
    if (truthrank_compare(&p->t, p->score, 0, PROBE_TOP_K, TRUTHRANK_RESAMPLES, &res))
        return err_plain(e, "out of memory");
    *rk = (struct runner_ranking){.step = step,
                                  .n = p->t.n,
                                  .tau = res.tau,
                                  .tau_lo = res.tau_lo,
                                  .tau_hi = res.tau_hi,
                                  .spearman = res.rho,
                                  .archs = p->t.archs,
                                  .predicted = p->pred,
                                  .truth = p->t.truth};
    /* 6 decimals; "nan" (which strtod reads back) for an undefined tau */
    char v[4][32];
    const double col[4] = {rk->tau, rk->tau_lo, rk->tau_hi, rk->spearman};
    for (int i = 0; i < 4; i++) {
        if (isnan(col[i]))
            snprintf(v[i], sizeof v[i], "nan");
        else
            snprintf(v[i], sizeof v[i], "%.6f", col[i]);
    }
    return rundir_append(p->csv, path, e, "%lld,%d,%s,%s,%s,%s\n", (long long)rk->step, rk->n,
                         v[0], v[1], v[2], v[3]);
}
