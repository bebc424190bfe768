#include "tui_nao.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pareto.h"
#include "rank.h"

#define ARCH_TEXT (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

static const char *num(double v, char *buf)
{
    if (isnan(v))
        return snprintf(buf, 16, "-"), buf;
    return chart_format(v, buf, 16);
}

/* ------------------------------------------------------------ the snapshot */

void tui_nao_sync(struct tui_state *s, const struct runner *r)
{
    if (!runner_nao(r, &s->nao_run))
        return;
    int n = s->nao_run.npool;
    if (n > s->nao_cap) {
        struct runner_nao_arch *a = realloc(s->nao_pool, (size_t)n * sizeof *a);
        if (!a)
            return; /* (the panels keep the pool they had) */
        s->nao_pool = a;
        s->nao_cap = n;
    }
    s->nao_npool = 0;
    for (int i = 0; i < n && runner_nao_arch(r, i, &s->nao_pool[i]) == 0; i++)
        s->nao_npool = i + 1;
    for (int k = 1; k <= s->nao_run.evaluated; k++)
        runner_nao_round(r, k, &s->nao_rounds[k - 1]);
}

void tui_nao_round_text(const struct tui_state *s, char *buf, int n)
{
    const struct runner_nao *st = &s->nao_run;
    if (st->evaluated < 1) {
        buf[0] = 0;
        return;
    }
    const struct naosearch_round *rd = &s->nao_rounds[st->evaluated - 1];
    char a[16], b[16], g[48] = "";
    if (rd->generated >= 0)
        snprintf(g, sizeof g, "; %d decoded", rd->generated);
    snprintf(buf, (size_t)n,
             "round %d/%d: %d new, %.1f updates each; pool of %d: best %.4f, mean %.4f; "
             "held-out tau %s, predictor tau %s%s",
             rd->round, st->rounds, rd->new_archs, rd->updates_mean, rd->pool, rd->best_acc,
             rd->mean_acc, num(rd->heldout_tau, a), num(rd->tau, b), g);
}

void tui_nao_rerank_text(const struct tui_state *s, char *buf, int n)
{
    const struct runner_nao *st = &s->nao_run;
    buf[0] = 0;
    if (st->last_reranked < 0 || st->last_reranked >= s->nao_npool)
        return;
    const struct runner_nao_arch *a = &s->nao_pool[st->last_reranked];
    char name[ARCH_TEXT];
    arch_format(&s->space, &a->arch, name, (int)sizeof name);
    snprintf(buf, (size_t)n, "re-rank %d/%d: %s, stand-alone %.4f (supernet %.4f)", st->reranked,
             st->rerank, name, a->standalone, a->accuracy);
}

void tui_nao_status(const struct tui_state *s, char *buf, int n)
{
    const struct runner_nao *st = &s->nao_run;
    switch (st->stage) {
    case NAOSEARCH_TRAIN:
        snprintf(buf, (size_t)n, "round %d/%d  training %lld/%lld", st->round, st->rounds,
                 (long long)st->step, (long long)st->round_steps);
        break;
    case NAOSEARCH_EVALUATE:
        snprintf(buf, (size_t)n, "round %d/%d  scoring %d/%d", st->round, st->rounds, st->scored,
                 st->npool);
        break;
    case NAOSEARCH_CONTROLLER:
        snprintf(buf, (size_t)n, "round %d/%d  controller %d/%d", st->round, st->rounds,
                 st->controller_epoch, st->controller_epochs);
        break;
    case NAOSEARCH_GENERATE:
        snprintf(buf, (size_t)n, "round %d/%d  decoding", st->round, st->rounds);
        break;
    case RUNNER_NAO_RERANK:
        snprintf(buf, (size_t)n, "re-rank %d/%d  step %lld/%lld", st->reranked + 1, st->rerank,
                 (long long)st->rstep, (long long)st->rtotal);
        break;
    default:
        snprintf(buf, (size_t)n, "%d rounds", st->evaluated);
    }
}

