/* tui_panels: the panels' titles, and their draws, keys and help handed to
 * the files that hold them (ui/tui_panels_priv.h; a method's own panels:
 * ui/tui_sp.h, ui/tui_nao.h). */
#include "tui_panels_priv.h"

#include <stdio.h>

#include "tui_nao.h"
#include "tui_sp.h"

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
            snprintf(buf, (size_t)n, "ranking  tau %s", tui_corr(s->tau, a));
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

/* ------------------------------------------------------------ keys */

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
        tui_supernet_draw(g, s, v);
        break;
    case TUI_RANKING:
        tui_ranking_draw(g, s, v);
        break;
    case TUI_PARETO:
        tui_pareto_draw(g, s, v);
        break;
    case TUI_FAIRNESS:
        tui_fairness_draw(g, s, v);
        break;
    case TUI_ARCH:
        tui_arch_panel_draw(g, s, v);
        break;
    case TUI_LOG:
        tui_log_draw(g, s, v);
        break;
    default: /* a method's own panels */
        (p >= TUI_NAO_POOL ? tui_nao_draw : tui_sp_draw)(p, g, s, v);
    }
}

const char *tui_panel_help(enum tui_panel p)
{
    switch (p) {
    case TUI_SUPERNET:
        return tui_supernet_help;
    case TUI_RANKING:
        return tui_ranking_help;
    case TUI_PARETO:
        return tui_pareto_help;
    case TUI_FAIRNESS:
        return tui_fairness_help;
    case TUI_ARCH:
        return tui_arch_help;
    case TUI_LOG:
        return tui_log_help;
    default:
        return tui_sp_help(p) ? tui_sp_help(p) : tui_nao_help(p);
    }
}

int tui_panel_key(enum tui_panel p, int key, const struct tui_state *s, struct tui_view *v)
{
    tui_view_update(v, s);
    switch (p) {
    case TUI_PARETO:
        return tui_pareto_key(key, s, v);
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
