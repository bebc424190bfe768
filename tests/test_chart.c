/* Unit tests of ui/chart.c, the TUI's curses-free plot renderers: UTF-8
 * round trips, number formatting, ranges and ticks, braille and ASCII dots
 * of line charts against hand-drawn grids, scatter markers and their
 * drawing order, heat levels, sparklines, axes and clipping.
 *
 * ui/ is not a library, so the renderer is compiled into this test. */
#include "../ui/chart.c"

#include <stdio.h>
#include <string.h>

#include "check.h"

static const char *row(const struct chart_grid *g, int y)
{
    static char buf[1024];
    chart_row_utf8(g, y, buf, sizeof buf);
    return buf;
}

static void test_utf8(void)
{
    static const uint32_t cps[] = {'A', 0xB7, 0x2800, 0x28FF, 0x25C6, 0x1F600};
    for (int i = 0; i < 6; i++) {
        char b[5];
        uint32_t back;
        int n = chart_utf8(cps[i], b);
        CHECK_EQ_INT(chart_utf8_next(b, &back), n);
        CHECK_EQ_INT(back, cps[i]);
    }
    uint32_t cp;
    CHECK_EQ_INT(chart_utf8_next("\xff", &cp), 1);
    CHECK_EQ_INT(cp, 0xFFFD);
    CHECK_EQ_INT(chart_utf8_next("\xe2\x28", &cp), 1); /* a cut sequence */
    CHECK_EQ_INT(cp, 0xFFFD);
}

static void test_text(void)
{
    struct chart_grid g;
    CHECK_EQ_INT(chart_grid_init(&g, 6, 2, 1), 0);
    CHECK_EQ_INT(chart_text(&g, 1, 0, "a\xe2\x97\x86" "bcdefg", -1, CHART_LABEL), 5);
    CHECK_STR(row(&g, 0), " a\xe2\x97\x86" "bcd");
    CHECK_EQ_INT(g.cells[2].ch, 0x25C6);
    CHECK_EQ_INT(g.cells[2].style, CHART_LABEL);
    CHECK_EQ_INT(chart_text(&g, 0, 1, "xyz", 2, CHART_PLAIN), 2);
    CHECK_STR(row(&g, 1), "xy    ");
    chart_text(&g, -3, 5, "off the grid", -1, CHART_PLAIN); /* clipped, no crash */
    CHECK(chart_at(&g, 6, 0) == NULL);
    CHECK(chart_at(&g, 0, -1) == NULL);
    chart_grid_done(&g);
    /* ASCII grids never hold anything else */
    CHECK_EQ_INT(chart_grid_init(&g, 4, 1, 0), 0);
    chart_text(&g, 0, 0, "\xc2\xb5m", -1, CHART_PLAIN);
    CHECK_STR(row(&g, 0), "?m  ");
    /* a row longer than the buffer is cut, the length it needed returned */
    char small[3];
    CHECK_EQ_INT(chart_row_utf8(&g, 0, small, sizeof small), 4);
    CHECK_STR(small, "?m");
    chart_grid_done(&g);
}

static void test_format(void)
{
    char b[32];
    CHECK_STR(chart_format(0, b, sizeof b), "0");
    CHECK_STR(chart_format(0.8512, b, sizeof b), "0.851");
    CHECK_STR(chart_format(0.1, b, sizeof b), "0.1");
    CHECK_STR(chart_format(0.0042, b, sizeof b), "0.0042");
    CHECK_STR(chart_format(2.5e-5, b, sizeof b), "2.5e-05");
    CHECK_STR(chart_format(1.5, b, sizeof b), "1.50");
    CHECK_STR(chart_format(96, b, sizeof b), "96"); /* whole numbers without decimals */
    CHECK_STR(chart_format(-20, b, sizeof b), "-20");
    CHECK_STR(chart_format(12.34, b, sizeof b), "12.3");
    CHECK_STR(chart_format(1234, b, sizeof b), "1234");
    CHECK_STR(chart_format(12345, b, sizeof b), "12.3k");
    CHECK_STR(chart_format(999999, b, sizeof b), "1M");
    CHECK_STR(chart_format(4560000, b, sizeof b), "4.56M");
    CHECK_STR(chart_format(-12345, b, sizeof b), "-12.3k");
    CHECK_STR(chart_format(NAN, b, sizeof b), "nan");
    CHECK_STR(chart_format(-INFINITY, b, sizeof b), "-inf");
    for (double v = 1e-7; v < 1e13; v *= 3.7) /* never longer than 7 */
        CHECK(strlen(chart_format(v, b, sizeof b)) <= 7);
}

