#include "tui_panels.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pareto.h"
#include "tui_nao.h"
#include "tui_sp.h"

#define ARCH_TEXT_MAX (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

/* ------------------------------------------------------------ helpers */

void tui_box(struct chart_grid *g, struct chart_rect r, const char *title, int style)
{
    int u = g->unicode;
    uint32_t h = u ? 0x2500 : '-', v = u ? 0x2502 : '|';
    uint32_t tl = u ? 0x250C : '+', tr = u ? 0x2510 : '+', bl = u ? 0x2514 : '+',
             br = u ? 0x2518 : '+';
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        chart_put(g, x, r.y, h, style);
        chart_put(g, x, r.y + r.h - 1, h, style);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        chart_put(g, r.x, y, v, style);
        chart_put(g, r.x + r.w - 1, y, v, style);
    }
    chart_put(g, r.x, r.y, tl, style);
    chart_put(g, r.x + r.w - 1, r.y, tr, style);
    chart_put(g, r.x, r.y + r.h - 1, bl, style);
    chart_put(g, r.x + r.w - 1, r.y + r.h - 1, br, style);
    if (title && r.w > 6) {
        char buf[512];
        snprintf(buf, sizeof buf, " %s ", title);
        chart_text(g, r.x + 2, r.y, buf, r.w - 5, style == CHART_FOCUS ? CHART_FOCUS : CHART_LABEL);
    }
}

void tui_text_box(struct chart_grid *screen, const char *title, const char *text,
                  const char *const *lines, int nlines, const char *footer)
{
    int w = screen->w - 4 < 76 ? screen->w - 4 : 76;
    struct chart_grid g;
    /* the rows the text takes at this width, then a grid of just those */
    if (w < 20 || chart_grid_init(&g, w - 4, screen->h > 6 ? screen->h - 6 : 1, screen->unicode))
        return;
    int rows = text ? tui_wrap(&g, 0, CHART_PLAIN, text) : (nlines < g.h ? nlines : g.h);
    chart_grid_done(&g);
    int h = rows + (footer ? 2 : 0);
    if (chart_grid_init(&g, w - 4, h, screen->unicode))
        return;
    if (text)
        tui_wrap(&g, 0, CHART_PLAIN, text);
    for (int i = 0; !text && i < rows; i++)
        tui_put(&g, 0, i, CHART_PLAIN, "%s", lines[i]);
    if (footer)
        tui_put(&g, 0, rows + 1, CHART_LABEL, "%s", footer);
    struct chart_rect r = {(screen->w - w) / 2, (screen->h - h - 2) / 2, w, h + 2};
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            chart_put(screen, x, y, ' ', CHART_PLAIN);
    tui_box(screen, r, title, CHART_FOCUS);
    tui_paste(screen, &g, r.x + 2, r.y + 1);
    chart_grid_done(&g);
}

void tui_paste(struct chart_grid *screen, const struct chart_grid *p, int x, int y)
{
    for (int j = 0; j < p->h; j++)
        for (int i = 0; i < p->w; i++) {
            struct chart_cell *c = chart_at(screen, x + i, y + j);
            if (c)
                *c = p->cells[j * p->w + i];
        }
}

int tui_put(struct chart_grid *g, int x, int y, int style, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (x >= g->w)
        return 0;
    return chart_text(g, x, y, buf, g->w - x, style);
}

int tui_wrap(struct chart_grid *g, int y0, int style, const char *text)
{
    int y = y0, w = g->w;
    const char *p = text;
    while (*p && y < g->h && w > 0) {
        int len = (int)strlen(p), cut = len;
        if (len > w) {
            cut = w;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = w;
        }
        char line[1024];
        snprintf(line, sizeof line, "%.*s", cut, p);
        chart_text(g, 0, y++, line, w, style);
        p += cut;
        while (*p == ' ')
            p++;
    }
    return y - y0;
}

static const char *fmt(double v, char *buf)
{
    return chart_format(v, buf, 16);
}

/* A correlation: "undefined" when it has none (a constant side). */
static const char *corr(double v, char *buf)
{
    return isnan(v) ? "undefined" : chart_format(v, buf, 16);
}

double tui_metric(const struct tui_state *s, int i, int m)
{
    return s->ev_m[(size_t)i * s->nmetrics + m];
}

/* The objective of metric m, or -1. */
static int objective_of(const struct tui_state *s, int m)
{
    for (int o = 0; o < s->nobj; o++)
        if (s->obj_metric[o] == m)
            return o;
    return -1;
}

