#include "chart.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BRAILLE 0x2800u

int chart_grid_init(struct chart_grid *g, int w, int h, int unicode)
{
    g->w = w > 0 ? w : 0;
    g->h = h > 0 ? h : 0;
    g->unicode = unicode;
    g->cells = malloc((size_t)(g->w * g->h > 0 ? g->w * g->h : 1) * sizeof *g->cells);
    if (!g->cells) {
        g->w = g->h = 0;
        return -1;
    }
    chart_grid_clear(g);
    return 0;
}

void chart_grid_done(struct chart_grid *g)
{
    free(g->cells);
    g->cells = NULL;
    g->w = g->h = 0;
}

void chart_grid_clear(struct chart_grid *g)
{
    for (int i = 0; i < g->w * g->h; i++)
        g->cells[i] = (struct chart_cell){' ', CHART_PLAIN};
}

struct chart_cell *chart_at(struct chart_grid *g, int x, int y)
{
    if (x < 0 || y < 0 || x >= g->w || y >= g->h)
        return NULL;
    return &g->cells[y * g->w + x];
}

void chart_put(struct chart_grid *g, int x, int y, uint32_t ch, int style)
{
    struct chart_cell *c = chart_at(g, x, y);
    if (c)
        *c = (struct chart_cell){ch, (uint8_t)style};
}

int chart_utf8(uint32_t cp, char out[5])
{
    int n;
    if (cp < 0x80) {
        out[0] = (char)cp;
        n = 1;
    } else if (cp < 0x800) {
        out[0] = (char)(0xC0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3F));
        n = 2;
    } else if (cp < 0x10000) {
        out[0] = (char)(0xE0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[2] = (char)(0x80 | (cp & 0x3F));
        n = 3;
    } else {
        out[0] = (char)(0xF0 | (cp >> 18));
        out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char)(0x80 | (cp & 0x3F));
        n = 4;
    }
    out[n] = 0;
    return n;
}

int chart_utf8_next(const char *s, uint32_t *cp)
{
    const unsigned char *u = (const unsigned char *)s;
    int n;
    uint32_t c;
    if (u[0] < 0x80) {
        *cp = u[0];
        return 1;
    } else if ((u[0] & 0xE0) == 0xC0) {
        n = 2;
        c = u[0] & 0x1F;
    } else if ((u[0] & 0xF0) == 0xE0) {
        n = 3;
        c = u[0] & 0x0F;
    } else if ((u[0] & 0xF8) == 0xF0) {
        n = 4;
        c = u[0] & 0x07;
    } else {
        *cp = 0xFFFD;
        return 1;
    }
    for (int i = 1; i < n; i++) {
        if ((u[i] & 0xC0) != 0x80) {
            *cp = 0xFFFD;
            return 1;
        }
        c = (c << 6) | (u[i] & 0x3F);
    }
    *cp = c;
    return n;
}

int chart_text(struct chart_grid *g, int x, int y, const char *utf8, int max, int style)
{
    int written = 0;
    while (*utf8 && (max < 0 || written < max)) {
        uint32_t cp;
        utf8 += chart_utf8_next(utf8, &cp);
        if (!g->unicode && cp >= 0x80)
            cp = '?';
        if (x + written >= g->w)
            break;
        chart_put(g, x + written, y, cp, style);
        written++;
    }
    return written;
}

int chart_row_utf8(const struct chart_grid *g, int y, char *buf, int n)
{
    int used = 0;
    if (n > 0)
        buf[0] = 0;
    if (y < 0 || y >= g->h)
        return 0;
    for (int x = 0; x < g->w; x++) {
        char b[5];
        int l = chart_utf8(g->cells[y * g->w + x].ch, b);
        if (used + l < n) {
            memcpy(buf + used, b, (size_t)l);
            buf[used + l] = 0;
        }
        used += l;
    }
    return used;
}

