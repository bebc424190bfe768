/* tui_sp: the TUI's panels of a Single-Path NAS run (method singlepath),
 * drawn as ui/tui_panels.h draws the others, from the snapshot's
 * Single-Path part (struct tui_state: sp, sp_history):
 *
 *   search        the loss and its cross-entropy over the steps, the end of
 *                 the warm-up marked
 *   runtime       R over the steps: during the warm-up dim and marked
 *                 inflated (lambda is 0 and the decisions are dropped:
 *                 nothing pulls R down yet), after it the search's
 *   decisions     each layer's decisions as they stand (kernel 3/5/7,
 *                 expansion, SE, skip), the layers that just flipped
 *                 highlighted, the decision nearest to flipping with its
 *                 margin (norm - threshold)
 *   architecture  what the decisions decode to, layer by layer, its
 *                 predicted latency, and the proxy accuracy at the end
 *
 * tui_panels.c dispatches the panels TUI_SP_* here. */
#ifndef ONESHOT_TUI_SP_H
#define ONESHOT_TUI_SP_H

#include "tui_panels.h"

/* Steps after a layer's choice changed for which its row stays highlighted. */
#define TUI_SP_RECENT 20

/* The title of Single-Path panel p into buf (n bytes).  Under lock. */
void tui_sp_title(enum tui_panel p, const struct tui_state *s, char *buf, int n);

/* What Single-Path panel p shows (tui_panel_help), or NULL. */
const char *tui_sp_help(enum tui_panel p);

/* Draws Single-Path panel p into g (cleared, at least 4 x 1).  Under lock. */
void tui_sp_draw(enum tui_panel p, struct chart_grid *g, const struct tui_state *s,
                 struct tui_view *v);

#endif
