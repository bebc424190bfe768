/* Tests of exp/rundir.c: a CSV file recovered for a resume (torn rows,
 * refused rows, a header of another run, rows longer than any buffer). */
#include "../exp/rundir.c"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

static char dir[64], path[128];

static void write_text(const char *text)
{
    FILE *f = fopen(path, "w");
    if (f) {
        fputs(text, f);
        fclose(f);
    }
}

/* The file's text (static storage). */
static const char *file_text(void)
{
    static char buf[32768];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    if (f)
        fclose(f);
    buf[n] = 0;
    return buf;
}

struct seen {
    int n;
    size_t len[8];
    int lineno[8];
};

/* Keeps rows starting with 'k', drops the others; scribbles over each line
 * (allowed) and notes its length and number. */
static int keep_k(void *ud, char *line, int lineno, struct err *e)
{
    struct seen *s = ud;
    (void)e;
    if (s->n < 8) {
        s->len[s->n] = strlen(line);
        s->lineno[s->n] = lineno;
    }
    s->n++;
    int k = line[0] == 'k';
    memset(line, '#', strlen(line));
    return k;
}

static void test_recover(void)
{
    struct seen s = {0};
    struct err e;
    write_text("a,b\nk1,2\nx,3\nk4,5\nk6,");
    CHECK(rundir_recover_csv(path, "a,b", keep_k, &s, NULL, &e) == 0);
    CHECK_EQ_INT(s.n, 3);
    CHECK_EQ_INT(s.lineno[0], 2);
    CHECK_EQ_INT(s.lineno[2], 4);
    CHECK_STR(file_text(), "a,b\nk1,2\nk4,5\n");
    /* nothing to drop: the file is left alone */
    s.n = 0;
    CHECK(rundir_recover_csv(path, "a,b", keep_k, &s, NULL, &e) == 0);
    CHECK_EQ_INT(s.n, 2);
    CHECK_STR(file_text(), "a,b\nk1,2\nk4,5\n");
}

/* A row longer than the 8 KB the reader was once given is seen and kept
 * whole (found by tests/fuzz/fuzz_rundir: it was cut at 8191 bytes). */
static void test_long_row(void)
{
    static char text[20000];
    size_t n = (size_t)snprintf(text, sizeof text, "a,b\nk,");
    memset(text + n, '7', 12000);
    n += 12000;
    snprintf(text + n, sizeof text - n, "\nx,1\n");
    write_text(text);
    struct seen s = {0};
    struct err e;
    CHECK(rundir_recover_csv(path, "a,b", keep_k, &s, NULL, &e) == 0);
    CHECK_EQ_INT(s.n, 2);
    CHECK_EQ_INT(s.len[0], 12002);
    text[n + 1] = 0; /* the kept part: header and the long row */
    CHECK(strcmp(file_text(), text) == 0);
}

static void test_other_header(void)
{
    struct seen s = {0};
    struct err e;
    write_text("step,loss\nk1,2\n");
    CHECK(rundir_recover_csv(path, "a,b", keep_k, &s, NULL, &e) == -1);
    char want[512];
    snprintf(want, sizeof want,
             "%s:1:1: error: its columns are not this run's (expected 'a,b'): was it written by "
             "another version?",
             path);
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(s.n, 0);
    CHECK_STR(file_text(), "step,loss\nk1,2\n");
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-test-rundir-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/t.csv", dir);
    RUN(test_recover);
    RUN(test_long_row);
    RUN(test_other_header);
    unlink(path);
    rmdir(dir);
    return check_done();
}