static void test_range_ticks(void)
{
    double lo, hi;
    const double v[] = {2, NAN, 4, INFINITY, 3};
    CHECK_EQ_INT(chart_range(v, 5, 0.1, &lo, &hi), 3);
    CHECK_NEAR(lo, 1.8, 1e-12);
    CHECK_NEAR(hi, 4.2, 1e-12);
    const double one[] = {5};
    chart_range(one, 1, 0, &lo, &hi);
    CHECK(lo < 5 && hi > 5);
    CHECK_EQ_INT(chart_range(v + 1, 1, 0, &lo, &hi), 0);
    CHECK(lo == 0 && hi == 1);

    double t[16];
    int n = chart_ticks(0, 1, 5, t);
    CHECK_EQ_INT(n, 5); /* 0, 0.2, ..., 0.8: max 5 */
    CHECK_NEAR(t[0], 0, 0);
    CHECK_NEAR(t[1], 0.2, 1e-12);
    n = chart_ticks(0.83, 0.87, 6, t);
    CHECK(n >= 3);
    for (int i = 0; i < n; i++)
        CHECK(t[i] >= 0.83 - 1e-12 && t[i] <= 0.87 + 1e-12);
    n = chart_ticks(-3, 7, 6, t); /* step 2: -2 0 2 4 6 */
    CHECK_EQ_INT(n, 5);
    CHECK_NEAR(t[0], -2, 1e-12);
    CHECK(t[1] == 0 && !signbit(t[1]));
    CHECK_EQ_INT(chart_ticks(1, 1, 5, t), 0);
    CHECK_EQ_INT(chart_ticks(0, NAN, 5, t), 0);
}

static void test_cell_of(void)
{
    struct chart_rect r = {2, 1, 5, 3};
    int cx, cy;
    CHECK_EQ_INT(chart_cell_of(r, 0, 1, 0, 1, 0, 0, &cx, &cy), 0);
    CHECK(cx == 2 && cy == 3); /* bottom left */
    chart_cell_of(r, 0, 1, 0, 1, 1, 1, &cx, &cy);
    CHECK(cx == 6 && cy == 1); /* top right */
    chart_cell_of(r, 0, 1, 0, 1, 0.5, 0.5, &cx, &cy);
    CHECK(cx == 4 && cy == 2);
    CHECK_EQ_INT(chart_cell_of(r, 0, 1, 0, 1, NAN, 0, &cx, &cy), -1);
    CHECK_EQ_INT(chart_cell_of(r, 1, 1, 0, 1, 0, 0, &cx, &cy), -1);
}

/* A rising diagonal over 2 x 1 cells: 4 x 4 dots, one per column. */
static void test_lines_braille(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 2, 1, 1);
    const double y[] = {0, 1, 2, 3};
    struct chart_series s = {NULL, y, 4, 0, 3, CHART_SERIES1};
    chart_lines(&g, (struct chart_rect){0, 0, 2, 1}, 0, 3, &s, 1);
    /* cell 0: dot (0, row 3) = 0x40 and (1, row 2) = 0x20; cell 1: (0, row 1)
     * = 0x02 and (1, row 0) = 0x08 */
    CHECK_EQ_INT(g.cells[0].ch, 0x2800 + 0x40 + 0x20);
    CHECK_EQ_INT(g.cells[1].ch, 0x2800 + 0x02 + 0x08);
    CHECK_EQ_INT(g.cells[0].style, CHART_SERIES1);
    /* a second series merges its dots and takes the cell's style */
    const double flat[] = {3, 3};
    const double fx[] = {0, 0.5};
    struct chart_series s2 = {fx, flat, 2, 0, 3, CHART_SERIES2};
    chart_lines(&g, (struct chart_rect){0, 0, 2, 1}, 0, 3, &s2, 1);
    CHECK_EQ_INT(g.cells[0].ch, 0x2800 + 0x40 + 0x20 + 0x01 + 0x08);
    CHECK_EQ_INT(g.cells[0].style, CHART_SERIES2);
    chart_grid_done(&g);
}