const struct arch *tui_nao_selected(const struct tui_state *s)
{
    int best = s->nao_run.chosen;
    if (best < 0)
        for (int i = 0; i < s->nao_npool; i++)
            if (!isnan(s->nao_pool[i].accuracy) &&
                (best < 0 || s->nao_pool[i].accuracy > s->nao_pool[best].accuracy))
                best = i;
    return best >= 0 && best < s->nao_npool ? &s->nao_pool[best].arch : NULL;
}

/* ------------------------------------------------------------ pool */

static void draw_pool(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    int n = s->nao_npool;
    double *x = malloc((size_t)(n ? n : 1) * 4 * sizeof *x);
    int *kind = calloc((size_t)(n ? n : 1) * 4, sizeof *kind);
    if (!x || !kind)
        goto out;
    double *y = x + n, *f = x + 2 * n; /* f: [n][2] accuracy, latency */
    int *map = kind + n, *front = kind + 2 * n, *on = kind + 3 * n, m = 0, best = -1;
    for (int i = 0; i < n; i++) { /* the scored ones */
        const struct runner_nao_arch *a = &s->nao_pool[i];
        if (!isfinite(a->accuracy) || !isfinite(a->latency_ms))
            continue;
        x[m] = a->latency_ms;
        y[m] = a->accuracy * 100;
        f[2 * m] = a->accuracy;
        f[2 * m + 1] = a->latency_ms;
        if (best < 0 || y[m] > y[best])
            best = m;
        map[m++] = i;
    }
    if (m == 0) {
        tui_wrap(g, 0, CHART_DIM,
                 "each architecture of the pool becomes a point here once the supernet has "
                 "scored it: accuracy against latency, the front of the two highlighted");
        goto out;
    }
    const int maximize[2] = {1, 0};
    int nf = pareto_front(f, m, 2, maximize, front);
    for (int j = 0; j < nf; j++)
        on[front[j]] = 1;
    for (int j = 0; j < m; j++) {
        const struct runner_nao_arch *a = &s->nao_pool[map[j]];
        kind[j] = map[j] == s->nao_run.chosen ? CHART_SELECTED
                  : !isnan(a->standalone)     ? CHART_TRAINED
                  : j == best                 ? CHART_BEST
                  : on[j]                     ? CHART_FRONT
                                              : CHART_POINT;
    }
    char a[16], b[16], name[ARCH_TEXT];
    arch_format(&s->space, &s->nao_pool[map[best]].arch, name, (int)sizeof name);
    int at = tui_put(g, 0, 0, CHART_BEST, "best %s%%", num(y[best], a));
    tui_put(g, at + 1, 0, CHART_DIM, "%s ms %s", num(x[best], b), name);
    if (g->h >= 6) {
        double xlo, xhi, ylo, yhi;
        chart_range(x, m, 0.05, &xlo, &xhi);
        chart_range(y, m, 0.05, &ylo, &yhi);
        struct chart_rect r =
            chart_axes(g, (struct chart_rect){0, 1, g->w, g->h - 3}, xlo, xhi, ylo, yhi, 5);
        chart_scatter(g, r, xlo, xhi, ylo, yhi, x, y, kind, m);
    }
    at = tui_put(g, 0, g->h - 1, CHART_DIM, "x latency [ms on %s] y accuracy [%%] ",
                 s->nao_run.device ? s->nao_run.device : "?");
    const struct {
        int kind;
        const char *what;
    } legend[] = {{CHART_FRONT, "front"}, {CHART_TRAINED, "re-ranked"}, {CHART_SELECTED, "chosen"}};
    for (size_t i = 0; i < sizeof legend / sizeof legend[0] && at < g->w - 4; i++) {
        chart_put(g, at, g->h - 1, chart_marker(g, legend[i].kind), legend[i].kind);
        at += 3 + tui_put(g, at + 2, g->h - 1, CHART_DIM, "%s", legend[i].what);
    }
    (void)v;
out:
    free(x);
    free(kind);
}

