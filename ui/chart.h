/* chart: the TUI's plots rendered into a plain grid of cells, without curses.
 *
 * A grid is w x h cells, each a Unicode code point and a style (what the
 * cell shows: an axis, a series, a Pareto front point, a heat level).  The
 * TUI copies a grid to the screen, mapping styles to colours; tests read it
 * back as text (chart_row_utf8).  Nothing here allocates except
 * chart_grid_init, prints or depends on the terminal.
 *
 * Two resolutions: with unicode = 1 line charts and scatters draw braille
 * dots, 2 x 4 per cell (U+2800 + bits), and heat maps shade blocks; with
 * unicode = 0 (a non-UTF-8 locale) everything is ASCII: 1 x 2 dots per cell
 * (' top, . bottom, : both) and ASCII ramps.
 *
 * Coordinates: x to the right, y down, (0, 0) the top left cell.  Data
 * ranges map onto a rectangle of cells with lo at the left (bottom) edge and
 * hi at the right (top) edge.  Non-finite values are skipped (a line breaks
 * there).  Everything drawn outside the grid is clipped. */
#ifndef ONESHOT_CHART_H
#define ONESHOT_CHART_H

#include <stdint.h>

/* What a cell shows; the TUI gives each a colour. */
enum chart_style {
    CHART_PLAIN,
    CHART_AXIS,     /* frame lines and tick labels */
    CHART_LABEL,    /* titles, legends */
    CHART_SERIES1,  /* first series of a line chart (loss) */
    CHART_SERIES2,  /* second series (learning rate) */
    CHART_POINT,    /* an ordinary scatter point */
    CHART_FRONT,    /* a non-dominated point */
    CHART_BEST,     /* the front's best point by the current weights */
    CHART_SELECTED, /* the selected point */
    CHART_TRAINED,  /* a point with a stand-alone result */
    CHART_DIM,      /* secondary text */
    CHART_WARN,     /* a warning line of the log */
    CHART_ERROR,    /* an error line of the log */
    CHART_FOCUS,    /* the frame of the panel that has the focus */
    CHART_BAR,      /* the status and key bars */
    CHART_HEAT0,    /* heat levels CHART_HEAT0 .. CHART_HEAT0 + CHART_HEAT_LEVELS - 1 */
    CHART_NSTYLES = CHART_HEAT0 + 8
};
#define CHART_HEAT_LEVELS 8

struct chart_cell {
    uint32_t ch;   /* a code point; ' ' when empty */
    uint8_t style; /* enum chart_style */
};

struct chart_grid {
    int w, h;
    int unicode;              /* 1: braille and blocks; 0: ASCII only */
    struct chart_cell *cells; /* [h][w], owned */
};

struct chart_rect {
    int x, y, w, h;
};

/* A grid of w x h blank cells (w, h >= 0).  0, or -1 when out of memory
 * (g is then an empty grid; chart_grid_done is still safe). */
int chart_grid_init(struct chart_grid *g, int w, int h, int unicode);
void chart_grid_done(struct chart_grid *g);
/* Every cell blank (' ', CHART_PLAIN). */
void chart_grid_clear(struct chart_grid *g);
/* The cell at (x, y), or NULL outside the grid. */
struct chart_cell *chart_at(struct chart_grid *g, int x, int y);
/* Sets one cell (clipped). */
void chart_put(struct chart_grid *g, int x, int y, uint32_t ch, int style);
/* Writes UTF-8 text from (x, y) rightwards, one code point per cell, clipped
 * at the grid's edge and after at most max cells (max < 0: no limit); in an
 * ASCII grid a non-ASCII code point becomes '?'.  Returns the cells written. */
int chart_text(struct chart_grid *g, int x, int y, const char *utf8, int max, int style);

/* Row y of g as UTF-8 into buf (n bytes, always terminated when n > 0),
 * trailing blanks kept.  Returns the bytes it needed (without the NUL). */