char *chart_format(double v, char *buf, int n)
{
    double a = fabs(v);
    if (isnan(v))
        snprintf(buf, (size_t)n, "nan");
    else if (isinf(v))
        snprintf(buf, (size_t)n, v > 0 ? "inf" : "-inf");
    else if (a == 0)
        snprintf(buf, (size_t)n, "0");
    else if (a >= 1e4) {
        static const char suffix[] = "kMGTPE";
        int i = 0;
        double s = v / 1e3;
        while (fabs(s) >= 999.5 && i < 5) {
            s /= 1e3;
            i++;
        }
        snprintf(buf, (size_t)n, "%.3g%c", s, suffix[i]);
    } else if (a >= 100 || v == floor(v))
        snprintf(buf, (size_t)n, "%.0f", v);
    else if (a >= 10)
        snprintf(buf, (size_t)n, "%.1f", v);
    else if (a >= 1)
        snprintf(buf, (size_t)n, "%.2f", v);
    else if (a >= 0.01)
        snprintf(buf, (size_t)n, "%.3g", v);
    else if (a >= 0.001)
        snprintf(buf, (size_t)n, "%.2g", v);
    else
        snprintf(buf, (size_t)n, "%.1e", v);
    return buf;
}

int chart_range(const double *v, int n, double pad, double *lo, double *hi)
{
    int found = 0;
    double mn = 0, mx = 0;
    for (int i = 0; i < n; i++) {
        if (!isfinite(v[i]))
            continue;
        if (!found || v[i] < mn)
            mn = v[i];
        if (!found || v[i] > mx)
            mx = v[i];
        found++;
    }
    if (!found) {
        *lo = 0;
        *hi = 1;
        return 0;
    }
    double span = mx - mn;
    if (span <= 0) {
        span = fabs(mx) * 0.1 + 1e-9;
        pad = 0.5;
    }
    *lo = mn - span * pad;
    *hi = mx + span * pad;
    return found;
}

int chart_ticks(double lo, double hi, int max, double *ticks)
{
    if (!(hi > lo) || max < 1 || !isfinite(lo) || !isfinite(hi))
        return 0;
    double rough = (hi - lo) / max;
    double mag = pow(10, floor(log10(rough)));
    double norm = rough / mag, step;
    if (norm <= 1)
        step = mag;
    else if (norm <= 2)
        step = 2 * mag;
    else if (norm <= 5)
        step = 5 * mag;
    else
        step = 10 * mag;
    int count = 0;
    for (double t = ceil(lo / step - 1e-9) * step; t <= hi + step * 1e-9 && count < max;
         t += step) {
        ticks[count++] = fabs(t) < step * 1e-9 ? 0 : t;
    }
    return count;
}

int chart_cell_of(struct chart_rect r, double xlo, double xhi, double ylo, double yhi, double x,
                  double y, int *cx, int *cy)
{
    if (!isfinite(x) || !isfinite(y) || !(xhi > xlo) || !(yhi > ylo) || r.w < 1 || r.h < 1)
        return -1;
    *cx = r.x + (int)lround((x - xlo) / (xhi - xlo) * (r.w - 1));
    *cy = r.y + (r.h - 1) - (int)lround((y - ylo) / (yhi - ylo) * (r.h - 1));
    return 0;
}

/* ---------------------------------------------------------------- dots */

static int dots_x(const struct chart_grid *g) { return g->unicode ? 2 : 1; }
static int dots_y(const struct chart_grid *g) { return g->unicode ? 4 : 2; }

/* ASCII half cells: bit 0 the top, bit 1 the bottom. */
static int ascii_mask(uint32_t ch)
{
    return ch == '\'' ? 1 : ch == '.' ? 2 : ch == ':' ? 3 : 0;
}

/* Sets dot (dx, dy) of r (dot coordinates, y down), clipped to r. */
static void set_dot(struct chart_grid *g, struct chart_rect r, int dx, int dy, int style)
{
    int sx = dots_x(g), sy = dots_y(g);
    if (dx < 0 || dy < 0 || dx >= r.w * sx || dy >= r.h * sy)
        return;
    struct chart_cell *c = chart_at(g, r.x + dx / sx, r.y + dy / sy);
    if (!c)
        return;
    int cx = dx % sx, cy = dy % sy;
    if (g->unicode) {
        static const uint8_t bit[2][4] = {{0x01, 0x02, 0x04, 0x40}, {0x08, 0x10, 0x20, 0x80}};
        uint32_t have = c->ch >= BRAILLE && c->ch <= BRAILLE + 0xFF ? c->ch - BRAILLE : 0;
        c->ch = BRAILLE + (have | bit[cx][cy]);
    } else {
        static const char glyph[4] = {' ', '\'', '.', ':'};
        c->ch = (uint32_t)glyph[ascii_mask(c->ch) | (1 << cy)];
    }
    c->style = (uint8_t)style;
}