void tui_axis_name(const struct tui_state *s, const struct tui_view *v, int m, char *buf, int n,
                   int compact)
{
    double scale;
    const char *unit = tui_metric_unit(s->metric[m], &scale);
    if (compact && strcmp(unit, "count") == 0)
        unit = "";
    int o = objective_of(s, m);
    const char *dir = o < 0 ? "" : s->maximize[o] ? (v->unicode ? "\xe2\x86\x91" : " ^")
                                                  : (v->unicode ? "\xe2\x86\x93" : " v");
    snprintf(buf, (size_t)n, "%s%s%s%s%s", s->metric[m], *unit ? " [" : "", unit, *unit ? "]" : "",
             dir);
}

/* ------------------------------------------------------------ the view */

void tui_view_init(struct tui_view *v, const struct tui_state *s, int unicode)
{
    memset(v, 0, sizeof *v);
    v->unicode = unicode;
    v->selected = -1;
    v->best = -1;
    v->follow_best = 1;
    v->seen_nev = -1;
    for (int o = 0; o < s->nobj; o++)
        v->weight[o] = s->weight0[o];
    int m = s->nmetrics;
    v->yaxis = s->nobj > 0 ? s->obj_metric[0] : 0;
    if (s->nobj > 1) {
        v->xaxis = s->obj_metric[1];
    } else {
        v->xaxis = m > 1 ? (v->yaxis + 1) % m : 0;
        for (int i = 0; i < m; i++)
            if (strcmp(s->metric[i], "params") == 0 && i != v->yaxis)
                v->xaxis = i;
    }
}

void tui_view_done(struct tui_view *v)
{
    free(v->on_front);
    free(v->front);
    free(v->score);
    free(v->crowd);
    memset(v, 0, sizeof *v);
}

static int grow(struct tui_view *v, int n)
{
    if (n <= v->cap)
        return 0;
    int cap = v->cap ? v->cap : 64;
    while (cap < n)
        cap *= 2;
    int *a = realloc(v->on_front, (size_t)cap * sizeof *a);
    if (a)
        v->on_front = a;
    int *b = realloc(v->front, (size_t)cap * sizeof *b);
    if (b)
        v->front = b;
    double *c = realloc(v->score, (size_t)cap * sizeof *c);
    if (c)
        v->score = c;
    double *d = realloc(v->crowd, (size_t)cap * sizeof *d);
    if (d)
        v->crowd = d;
    if (!a || !b || !c || !d)
        return -1;
    v->cap = cap;
    return 0;
}

/* Orders the front best first: weighted score, then crowding, then index. */
static void sort_front(struct tui_view *v)
{
    for (int a = 1; a < v->nfront; a++)
        for (int b = a; b > 0; b--) {
            int i = v->front[b - 1], j = v->front[b];
            int better = v->score[j] > v->score[i] ||
                         (v->score[j] == v->score[i] &&
                          (v->crowd[j] > v->crowd[i] || (v->crowd[j] == v->crowd[i] && j < i)));
            if (!better)
                break;
            v->front[b - 1] = j;
            v->front[b] = i;
        }
}

void tui_view_update(struct tui_view *v, const struct tui_state *s)
{
    int n = s->nev, k = s->nobj;
    if (n == v->seen_nev && v->seen_weights == v->weights_version)
        return;
    if (grow(v, n > 0 ? n : 1))
        return;
    v->seen_nev = n;
    v->seen_weights = v->weights_version;
    v->nfront = 0;
    v->best = -1;
    int *idx = malloc((size_t)(n > 0 ? n : 1) * sizeof *idx);
    int *rank = malloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
    double *f = malloc((size_t)(n > 0 ? n : 1) * (k > 0 ? k : 1) * sizeof *f);
    double *crowd = malloc((size_t)(n > 0 ? n : 1) * sizeof *crowd);
    double *ff = malloc((size_t)(n > 0 ? n : 1) * (k > 0 ? k : 1) * sizeof *ff);
    double *score = malloc((size_t)(n > 0 ? n : 1) * sizeof *score);
    int nfin = 0;
    for (int i = 0; i < n; i++) {
        v->on_front[i] = 0;
        v->score[i] = v->crowd[i] = 0;
    }
    if (idx && rank && f && crowd && ff && score && k > 0) {
        for (int i = 0; i < n; i++) {
            int finite = 1;
            for (int o = 0; o < k; o++)
                finite &= isfinite(tui_metric(s, i, s->obj_metric[o])) != 0;
            if (!finite)
                continue;
            for (int o = 0; o < k; o++)
                f[nfin * k + o] = tui_metric(s, i, s->obj_metric[o]);
            idx[nfin++] = i;
        }
        if (nfin > 0 && pareto_sort(f, nfin, k, s->maximize, rank) >= 0 &&
            pareto_crowding(f, nfin, k, rank, v->weight, crowd) == 0) {
            for (int r = 0; r < nfin; r++) {
                v->crowd[idx[r]] = crowd[r];
                if (rank[r] != 0)
                    continue;
                v->on_front[idx[r]] = 1;
                memcpy(ff + v->nfront * k, f + r * k, (size_t)k * sizeof *f);
                v->front[v->nfront++] = idx[r];
            }
            if (pareto_weighted_sum(ff, v->nfront, k, s->maximize, v->weight, score) == 0)
                for (int r = 0; r < v->nfront; r++)
                    v->score[v->front[r]] = score[r];
            sort_front(v);
        }
    }
    free(idx);
    free(rank);
    free(f);
    free(crowd);
    free(ff);
    free(score);
    v->best = v->nfront > 0 ? v->front[0] : -1;
    if (v->follow_best)
        v->selected = v->best;
    if (v->selected >= n)
        v->selected = -1;
}