/* Consecutive points are joined: no gaps in a steep line. */
static void test_lines_joined(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 1, 3, 1);
    const double x[] = {0, 1}, y[] = {0, 1};
    struct chart_series s = {x, y, 2, 0, 1, CHART_SERIES1};
    chart_lines(&g, (struct chart_rect){0, 0, 1, 3}, 0, 1, &s, 1);
    for (int i = 0; i < 3; i++) /* every cell of the 12-dot-high column has dots */
        CHECK(g.cells[i].ch > 0x2800 && g.cells[i].ch <= 0x28FF);
    chart_grid_done(&g);
    /* a NaN breaks the line */
    chart_grid_init(&g, 5, 1, 1);
    const double yb[] = {0, NAN, 0};
    const double xb[] = {0, 2, 4};
    struct chart_series sb = {xb, yb, 3, 0, 1, CHART_SERIES1};
    chart_lines(&g, (struct chart_rect){0, 0, 5, 1}, 0, 4, &sb, 1);
    CHECK_EQ_INT(g.cells[0].ch, 0x2840);
    CHECK_EQ_INT(g.cells[2].ch, ' ');
    CHECK_EQ_INT(g.cells[4].ch, 0x2880); /* x = 4 is the right column of cell 4 */
    chart_grid_done(&g);
}

/* The ASCII fallback: 1 x 2 dots per cell. */
static void test_lines_ascii(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 4, 1, 0);
    const double y[] = {0, 1, 0, 1};
    struct chart_series s = {NULL, y, 4, 0, 1, CHART_SERIES1};
    chart_lines(&g, (struct chart_rect){0, 0, 4, 1}, 0, 3, &s, 1);
    /* joined by 8-connected steps: a zigzag of bottom and top halves */
    CHECK_STR(row(&g, 0), ".'.'");
    chart_grid_done(&g);
    chart_grid_init(&g, 3, 2, 0);
    const double up[] = {0, 1, 2};
    struct chart_series s2 = {NULL, up, 3, 0, 2, CHART_SERIES1};
    chart_lines(&g, (struct chart_rect){0, 0, 3, 2}, 0, 2, &s2, 1);
    /* dots (0, 3), (1, 2), (1, 1), (2, 0): the steep part fills two rows of column 1 */
    CHECK_STR(row(&g, 0), " .'");
    CHECK_STR(row(&g, 1), ".' ");
    chart_grid_done(&g);
}

static void test_scatter(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 3, 3, 1);
    const double x[] = {0, 1, 2, 1}, y[] = {0, 1, 2, 1};
    const int kind[] = {CHART_POINT, CHART_FRONT, CHART_BEST, CHART_SELECTED};
    chart_scatter(&g, (struct chart_rect){0, 0, 3, 3}, 0, 2, 0, 2, x, y, kind, 4);
    CHECK(g.cells[2 * 3 + 0].ch >= 0x2800 && g.cells[2 * 3 + 0].ch <= 0x28FF); /* a dot */
    CHECK_EQ_INT(g.cells[2 * 3 + 0].style, CHART_POINT);
    CHECK_EQ_INT(g.cells[0 * 3 + 2].ch, 0x2605);                 /* best */
    CHECK_EQ_INT(g.cells[1 * 3 + 1].ch, 0x25C9);                 /* selected over front */
    CHECK_EQ_INT(g.cells[1 * 3 + 1].style, CHART_SELECTED);
    chart_grid_done(&g);
    chart_grid_init(&g, 3, 3, 0);
    chart_scatter(&g, (struct chart_rect){0, 0, 3, 3}, 0, 2, 0, 2, x, y, kind, 4);
    CHECK_STR(row(&g, 0), "  *");
    CHECK_STR(row(&g, 1), " @ ");
    CHECK_STR(row(&g, 2), ".  ");
    /* a point with a stand-alone result: its own marker, over the best's in
     * a shared cell, under the selection's */
    chart_grid_clear(&g);
    const double tx[] = {2, 2, 0, 0}, ty[] = {2, 2, 0, 0};
    const int tk[] = {CHART_TRAINED, CHART_BEST, CHART_TRAINED, CHART_SELECTED};
    chart_scatter(&g, (struct chart_rect){0, 0, 3, 3}, 0, 2, 0, 2, tx, ty, tk, 4);
    CHECK_STR(row(&g, 0), "  #");
    CHECK_EQ_INT(g.cells[0 * 3 + 2].style, CHART_TRAINED);
    CHECK_STR(row(&g, 2), "@  ");
    /* points outside the range are clipped, not drawn on the edge */
    chart_grid_clear(&g);
    const double fx[] = {5}, fy[] = {1};
    const int fk[] = {CHART_FRONT};
    chart_scatter(&g, (struct chart_rect){0, 0, 3, 3}, 0, 2, 0, 2, fx, fy, fk, 1);
    for (int i = 0; i < 9; i++)
        CHECK_EQ_INT(g.cells[i].ch, ' ');
    chart_grid_done(&g);
}