/* Dot coordinates of a data point in r; 0 or -1 (not finite). */
static int dot_of(const struct chart_grid *g, struct chart_rect r, double xlo, double xhi,
                  double ylo, double yhi, double x, double y, int *dx, int *dy)
{
    if (!isfinite(x) || !isfinite(y) || !(xhi > xlo) || !(yhi > ylo))
        return -1;
    int w = r.w * dots_x(g), h = r.h * dots_y(g);
    double fx = (x - xlo) / (xhi - xlo) * (w - 1), fy = (y - ylo) / (yhi - ylo) * (h - 1);
    /* far outside: clamp before converting so the int cannot overflow */
    if (fx < -w)
        fx = -w;
    if (fx > 2.0 * w)
        fx = 2.0 * w;
    if (fy < -h)
        fy = -h;
    if (fy > 2.0 * h)
        fy = 2.0 * h;
    *dx = (int)lround(fx);
    *dy = (h - 1) - (int)lround(fy);
    return 0;
}

static void dot_line(struct chart_grid *g, struct chart_rect r, int x0, int y0, int x1, int y1,
                     int style)
{
    int dx = abs(x1 - x0), dy = -abs(y1 - y0);
    int sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1, err = dx + dy;
    for (;;) {
        set_dot(g, r, x0, y0, style);
        if (x0 == x1 && y0 == y1)
            break;
        int e2 = 2 * err;
        if (e2 >= dy) {
            err += dy;
            x0 += sx;
        }
        if (e2 <= dx) {
            err += dx;
            y0 += sy;
        }
    }
}

/* ---------------------------------------------------------------- plots */

struct chart_rect chart_axes(struct chart_grid *g, struct chart_rect r, double xlo, double xhi,
                             double ylo, double yhi, int ylabel_w)
{
    struct chart_rect in = {r.x + ylabel_w + 1, r.y, r.w - ylabel_w - 1, r.h - 2};
    if (in.w < 2 || in.h < 1)
        return (struct chart_rect){r.x, r.y, 0, 0};
    uint32_t vl = g->unicode ? 0x2502 : '|', hl = g->unicode ? 0x2500 : '-',
             corner = g->unicode ? 0x2514 : '+';
    for (int y = in.y; y < in.y + in.h; y++)
        chart_put(g, in.x - 1, y, vl, CHART_AXIS);
    chart_put(g, in.x - 1, in.y + in.h, corner, CHART_AXIS);
    for (int x = in.x; x < in.x + in.w; x++)
        chart_put(g, x, in.y + in.h, hl, CHART_AXIS);
    char buf[32];
    int l;
    if (ylabel_w > 0) {
        chart_format(yhi, buf, sizeof buf);
        l = (int)strlen(buf);
        chart_text(g, r.x + (ylabel_w > l ? ylabel_w - l : 0), in.y, buf, ylabel_w, CHART_AXIS);
        if (in.h > 1) {
            chart_format(ylo, buf, sizeof buf);
            l = (int)strlen(buf);
            chart_text(g, r.x + (ylabel_w > l ? ylabel_w - l : 0), in.y + in.h - 1, buf, ylabel_w,
                       CHART_AXIS);
        }
    }
    char hi[32];
    chart_format(xlo, buf, sizeof buf);
    chart_format(xhi, hi, sizeof hi);
    int lx = (int)strlen(buf), hx = (int)strlen(hi);
    chart_text(g, in.x, r.y + r.h - 1, buf, in.w, CHART_AXIS);
    if (lx + 1 + hx <= in.w)
        chart_text(g, in.x + in.w - hx, r.y + r.h - 1, hi, hx, CHART_AXIS);
    return in;
}

void chart_lines(struct chart_grid *g, struct chart_rect r, double xlo, double xhi,
                 const struct chart_series *s, int nseries)
{
    if (r.w < 1 || r.h < 1)
        return;
    for (int k = 0; k < nseries; k++) {
        int have = 0, px = 0, py = 0;
        for (int i = 0; i < s[k].n; i++) {
            double x = s[k].x ? s[k].x[i] : (double)i;
            int dx, dy;
            if (dot_of(g, r, xlo, xhi, s[k].ylo, s[k].yhi, x, s[k].y[i], &dx, &dy)) {
                have = 0;
                continue;
            }
            if (have)
                dot_line(g, r, px, py, dx, dy, s[k].style);
            else
                set_dot(g, r, dx, dy, s[k].style);
            have = 1;
            px = dx;
            py = dy;
        }
    }
}

