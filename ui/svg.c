#include "svg.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "chart.h"

#define W 720
#define H 450
#define TOP 60
#define LEGEND_Y 46
#define BOTTOM 56
#define LEFT 78

/* A growing text buffer; an allocation failure is remembered and reported
 * when the file is written. */
struct buf {
    char *s;
    size_t n, cap;
    int oom;
};

static void put(struct buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void put(struct buf *b, const char *fmt, ...)
{
    if (b->oom)
        return;
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int l = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (l < 0) {
            b->oom = 1;
            return;
        }
        if (b->s && b->n + (size_t)l < b->cap) {
            b->n += (size_t)l;
            return;
        }
        size_t cap = b->cap ? b->cap * 2 : 8192;
        while (cap < b->n + (size_t)l + 1)
            cap *= 2;
        char *s = realloc(b->s, cap);
        if (!s) {
            b->oom = 1;
            return;
        }
        b->s = s;
        b->cap = cap;
    }
}

/* Text with &, <, >, " and ' escaped. */
static void put_text(struct buf *b, const char *t)
{
    for (; t && *t; t++) {
        switch (*t) {
        case '&':
            put(b, "&amp;");
            break;
        case '<':
            put(b, "&lt;");
            break;
        case '>':
            put(b, "&gt;");
            break;
        case '"':
            put(b, "&quot;");
            break;
        case '\'':
            put(b, "&apos;");
            break;
        default:
            if ((unsigned char)*t >= 0x20 || *t == '\t')
                put(b, "%c", *t);
        }
    }
}

static void text(struct buf *b, double x, double y, const char *anchor, const char *extra,
                 const char *t)
{
    put(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"%s\"%s%s>", x, y, anchor, extra ? " " : "",
        extra ? extra : "");
    put_text(b, t);
    put(b, "</text>\n");
}

static void begin(struct buf *b, const char *title)
{
    put(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
           "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" height=\"%d\" "
           "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" font-size=\"12\">\n",
        W, H, W, H);
    put(b, "<title>");
    put_text(b, title);
    put(b, "</title>\n<rect x=\"0\" y=\"0\" width=\"%d\" height=\"%d\" fill=\"white\"/>\n", W, H);
    text(b, W / 2.0, 24, "middle", "font-size=\"16\" font-weight=\"bold\"", title);
}

static int finish(struct buf *b, const char *path, struct err *e)
{
    put(b, "</svg>\n");
    if (b->oom) {
        free(b->s);
        return err_set(e, path, 0, 0, "out of memory");
    }
    int rc = atomic_save(path, b->s, b->n, e);
    free(b->s);
    return rc;
}

/* The plot area and its data ranges. */
struct frame {
    double x0, y0, x1, y1; /* pixels: left, top, right, bottom */
    double xlo, xhi, ylo, yhi;
};

static double px(const struct frame *f, double x)
{
    return f->x0 + (x - f->xlo) / (f->xhi - f->xlo) * (f->x1 - f->x0);
}

static double py(const struct frame *f, double y, double lo, double hi)
{
    return f->y1 - (y - lo) / (hi - lo) * (f->y1 - f->y0);
}