int tui_view_weight(struct tui_view *v, const struct tui_state *s, double factor)
{
    int o = v->objective;
    if (o < 0 || o >= s->nobj)
        return 0;
    double w = v->weight[o] * factor;
    if (w < 1e-3)
        w = 1e-3;
    if (w > 1e3)
        w = 1e3;
    if (w == v->weight[o])
        return 0;
    v->weight[o] = w;
    v->weights_version++;
    v->follow_best = 1;
    tui_view_update(v, s);
    return 1;
}

const struct arch *tui_view_selected(const struct tui_view *v, const struct tui_state *s)
{
    if (v->selected < 0 || v->selected >= s->nev)
        return NULL;
    return &s->ev_arch[v->selected];
}

/* ------------------------------------------------------------ titles */

void tui_panel_title(enum tui_panel p, const struct tui_state *s, const struct tui_view *v,
                     char *buf, int n)
{
    char a[16];
    switch (p) {
    case TUI_SUPERNET:
        if (s->total > 0)
            snprintf(buf, (size_t)n, "supernet  %lld/%lld", (long long)s->step,
                     (long long)s->total);
        else
            snprintf(buf, (size_t)n, "supernet");
        break;
    case TUI_RANKING:
        if (s->taus.n > 0)
            snprintf(buf, (size_t)n, "ranking  tau %s", corr(s->tau, a));
        else
            snprintf(buf, (size_t)n, "ranking");
        break;
    case TUI_PARETO:
        snprintf(buf, (size_t)n, "pareto  front %d of %d", v->nfront, s->nev);
        break;
    case TUI_FAIRNESS:
        snprintf(buf, (size_t)n, "fairness  %s sampler", s->sampler);
        break;
    case TUI_ARCH:
        if (v->selected >= 0 && v->selected == v->best)
            snprintf(buf, (size_t)n, "architecture  best by the weights");
        else if (v->selected >= 0 && v->on_front && v->on_front[v->selected])
            snprintf(buf, (size_t)n, "architecture  on the front");
        else
            snprintf(buf, (size_t)n, "architecture");
        break;
    case TUI_LOG:
        if (v->log_scroll > 0)
            snprintf(buf, (size_t)n, "log  scrolled up %d", v->log_scroll);
        else
            snprintf(buf, (size_t)n, "log");
        break;
    default: /* a method's own panels */
        (p >= TUI_NAO_POOL ? tui_nao_title : tui_sp_title)(p, s, buf, n);
    }
}

/* ------------------------------------------------------------ supernet */

/* What ? says of each panel (tui_panel_help): what it shows, how to read
 * it, the paper it comes from. */
static const char help_supernet[] =
    "The supernet's training loss at every step, and its learning rate. One set of weights "
    "holds every network of the space; each step trains the paths the sampler draws on one "
    "batch. Read it as any training curve: it should fall, noisily, as the paths change from "
    "step to step. Weight sharing: ENAS (Pham et al., 2018); one path a step: SPOS "
    "(Guo et al., 2020).";

static void draw_supernet(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
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
    int used = tui_put(g, 0, 0, CHART_SERIES1, "loss %s", fmt(s->loss, a));
    used += 1 + tui_put(g, used + 1, 0, CHART_SERIES2, "lr %s", fmt(s->lr, b));
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
    tui_put(g, at + 4, y, CHART_DIM, "lr 0-%s", fmt(lrmax, a));
}

/* ------------------------------------------------------------ ranking */

static const char help_ranking[] =
    "Does the supernet rank? The networks of the space's ground-truth table, scored with the "
    "shared weights (BatchNorm recalibrated), against their accuracy trained alone: Kendall "
    "tau 1 is the same order, 0 none. Compare it with the tau of size alone (params, MACs) "
    "shown beside it: a supernet that does not beat it ranks nothing. The question FairNAS (Chu et "
    "al., 2021) and Yu et al. (ICLR 2020) asked of weight sharing.";