/* ------------------------------------------------------------ predictor */

static void draw_tau(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v)
{
    int k = s->nao_run.evaluated;
    if (k == 0) {
        tui_wrap(g, 0, CHART_DIM,
                 "the controller's Kendall tau per round shows here: on the pool it trained on, "
                 "and held out: its predictions of the next round's new architectures against "
                 "their accuracy once scored");
        return;
    }
    char a[16], b[16];
    int last_tau = k, last_held = k;
    while (last_tau > 0 && isnan(s->nao_rounds[last_tau - 1].tau))
        last_tau--;
    while (last_held > 0 && isnan(s->nao_rounds[last_held - 1].heldout_tau))
        last_held--;
    int at = tui_put(g, 0, 0, CHART_SERIES1, "held-out %s",
                     num(last_held ? s->nao_rounds[last_held - 1].heldout_tau : NAN, a));
    tui_put(g, at + 1, 0, CHART_SERIES2, "pool %s",
            num(last_tau ? s->nao_rounds[last_tau - 1].tau : NAN, b));
    /* a table of the rounds, then (room left) a chart of the two */
    int rows = g->h - 2, y = 1;
    if (rows >= 2) {
        tui_put(g, 0, y++, CHART_AXIS, "rnd  new  best   held-out  pool");
        for (int r = k > rows - 1 ? k - rows + 1 : 0; r < k && y < g->h; r++) {
            const struct naosearch_round *rd = &s->nao_rounds[r];
            char c[16], d[16], e[16];
            tui_put(g, 0, y++, CHART_PLAIN, "%3d %4d  %-6s %-9s %s", rd->round, rd->new_archs,
                    num(rd->best_acc * 100, c), num(rd->heldout_tau, d), num(rd->tau, e));
        }
    }
    if (g->h - y >= 5 && k >= 2) {
        double rx[NAOSEARCH_MAX_ROUNDS], held[NAOSEARCH_MAX_ROUNDS], pool[NAOSEARCH_MAX_ROUNDS];
        for (int r = 0; r < k; r++) {
            rx[r] = r + 1;
            held[r] = s->nao_rounds[r].heldout_tau;
            pool[r] = s->nao_rounds[r].tau;
        }
        struct chart_series sr[2] = {{rx, pool, k, -1, 1, CHART_SERIES2},
                                     {rx, held, k, -1, 1, CHART_SERIES1}};
        struct chart_rect r =
            chart_axes(g, (struct chart_rect){0, y, g->w, g->h - y - 1}, 1, k, -1, 1, 5);
        chart_lines(g, r, 1, k, sr, 2);
    }
    uint32_t stroke = v->unicode ? 0x2501 : '-'; /* ━ */
    chart_put(g, 0, g->h - 1, stroke, CHART_SERIES1);
    at = 2 + tui_put(g, 2, g->h - 1, CHART_DIM, "held out");
    chart_put(g, at + 1, g->h - 1, stroke, CHART_SERIES2);
    tui_put(g, at + 3, g->h - 1, CHART_DIM, "on the pool (Kendall tau)");
}

/* ------------------------------------------------------------ candidates */

