/* tui_ranking: the ranking panel (ui/tui_panels.h): the supernet's accuracy
 * against the stand-alone accuracy of the ground-truth table, Kendall tau
 * with its interval, Spearman rho, and tau over the training. */
#include "tui_panels_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

const char tui_ranking_help[] =
    "Does the supernet rank? The networks of the space's ground-truth table, scored with the "
    "shared weights (BatchNorm recalibrated), against their accuracy trained alone: Kendall "
    "tau 1 is the same order, 0 none. Compare it with the tau of size alone (params, MACs) "
    "shown beside it: a supernet that does not beat it ranks nothing. The question FairNAS (Chu et "
    "al., 2021) and Yu et al. (ICLR 2020) asked of weight sharing.";

void tui_ranking_draw(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    char a[16], b[16], c[16], d[16];
    const char *tau = v->unicode ? "\xcf\x84" : "tau", *rho = v->unicode ? "\xcf\x81" : "rho";
    if (s->taus.n == 0) {
        char text[512];
        if (runner_info(s->run)->nprobe == 0)
            snprintf(text, sizeof text,
                     "no ground-truth table for space %s (spaces/%s.truth.csv): nothing to rank "
                     "against",
                     s->space.name, s->space.name);
        else
            snprintf(text, sizeof text,
                     "at the end of each epoch the supernet ranks the %d architectures of the "
                     "ground-truth table; Kendall %s and Spearman %s against stand-alone "
                     "accuracy show here",
                     runner_info(s->run)->nprobe, tau, rho);
        tui_wrap(g, 0, CHART_DIM, text);
        return;
    }
    int used = tui_put(g, 0, 0, CHART_LABEL, "%s %s", tau, tui_corr(s->tau, a));
    if (!isnan(s->tau_lo))
        used += tui_put(g, used, 0, CHART_DIM, " [%s, %s]", tui_fmt(s->tau_lo, b), tui_fmt(s->tau_hi, c));
    tui_put(g, used + 2, 0, CHART_LABEL, "%s %s", rho, tui_corr(s->rho, d));
    /* the baselines: how the architectures' sizes alone rank them */
    const struct runner_info *in = runner_info(s->run);
    int top = g->h > 8 ? 2 : 1; /* the scatter's first row */
    if (top == 2)
        tui_put(g, 0, 1, CHART_DIM, "by size alone: params %s %s, MACs %s %s", tau,
            tui_corr(in->params_tau, a), tau, tui_corr(in->macs_tau, b));
    /* tau over the training */
    int y = g->h - 1;
    if (y >= 2) {
        int n = s->taus.n;
        double *t = malloc((size_t)n * sizeof *t);
        if (t) {
            for (int i = 0; i < n; i++)
                t[i] = s->taus.v[i * 4 + 1];
            int at = tui_put(g, 0, y, CHART_DIM, "%s/step ", tau);
            int w = g->w - at - 12;
            if (w > 0) {
                double lo, hi; /* the trend matters, not the scale */
                chart_range(t + (n > w ? n - w : 0), n < w ? n : w, 0.1, &lo, &hi);
                chart_spark(g, at, y, w, t, n, lo, hi, CHART_SERIES1);
                tui_put(g, at + (n < w ? n : w) + 1, y, CHART_DIM, "@%lld", (long long)s->rank_step);
            }
            free(t);
        }
    }
    if (s->nrank == 0) {
        if (g->h > 3)
            tui_wrap(g, top + 1, CHART_DIM,
                 "the scatter comes with the next ranking (end of an epoch)");
        return;
    }
    if (g->h < 7)
        return;
    int n = s->nrank;
    double *x = malloc((size_t)n * 2 * sizeof *x);
    if (!x)
        return;
    double *yv = x + n;
    for (int i = 0; i < n; i++) {
        x[i] = s->rank_truth[i] * 100;
        yv[i] = s->rank_pred[i] * 100;
    }
    double xlo, xhi, ylo, yhi;
    chart_range(x, n, 0.05, &xlo, &xhi);
    chart_range(yv, n, 0.05, &ylo, &yhi);
    struct chart_rect r = chart_axes(g, (struct chart_rect){0, top, g->w, g->h - 2 - top}, xlo,
                                     xhi, ylo, yhi, 4);
    chart_scatter(g, r, xlo, xhi, ylo, yhi, x, yv, NULL, n);
    free(x);
    tui_put(g, 0, g->h - 2, CHART_DIM, "x stand-alone %%  y supernet %%");
}
