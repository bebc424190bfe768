#include "tui_sp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *num(double v, char *buf)
{
    return chart_format(v, buf, 16);
}

/* The steps of the history and one of its columns (NAN where the row's
 * warm flag is not `warm`, or anywhere when warm < 0: every row) into x, y
 * (n each).  Returns n. */
static int history_column(const struct tui_state *s, int col, int warm, double *x, double *y)
{
    const struct tui_rows *h = &s->sp_history;
    for (int i = 0; i < h->n; i++) {
        const double *row = h->v + (size_t)i * h->cols;
        x[i] = row[0];
        y[i] = warm < 0 || (int)row[4] == warm ? row[col] : NAN;
    }
    return h->n;
}

/* A line of a chart over the search's steps: column col of the history, of
 * the rows whose warm flag is `warm` (-1: every row), in style. */
struct steps_line {
    int col, warm, style;
};

/* The lines ln[0..k) (k <= 4) over the search's steps, framed on one y range
 * in rows 1 .. h - 2 of g, the end of the warm-up a dim vertical line. */
static void plot_steps(struct chart_grid *g, const struct tui_state *s,
                       const struct steps_line *ln, int k)
{
    const struct tui_rows *h = &s->sp_history;
    int n = h->n;
    double *x = malloc((size_t)n * (size_t)(k + 1) * sizeof *x);
    if (!x)
        return;
    struct chart_series sr[4];
    double lo = INFINITY, hi = -INFINITY;
    for (int i = 0; i < k; i++) {
        double *y = x + (size_t)(i + 1) * n, a, b;
        history_column(s, ln[i].col, ln[i].warm, x, y);
        if (chart_range(y, n, 0.05, &a, &b) > 0) {
            lo = fmin(lo, a);
            hi = fmax(hi, b);
        }
        sr[i] = (struct chart_series){x, y, n, 0, 0, ln[i].style};
    }
    if (!(lo < hi))
        lo = 0, hi = 1;
    for (int i = 0; i < k; i++)
        sr[i].ylo = lo, sr[i].yhi = hi;
    double last = h->v[(size_t)(n - 1) * h->cols];
    double xhi = (double)s->sp.total > last ? (double)s->sp.total : last;
    struct chart_rect r =
        chart_axes(g, (struct chart_rect){0, 1, g->w, g->h - 2}, 0, xhi, lo, hi, 5);
    int cx, cy;
    if (s->sp.warmup_steps > 0 && s->sp.warmup_steps < xhi &&
        chart_cell_of(r, 0, xhi, lo, hi, (double)s->sp.warmup_steps, lo, &cx, &cy) == 0)
        for (int y = r.y; y < r.y + r.h; y++)
            chart_put(g, cx, y, g->unicode ? 0x2506 : ':', CHART_DIM); /* ┆ */
    chart_lines(g, r, 0, xhi, sr, k);
    free(x);
}

/* A legend entry from column x of the last row: a stroke of style, then
 * the text.  Returns the column after it. */
static int legend(struct chart_grid *g, int x, int style, uint32_t stroke, const char *text)
{
    int y = g->h - 1;
    chart_put(g, x, y, stroke, style);
    return x + 2 + tui_put(g, x + 2, y, CHART_DIM, "%s", text) + 1;
}

/* What ? says of each panel (tui_sp_help). */
static const char help_search[] =
    "Single-Path NAS's loss over the steps: the cross-entropy plus lambda ln R, R the latency "
    "its decisions predict. During the warm-up (up to the mark) lambda is 0 and decisions are "
    "dropped at random so every part of each superkernel trains; after it, the gap between "
    "the loss and the cross-entropy is the price of latency. Single-Path NAS (Stamoulis et "
    "al., 2019).";

static void draw_search(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    char a[16], b[16];
    int n = s->sp_history.n;
    if (n == 0) {
        tui_put(g, 0, 0, CHART_DIM, "%s", s->sp.total ? "waiting for the first step" : "starting");
        if (g->h > 2)
            tui_wrap(g, 2, CHART_DIM,
                     "the loss of every step (cross-entropy + lambda ln R) and its cross-entropy "
                     "are drawn here");
        return;
    }
    int at = tui_put(g, 0, 0, CHART_SERIES1, "loss %s", num(s->sp.loss, a));
    at += 1 + tui_put(g, at + 1, 0, CHART_SERIES2, "ce %s", num(s->sp.ce, b));
    tui_put(g, at + 1, 0, CHART_DIM, "ep %d/%d", s->sp.epoch + 1, s->sp.epochs);
    if (g->h < 5)
        return;
    const struct steps_line ln[2] = {{2, -1, CHART_SERIES2}, {1, -1, CHART_SERIES1}};
    plot_steps(g, s, ln, 2);
    uint32_t stroke = v->unicode ? 0x2501 : '-'; /* ━ */
    at = legend(g, 0, CHART_SERIES1, stroke, "loss");
    at = legend(g, at, CHART_SERIES2, stroke, "cross-entropy");
    legend(g, at, CHART_DIM, v->unicode ? 0x2506 : ':', "warm-up end");
}

