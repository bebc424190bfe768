/* svg: the TUI's plots as standalone SVG files (the `e` key writes them to
 * RUN_DIR/plots/): a line chart (the supernet's loss and learning rate), a
 * scatter (the Pareto plot, the ranking plot) and a heat map (the fairness
 * of the sampler).  Each file is a complete SVG 1.1 document with a title,
 * axes with ticks, axis labels (units included by the caller) and a legend,
 * fixed size 720 x 450, no scripts, no external references.  Text is XML
 * escaped.  Files are written to PATH.tmp and renamed, so a reader never
 * sees half a plot.  Nothing here prints or needs curses. */
#ifndef ONESHOT_SVG_H
#define ONESHOT_SVG_H

#include "err.h"

/* One line of a line chart. */
struct svg_series {
    const char *name;    /* legend text */
    const double *x, *y; /* n values each; x NULL: 0, 1, 2, ... */
    int n;
    int right;           /* 1: on the right-hand axis (its own scale) */
};

/* A line chart of the series (non-finite values break the line).  y2label
 * labels the right-hand axis (NULL when no series uses it).  0, or -1 with e
 * naming path. */
int svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
              const char *y2label, const struct svg_series *s, int nseries, struct err *e);

/* A scatter of n points.  kind[i] (NULL: all ordinary) is a chart_style:
 * CHART_POINT, CHART_FRONT (non-dominated: filled, joined by the front's
 * line in x order), CHART_BEST, CHART_SELECTED; names[i] (may be NULL) is a
 * point's tooltip (an architecture).  point_label names the ordinary points
 * in the legend (NULL: "evaluated").  0, or -1 with e naming path. */
int svg_scatter(const char *path, const char *title, const char *xlabel, const char *ylabel,
                const double *x, const double *y, const int *kind, const char *const *names, int n,
                const char *point_label, struct err *e);

/* A heat map of the nrows x ncols matrix v (row-major; NaN: not allowed,
 * drawn hatched grey), one labelled cell per entry with its value, colours
 * from light (the minimum) to dark (the maximum) and a colour scale.
 * row_names and col_names label the rows and columns.  0, or -1 with e
 * naming path. */
int svg_heatmap(const char *path, const char *title, const char *xlabel, const char *ylabel,
                const char *const *row_names, const char *const *col_names, const double *v,
                int nrows, int ncols, struct err *e);

#endif
