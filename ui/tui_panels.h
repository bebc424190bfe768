/* tui_panels: the six panels of the TUI, drawn into chart grids (a run of
 * method singlepath has its own four and the log: ui/tui_sp.h; a run of
 * method nao its own three and the log: ui/tui_nao.h).
 *
 *   supernet      loss and learning rate over the steps (a line chart)
 *   ranking       supernet against stand-alone accuracy of the ground-truth
 *                 table: Kendall tau with its interval, Spearman rho, and
 *                 tau over the training (a sparkline)
 *   pareto        any two metrics as a scatter, the non-dominated front of
 *                 the objectives highlighted, its best point by the current
 *                 weights starred, the selection marked; or (Enter) the front
 *                 as a table ranked by the weights
 *   fairness      update counts per layer and choice as a heat map
 *   architecture  the selected architecture layer by layer
 *   log           the run's messages, script prints, warnings and errors
 *
 * Panels know nothing of curses: each draws into a grid the size of its
 * inside (ui/chart.h) from the snapshot (ui/tui_state.h, read under its
 * lock) and the view, the UI's own state (selection, axes, weights, scroll
 * positions).  tui.c frames them, copies the grids to the screen and hands
 * keys to the panel with the focus; a panel says whether it used a key.
 * The same plots are written as SVG files by ui/tui_export.h.  Each group
 * of panels has a file of its own (ui/tui_panels_priv.h names them). */
#ifndef ONESHOT_TUI_PANELS_H
#define ONESHOT_TUI_PANELS_H

#include "chart.h"
#include "tui_state.h"

enum tui_panel {
    TUI_SUPERNET,
    TUI_RANKING,
    TUI_PARETO,
    TUI_FAIRNESS,
    TUI_ARCH,
    TUI_LOG,
    TUI_SP_LOSS, /* method singlepath's (ui/tui_sp.h) */
    TUI_SP_RUNTIME,
    TUI_SP_DECISIONS,
    TUI_SP_ARCH,
    TUI_NAO_POOL, /* method nao's (ui/tui_nao.h) */
    TUI_NAO_TAU,
    TUI_NAO_CANDIDATES,
    TUI_NPANELS
};

/* Keys as panels see them: a character, or one of these (past Unicode). */
enum {
    TUI_KEY_UP = 0x110000,
    TUI_KEY_DOWN,
    TUI_KEY_LEFT,
    TUI_KEY_RIGHT,
    TUI_KEY_PGUP,
    TUI_KEY_PGDN,
    TUI_KEY_HOME,
    TUI_KEY_END,
    TUI_KEY_ENTER,
    TUI_KEY_RESIZE, /* tui_term_key's (ui/tui.h) */
    TUI_KEY_SIGNAL
};

struct tui_view {
    int unicode;                        /* the grid's alphabet */
    /* Pareto */
    int xaxis, yaxis;                   /* metric indices of the axes */
    int selected;                       /* evaluation index, -1: none */
    int follow_best;                    /* the selection follows the best point */
    int list;                           /* 1: the front as a ranked table */
    int objective;                      /* whose weight + and - change */
    double weight[EXP_MAX_OBJECTIVES];  /* the weights the user set */
    /* derived from the snapshot by tui_view_update */
    int seen_nev, seen_weights, weights_version;
    int cap;
    int *on_front;                      /* [cap] 1: non-dominated */
    int nfront;
    int *front;                         /* [cap] front indices, best first by the weights */
    double *score, *crowd;              /* [cap] of each evaluation (front only) */
    int best;                           /* the front's best, -1: none */
    /* scrolling */
    int log_scroll, arch_scroll, dec_scroll;
};

/* The view of snapshot s: axes on the first two objectives (or metrics),
 * the experiment's weights, nothing selected. */
void tui_view_init(struct tui_view *v, const struct tui_state *s, int unicode);
void tui_view_done(struct tui_view *v);

/* Recomputes the front, its weighted scores and crowding when evaluations
 * arrived or the weights changed; moves a following selection to the best
 * point.  Under the snapshot's lock. */
void tui_view_update(struct tui_view *v, const struct tui_state *s);

/* Multiplies the weight of objective v->objective by factor (kept within
 * [1e-3, 1e3]) and re-ranks the front at once; the selection follows the
 * new best.  Returns 1 when the weight changed.  Under lock. */
int tui_view_weight(struct tui_view *v, const struct tui_state *s, double factor);

/* The architecture the selection points at, or NULL.  Under lock. */
const struct arch *tui_view_selected(const struct tui_view *v, const struct tui_state *s);

/* The panel's title with its live figures (e.g. "supernet  step 120/780")
 * into buf (n bytes).  Under lock. */
void tui_panel_title(enum tui_panel p, const struct tui_state *s, const struct tui_view *v,
                     char *buf, int n);

/* Draws panel p into g (cleared first; g is the panel's inside).  Under lock. */
void tui_panel_draw(enum tui_panel p, struct chart_grid *g, const struct tui_state *s,
                    struct tui_view *v);

/* Hands a key to panel p; 1 when the panel used it (redraw), else 0.
 * Under lock. */
int tui_panel_key(enum tui_panel p, int key, const struct tui_state *s, struct tui_view *v);

/* What panel p shows, how to read it and the paper it comes from, in two
 * or three sentences (static text, one paragraph), or NULL when the panel
 * has none. */
const char *tui_panel_help(enum tui_panel p);

/* What the panels share with each other (ui/tui_sp.c draws Single-Path
 * NAS's): */
/* printf into row y of g from column x, clipped at the grid's edge; returns
 * the cells written; */
int tui_put(struct chart_grid *g, int x, int y, int style, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
/* a box on rectangle r of g with title on its top edge (NULL: none), in
 * style (its title CHART_FOCUS when the box is, else CHART_LABEL); */
void tui_box(struct chart_grid *g, struct chart_rect r, const char *title, int style);
/* a box over the middle of screen, at most 76 cells wide, titled, holding
 * text wrapped (or, text NULL, the nlines lines) and below a blank row the
 * footer (NULL: none); */
void tui_text_box(struct chart_grid *screen, const char *title, const char *text,
                  const char *const *lines, int nlines, const char *footer);
/* grid p copied into screen with its top left at (x, y), clipped; */
void tui_paste(struct chart_grid *screen, const struct chart_grid *p, int x, int y);
/* text wrapped at spaces into rows y0.. of g; returns the rows used; */
int tui_wrap(struct chart_grid *g, int y0, int style, const char *text);
/* architecture a drawn from row y0 of g: its params, MACs and latency (with
 * the per-layer latencies s->latency has), its stand-alone result (or the
 * training in progress, or the key that starts one) below them on row y0 + 2
 * (row y0 + 1 is the caller's), then a row per layer (scrolled by
 * v->arch_scroll).  Under lock. */
void tui_arch_draw(struct chart_grid *g, int y0, const struct tui_state *s, struct tui_view *v,
                   const struct arch *a);

/* What the panels share with the SVG export (ui/tui_export.h), under lock: */
/* metric m of evaluation i; */
double tui_metric(const struct tui_state *s, int i, int m);
/* the name of metric m on an axis into buf (n bytes): "accuracy [%]" with the
 * objective's direction when it is one; compact: without "[count]"; */
void tui_axis_name(const struct tui_state *s, const struct tui_view *v, int m, char *buf, int n,
                   int compact);
/* the largest max/min ratio of one layer's counts n over the space (1 when
 * every layer is even, INFINITY when a choice of a layer has none yet). */
double tui_worst_ratio(const struct space *sp, const int64_t (*n)[SPACE_MAX_CHOICES]);

#endif
