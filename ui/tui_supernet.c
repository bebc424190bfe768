/* tui_supernet: the panels of the supernet's training (ui/tui_panels.h):
 * its loss and learning rate over the steps, and the fairness heat map of
 * each layer's choices' trainings. */
#include "tui_panels_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------ supernet */

const char tui_supernet_help[] =
    "The supernet's training loss at every step, and its learning rate. One set of weights "
    "holds every network of the space; each step trains the paths the sampler draws on one "
    "batch. Read it as any training curve: it should fall, noisily, as the paths change from "
    "step to step. Weight sharing: ENAS (Pham et al., 2018); one path a step: SPOS "
    "(Guo et al., 2020).";

void tui_supernet_draw(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    char a[16], b[16];
    int n = s->history.n;
    if (n == 0) {
        tui_put(g, 0, 0, CHART_DIM, "%s", s->total ? "waiting for the first step" : "starting");
        if (g->h > 2)
            tui_wrap(g, 2, CHART_DIM,
                 "the loss and the learning rate of every supernet step are drawn here");
        return;
    }
    int used = tui_put(g, 0, 0, CHART_SERIES1, "loss %s", tui_fmt(s->loss, a));
    used += 1 + tui_put(g, used + 1, 0, CHART_SERIES2, "lr %s", tui_fmt(s->lr, b));
    tui_put(g, used + 1, 0, CHART_DIM, "ep %d/%d", s->epoch + 1, s->epochs);
    if (g->h < 5)
        return;
    double *x = malloc((size_t)n * 3 * sizeof *x);
    if (!x)
        return;
    double *loss = x + n, *lr = x + 2 * n;
    double lrmax = 0;
    for (int i = 0; i < n; i++) {
        x[i] = s->history.v[i * 3];
        loss[i] = s->history.v[i * 3 + 1];
        lr[i] = s->history.v[i * 3 + 2];
        if (lr[i] > lrmax)
            lrmax = lr[i];
    }
    double llo, lhi, xlo = 0, xhi = s->total > x[n - 1] ? (double)s->total : x[n - 1];
    chart_range(loss, n, 0.05, &llo, &lhi);
    if (!(xhi > xlo))
        xhi = xlo + 1;
    struct chart_rect r = chart_axes(g, (struct chart_rect){0, 1, g->w, g->h - 2}, xlo, xhi, llo,
                                     lhi, 5);
    struct chart_series sr[2] = {{x, lr, n, 0, lrmax > 0 ? lrmax * 1.05 : 1, CHART_SERIES2},
                                 {x, loss, n, llo, lhi, CHART_SERIES1}};
    chart_lines(g, r, xlo, xhi, sr, 2);
    free(x);
    uint32_t mark = v->unicode ? 0x2501 : '-'; /* ━ */
    int y = g->h - 1, at = 0;
    chart_put(g, at, y, mark, CHART_SERIES1);
    at += 2 + tui_put(g, at + 2, y, CHART_DIM, "loss [nats]");
    chart_put(g, at + 2, y, mark, CHART_SERIES2);
    tui_put(g, at + 4, y, CHART_DIM, "lr 0-%s", tui_fmt(lrmax, a));
}

/* ------------------------------------------------------------ fairness */

double tui_worst_ratio(const struct space *sp, const int64_t (*n)[SPACE_MAX_CHOICES])
{
    double worst = 1;
    for (int l = 0; l < sp->nlayers; l++) {
        int64_t lo = -1, hi = -1;
        for (int c = 0; c < sp->nchoices; c++) {
            if (!(sp->allowed[l] >> c & 1))
                continue;
            lo = lo < 0 || n[l][c] < lo ? n[l][c] : lo;
            hi = hi < 0 || n[l][c] > hi ? n[l][c] : hi;
        }
        if (lo > 0 && (double)hi / (double)lo > worst)
            worst = (double)hi / (double)lo;
        else if (lo == 0 && hi > 0)
            worst = INFINITY;
    }
    return worst;
}

const char tui_fairness_help[] =
    "How many paths trained each choice (a row) of each layer (a column), every column scaled "
    "to its own range. A fair sampler keeps each column one colour and the ratio at 1; a "
    "uniform one drifts, and a choice trained less looks worse than it is. Strict fairness, "
    "every choice once a step: FairNAS (Chu, Zhang and Xu, 2021).";