static const char help_runtime[] =
    "R, the latency in ms the device's table predicts for the decisions as they stand. In the "
    "warm-up it is inflated (decisions dropped, nothing pulls it down); after it, it falls in "
    "steps, each a layer's decision flipping under lambda's pull. Tuning lambda for a target "
    "R: Single-Path Mobile AutoML (Stamoulis et al., 2019).";

static void draw_runtime(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    char a[16], b[16];
    int n = s->sp_history.n;
    if (n == 0) {
        tui_wrap(g, 0, CHART_DIM,
                 "R, the predicted latency of each step's decisions, is drawn here; during the "
                 "warm-up it is inflated: lambda is 0 and the decisions are dropped, so nothing "
                 "pulls it down yet");
        return;
    }
    int at = tui_put(g, 0, 0, s->sp.warm ? CHART_WARN : CHART_SERIES1, "R %s ms",
                     num(s->sp.runtime_ms, a));
    at += tui_put(g, at, 0, CHART_DIM, " on %s", s->sp.device ? s->sp.device : "?");
    if (s->sp.warm)
        tui_put(g, at + 1, 0, CHART_WARN, "warm-up: inflated");
    else
        tui_put(g, at + 1, 0, CHART_DIM, "lambda %s", num(s->sp.lambda, b));
    if (g->h < 5)
        return;
    const struct steps_line ln[2] = {{3, 1, CHART_WARN}, {3, 0, CHART_SERIES1}};
    plot_steps(g, s, ln, 2);
    at = legend(g, 0, CHART_SERIES1, v->unicode ? 0x2501 : '-', "R [ms]");
    legend(g, at, CHART_WARN, v->unicode ? 0x2501 : '-', "warm-up: inflated, lambda 0");
}

/* The decision of layer l nearest to flipping (the smallest |margin|): its
 * name (k5, k7, e6, se, keep) into buf; -1 when the layer has none (or no
 * margins: a tuning's chosen trial). */
static int nearest(const struct tui_state *s, int l, char *buf, size_t n)
{
    int best = -1, e_max = 0;
    for (int c = 0; c < s->space.nchoices; c++)
        e_max = s->space.choices[c].e > e_max ? s->space.choices[c].e : e_max;
    for (int j = 0; j < SK_NDEC; j++)
        if ((s->sp.has[l] >> j & 1) && isfinite(s->sp.margin[l][j]) &&
            (best < 0 || fabsf(s->sp.margin[l][j]) < fabsf(s->sp.margin[l][best])))
            best = j;
    if (best == SK_D6)
        snprintf(buf, n, "e%d", e_max);
    else
        snprintf(buf, n, "%s", best == SK_D5 ? "k5" : best == SK_D7 ? "k7" : best == SK_DSE ? "se"
                                                                                    : "keep");
    return best;
}

static const char help_decisions[] =
    "Each layer's decisions: a part of the superkernel (kernel 5 or 7, the larger expansion, "
    "SE, the layer itself) is kept while its weights' norm exceeds a learned threshold. The "
    "margin is norm less threshold of the decision nearest to flipping; a starred row has "
    "just flipped. Thresholds learned by gradient: Single-Path NAS (Stamoulis et al., 2019).";