/* Grid, ticks and labels of both axes (and of a right-hand one: y2lo < y2hi). */
static void axes(struct buf *b, const struct frame *f, const char *xlabel, const char *ylabel,
                 double y2lo, double y2hi, const char *y2label)
{
    double t[16];
    char s[32];
    int n = chart_ticks(f->xlo, f->xhi, 8, t);
    put(b, "<g stroke=\"#e0e0e0\" stroke-width=\"1\">\n");
    for (int i = 0; i < n; i++)
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", px(f, t[i]), f->y0,
            px(f, t[i]), f->y1);
    int m = chart_ticks(f->ylo, f->yhi, 6, t + 8);
    for (int i = 0; i < m; i++) {
        double y = py(f, t[8 + i], f->ylo, f->yhi);
        put(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", f->x0, y, f->x1, y);
    }
    put(b, "</g>\n<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"none\" "
           "stroke=\"#333\"/>\n",
        f->x0, f->y0, f->x1 - f->x0, f->y1 - f->y0);
    put(b, "<g fill=\"#333\">\n");
    for (int i = 0; i < n; i++)
        text(b, px(f, t[i]), f->y1 + 16, "middle", NULL, chart_format(t[i], s, sizeof s));
    for (int i = 0; i < m; i++)
        text(b, f->x0 - 6, py(f, t[8 + i], f->ylo, f->yhi) + 4, "end", NULL,
             chart_format(t[8 + i], s, sizeof s));
    if (y2hi > y2lo) {
        int k = chart_ticks(y2lo, y2hi, 6, t);
        for (int i = 0; i < k; i++)
            text(b, f->x1 + 6, py(f, t[i], y2lo, y2hi) + 4, "start", NULL,
                 chart_format(t[i], s, sizeof s));
    }
    text(b, (f->x0 + f->x1) / 2, H - 14, "middle", NULL, xlabel);
    char rot[96];
    snprintf(rot, sizeof rot, "transform=\"rotate(-90 %d %.1f)\"", 18, (f->y0 + f->y1) / 2);
    text(b, 18, (f->y0 + f->y1) / 2, "middle", rot, ylabel);
    if (y2hi > y2lo && y2label) {
        snprintf(rot, sizeof rot, "transform=\"rotate(90 %d %.1f)\"", W - 18, (f->y0 + f->y1) / 2);
        text(b, W - 18, (f->y0 + f->y1) / 2, "middle", rot, y2label);
    }
    put(b, "</g>\n");
}

static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e"};

int svg_lines(const char *path, const char *title, const char *xlabel, const char *ylabel,
              const char *y2label, const struct svg_series *s, int nseries, struct err *e)
{
    struct buf b = {0};
    int right = 0;
    double xlo = 0, xhi = 1, lo[2] = {0, 0}, hi[2] = {1, 1};
    int have[2] = {0, 0}, havex = 0;
    for (int k = 0; k < nseries; k++) {
        int side = s[k].right ? 1 : 0;
        right |= side;
        for (int i = 0; i < s[k].n; i++) {
            double x = s[k].x ? s[k].x[i] : i, y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y))
                continue;
            if (!havex || x < xlo)
                xlo = x;
            if (!havex || x > xhi)
                xhi = x;
            havex = 1;
            if (!have[side] || y < lo[side])
                lo[side] = y;
            if (!have[side] || y > hi[side])
                hi[side] = y;
            have[side] = 1;
        }
    }
    if (!(xhi > xlo))
        xhi = xlo + 1;
    for (int side = 0; side < 2; side++) {
        double span = hi[side] - lo[side];
        if (!(span > 0))
            span = fabs(hi[side]) * 0.1 + 1e-9;
        lo[side] -= span * 0.05;
        hi[side] += span * 0.05;
    }
    struct frame f = {LEFT, TOP, W - (right ? LEFT : 24), H - BOTTOM, xlo, xhi, lo[0], hi[0]};
    begin(&b, title);
    axes(&b, &f, xlabel, ylabel, right ? lo[1] : 0, right ? hi[1] : 0, y2label);
    double lx = f.x0; /* the legend: one row under the title */
    for (int k = 0; k < nseries; k++) {
        int side = s[k].right ? 1 : 0;
        const char *color = palette[k % 5];
        put(&b, "<path fill=\"none\" stroke=\"%s\" stroke-width=\"1.5\" d=\"", color);
        int pen = 0;
        for (int i = 0; i < s[k].n; i++) {
            double x = s[k].x ? s[k].x[i] : i, y = s[k].y[i];
            if (!isfinite(x) || !isfinite(y)) {
                pen = 0;
                continue;
            }
            put(&b, "%s%.2f %.2f ", pen ? "L" : "M", px(&f, x), py(&f, y, lo[side], hi[side]));
            pen = 1;
        }
        put(&b, "\"/>\n");
        char label[256];
        snprintf(label, sizeof label, "%s%s", s[k].name ? s[k].name : "",
                 s[k].right ? " (right axis)" : "");
        put(&b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"%s\" "
                "stroke-width=\"2\"/>\n",
            lx, LEGEND_Y - 4, lx + 20, LEGEND_Y - 4, color);
        text(&b, lx + 26, LEGEND_Y, "start", NULL, label);
        lx += 26 + 7.0 * (double)strlen(label) + 18;
    }
    return finish(&b, path, e);
}