static void test_heat(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 6, 2, 0);
    const double v[] = {0, 7, NAN, 3.5, 7, 0};
    chart_heat(&g, 0, 0, v, 2, 3, 2, 0, 7);
    CHECK_STR(row(&g, 0), "..@@ .");
    CHECK_STR(row(&g, 1), "++@@..");
    CHECK_EQ_INT(g.cells[2].style, CHART_HEAT0 + 7);
    CHECK_EQ_INT(g.cells[0].style, CHART_HEAT0);
    CHECK_EQ_INT(g.cells[6].style, CHART_HEAT0 + 4); /* 3.5 of 7 rounds to level 4 */
    /* a uniform matrix (a fair sampler) is all one level, the top */
    const double same[] = {5, 5, 5, 5, 5, 5};
    chart_heat(&g, 0, 0, same, 2, 3, 2, 5, 5);
    for (int i = 0; i < 12; i++)
        CHECK_EQ_INT(g.cells[i].style, CHART_HEAT0 + 7);
    chart_grid_done(&g);
    chart_grid_init(&g, 2, 1, 1);
    chart_heat(&g, 0, 0, v, 1, 2, 1, 0, 7);
    CHECK_EQ_INT(g.cells[0].ch, 0x2591);
    CHECK_EQ_INT(g.cells[1].ch, 0x2588);
    chart_grid_done(&g);
}

static void test_spark(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 4, 1, 1);
    const double v[] = {9, 0, 1, 2, 3};
    chart_spark(&g, 0, 0, 4, v, 5, 0, 3, CHART_SERIES1); /* the last 4 */
    CHECK_EQ_INT(g.cells[0].ch, 0x2581);
    CHECK_EQ_INT(g.cells[3].ch, 0x2588);
    chart_grid_done(&g);
    chart_grid_init(&g, 4, 1, 0);
    chart_spark(&g, 0, 0, 4, v, 5, 0, 3, CHART_SERIES1);
    CHECK_STR(row(&g, 0), "_-+#"); /* levels 0, 2, 5, 7 */
    chart_grid_done(&g);
}

static void test_axes(void)
{
    struct chart_grid g;
    chart_grid_init(&g, 16, 6, 0);
    struct chart_rect in = chart_axes(&g, (struct chart_rect){0, 0, 16, 6}, 0, 300, 0.5, 2.25, 4);
    CHECK(in.x == 5 && in.y == 0 && in.w == 11 && in.h == 4);
    CHECK_STR(row(&g, 0), "2.25|           ");
    CHECK_STR(row(&g, 3), " 0.5|           ");
    CHECK_STR(row(&g, 4), "    +-----------");
    CHECK_STR(row(&g, 5), "     0       300");
    /* too small: nothing left for data */
    struct chart_rect none = chart_axes(&g, (struct chart_rect){0, 0, 5, 2}, 0, 1, 0, 1, 4);
    CHECK(none.w == 0 || none.h == 0);
    chart_grid_done(&g);
}

int main(void)
{
    RUN(test_utf8);
    RUN(test_text);
    RUN(test_format);
    RUN(test_range_ticks);
    RUN(test_cell_of);
    RUN(test_lines_braille);
    RUN(test_lines_joined);
    RUN(test_lines_ascii);
    RUN(test_scatter);
    RUN(test_heat);
    RUN(test_spark);
    RUN(test_axes);
    return check_done();
}