static void draw_decisions(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    const struct arch *a = &s->sp.arch;
    if (a->n == 0) {
        tui_wrap(g, 0, CHART_DIM,
                 "each layer's decisions (kernel 3/5/7, expansion, SE, skip) show here as the "
                 "search moves its thresholds; a layer whose choice just flipped is highlighted");
        return;
    }
    const struct space *sp = &s->space;
    int cw = 4;
    for (int l = 0; l < a->n; l++)
        if ((int)strlen(sp->choices[a->choice[l]].name) > cw)
            cw = (int)strlen(sp->choices[a->choice[l]].name);
    int with_near = g->w >= 3 + cw + 9 + 4 + 4 + 12;
    int at = tui_put(g, 0, 0, CHART_AXIS, " # %-*s  k e se skip flp", cw, "now");
    if (with_near)
        tui_put(g, at, 0, CHART_AXIS, " nearest");
    int rows = g->h - 2;
    if (v->dec_scroll > a->n - rows)
        v->dec_scroll = a->n - rows > 0 ? a->n - rows : 0;
    const char *tick = v->unicode ? "\xe2\x9c\x93" : "y";
    for (int l = v->dec_scroll; l < a->n && l - v->dec_scroll < rows; l++) {
        int y = 1 + l - v->dec_scroll;
        const struct choice *ch = &sp->choices[a->choice[l]];
        int recent = s->sp.flipped[l] > 0 && s->sp.step - s->sp.flipped[l] < TUI_SP_RECENT;
        int style = recent ? CHART_BEST : CHART_PLAIN;
        at = tui_put(g, 0, y, recent ? CHART_BEST : CHART_DIM, "%2d%s", l + 1, recent ? "*" : " ");
        at += tui_put(g, at, y, ch->skip ? CHART_DIM : CHART_LABEL, "%-*s", cw, ch->name);
        if (ch->skip)
            at += tui_put(g, at, y, style, "  - - -  ");
        else
            at += tui_put(g, at, y, style, "  %d %d %s  ", ch->k, ch->e, ch->se ? tick : "-");
        at += tui_put(g, at, y, style, "%-4s", !(s->sp.has[l] >> SK_DKEEP & 1) ? " -"
                                               : ch->skip                      ? "skip"
                                                                               : "keep");
        at += tui_put(g, at, y, s->sp.flips[l] ? style : CHART_DIM, " %3d", s->sp.flips[l]);
        char name[16];
        int j = nearest(s, l, name, sizeof name);
        if (with_near && j >= 0)
            tui_put(g, at, y, CHART_DIM, " %-4s %+.2f", name, s->sp.margin[l][j]);
    }
    tui_put(g, 0, g->h - 1, CHART_DIM, "* flipped in the last %d steps", TUI_SP_RECENT);
}

static const char help_arch[] =
    "What the decisions decode to, layer by layer, with its predicted latency; at the end its "
    "proxy accuracy (the search's own weights with hard decisions, BatchNorm recalibrated). "
    "t trains it alone: the accuracy that counts. Single-Path NAS (Stamoulis et al., 2019).";

static void draw_arch(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    char a[16], b[16];
    if (s->sp.arch.n == 0) {
        tui_wrap(g, 0, CHART_DIM,
                 "the architecture the decisions decode to is drawn here layer by layer; at the "
                 "end it is the search's choice, with its proxy accuracy");
        return;
    }
    tui_arch_draw(g, 0, s, v, &s->sp.arch);
    if (s->sp.done)
        tui_put(g, 0, 1, CHART_SERIES1, "chosen %s ms, accuracy %s%%", num(s->sp.arch_ms, a),
                num(s->sp.accuracy * 100, b));
    else
        tui_put(g, 0, 1, CHART_PLAIN, "decoded, R %s ms", num(s->sp.arch_ms, a));
}

void tui_sp_title(enum tui_panel p, const struct tui_state *s, char *buf, int n)
{
    char a[16];
    int flips = 0;
    switch (p) {
    case TUI_SP_LOSS:
        if (s->sp.tuning && s->sp.trial > 0)
            snprintf(buf, (size_t)n, "search  trial %d/%d  %lld/%lld", s->sp.trial, s->sp.trials,
                     (long long)s->sp.step, (long long)s->sp.total);
        else if (s->sp.total > 0)
            snprintf(buf, (size_t)n, "search  %lld/%lld %s", (long long)s->sp.step,
                     (long long)s->sp.total, s->sp.warm || s->sp.step == 0 ? "warm-up" : "");
        else
            snprintf(buf, (size_t)n, "search");
        break;
    case TUI_SP_RUNTIME:
        if (s->sp_history.n > 0)
            snprintf(buf, (size_t)n, "runtime  R %s ms", num(s->sp.runtime_ms, a));
        else
            snprintf(buf, (size_t)n, "runtime");
        break;
    case TUI_SP_DECISIONS:
        for (int l = 0; l < s->sp.arch.n; l++)
            flips += s->sp.flips[l];
        snprintf(buf, (size_t)n, "decisions  %d flip%s", flips, flips == 1 ? "" : "s");
        break;
    case TUI_SP_ARCH:
        snprintf(buf, (size_t)n, "architecture  %s", s->sp.done ? "chosen" : "decoded");
        break;
    default:
        buf[0] = 0;
    }
}

const char *tui_sp_help(enum tui_panel p)
{
    switch (p) {
    case TUI_SP_LOSS:
        return help_search;
    case TUI_SP_RUNTIME:
        return help_runtime;
    case TUI_SP_DECISIONS:
        return help_decisions;
    case TUI_SP_ARCH:
        return help_arch;
    default:
        return NULL;
    }
}

void tui_sp_draw(enum tui_panel p, struct chart_grid *g, const struct tui_state *s,
                 struct tui_view *v)
{
    switch (p) {
    case TUI_SP_LOSS:
        draw_search(g, s, v);
        break;
    case TUI_SP_RUNTIME:
        draw_runtime(g, s, v);
        break;
    case TUI_SP_DECISIONS:
        draw_decisions(g, s, v);
        break;
    case TUI_SP_ARCH:
        draw_arch(g, s, v);
        break;
    default:
        break;
    }
}