int svg_scatter(const char *path, const char *title, const char *xlabel, const char *ylabel,
                const double *x, const double *y, const int *kind, const char *const *names, int n,
                const char *point_label, struct err *e)
{
    struct buf b = {0};
    double xlo, xhi, ylo, yhi;
    chart_range(x, n, 0.05, &xlo, &xhi);
    chart_range(y, n, 0.05, &ylo, &yhi);
    struct frame f = {LEFT, TOP, W - 24, H - BOTTOM, xlo, xhi, ylo, yhi};
    begin(&b, title);
    axes(&b, &f, xlabel, ylabel, 0, 0, NULL);
    /* the front's line, in x order (a selection sort on indices: fronts are small) */
    int nf = 0;
    int *front = malloc((size_t)(n > 0 ? n : 1) * sizeof *front);
    if (!front)
        b.oom = 1;
    for (int i = 0; front && kind && i < n; i++)
        if ((kind[i] == CHART_FRONT || kind[i] == CHART_BEST) && isfinite(x[i]) && isfinite(y[i]))
            front[nf++] = i;
    for (int a = 0; a < nf; a++)
        for (int c = a + 1; c < nf; c++)
            if (x[front[c]] < x[front[a]]) {
                int t = front[a];
                front[a] = front[c];
                front[c] = t;
            }
    if (nf > 1) {
        put(&b, "<polyline fill=\"none\" stroke=\"#d62728\" stroke-width=\"1\" points=\"");
        for (int a = 0; a < nf; a++)
            put(&b, "%.2f,%.2f ", px(&f, x[front[a]]), py(&f, y[front[a]], ylo, yhi));
        put(&b, "\"/>\n");
    }
    free(front);
    static const int order[] = {CHART_POINT, CHART_FRONT, CHART_BEST, CHART_SELECTED};
    int count[4] = {0};
    for (int o = 0; o < 4; o++)
        for (int i = 0; i < n; i++) {
            int k = kind ? kind[i] : CHART_POINT;
            if (k != order[o] || !isfinite(x[i]) || !isfinite(y[i]))
                continue;
            if (k != CHART_POINT && k != CHART_FRONT && k != CHART_BEST && k != CHART_SELECTED)
                continue;
            count[o]++;
            const char *style = o == 0   ? "r=\"3\" fill=\"#1f77b4\" fill-opacity=\"0.6\""
                                : o == 1 ? "r=\"4.5\" fill=\"#d62728\""
                                : o == 2 ? "r=\"6\" fill=\"#ff7f0e\" stroke=\"#333\""
                                         : "r=\"7\" fill=\"none\" stroke=\"#000\" stroke-width=\"2\"";
            put(&b, "<circle cx=\"%.2f\" cy=\"%.2f\" %s>", px(&f, x[i]), py(&f, y[i], ylo, yhi),
                style);
            char tip[64];
            snprintf(tip, sizeof tip, " (%.6g, %.6g)", x[i], y[i]);
            put(&b, "<title>");
            put_text(&b, names && names[i] ? names[i] : "");
            put_text(&b, tip);
            put(&b, "</title></circle>\n");
        }
    const char *legend[] = {point_label ? point_label : "evaluated", "non-dominated front",
                            "best by the weights", "selected"};
    static const char *const swatch[] = {"fill=\"#1f77b4\"", "fill=\"#d62728\"",
                                         "fill=\"#ff7f0e\" stroke=\"#333\"",
                                         "fill=\"none\" stroke=\"#000\" stroke-width=\"2\""};
    double lx = f.x0; /* the legend: one row under the title */
    for (int o = 0; o < 4; o++) {
        if (!count[o])
            continue;
        put(&b, "<circle cx=\"%.1f\" cy=\"%d\" r=\"4\" %s/>\n", lx + 4, LEGEND_Y - 4, swatch[o]);
        text(&b, lx + 12, LEGEND_Y, "start", NULL, legend[o]);
        lx += 12 + 7.0 * (double)strlen(legend[o]) + 18;
    }
    return finish(&b, path, e);
}

