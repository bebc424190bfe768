/* Unit tests of ui/svg.c: each plot is a well-formed standalone SVG document
 * (tags balanced, one root, escaped text), holds what it was given (one path
 * per series, one circle per point, one cell per matrix entry, titles and
 * labels), keeps its marks inside the canvas, and a file that cannot be
 * written is an error naming it, with no temporary file left behind.
 *
 * ui/ is not a library, so the renderers are compiled into this test. */
#include "../ui/chart.c"
#include "../ui/svg.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"

static char dir[] = "/tmp/oneshot-test-svg-XXXXXX";

static char *slurp_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    if (s && fread(s, 1, (size_t)n, f) != (size_t)n) {
        free(s);
        s = NULL;
    }
    if (s)
        s[n] = 0;
    fclose(f);
    return s;
}

static int count(const char *s, const char *what)
{
    int n = 0;
    for (const char *p = s; (p = strstr(p, what)); p += strlen(what))
        n++;
    return n;
}

/* 1 when the elements nest properly under one <svg> root and no text holds a
 * raw '<' or an '&' that starts no entity. */
static int well_formed(const char *s)
{
    char stack[64][32];
    int depth = 0, roots = 0;
    const char *p = s;
    if (strncmp(p, "<?xml", 5) != 0)
        return 0;
    p = strstr(p, "?>");
    if (!p)
        return 0;
    p += 2;
    while (*p) {
        if (*p == '&') {
            if (strncmp(p, "&amp;", 5) && strncmp(p, "&lt;", 4) && strncmp(p, "&gt;", 4) &&
                strncmp(p, "&quot;", 6) && strncmp(p, "&apos;", 6))
                return 0;
            p++;
            continue;
        }
        if (*p != '<') {
            p++;
            continue;
        }
        const char *end = strchr(p, '>');
        if (!end)
            return 0;
        for (const char *q = p + 1; q < end; q++) /* attribute values hold no '<' */
            if (*q == '<')
                return 0;
        if (p[1] == '/') {
            size_t l = strcspn(p + 2, " >");
            if (depth == 0 || strlen(stack[depth - 1]) != l ||
                strncmp(stack[depth - 1], p + 2, l) != 0)
                return 0;
            depth--;
        } else if (end[-1] != '/') {
            size_t l = strcspn(p + 1, " >/\n");
            if (depth == 64 || l >= 32)
                return 0;
            if (depth == 0) {
                roots++;
                if (strncmp(p + 1, "svg", 3) != 0)
                    return 0;
            }
            memcpy(stack[depth], p + 1, l);
            stack[depth][l] = 0;
            depth++;
        } else if (depth == 0) {
            return 0;
        }
        p = end + 1;
    }
    return depth == 0 && roots == 1;
}

/* Every cx=, cy=, x=, y= value lies on the 720 x 450 canvas. */
static int inside(const char *s)
{
    static const char *const keys[] = {" cx=\"", " cy=\"", " x=\"", " y=\""};
    for (int k = 0; k < 4; k++)
        for (const char *p = s; (p = strstr(p, keys[k])); p++) {
            double v = atof(p + strlen(keys[k]));
            if (v < 0 || v > (k % 2 ? 450 : 720))
                return 0;
        }
    return 1;
}

static void path_of(char *out, size_t n, const char *name)
{
    snprintf(out, n, "%s/%s", dir, name);
}

static void test_lines(void)
{
    char path[256], tmp[300];
    path_of(path, sizeof path, "loss.svg");
    double x[50], loss[50], lr[50];
    for (int i = 0; i < 50; i++) {
        x[i] = i + 1;
        loss[i] = 2.3 * exp(-i / 20.0);
        lr[i] = 0.1 * (1 + cos(3.14159 * i / 50)) / 2;
    }
    loss[10] = NAN; /* breaks the line */
    struct svg_series s[2] = {{"loss", x, loss, 50, 0}, {"learning rate", x, lr, 50, 1}};
    struct err e;
    CHECK_EQ_INT(svg_lines(path, "supernet <fair> & co", "step", "loss [nats]", "lr", s, 2, &e),
                 0);
    char *t = slurp_file(path);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(well_formed(t));
    CHECK(inside(t));
    CHECK(strstr(t, "<title>supernet &lt;fair&gt; &amp; co</title>") != NULL);
    CHECK(strstr(t, ">loss [nats]</text>") != NULL);
    CHECK(strstr(t, ">step</text>") != NULL);
    CHECK(strstr(t, ">learning rate (right axis)</text>") != NULL);
    CHECK_EQ_INT(count(t, "<path fill=\"none\""), 2);
    /* the NaN starts a second stroke: two M in the loss path */
    const char *lp = strstr(t, "<path fill=\"none\"");
    CHECK(lp && count(lp, "M") >= 2);
    CHECK(strlen(t) > 7 && strcmp(t + strlen(t) - 7, "</svg>\n") == 0);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    CHECK(access(tmp, F_OK) != 0);
    free(t);
    /* no data at all is still a valid (empty) plot */
    struct svg_series none = {"loss", NULL, NULL, 0, 0};
    CHECK_EQ_INT(svg_lines(path, "empty", "step", "loss", NULL, &none, 1, &e), 0);
    t = slurp_file(path);
    CHECK(t && well_formed(t));
    free(t);
}

