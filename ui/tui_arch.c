/* tui_arch: the architecture panel (ui/tui_panels.h): the selected
 * architecture layer by layer (tui_arch_draw, which Single-Path's own panel
 * draws too), with its objectives. */
#include "tui_panels_priv.h"

#include <string.h>

#define ARCH_TEXT_MAX (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

void tui_arch_draw(struct chart_grid *g, int y0, const struct tui_state *s, struct tui_view *v,
                   const struct arch *a)
{
    char b1[16], b2[16], b3[16];
    const struct space *sp = &s->space;
    struct cost c = arch_cost(sp, a);
    int at = tui_put(g, 0, y0, CHART_LABEL, "%s params %s MACs", tui_fmt((double)c.params, b1),
                     tui_fmt((double)c.macs, b2));
    if (s->latency)
        tui_put(g, at, y0, CHART_LABEL, " %s ms", tui_fmt(latency_predict(s->latency, a), b3));
    const struct tui_result *r = tui_state_result(s, a);
    int same_solo = s->solo_running && memcmp(&s->solo_arch, a, sizeof *a) == 0;
    if (same_solo)
        tui_put(g, 0, y0 + 2, CHART_WARN, "stand-alone: step %lld/%lld loss %s",
                (long long)s->solo_step, (long long)s->solo_total, tui_fmt(s->solo_loss, b1));
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
        at += tui_put(g, at, y, CHART_PLAIN, " %6s", tui_fmt((double)lc.params, b1));
        if (with_macs)
            at += tui_put(g, at, y, CHART_PLAIN, " %6s", tui_fmt((double)lc.macs, b2));
        if (with_ms)
            tui_put(g, at, y, CHART_PLAIN, " %5s",
                    tui_fmt(latency_layer(s->latency, l, a->choice[l]), b3));
    }
}

const char tui_arch_help[] =
    "The selected network layer by layer: its choice (kernel k, expansion e, s for "
    "squeeze-and-excitation), parameters, multiply-adds and latency on the run's device. "
    "Parameters are memory, MACs arithmetic, latency what a device takes: they need not agree, "
    "which is why hardware-aware NAS measures it (MnasNet, Tan et al., 2019). t trains it alone "
    "to check the supernet's accuracy.";

void tui_arch_panel_draw(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
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
                      tui_fmt(tui_metric(s, i, s->obj_metric[o]) * scale, b1),
                      strcmp(unit, "%") ? "" : "%");
    }
}