/* Light yellow to dark blue through green. */
static void heat_colour(double t, char *out, size_t n)
{
    static const double stops[4][3] = {
        {255, 247, 188}, {127, 205, 187}, {44, 127, 184}, {37, 52, 148}};
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    double s = t * 3;
    int i = s >= 3 ? 2 : (int)s;
    double u = s - i;
    int c[3];
    for (int k = 0; k < 3; k++)
        c[k] = (int)lround(stops[i][k] + (stops[i + 1][k] - stops[i][k]) * u);
    snprintf(out, n, "#%02x%02x%02x", c[0], c[1], c[2]);
}

int svg_heatmap(const char *path, const char *title, const char *xlabel, const char *ylabel,
                const char *const *row_names, const char *const *col_names, const double *v,
                int nrows, int ncols, struct err *e)
{
    struct buf b = {0};
    double lo = 0, hi = 0;
    int have = 0;
    for (int i = 0; i < nrows * ncols; i++) {
        if (!isfinite(v[i]))
            continue;
        if (!have || v[i] < lo)
            lo = v[i];
        if (!have || v[i] > hi)
            hi = v[i];
        have = 1;
    }
    begin(&b, title);
    double x0 = LEFT + 20, y0 = TOP + 6, x1 = W - 110, y1 = H - BOTTOM;
    double cw = ncols > 0 ? (x1 - x0) / ncols : 0, ch = nrows > 0 ? (y1 - y0) / nrows : 0;
    put(&b, "<defs><pattern id=\"na\" width=\"6\" height=\"6\" patternUnits=\"userSpaceOnUse\">"
            "<path d=\"M0 6L6 0\" stroke=\"#bbb\"/></pattern></defs>\n");
    int fs = ch < 14 || cw < 34 ? 9 : 11;
    for (int i = 0; i < nrows; i++)
        for (int j = 0; j < ncols; j++) {
            double val = v[i * ncols + j];
            double x = x0 + j * cw, y = y0 + i * ch;
            char colour[16] = "url(#na)";
            if (isfinite(val))
                heat_colour(hi > lo ? (val - lo) / (hi - lo) : 1, colour, sizeof colour);
            put(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"%s\" "
                    "stroke=\"white\"><title>",
                x, y, cw, ch, colour);
            put_text(&b, row_names ? row_names[i] : "");
            put(&b, " / ");
            put_text(&b, col_names ? col_names[j] : "");
            if (isfinite(val))
                put(&b, ": %.0f", val);
            else
                put(&b, ": not allowed");
            put(&b, "</title></rect>\n");
            if (isfinite(val) && ch >= 9 && cw >= 18) {
                char s[32], attr[64];
                double t = hi > lo ? (val - lo) / (hi - lo) : 1;
                snprintf(attr, sizeof attr, "font-size=\"%d\" fill=\"%s\"", fs,
                         t > 0.5 ? "white" : "#222");
                text(&b, x + cw / 2, y + ch / 2 + fs / 3.0, "middle", attr,
                     chart_format(val, s, sizeof s));
            }
        }
    put(&b, "<g fill=\"#333\">\n");
    for (int i = 0; i < nrows && row_names; i++)
        text(&b, x0 - 6, y0 + (i + 0.5) * ch + 4, "end", NULL, row_names[i]);
    for (int j = 0; j < ncols && col_names; j++)
        text(&b, x0 + (j + 0.5) * cw, y1 + 16, "middle", NULL, col_names[j]);
    text(&b, (x0 + x1) / 2, H - 14, "middle", NULL, xlabel);
    char rot[96];
    snprintf(rot, sizeof rot, "transform=\"rotate(-90 %d %.1f)\"", 18, (y0 + y1) / 2);
    text(&b, 18, (y0 + y1) / 2, "middle", rot, ylabel);
    put(&b, "</g>\n");
    /* the colour scale */
    double sx = W - 80, sh = (y1 - y0) / 10;
    for (int k = 0; k < 10; k++) {
        char colour[16];
        heat_colour(1 - k / 9.0, colour, sizeof colour);
        put(&b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"%.1f\" fill=\"%s\"/>\n", sx,
            y0 + k * sh, sh + 0.5, colour);
    }
    char s[32];
    text(&b, sx + 20, y0 + 10, "start", NULL, chart_format(hi, s, sizeof s));
    text(&b, sx + 20, y1, "start", NULL, chart_format(lo, s, sizeof s));
    return finish(&b, path, e);
}