/* The heat map shows path-trainings (paths trained through each choice),
 * each layer scaled to its own range: strict fairness is per layer.  A
 * choice trained by more paths than it got updates (several paths of a step
 * shared it: a layer with fewer choices than the fair sampler's paths) is
 * marked with '+'; the footer gives both ratios. */
void tui_fairness_draw(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    (void)v;
    const struct space *sp = &s->space;
    int nl = sp->nlayers, nc = sp->nchoices;
    int64_t total = 0;
    for (int l = 0; l < nl; l++)
        for (int c = 0; c < nc; c++)
            total += s->trainings[l][c];
    if (total == 0) {
        tui_wrap(g, 0, CHART_DIM,
             "the trainings of each choice in each layer fill this heat map as the supernet "
             "trains: a fair sampler makes every column one colour; '+' marks a choice "
             "trained by more paths than it got updates");
        return;
    }
    int lw = 0;
    for (int c = 0; c < nc; c++)
        lw = (int)strlen(sp->choices[c].name) > lw ? (int)strlen(sp->choices[c].name) : lw;
    if (lw > 7)
        lw = 7;
    int cellw = nl > 0 ? (g->w - lw - 1) / nl : 0;
    if (cellw > 3)
        cellw = 3;
    if (cellw < 1) {
        tui_wrap(g, 0, CHART_DIM, "too narrow for the heat map");
        return;
    }
    int rows = nc < g->h - 2 ? nc : g->h - 2;
    if (rows < 1)
        return;
    double *m = malloc((size_t)nc * nl * sizeof *m);
    if (!m)
        return;
    for (int l = 0; l < nl; l++) {
        int64_t lo = -1, hi = -1;
        for (int c = 0; c < nc; c++) {
            if (!(sp->allowed[l] >> c & 1))
                continue;
            int64_t u = s->trainings[l][c];
            lo = lo < 0 || u < lo ? u : lo;
            hi = hi < 0 || u > hi ? u : hi;
        }
        for (int c = 0; c < nc; c++)
            m[c * nl + l] = !(sp->allowed[l] >> c & 1) ? NAN
                            : hi > lo ? (double)(s->trainings[l][c] - lo) / (double)(hi - lo)
                                      : 1;
    }
    for (int c = 0; c < rows; c++)
        tui_put(g, 0, c, CHART_DIM, "%.*s", lw, sp->choices[c].name);
    chart_heat(g, lw + 1, 0, m, rows, nl, cellw, 0, 1);
    free(m);
    int shared = 0;
    for (int c = 0; c < rows; c++)
        for (int l = 0; l < nl; l++)
            if ((sp->allowed[l] >> c & 1) && s->trainings[l][c] > s->updates[l][c]) {
                tui_put(g, lw + 1 + l * cellw, c, CHART_LABEL, "+");
                shared = 1;
            }
    double worst = tui_worst_ratio(sp, (const int64_t(*)[SPACE_MAX_CHOICES])s->trainings);
    double worst_u = tui_worst_ratio(sp, (const int64_t(*)[SPACE_MAX_CHOICES])s->updates);
    for (int l = 0; l < nl; l++) {
        if (cellw >= 2)
            tui_put(g, lw + 1 + l * cellw + cellw - (l + 1 >= 10 ? 2 : 1), rows, CHART_AXIS, "%d", l + 1);
        else
            tui_put(g, lw + 1 + l, rows, CHART_AXIS, "%d", (l + 1) % 10);
    }
    /* the footer, a line each while there is room: max/min of path-trainings,
     * of updates, the paths trained in all, what '+' means */
    char a[16], b[16], c[16];
    const char *inf = "inf";
    int y = rows + 1;
    if (y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "max/min %s trainings", isinf(worst) ? inf : tui_fmt(worst, a));
    if (y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "max/min %s updates", isinf(worst_u) ? inf : tui_fmt(worst_u, b));
    if (y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "%s path-trainings", tui_fmt((double)total, c));
    if (shared && y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "+ trained by 2+ paths a step");
    if (rows < nc && y < g->h)
        tui_put(g, 0, y, CHART_DIM, "+%d choices not shown", nc - rows);
}
