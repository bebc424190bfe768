/* tui_panels_priv: what the files of the panels of ui/tui_panels.h share
 * with each other: tui_panels.c (the titles and the dispatch), tui_draw.c
 * (the drawing helpers), tui_supernet.c (the supernet's loss and fairness),
 * tui_ranking.c, tui_pareto.c (the view's front and the Pareto panel),
 * tui_arch.c and tui_log.c.  Nothing outside them includes this. */
#ifndef ONESHOT_TUI_PANELS_PRIV_H
#define ONESHOT_TUI_PANELS_PRIV_H

#include "tui_panels.h"

/* v as chart_format writes it into buf (16 bytes); returns buf. */
const char *tui_fmt(double v, char *buf);
/* A correlation: "undefined" when it has none (a constant side). */
const char *tui_corr(double v, char *buf);

/* What ? says of each panel (tui_panel_help): what it shows, how to read
 * it, the paper it comes from. */
extern const char tui_supernet_help[], tui_fairness_help[], tui_ranking_help[],
    tui_pareto_help[], tui_arch_help[], tui_log_help[];

/* The panels' draws (tui_panel_draw: g cleared, at least 4 x 1, the view
 * updated).  Under lock. */
void tui_supernet_draw(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v);
void tui_fairness_draw(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v);
void tui_ranking_draw(struct chart_grid *g, const struct tui_state *s, const struct tui_view *v);
void tui_pareto_draw(struct chart_grid *g, const struct tui_state *s, struct tui_view *v);
void tui_arch_panel_draw(struct chart_grid *g, const struct tui_state *s, struct tui_view *v);
void tui_log_draw(struct chart_grid *g, const struct tui_state *s, struct tui_view *v);

/* The Pareto panel's keys (tui_panel_key): Enter the table, b the best,
 * arrows or hjkl along the front.  Under lock. */
int tui_pareto_key(int key, const struct tui_state *s, struct tui_view *v);

#endif