static void test_scatter(void)
{
    char path[256];
    path_of(path, sizeof path, "pareto.svg");
    const double x[] = {0.80, 0.85, 0.82, 0.90, NAN};
    const double y[] = {12000, 30000, 15000, 60000, 1};
    const int kind[] = {CHART_POINT, CHART_FRONT, CHART_SELECTED, CHART_BEST, CHART_POINT};
    const char *const names[] = {"k3e3-k3e3", "k5e6-k3e3", "k3e3-k5e3", "k7e6-k7e6", "nan"};
    struct err e;
    CHECK_EQ_INT(svg_scatter(path, "Pareto front", "accuracy [%]", "params [count]", x, y, kind,
                             names, 5, NULL, &e),
                 0);
    char *t = slurp_file(path);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(well_formed(t));
    CHECK(inside(t));
    /* 4 finite points, and a legend swatch for each of the 4 kinds drawn */
    CHECK_EQ_INT(count(t, "<circle"), 4 + 4);
    CHECK(strstr(t, "<title>k7e6-k7e6 (0.9, 60000)</title>") != NULL);
    CHECK(strstr(t, "<title>nan") == NULL);
    CHECK_EQ_INT(count(t, "<polyline"), 1); /* the front: two points */
    CHECK(strstr(t, ">non-dominated front</text>") != NULL);
    CHECK(strstr(t, ">evaluated</text>") != NULL);
    free(t);
    /* a ranking plot: no kinds, its own legend text */
    CHECK_EQ_INT(svg_scatter(path, "ranking", "stand-alone accuracy", "supernet accuracy", x, x,
                             NULL, NULL, 4, "table & co", &e),
                 0);
    t = slurp_file(path);
    CHECK(t && well_formed(t));
    CHECK(t && strstr(t, ">table &amp; co</text>") != NULL);
    CHECK(t && strstr(t, ">evaluated</text>") == NULL);
    CHECK(t && count(t, "<polyline") == 0);
    CHECK(t && count(t, "<circle") == 4 + 1);
    free(t);
}

static void test_heatmap(void)
{
    char path[256];
    path_of(path, sizeof path, "fairness.svg");
    const double v[] = {100, 100, NAN, 80, 120, 100};
    const char *const rows[] = {"k3e3", "k5e6"};
    const char *const cols[] = {"1", "2", "3"};
    struct err e;
    CHECK_EQ_INT(svg_heatmap(path, "updates per choice", "layer", "choice", rows, cols, v, 2, 3,
                             &e),
                 0);
    char *t = slurp_file(path);
    CHECK(t != NULL);
    if (!t)
        return;
    CHECK(well_formed(t));
    CHECK(inside(t));
    /* background + 6 cells + 10 steps of the colour scale */
    CHECK_EQ_INT(count(t, "<rect"), 1 + 6 + 10);
    CHECK_EQ_INT(count(t, "fill=\"url(#na)\""), 1);
    CHECK(strstr(t, "<title>k3e3 / 3: not allowed</title>") != NULL);
    CHECK(strstr(t, "<title>k5e6 / 2: 120</title>") != NULL);
    CHECK(strstr(t, ">k5e6</text>") != NULL);
    /* the extremes get the extreme colours */
    CHECK(strstr(t, "fill=\"#253494\" stroke=\"white\"><title>k5e6 / 2") != NULL);
    CHECK(strstr(t, "fill=\"#fff7bc\" stroke=\"white\"><title>k5e6 / 1") != NULL);
    free(t);
}

static void test_errors(void)
{
    char path[300];
    snprintf(path, sizeof path, "%s/no/such/dir/x.svg", dir);
    struct err e;
    const double x[] = {1, 2};
    CHECK_EQ_INT(svg_scatter(path, "t", "x", "y", x, x, NULL, NULL, 2, NULL, &e), -1);
    char want[800];
    snprintf(want, sizeof want, "%s: error: cannot create %s.tmp: No such file or directory", path,
             path);
    CHECK_STR(e.msg, want);
}

int main(void)
{
    if (!mkdtemp(dir)) {
        printf("cannot make a temporary directory\n");
        return 1;
    }
    RUN(test_lines);
    RUN(test_scatter);
    RUN(test_heatmap);
    RUN(test_errors);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        printf("could not remove %s\n", dir);
    return check_done();
}
