/* tui_pareto: the Pareto front (ui/tui_panels.h): the metrics on the plot's
 * axes, the view's front with its weighted order and the selection
 * (tui_view_*), and the Pareto panel, its scatter or its table, and its
 * keys. */
#include "tui_panels_priv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pareto.h"

/* ------------------------------------------------------------ metrics */

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

/* ------------------------------------------------------------ the panel */

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
            at += tui_put(g, at, y, style, " %8s", tui_fmt(tui_metric(s, i, s->obj_metric[o]) * scale, a));
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
                  o == v->objective ? "[" : "", o + 1, s->obj_name[o], tui_fmt(v->weight[o], a),
                  o == v->objective ? "]" : "") +
              1;
}

const char tui_pareto_help[] =
    "Every evaluated network on two metrics (x and y change them). The highlighted points are "
    "the front: no other network is better in every objective. The star is the front's best "
    "by the weights: 1..8 pick an objective, + and - change its weight, and the star moves "
    "along the front. Non-dominated sorting: NSGA-II (Deb et al., 2002); weights: MoGA (Chu, "
    "Zhang and Xu, 2020).";

void tui_pareto_draw(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
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

int tui_pareto_key(int key, const struct tui_state *s, struct tui_view *v)
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
