/* tui_draw: what the panels draw with (ui/tui_panels.h): boxes, text put,
 * wrapped and pasted into grids, and their labels' numbers
 * (ui/tui_panels_priv.h). */
#include "tui_panels_priv.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void tui_box(struct chart_grid *g, struct chart_rect r, const char *title, int style)
{
    int u = g->unicode;
    uint32_t h = u ? 0x2500 : '-', v = u ? 0x2502 : '|';
    uint32_t tl = u ? 0x250C : '+', tr = u ? 0x2510 : '+', bl = u ? 0x2514 : '+',
             br = u ? 0x2518 : '+';
    for (int x = r.x + 1; x < r.x + r.w - 1; x++) {
        chart_put(g, x, r.y, h, style);
        chart_put(g, x, r.y + r.h - 1, h, style);
    }
    for (int y = r.y + 1; y < r.y + r.h - 1; y++) {
        chart_put(g, r.x, y, v, style);
        chart_put(g, r.x + r.w - 1, y, v, style);
    }
    chart_put(g, r.x, r.y, tl, style);
    chart_put(g, r.x + r.w - 1, r.y, tr, style);
    chart_put(g, r.x, r.y + r.h - 1, bl, style);
    chart_put(g, r.x + r.w - 1, r.y + r.h - 1, br, style);
    if (title && r.w > 6) {
        char buf[512];
        snprintf(buf, sizeof buf, " %s ", title);
        chart_text(g, r.x + 2, r.y, buf, r.w - 5, style == CHART_FOCUS ? CHART_FOCUS : CHART_LABEL);
    }
}

void tui_text_box(struct chart_grid *screen, const char *title, const char *text,
                  const char *const *lines, int nlines, const char *footer)
{
    int w = screen->w - 4 < 76 ? screen->w - 4 : 76;
    struct chart_grid g;
    /* the rows the text takes at this width, then a grid of just those */
    if (w < 20 || chart_grid_init(&g, w - 4, screen->h > 6 ? screen->h - 6 : 1, screen->unicode))
        return;
    int rows = text ? tui_wrap(&g, 0, CHART_PLAIN, text) : (nlines < g.h ? nlines : g.h);
    chart_grid_done(&g);
    int h = rows + (footer ? 2 : 0);
    if (chart_grid_init(&g, w - 4, h, screen->unicode))
        return;
    if (text)
        tui_wrap(&g, 0, CHART_PLAIN, text);
    for (int i = 0; !text && i < rows; i++)
        tui_put(&g, 0, i, CHART_PLAIN, "%s", lines[i]);
    if (footer)
        tui_put(&g, 0, rows + 1, CHART_LABEL, "%s", footer);
    struct chart_rect r = {(screen->w - w) / 2, (screen->h - h - 2) / 2, w, h + 2};
    for (int y = r.y; y < r.y + r.h; y++)
        for (int x = r.x; x < r.x + r.w; x++)
            chart_put(screen, x, y, ' ', CHART_PLAIN);
    tui_box(screen, r, title, CHART_FOCUS);
    tui_paste(screen, &g, r.x + 2, r.y + 1);
    chart_grid_done(&g);
}

void tui_paste(struct chart_grid *screen, const struct chart_grid *p, int x, int y)
{
    for (int j = 0; j < p->h; j++)
        for (int i = 0; i < p->w; i++) {
            struct chart_cell *c = chart_at(screen, x + i, y + j);
            if (c)
                *c = p->cells[j * p->w + i];
        }
}

int tui_put(struct chart_grid *g, int x, int y, int style, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (x >= g->w)
        return 0;
    return chart_text(g, x, y, buf, g->w - x, style);
}

int tui_wrap(struct chart_grid *g, int y0, int style, const char *text)
{
    int y = y0, w = g->w;
    const char *p = text;
    while (*p && y < g->h && w > 0) {
        int len = (int)strlen(p), cut = len;
        if (len > w) {
            cut = w;
            while (cut > 0 && p[cut] != ' ')
                cut--;
            if (cut == 0)
                cut = w;
        }
        char line[1024];
        snprintf(line, sizeof line, "%.*s", cut, p);
        chart_text(g, 0, y++, line, w, style);
        p += cut;
        while (*p == ' ')
            p++;
    }
    return y - y0;
}

const char *tui_fmt(double v, char *buf)
{
    return chart_format(v, buf, 16);
}

const char *tui_corr(double v, char *buf)
{
    return isnan(v) ? "undefined" : chart_format(v, buf, 16);
}