uint32_t chart_marker(const struct chart_grid *g, int kind)
{
    switch (kind) {
    case CHART_FRONT:
        return g->unicode ? 0x25C6 : 'o'; /* ◆ */
    case CHART_BEST:
        return g->unicode ? 0x2605 : '*'; /* ★ */
    case CHART_SELECTED:
        return g->unicode ? 0x25C9 : '@'; /* ◉ */
    case CHART_TRAINED:
        return g->unicode ? 0x25A0 : '#'; /* ■ */
    default:
        return g->unicode ? 0x2022 : '.'; /* • */
    }
}

void chart_scatter(struct chart_grid *g, struct chart_rect r, double xlo, double xhi, double ylo,
                   double yhi, const double *x, const double *y, const int *kind, int n)
{
    if (r.w < 1 || r.h < 1)
        return;
    for (int i = 0; i < n; i++) {
        int dx, dy;
        if ((!kind || kind[i] == CHART_POINT) &&
            !dot_of(g, r, xlo, xhi, ylo, yhi, x[i], y[i], &dx, &dy))
            set_dot(g, r, dx, dy, CHART_POINT);
    }
    if (!kind)
        return;
    static const int order[] = {CHART_FRONT, CHART_BEST, CHART_TRAINED, CHART_SELECTED};
    for (int o = 0; o < 4; o++)
        for (int i = 0; i < n; i++) {
            int cx, cy;
            if (kind[i] != order[o] ||
                chart_cell_of(r, xlo, xhi, ylo, yhi, x[i], y[i], &cx, &cy))
                continue;
            if (cx < r.x || cy < r.y || cx >= r.x + r.w || cy >= r.y + r.h)
                continue;
            chart_put(g, cx, cy, chart_marker(g, order[o]), order[o]);
        }
}

uint32_t chart_heat_char(const struct chart_grid *g, int level)
{
    static const uint32_t shade[CHART_HEAT_LEVELS] = {0x2591, 0x2591, 0x2592, 0x2592,
                                                      0x2593, 0x2593, 0x2588, 0x2588};
    static const char ramp[CHART_HEAT_LEVELS + 1] = ".:-=+*#@";
    if (level < 0)
        level = 0;
    if (level >= CHART_HEAT_LEVELS)
        level = CHART_HEAT_LEVELS - 1;
    return g->unicode ? shade[level] : (uint32_t)ramp[level];
}

void chart_heat(struct chart_grid *g, int x, int y, const double *v, int rows, int cols, int cellw,
                double lo, double hi)
{
    for (int i = 0; i < rows; i++)
        for (int j = 0; j < cols; j++) {
            double val = v[i * cols + j];
            int level = CHART_HEAT_LEVELS - 1;
            if (isnan(val)) {
                for (int c = 0; c < cellw; c++)
                    chart_put(g, x + j * cellw + c, y + i, c == cellw / 2 ? (g->unicode ? 0xB7 : '.') : ' ',
                              CHART_AXIS);
                continue;
            }
            if (hi > lo) {
                double f = (val - lo) / (hi - lo);
                f = f < 0 ? 0 : f > 1 ? 1 : f;
                level = (int)lround(f * (CHART_HEAT_LEVELS - 1));
            }
            for (int c = 0; c < cellw; c++)
                chart_put(g, x + j * cellw + c, y + i, chart_heat_char(g, level),
                          CHART_HEAT0 + level);
        }
}

void chart_spark(struct chart_grid *g, int x, int y, int w, const double *v, int n, double lo,
                 double hi, int style)
{
    static const char ramp[] = "_.-:=+*#";
    int first = n > w ? n - w : 0;
    for (int i = first; i < n; i++) {
        int level = 7;
        if (!isfinite(v[i]))
            continue;
        if (hi > lo) {
            double f = (v[i] - lo) / (hi - lo);
            f = f < 0 ? 0 : f > 1 ? 1 : f;
            level = (int)lround(f * 7);
        }
        chart_put(g, x + i - first, y, g->unicode ? 0x2581u + (uint32_t)level : (uint32_t)ramp[level],
                  style);
    }
}