static void draw_candidates(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    int n = s->nao_npool, last = n ? s->nao_pool[n - 1].round : 0, first = n;
    while (first > 0 && s->nao_pool[first - 1].round == last)
        first--;
    if (last < 2) {
        tui_wrap(g, 0, CHART_DIM,
                 "the architectures the controller decodes at each round's end (the best of the "
                 "pool moved along its predictor's gradient) are listed here, best predicted "
                 "first, with their accuracy once the next round has scored them");
        return;
    }
    int m = n - first;
    double *pred = malloc((size_t)m * sizeof *pred);
    int *idx = malloc((size_t)m * sizeof *idx);
    int k = pred && idx ? 0 : -1;
    for (int i = 0; i < m && pred; i++)
        pred[i] = s->nao_pool[first + i].predicted;
    if (k == 0)
        k = rank_order_desc(pred, m, idx);
    tui_put(g, 0, 0, CHART_AXIS, "  # pred   acc    ms     arch");
    int rows = g->h - 1;
    if (v->dec_scroll > k - rows)
        v->dec_scroll = k - rows > 0 ? k - rows : 0;
    for (int i = v->dec_scroll; i < k && i - v->dec_scroll < rows; i++) {
        const struct runner_nao_arch *a = &s->nao_pool[first + idx[i]];
        char p[16], c[16], ms[16], name[ARCH_TEXT];
        arch_format(&s->space, &a->arch, name, (int)sizeof name);
        int scored = a->scored == a->round;
        tui_put(g, 0, 1 + i - v->dec_scroll, scored ? CHART_PLAIN : CHART_DIM,
                "%3d %-6s %-6s %-6s %s", i + 1, num(a->predicted * 100, p),
                num(scored ? a->accuracy * 100 : NAN, c), num(a->latency_ms, ms), name);
    }
    free(pred);
    free(idx);
}

/* ------------------------------------------------------------ dispatch */

/* What ? says of each panel (tui_nao_help). */
static const char help_pool[] =
    "Every architecture NAO has scored, its accuracy through the supernet against its latency, "
    "the front of the two marked; the newest rounds' points come from the controller, the "
    "first round's are random. Each round retrains the supernet only on that round's new "
    "networks, so older points were scored by weights that moved since. NAO (Luo et al., "
    "2018) with NAO-V2's balanced training.";
static const char help_tau[] =
    "Kendall's tau of the controller's predicted accuracy against the supernet's, per round: "
    "on the pool it trained on (its fit) and on the next round's networks before they were "
    "scored (held out, the figure that matters). 0 is chance, 1 a perfect order. NAO's "
    "performance predictor (Luo et al., 2018).";
static const char help_candidates[] =
    "The last round's decoded architectures: each came from moving a good network's "
    "embedding along the predictor's gradient and decoding it, best predicted first, with "
    "its accuracy once the supernet scored it. NAO's continuous optimisation (Luo et al., "
    "2018).";

const char *tui_nao_help(enum tui_panel p)
{
    switch (p) {
    case TUI_NAO_POOL:
        return help_pool;
    case TUI_NAO_TAU:
        return help_tau;
    case TUI_NAO_CANDIDATES:
        return help_candidates;
    default:
        return NULL;
    }
}

void tui_nao_title(enum tui_panel p, const struct tui_state *s, char *buf, int n)
{
    const struct runner_nao *st = &s->nao_run;
    int last = s->nao_npool ? s->nao_pool[s->nao_npool - 1].round : 0, m = 0;
    for (int i = s->nao_npool - 1; i >= 0 && s->nao_pool[i].round == last; i--)
        m++;
    switch (p) {
    case TUI_NAO_POOL:
        snprintf(buf, (size_t)n, "pool  %d architectures, %d round%s scored", s->nao_npool,
                 st->evaluated, st->evaluated == 1 ? "" : "s");
        break;
    case TUI_NAO_TAU:
        snprintf(buf, (size_t)n, "predictor");
        break;
    case TUI_NAO_CANDIDATES:
        if (last >= 2)
            snprintf(buf, (size_t)n, "candidates  %d decoded by round %d", m, last - 1);
        else
            snprintf(buf, (size_t)n, "candidates");
        break;
    default:
        buf[0] = 0;
    }
}

void tui_nao_draw(enum tui_panel p, struct chart_grid *g, const struct tui_state *s,
                  struct tui_view *v)
{
    switch (p) {
    case TUI_NAO_POOL:
        draw_pool(g, s, v);
        break;
    case TUI_NAO_TAU:
        draw_tau(g, s, v);
        break;
    case TUI_NAO_CANDIDATES:
        draw_candidates(g, s, v);
        break;
    default:
        break;
    }
}
