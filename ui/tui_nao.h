/* tui_nao: the TUI's panels of a NAO run (method nao), drawn as
 * ui/tui_panels.h draws the others, from the snapshot's NAO part (struct
 * tui_state: nao, nao_pool, nao_rounds), which tui_nao_sync copies from the
 * runner's getters:
 *
 *   pool        every architecture of the pool on the accuracy-latency
 *               plane (the accuracy of the latest round that scored it,
 *               the latency on latency.device), the front of the two
 *               marked, the re-ranked ones and the chosen one marked
 *   predictor   the controller's Kendall tau per round: on the
 *               architectures it had not seen (held out: the round's new
 *               ones, scored after it predicted them) and on the pool it
 *               trained on
 *   candidates  the architectures the last controller decoded, best
 *               predicted first, with their accuracy once scored
 *
 * tui_panels.c dispatches the panels TUI_NAO_* here. */
#ifndef ONESHOT_TUI_NAO_H
#define ONESHOT_TUI_NAO_H

#include "tui_panels.h"

/* Copies where the run's NAO phase stands into s (runner_nao, its pool and
 * rounds).  Under lock, in the run's thread. */
void tui_nao_sync(struct tui_state *s, const struct runner *r);

/* The log line of the round just committed, or of the re-rank just
 * finished, into buf (n bytes).  Under lock. */
void tui_nao_round_text(const struct tui_state *s, char *buf, int n);
void tui_nao_rerank_text(const struct tui_state *s, char *buf, int n);

/* What the status bar says of the phase ("round 2/3 scoring 14/60") into
 * buf (n bytes).  Under lock. */
void tui_nao_status(const struct tui_state *s, char *buf, int n);

/* The architecture 't' trains: the chosen one once the run is done, else
 * the pool's best by the supernet so far; NULL when none is scored yet.
 * Under lock. */
const struct arch *tui_nao_selected(const struct tui_state *s);

/* The title of NAO panel p into buf (n bytes).  Under lock. */
/* What NAO panel p shows (tui_panel_help), or NULL. */
const char *tui_nao_help(enum tui_panel p);

void tui_nao_title(enum tui_panel p, const struct tui_state *s, char *buf, int n);

/* Draws NAO panel p into g (cleared).  Under lock. */
void tui_nao_draw(enum tui_panel p, struct chart_grid *g, const struct tui_state *s,
                  struct tui_view *v);

#endif