static void draw_ranking(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
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
    int used = tui_put(g, 0, 0, CHART_LABEL, "%s %s", tau, corr(s->tau, a));
    if (!isnan(s->tau_lo))
        used += tui_put(g, used, 0, CHART_DIM, " [%s, %s]", fmt(s->tau_lo, b), fmt(s->tau_hi, c));
    tui_put(g, used + 2, 0, CHART_LABEL, "%s %s", rho, corr(s->rho, d));
    /* the baselines: how the architectures' sizes alone rank them */
    const struct runner_info *in = runner_info(s->run);
    int top = g->h > 8 ? 2 : 1; /* the scatter's first row */
    if (top == 2)
        tui_put(g, 0, 1, CHART_DIM, "by size alone: params %s %s, MACs %s %s", tau,
            corr(in->params_tau, a), tau, corr(in->macs_tau, b));
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

/* ------------------------------------------------------------ pareto */

static void draw_front_table(struct chart_grid *g, const struct tui_state *s,
                             const struct tui_view *v)
{
    char a[16];
    int at = tui_put(g, 0, 0, CHART_LABEL, " # score");
    for (int o = 0; o < s->nobj && at < g->w; o++)
        at += tui_put(g, at, 0, CHART_LABEL, " %8.8s", s->obj_name[o]);
    int rows = g->h - 2, pos = 0;
    for (int r = 0; r < v->nfront; r++)
        if (v->front[r] == v->selected)
            pos = r;
    int first = pos >= rows ? pos - rows + 1 : 0;
    for (int r = first; r < v->nfront && r - first < rows; r++) {
        int i = v->front[r], y = 1 + r - first;
        int style = i == v->selected ? CHART_SELECTED : r == 0 ? CHART_BEST : CHART_PLAIN;
        at = tui_put(g, 0, y, style, "%2d %5.3f", r + 1, v->score[i]);
        for (int o = 0; o < s->nobj && at < g->w; o++) {
            double scale;
            tui_metric_unit(s->metric[s->obj_metric[o]], &scale);
            at += tui_put(g, at, y, style, " %8s", fmt(tui_metric(s, i, s->obj_metric[o]) * scale, a));
        }
        for (int x = at; x < g->w && style == CHART_SELECTED; x++)
            chart_put(g, x, y, ' ', style);
    }
}

static void draw_weights(struct chart_grid *g, int y, const struct tui_state *s,
                         const struct tui_view *v)
{
    char a[16];
    int at = tui_put(g, 0, y, CHART_DIM, "w");
    for (int o = 0; o < s->nobj && at < g->w; o++)
        at += tui_put(g, at + 1, y, o == v->objective ? CHART_LABEL : CHART_DIM, "%s%d:%.6s %s%s",
                  o == v->objective ? "[" : "", o + 1, s->obj_name[o], fmt(v->weight[o], a),
                  o == v->objective ? "]" : "") +
              1;
}

static const char help_pareto[] =
    "Every evaluated network on two metrics (x and y change them). The highlighted points are "
    "the front: no other network is better in every objective. The star is the front's best "
    "by the weights: 1..8 pick an objective, + and - change its weight, and the star moves "
    "along the front. Non-dominated sorting: NSGA-II (Deb et al., 2002); weights: MoGA (Chu, "
    "Zhang and Xu, 2020).";

static void draw_pareto(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    int n = s->nev;
    if (n == 0) {
        int used = tui_wrap(g, 0, CHART_DIM,
                        "each architecture the search evaluates becomes a point here; the "
                        "non-dominated front is highlighted");
        if (used < g->h)
            draw_weights(g, g->h - 1, s, v);
        return;
    }
    draw_weights(g, g->h - 1, s, v);
    if (v->cap < n) /* out of memory in tui_view_update */
        return;
    if (v->list) {
        struct chart_grid sub;
        if (chart_grid_init(&sub, g->w, g->h - 1, g->unicode) == 0) {
            draw_front_table(&sub, s, v);
            for (int y = 0; y < sub.h; y++)
                for (int x = 0; x < sub.w; x++)
                    *chart_at(g, x, y) = sub.cells[y * sub.w + x];
        }
        chart_grid_done(&sub);
        return;
    }
    if (g->h < 6)
        return;
    double *x = malloc((size_t)n * 2 * sizeof *x);
    int *kind = malloc((size_t)n * sizeof *kind);
    if (!x || !kind) {
        free(x);
        free(kind);
        return;
    }
    double *y = x + n, sx, sy;
    tui_metric_unit(s->metric[v->xaxis], &sx);
    tui_metric_unit(s->metric[v->yaxis], &sy);
    int trained = 0;
    for (int i = 0; i < n; i++) {
        x[i] = tui_metric(s, i, v->xaxis) * sx;
        y[i] = tui_metric(s, i, v->yaxis) * sy;
        int alone = tui_state_result(s, &s->ev_arch[i]) != NULL;
        trained += alone;
        kind[i] = i == v->selected  ? CHART_SELECTED
                  : alone           ? CHART_TRAINED
                  : i == v->best    ? CHART_BEST
                  : v->on_front[i] ? CHART_FRONT
                                    : CHART_POINT;
    }
    double xlo, xhi, ylo, yhi;
    chart_range(x, n, 0.05, &xlo, &xhi);
    chart_range(y, n, 0.05, &ylo, &yhi);
    struct chart_rect r =
        chart_axes(g, (struct chart_rect){0, 0, g->w, g->h - 2}, xlo, xhi, ylo, yhi, 5);
    chart_scatter(g, r, xlo, xhi, ylo, yhi, x, y, kind, n);
    free(x);
    free(kind);
    char xn[96], yn[96];
    tui_axis_name(s, v, v->xaxis, xn, sizeof xn, 1);
    tui_axis_name(s, v, v->yaxis, yn, sizeof yn, 1);
    int at = tui_put(g, 0, g->h - 2, CHART_DIM, "x %s y %s", xn, yn);
    if (trained) { /* the key to the stand-alone mark */
        chart_put(g, at + 2, g->h - 2, chart_marker(g, CHART_TRAINED), CHART_TRAINED);
        tui_put(g, at + 4, g->h - 2, CHART_DIM, "stand-alone %d", trained);
    }
}

/* The front's points in the order of metric m, and where the selection is
 * among them (-1: not on the front). */
static int front_by(const struct tui_state *s, const struct tui_view *v, int m, int *order)
{
    int nf = v->nfront;
    memcpy(order, v->front, (size_t)nf * sizeof *order);
    for (int a = 1; a < nf; a++)
        for (int b = a; b > 0 && tui_metric(s, order[b], m) < tui_metric(s, order[b - 1], m); b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (int r = 0; r < nf; r++)
        if (order[r] == v->selected)
            return r;
    return -1;
}

static int key_pareto(int key, const struct tui_state *s, struct tui_view *v)
{
    int n = s->nev;
    if (key == TUI_KEY_ENTER) {
        v->list = !v->list;
        return 1;
    }
    if (key == 'b') {
        v->follow_best = 1;
        v->selected = v->best;
        return 1;
    }
    int dir = 0, vertical = 0;
    if (key == TUI_KEY_LEFT || key == 'h')
        dir = -1;
    else if (key == TUI_KEY_RIGHT || key == 'l')
        dir = 1;
    else if (key == TUI_KEY_UP || key == 'k')
        dir = 1, vertical = 1;
    else if (key == TUI_KEY_DOWN || key == 'j')
        dir = -1, vertical = 1;
    else
        return 0;
    if (n == 0 || v->nfront == 0)
        return 1;
    v->follow_best = 0;
    if (v->list && vertical) { /* the table: up is the better rank */
        int r = 0;
        for (int i = 0; i < v->nfront; i++)
            if (v->front[i] == v->selected)
                r = i;
        r -= dir;
        r = r < 0 ? 0 : r >= v->nfront ? v->nfront - 1 : r;
        v->selected = v->front[r];
        return 1;
    }
    if (!vertical || v->selected < 0) {
        int *order = malloc((size_t)v->nfront * sizeof *order);
        if (!order)
            return 1;
        int r = front_by(s, v, v->xaxis, order);
        if (r < 0) { /* off the front: to its point nearest in x */
            double best = INFINITY,
                   xs = v->selected >= 0 ? tui_metric(s, v->selected, v->xaxis) : 0;
            r = 0;
            for (int i = 0; i < v->nfront && v->selected >= 0; i++)
                if (fabs(tui_metric(s, order[i], v->xaxis) - xs) < best) {
                    best = fabs(tui_metric(s, order[i], v->xaxis) - xs);
                    r = i;
                }
        } else {
            r += dir;
        }
        r = r < 0 ? 0 : r >= v->nfront ? v->nfront - 1 : r;
        v->selected = order[r];
        free(order);
        return 1;
    }
    /* up or down: the nearest point in that direction, in plot units */
    double xlo = INFINITY, xhi = -INFINITY, ylo = INFINITY, yhi = -INFINITY;
    for (int i = 0; i < n; i++) {
        double x = tui_metric(s, i, v->xaxis), y = tui_metric(s, i, v->yaxis);
        if (!isfinite(x) || !isfinite(y))
            continue;
        xlo = fmin(xlo, x), xhi = fmax(xhi, x), ylo = fmin(ylo, y), yhi = fmax(yhi, y);
    }
    double xr = xhi > xlo ? xhi - xlo : 1, yr = yhi > ylo ? yhi - ylo : 1;
    double x0 = tui_metric(s, v->selected, v->xaxis), y0 = tui_metric(s, v->selected, v->yaxis);
    int best = -1;
    double bd = INFINITY;
    for (int i = 0; i < n; i++) {
        double dy = (tui_metric(s, i, v->yaxis) - y0) / yr,
               dx = (tui_metric(s, i, v->xaxis) - x0) / xr;
        if (i == v->selected || !isfinite(dx) || !isfinite(dy) || dy * dir <= 0)
            continue;
        double d = fabs(dy) + 2 * fabs(dx);
        if (d < bd) {
            bd = d;
            best = i;
        }
    }
    if (best >= 0)
        v->selected = best;
    return 1;
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

static const char help_fairness[] =
    "How many paths trained each choice (a row) of each layer (a column), every column scaled "
    "to its own range. A fair sampler keeps each column one colour and the ratio at 1; a "
    "uniform one drifts, and a choice trained less looks worse than it is. Strict fairness, "
    "every choice once a step: FairNAS (Chu, Zhang and Xu, 2021).";

/* The heat map shows path-trainings (paths trained through each choice),
 * each layer scaled to its own range: strict fairness is per layer.  A
 * choice trained by more paths than it got updates (several paths of a step
 * shared it: a layer with fewer choices than the fair sampler's paths) is
 * marked with '+'; the footer gives both ratios. */
static void draw_fairness(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
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
        tui_put(g, 0, y++, CHART_DIM, "max/min %s trainings", isinf(worst) ? inf : fmt(worst, a));
    if (y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "max/min %s updates", isinf(worst_u) ? inf : fmt(worst_u, b));
    if (y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "%s path-trainings", fmt((double)total, c));
    if (shared && y < g->h)
        tui_put(g, 0, y++, CHART_DIM, "+ trained by 2+ paths a step");
    if (rows < nc && y < g->h)
        tui_put(g, 0, y, CHART_DIM, "+%d choices not shown", nc - rows);
}

/* ------------------------------------------------------------ architecture */

void tui_arch_draw(struct chart_grid *g, int y0, const struct tui_state *s, struct tui_view *v,
                   const struct arch *a)
{
    char b1[16], b2[16], b3[16];
    const struct space *sp = &s->space;
    struct cost c = arch_cost(sp, a);
    int at = tui_put(g, 0, y0, CHART_LABEL, "%s params %s MACs", fmt((double)c.params, b1),
                     fmt((double)c.macs, b2));
    if (s->latency)
        tui_put(g, at, y0, CHART_LABEL, " %s ms", fmt(latency_predict(s->latency, a), b3));
    const struct tui_result *r = tui_state_result(s, a);
    int same_solo = s->solo_running && memcmp(&s->solo_arch, a, sizeof *a) == 0;
    if (same_solo)
        tui_put(g, 0, y0 + 2, CHART_WARN, "stand-alone: step %lld/%lld loss %s",
                (long long)s->solo_step, (long long)s->solo_total, fmt(s->solo_loss, b1));
    else if (r)
        tui_put(g, 0, y0 + 2, CHART_SERIES1, "stand-alone %.2f%% (%d ep, %.0f s)",
                r->accuracy * 100, r->epochs, r->seconds);
    else
        tui_put(g, 0, y0 + 2, CHART_DIM, "t: train it stand-alone");
    /* the table: drop columns that do not fit */
    int cw = 5, y1 = y0 + 3;
    for (int l = 0; l < a->n; l++)
        if ((int)strlen(sp->choices[a->choice[l]].name) > cw)
            cw = (int)strlen(sp->choices[a->choice[l]].name);
    int with_kes = g->w >= 3 + cw + 7 + 14 + (s->latency ? 6 : 0);
    int with_ms = s->latency && g->w >= 3 + cw + 14 + 6;
    int with_macs = g->w >= 3 + cw + 14;
    at = tui_put(g, 0, y1, CHART_AXIS, " # %-*s", cw, "choice");
    if (with_kes)
        at += tui_put(g, at, y1, CHART_AXIS, " k e se");
    at += tui_put(g, at, y1, CHART_AXIS, " %6s", "params");
    if (with_macs)
        at += tui_put(g, at, y1, CHART_AXIS, " %6s", "MACs");
    if (with_ms)
        tui_put(g, at, y1, CHART_AXIS, " %5s", "ms");
    int rows = g->h - y1 - 1;
    if (v->arch_scroll > a->n - rows)
        v->arch_scroll = a->n - rows > 0 ? a->n - rows : 0;
    for (int l = v->arch_scroll; l < a->n && l - v->arch_scroll < rows; l++) {
        int y = y1 + 1 + l - v->arch_scroll;
        const struct choice *ch = &sp->choices[a->choice[l]];
        struct cost lc = space_layer_cost(sp, l, a->choice[l]);
        at = tui_put(g, 0, y, CHART_DIM, "%2d ", l + 1);
        at += tui_put(g, at, y, ch->skip ? CHART_DIM : CHART_LABEL, "%-*s", cw, ch->name);
        if (with_kes) {
            if (ch->skip)
                at += tui_put(g, at, y, CHART_DIM, " - - - ");
            else
                at += tui_put(g, at, y, CHART_PLAIN, " %d %d %s", ch->k, ch->e,
                              ch->se ? (v->unicode ? "\xe2\x9c\x93 " : "y ") : "- ");
        }
        at += tui_put(g, at, y, CHART_PLAIN, " %6s", fmt((double)lc.params, b1));
        if (with_macs)
            at += tui_put(g, at, y, CHART_PLAIN, " %6s", fmt((double)lc.macs, b2));
        if (with_ms)
            tui_put(g, at, y, CHART_PLAIN, " %5s",
                    fmt(latency_layer(s->latency, l, a->choice[l]), b3));
    }
}

static const char help_arch[] =
    "The selected network layer by layer: its choice (kernel k, expansion e, s for "
    "squeeze-and-excitation), parameters, multiply-adds and latency on the run's device. "
    "Parameters are memory, MACs arithmetic, latency what a device takes: they need not agree, "
    "which is why hardware-aware NAS measures it (MnasNet, Tan et al., 2019). t trains it alone "
    "to check the supernet's accuracy.";

static void draw_arch(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    const struct arch *a = tui_view_selected(v, s);
    char b1[16];
    if (!a) {
        if (s->solo_running) {
            char name[ARCH_TEXT_MAX];
            arch_format(&s->space, &s->solo_arch, name, sizeof name);
            tui_put(g, 0, 0, CHART_LABEL, "stand-alone %lld/%lld", (long long)s->solo_step,
                    (long long)s->solo_total);
            tui_wrap(g, 1, CHART_DIM, name);
            return;
        }
        tui_wrap(g, 0, CHART_DIM,
                 "the architecture selected on the Pareto plot is drawn here layer by layer; the "
                 "search starts after the supernet's training");
        return;
    }
    tui_arch_draw(g, 0, s, v, a);
    /* the evaluation's objectives */
    int i = v->selected, at = 0;
    for (int o = 0; o < s->nobj && at < g->w; o++) {
        double scale;
        const char *unit = tui_metric_unit(s->obj_name[o], &scale);
        at += tui_put(g, at, 1, CHART_PLAIN, "%s%.8s %s%s", o ? " " : "", s->obj_name[o],
                      fmt(tui_metric(s, i, s->obj_metric[o]) * scale, b1),
                      strcmp(unit, "%") ? "" : "%");
    }
}

/* ------------------------------------------------------------ log */

/* Where the rows of text wrapped at width w start (code point offsets, at
 * most max of them): at the last space that fits, or hard at w when a word
 * is longer.  Returns the rows (>= 1). */
static int wrap_rows(const char *text, int w, int *start, int max)
{
    uint32_t cp[TUI_LOG_WIDTH];
    int n = 0;
    for (const char *t = text; *t && n < TUI_LOG_WIDTH;)
        t += chart_utf8_next(t, &cp[n++]);
    int rows = 0, at = 0;
    do {
        if (rows < max)
            start[rows] = at;
        rows++;
        if (n - at <= w)
            break;
        int cut = at + w;
        while (cut > at + w / 3 && cp[cut] != ' ')
            cut--;
        if (cp[cut] != ' ')
            cut = at + w;
        at = cut;
        while (at < n && cp[at] == ' ')
            at++;
    } while (at < n);
    return rows;
}

/* The byte offset of code point i of t. */
static const char *uskip(const char *t, int i)
{
    uint32_t cp;
    while (*t && i-- > 0)
        t += chart_utf8_next(t, &cp);
    return t;
}

static const char help_log[] =
    "The run's messages: a line at each epoch's end (the supernet's ranking, or what "
    "Single-Path's decisions decode to), the generations, the retrained networks' results, "
    "the Lua scripts' prints, warnings and errors with their tracebacks. After a Lua error, "
    "fix the file and press r: the search goes on with every evaluation kept.";

static void draw_log(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    int w = g->w, h = g->h, start[TUI_LOG_WIDTH + 1];
    if (w < 1 || h < 1)
        return;
    /* rows from the bottom: skip log_scroll of them, then fill upwards */
    int total = 0;
    for (int i = 0; i < s->log_n; i++)
        total += wrap_rows(tui_state_log_line(s, i)->text, w, start, 0);
    if (v->log_scroll > total - h)
        v->log_scroll = total - h > 0 ? total - h : 0;
    int skip = v->log_scroll, y = h - 1;
    for (int i = 0; i < s->log_n && y >= 0; i++) {
        const struct tui_log_line *l = tui_state_log_line(s, i);
        int nrows = wrap_rows(l->text, w, start, TUI_LOG_WIDTH + 1);
        int style = l->level == TUI_ERROR ? CHART_ERROR
                    : l->level == TUI_WARN ? CHART_WARN
                                           : CHART_PLAIN;
        for (int r = nrows - 1; r >= 0 && y >= 0; r--) {
            if (skip > 0) {
                skip--;
                continue;
            }
            int len = r + 1 < nrows ? start[r + 1] - start[r] : w;
            chart_text(g, 0, y--, uskip(l->text, start[r]), len < w ? len : w, style);
        }
    }
}

static int key_scroll(int key, int *scroll, int page)
{
    switch (key) {
    case TUI_KEY_UP:
    case 'k':
        *scroll += 1;
        return 1;
    case TUI_KEY_DOWN:
    case 'j':
        *scroll = *scroll > 0 ? *scroll - 1 : 0;
        return 1;
    case TUI_KEY_PGUP:
        *scroll += page;
        return 1;
    case TUI_KEY_PGDN:
        *scroll = *scroll > page ? *scroll - page : 0;
        return 1;
    case TUI_KEY_HOME:
        *scroll = 1 << 30;
        return 1;
    case TUI_KEY_END:
        *scroll = 0;
        return 1;
    }
    return 0;
}

/* Up and down scroll a table of rows (its draw keeps *top in range). */
static int key_rows(int key, int *top)
{
    if (key == TUI_KEY_UP || key == 'k') {
        *top = *top > 0 ? *top - 1 : 0;
        return 1;
    }
    if (key == TUI_KEY_DOWN || key == 'j') {
        (*top)++;
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------ dispatch */

void tui_panel_draw(enum tui_panel p, struct chart_grid *g, const struct tui_state *s,
                    struct tui_view *v)
{
    chart_grid_clear(g);
    if (g->w < 4 || g->h < 1)
        return;
    tui_view_update(v, s);
    switch (p) {
    case TUI_SUPERNET:
        draw_supernet(g, s, v);
        break;
    case TUI_RANKING:
        draw_ranking(g, s, v);
        break;
    case TUI_PARETO:
        draw_pareto(g, s, v);
        break;
    case TUI_FAIRNESS:
        draw_fairness(g, s, v);
        break;
    case TUI_ARCH:
        draw_arch(g, s, v);
        break;
    case TUI_LOG:
        draw_log(g, s, v);
        break;
    default: /* a method's own panels */
        (p >= TUI_NAO_POOL ? tui_nao_draw : tui_sp_draw)(p, g, s, v);
    }
}

const char *tui_panel_help(enum tui_panel p)
{
    switch (p) {
    case TUI_SUPERNET:
        return help_supernet;
    case TUI_RANKING:
        return help_ranking;
    case TUI_PARETO:
        return help_pareto;
    case TUI_FAIRNESS:
        return help_fairness;
    case TUI_ARCH:
        return help_arch;
    case TUI_LOG:
        return help_log;
    default:
        return tui_sp_help(p) ? tui_sp_help(p) : tui_nao_help(p);
    }
}

int tui_panel_key(enum tui_panel p, int key, const struct tui_state *s, struct tui_view *v)
{
    tui_view_update(v, s);
    switch (p) {
    case TUI_PARETO:
        return key_pareto(key, s, v);
    case TUI_LOG:
        /* the log's rows are wrapped: a page is about ten of them */
        return key_scroll(key, &v->log_scroll, 10);
    case TUI_ARCH:
    case TUI_SP_ARCH:
        return key_rows(key, &v->arch_scroll);
    case TUI_SP_DECISIONS:
    case TUI_NAO_CANDIDATES:
        return key_rows(key, &v->dec_scroll);
    default:
        return 0;
    }
}
