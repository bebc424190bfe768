/* tui_export: the TUI's plots as SVG files (the `e` key): the supernet's
 * loss and learning rate (a Single-Path run's loss, cross-entropy and R),
 * Kendall tau over the training, the ranking, the
 * Pareto plot with the view's axes, front, best point and selection, and the
 * fairness heat map, drawn by ui/svg.h into RUN_DIR/plots/.  Nothing here
 * needs curses. */
#ifndef ONESHOT_TUI_EXPORT_H
#define ONESHOT_TUI_EXPORT_H

#include "err.h"
#include "tui_panels.h"
#include "tui_state.h"

/* Writes the plots as SVG files into RUN_DIR/plots/ (loss.svg, search.svg,
 * tau.svg, ranking.svg, pareto.svg, fairness.svg; a plot without data is
 * skipped)
 * and their number into *written.  0, or -1 with e filled (files written
 * before the error are kept).  Under lock. */
int tui_export_svg(const struct tui_state *s, struct tui_view *v, int *written, struct err *e);

#endif