int chart_row_utf8(const struct chart_grid *g, int y, char *buf, int n);
/* The UTF-8 bytes of code point cp into out (terminated); returns 1 to 4. */
int chart_utf8(uint32_t cp, char out[5]);
/* Decodes one code point of s into *cp; returns the bytes used (>= 1; an
 * invalid byte decodes as U+FFFD and uses 1). */
int chart_utf8_next(const char *s, uint32_t *cp);

/* A value in at most 7 characters: 0.851, 12.3, 96, 1234, 12.3k, 4.56M, 1.2e-05;
 * into buf (n bytes).  Returns buf. */
char *chart_format(double v, char *buf, int n);

/* The finite minimum and maximum of v[0..n) widened so that a plot has room:
 * pad (a fraction of the range) on each side; a single value v becomes
 * [v - |v|*0.05 - tiny, v + ...].  Returns the finite values found; with
 * none, *lo = 0 and *hi = 1. */
int chart_range(const double *v, int n, double pad, double *lo, double *hi);

/* Up to max "nice" tick values (1, 2 or 5 times a power of ten apart)
 * inside [lo, hi] into ticks.  Returns their number (>= 0). */
int chart_ticks(double lo, double hi, int max, double *ticks);

/* A data point onto the cell rectangle r (x in [xlo, xhi], y in [ylo, yhi]):
 * *cx, *cy the cell; 0, or -1 when the values are not finite or the ranges
 * are empty (then nothing is written). */
int chart_cell_of(struct chart_rect r, double xlo, double xhi, double ylo, double yhi, double x,
                  double y, int *cx, int *cy);

/* A frame for a plot in r: the y range's labels (chart_format, at most
 * ylabel_w cells) at the top and bottom of a left margin, a vertical axis
 * line, a horizontal axis line on the last row but one, and the x range's
 * labels on the last row.  Returns the rectangle left for the data (empty,
 * w or h 0, when r is too small). */
struct chart_rect chart_axes(struct chart_grid *g, struct chart_rect r, double xlo, double xhi,
                             double ylo, double yhi, int ylabel_w);

/* One series of a line chart, on its own y range. */
struct chart_series {
    const double *x, *y; /* n values each; x NULL: 0, 1, 2, ... */
    int n;
    double ylo, yhi;
    int style;
};

/* Line charts of the series over [xlo, xhi] in r, consecutive points joined
 * (braille dots, or ASCII half-cells); series drawn later win a shared cell's
 * style, their dots merge. */
void chart_lines(struct chart_grid *g, struct chart_rect r, double xlo, double xhi,
                 const struct chart_series *s, int nseries);

/* A scatter of n points in r.  kind[i] (NULL: all CHART_POINT) is the
 * point's style: CHART_POINT as a dot, CHART_FRONT, CHART_BEST,
 * CHART_TRAINED and CHART_SELECTED as markers over the dots, drawn in that
 * order so the selected point is always visible. */
void chart_scatter(struct chart_grid *g, struct chart_rect r, double xlo, double xhi, double ylo,
                   double yhi, const double *x, const double *y, const int *kind, int n);

/* The marker of a scatter point of style kind in this grid's alphabet. */
uint32_t chart_marker(const struct chart_grid *g, int kind);

/* A heat map of the rows x cols matrix v (row-major) from (x, y): entry
 * (i, j) fills cellw cells of row y + i from x + j * cellw, shaded and styled
 * CHART_HEAT0 + level with level = (v - lo) / (hi - lo) * (levels - 1),
 * rounded (every entry the top level when hi <= lo); a NaN entry (not
 * allowed) is a dim dot. */
void chart_heat(struct chart_grid *g, int x, int y, const double *v, int rows, int cols, int cellw,
                double lo, double hi);

/* The shade of heat level l (0 .. CHART_HEAT_LEVELS - 1) in this grid's
 * alphabet. */
uint32_t chart_heat_char(const struct chart_grid *g, int level);

/* A sparkline of the last w values of v[0..n) (the value range [lo, hi])
 * from (x, y): one cell per value, eight block heights (ASCII: _.-:=+*#). */
void chart_spark(struct chart_grid *g, int x, int y, int w, const double *v, int n, double lo,
                 double hi, int style);

#endif
