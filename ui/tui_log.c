/* tui_log: the log panel (ui/tui_panels.h): the run's messages wrapped to
 * the panel's width, the newest at the bottom, scrolled up from there. */
#include "tui_panels_priv.h"

/* Where the rows of text wrapped at width w start (code point offsets, at
 * most max of them): at the last space that fits, or hard at w when a word
 * is longer.  Returns the rows (>= 1). */
static int wrap_rows(const char *text, int w, int *start, int max)
{
    uint32_t cp[TUI_LOG_WIDTH];
    int n = 0;
    for (const char *t = text; *t && n < TUI_LOG_WIDTH;)
        t += chart_utf8_next(t, &cp[n++]);
    int rows = 0, at = 0;
    do {
        if (rows < max)
            start[rows] = at;
        rows++;
        if (n - at <= w)
            break;
        int cut = at + w;
        while (cut > at + w / 3 && cp[cut] != ' ')
            cut--;
        if (cp[cut] != ' ')
            cut = at + w;
        at = cut;
        while (at < n && cp[at] == ' ')
            at++;
    } while (at < n);
    return rows;
}

/* The byte offset of code point i of t. */
static const char *uskip(const char *t, int i)
{
    uint32_t cp;
    while (*t && i-- > 0)
        t += chart_utf8_next(t, &cp);
    return t;
}

const char tui_log_help[] =
    "The run's messages: a line at each epoch's end (the supernet's ranking, or what "
    "Single-Path's decisions decode to), the generations, the retrained networks' results, "
    "the Lua scripts' prints, warnings and errors with their tracebacks. After a Lua error, "
    "fix the file and press r: the search goes on with every evaluation kept.";

void tui_log_draw(struct chart_grid *g, const struct tui_state *s, struct tui_view *v)
{
    int w = g->w, h = g->h, start[TUI_LOG_WIDTH + 1];
    if (w < 1 || h < 1)
        return;
    /* rows from the bottom: skip log_scroll of them, then fill upwards */
    int total = 0;
    for (int i = 0; i < s->log_n; i++)
        total += wrap_rows(tui_state_log_line(s, i)->text, w, start, 0);
    if (v->log_scroll > total - h)
        v->log_scroll = total - h > 0 ? total - h : 0;
    int skip = v->log_scroll, y = h - 1;
    for (int i = 0; i < s->log_n && y >= 0; i++) {
        const struct tui_log_line *l = tui_state_log_line(s, i);
        int nrows = wrap_rows(l->text, w, start, TUI_LOG_WIDTH + 1);
        int style = l->level == TUI_ERROR ? CHART_ERROR
                    : l->level == TUI_WARN ? CHART_WARN
                                           : CHART_PLAIN;
        for (int r = nrows - 1; r >= 0 && y >= 0; r--) {
            if (skip > 0) {
                skip--;
                continue;
            }
            int len = r + 1 < nrows ? start[r + 1] - start[r] : w;
            chart_text(g, 0, y--, uskip(l->text, start[r]), len < w ? len : w, style);
        }
    }
}
