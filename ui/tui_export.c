/* tui_export: the TUI's plots (the `e` key) written as SVG files with
 * ui/svg.h, from the snapshot and the view. */
#include "tui_export.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "rank.h"
#include "svg.h"

#define ARCH_TEXT_MAX (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

/* The first k columns of r's rows, one column after another (k * r->n
 * values, the caller frees), or NULL when out of memory. */
static double *columns(const struct tui_rows *r, int k)
{
    double *x = malloc((size_t)(r->n > 0 ? r->n : 1) * (size_t)k * sizeof *x);
    for (int i = 0; x && i < r->n; i++)
        for (int j = 0; j < k; j++)
            x[(size_t)j * r->n + i] = r->v[(size_t)i * r->cols + j];
    return x;
}

int tui_export_svg(const struct tui_state *s, struct tui_view *v, int *written, struct err *e)
{
    char dir[EXP_PATH_MAX + 16], path[EXP_PATH_MAX + 48], title[512];
    *written = 0;
    snprintf(dir, sizeof dir, "%s/plots", s->dir);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST)
        return err_set(e, dir, 0, 0, "cannot create the directory: %s", strerror(errno));
    tui_view_update(v, s);
    int n = s->history.n;
    if (n > 0) {
        double *x = columns(&s->history, 3);
        if (!x)
            return err_plain(e, "out of memory");
        struct svg_series sr[2] = {{"loss", x, x + n, n, 0}, {"learning rate", x, x + 2 * n, n, 1}};
        snprintf(path, sizeof path, "%s/loss.svg", dir);
        snprintf(title, sizeof title, "%s: supernet (%s sampler, %s space)", s->name, s->sampler,
                 s->space.name);
        int rc = svg_lines(path, title, "step", "loss [nats]", "learning rate", sr, 2, e);
        free(x);
        if (rc)
            return -1;
        ++*written;
    }
    n = s->sp_history.n; /* a Single-Path run: step, loss, cross-entropy, R, warm */
    if (n > 0) {
        double *x = columns(&s->sp_history, 4);
        if (!x)
            return err_plain(e, "out of memory");
        struct svg_series sr[3] = {{"loss", x, x + n, n, 0},
                                   {"cross-entropy", x, x + 2 * n, n, 0},
                                   {"R (inflated in the warm-up)", x, x + 3 * n, n, 1}};
        snprintf(path, sizeof path, "%s/search.svg", dir);
        snprintf(title, sizeof title,
                 "%s: Single-Path NAS (%s space, lambda %g after a warm-up of %lld steps)",
                 s->name, s->space.name, s->lambda, (long long)s->sp.warmup_steps);
        int rc = svg_lines(path, title, "step", "loss [nats]", "R [ms]", sr, 3, e);
        free(x);
        if (rc)
            return -1;
        ++*written;
    }
    n = s->taus.n;
    if (n > 0) {
        double *x = columns(&s->taus, 4);
        if (!x)
            return err_plain(e, "out of memory");
        struct svg_series sr[3] = {{"Kendall tau", x, x + n, n, 0},
                                   {"95% interval, low", x, x + 2 * n, n, 0},
                                   {"95% interval, high", x, x + 3 * n, n, 0}};
        snprintf(path, sizeof path, "%s/tau.svg", dir);
        snprintf(title, sizeof title, "%s: ranking of the ground-truth table over the training",
                 s->name);
        int rc = svg_lines(path, title, "step", "Kendall tau", NULL, sr, 3, e);
        free(x);
        if (rc)
            return -1;
        ++*written;
    }
    n = s->nrank;
    if (n > 0) {
        double *x = malloc((size_t)n * 2 * sizeof *x);
        if (!x)
            return err_plain(e, "out of memory");
        for (int i = 0; i < n; i++) {
            x[i] = s->rank_truth[i] * 100;
            x[n + i] = s->rank_pred[i] * 100;
        }
        snprintf(path, sizeof path, "%s/ranking.svg", dir);
        char t0[16], t1[16], t2[16], t3[16];
        snprintf(title, sizeof title,
                 "%s: step %lld, Kendall tau %s [%s, %s], Spearman rho %s", s->name,
                 (long long)s->rank_step, rank_text(s->tau, t0, 16), rank_text(s->tau_lo, t1, 16),
                 rank_text(s->tau_hi, t2, 16), rank_text(s->rho, t3, 16));
        int rc = svg_scatter(path, title, "stand-alone accuracy [%]", "supernet accuracy [%]", x,
                             x + n, NULL, NULL, n, "architecture of the ground-truth table", e);
        free(x);
        if (rc)
            return -1;
        ++*written;
    }
    n = s->nev;
    if (n > 0) {
        double *x = malloc((size_t)n * 2 * sizeof *x);
        int *kind = malloc((size_t)n * sizeof *kind);
        char *names = malloc((size_t)n * ARCH_TEXT_MAX);
        const char **np = malloc((size_t)n * sizeof *np);
        int rc = -1;
        if (x && kind && names && np) {
            double sx, sy;
            tui_metric_unit(s->metric[v->xaxis], &sx);
            tui_metric_unit(s->metric[v->yaxis], &sy);
            for (int i = 0; i < n; i++) {
                x[i] = tui_metric(s, i, v->xaxis) * sx;
                x[n + i] = tui_metric(s, i, v->yaxis) * sy;
                kind[i] = i == v->selected  ? CHART_SELECTED
                          : i == v->best    ? CHART_BEST
                          : v->on_front[i] ? CHART_FRONT
                                            : CHART_POINT;
                arch_format(&s->space, &s->ev_arch[i], names + (size_t)i * ARCH_TEXT_MAX,
                            ARCH_TEXT_MAX);
                np[i] = names + (size_t)i * ARCH_TEXT_MAX;
            }
            char xn[96], yn[96];
            struct tui_view utf8 = *v;
            utf8.unicode = 1; /* SVG is UTF-8 whatever the terminal */
            tui_axis_name(s, &utf8, v->xaxis, xn, sizeof xn, 0);
            tui_axis_name(s, &utf8, v->yaxis, yn, sizeof yn, 0);
            int used = snprintf(title, sizeof title, "%s: %d evaluated, %d on the front; weights",
                                s->name, n, v->nfront);
            for (int o = 0; o < s->nobj && used < (int)sizeof title; o++)
                used += snprintf(title + used, sizeof title - (size_t)used, " %s %.3g",
                                 s->obj_name[o], v->weight[o]);
            snprintf(path, sizeof path, "%s/pareto.svg", dir);
            rc = svg_scatter(path, title, xn, yn, x, x + n, kind, np, n, NULL, e);
        } else {
            err_plain(e, "out of memory");
        }
        free(x);
        free(kind);
        free(names);
        free(np);
        if (rc)
            return -1;
        ++*written;
    }
    const struct space *sp = &s->space;
    int64_t total = 0;
    for (int l = 0; l < sp->nlayers; l++)
        for (int c = 0; c < sp->nchoices; c++)
            total += s->trainings[l][c];
    if (total > 0) {
        int nl = sp->nlayers, nc = sp->nchoices;
        double *m = malloc((size_t)nl * nc * sizeof *m);
        char(*cols)[12] = malloc((size_t)nl * sizeof *cols);
        const char **rp = malloc((size_t)nc * sizeof *rp), **cp = malloc((size_t)nl * sizeof *cp);
        int rc = -1;
        if (m && cols && rp && cp) {
            for (int c = 0; c < nc; c++) {
                rp[c] = sp->choices[c].name;
                for (int l = 0; l < nl; l++)
                    m[c * nl + l] = sp->allowed[l] >> c & 1 ? (double)s->trainings[l][c] : NAN;
            }
            for (int l = 0; l < nl; l++) {
                snprintf(cols[l], sizeof cols[l], "%d", l + 1);
                cp[l] = cols[l];
            }
            snprintf(path, sizeof path, "%s/fairness.svg", dir);
            char a[16], b[16];
            double wt = tui_worst_ratio(sp, (const int64_t(*)[SPACE_MAX_CHOICES])s->trainings);
            double wu = tui_worst_ratio(sp, (const int64_t(*)[SPACE_MAX_CHOICES])s->updates);
            snprintf(title, sizeof title,
                     "%s: path-trainings per layer and choice (%s sampler, step %lld; max/min "
                     "%s trainings, %s updates)",
                     s->name, s->sampler, (long long)s->step,
                     isinf(wt) ? "inf" : chart_format(wt, a, 16),
                     isinf(wu) ? "inf" : chart_format(wu, b, 16));
            rc = svg_heatmap(path, title, "layer", "choice", rp, cp, m, nc, nl, e);
        } else {
            err_plain(e, "out of memory");
        }
        free(m);
        free(cols);
        free(rp);
        free(cp);
        if (rc)
            return -1;
        ++*written;
    }
    return 0;
}
