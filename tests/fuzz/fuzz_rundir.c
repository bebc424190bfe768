/* Fuzzes the run directory's CSV files as a resume reads them:
 * rundir_recover_csv (exp/rundir.c), which keeps the header and the complete
 * rows a reader accepts, drops the others (a damaged one with a warning) and
 * rewrites the file when it dropped any, and rundir_numbers, with which the
 * run's readers check a row's numbers.
 *
 * Input: an evaluations.csv of a run of the fmnist space.  Its rows go to a
 * reader that does what the run's reader of evaluations (keep_evaluation in
 * exp/report.c) does: the architecture parsed with arch_parse_at at its line,
 * then the metrics and the seconds, all numbers; a row that is neither is
 * damaged.  (The run's own readers are static in exp/ and reached only by
 * a resumed run that trains first; they are not fuzzed here.)
 *
 * Checked: the reader sees every complete line after the header, whole and
 * with its number; each damaged row is warned about on one line; a
 * recovered file is the header and the kept lines, each ending in a newline,
 * and recovering it again drops nothing; a refused file is refused with
 * `evaluations.csv:line:col: error: ...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "rundir.h"
#include "space.h"

#define HEADER "arch,accuracy,accuracy_no_recal,params,macs,latency,seconds"
#define METRICS 5

static struct space fmnist;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    space_default_fmnist(&fmnist);
    return 0;
}

/* What the reader is given and what it expects. */
struct reader {
    const char *path;
    const uint8_t *data; /* the file as written */
    size_t size;
    size_t pos;          /* where the next line starts in data */
    int lineno;          /* of the next line */
    int kept, damaged, seen, warned;
};

/* Advances r past the line at r->pos; returns its start and length (up to
 * a NUL: the reader sees a C string). */
static const char *next_line(struct reader *r, size_t *len)
{
    const char *p = (const char *)r->data + r->pos;
    const char *nl = memchr(p, '\n', r->size - r->pos);
    size_t n = nl ? (size_t)(nl - p) : r->size - r->pos;
    r->pos += n + 1;
    r->lineno++;
    const char *nul = memchr(p, 0, n);
    *len = nul ? (size_t)(nul - p) : n;
    return p;
}

static int keep(void *ud, char *line, int lineno, struct err *e)
{
    struct reader *r = ud;
    size_t want_len;
    const char *want = next_line(r, &want_len);
    r->seen++;
    if (lineno != r->lineno || strlen(line) != want_len || memcmp(line, want, want_len) != 0)
        fuzz_fail("line %d (expected %d) reaches the reader as \"%.80s\" (%zu bytes, not %zu)",
                  lineno, r->lineno, line, strlen(line), want_len);
    r->damaged++;
    char *comma = strchr(line, ',');
    if (!comma)
        return err_plain(e, "expected an architecture and its metrics"), RUNDIR_DAMAGED;
    *comma = 0;
    struct arch a;
    struct err why;
    if (arch_parse_at(&fmnist, line, r->path, lineno, 1, &a, &why)) {
        char at[300];
        snprintf(at, sizeof at, "%s:%d:", r->path, lineno);
        fuzz_check_error(&why, r->path);
        if (strncmp(why.msg, at, strlen(at)) != 0)
            fuzz_fail("the error is not at line %d: \"%s\"", lineno, why.msg);
        return err_plain(e, "%s", strstr(why.msg, "error: ") + 7), RUNDIR_DAMAGED;
    }
    if (!rundir_numbers(comma + 1, METRICS + 1))
        return err_plain(e, "expected %d numbers", METRICS + 1), RUNDIR_DAMAGED;
    r->damaged--;
    r->kept++;
    return 1;
}

/* A damaged row: `path:LINE: warning: damaged row dropped: why`, one line. */
static void warn(void *ud, const char *text)
{
    struct reader *r = ud;
    char want[300];
    snprintf(want, sizeof want, "%s:%d: warning: damaged row dropped: ", r->path, r->lineno);
    if (strncmp(text, want, strlen(want)) != 0 || !text[strlen(want)] || strchr(text, '\n'))
        fuzz_fail("a damaged row is warned about as \"%s\"", text);
    r->warned++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    struct err e;
    fuzz_write("evaluations.csv", data, size, path, sizeof path);
    struct reader r = {path, data, size, 0, 0, 0, 0, 0, 0};
    size_t hl;
    if (size)
        next_line(&r, &hl); /* the header, which the reader never sees */
    int rc = rundir_recover_csv(path, HEADER, keep, &r, warn, &e);
    if (rc) {
        fuzz_check_error(&e, path);
        return 0;
    }
    if (r.warned != r.damaged)
        fuzz_fail("%d damaged rows, %d warnings", r.damaged, r.warned);

    char *text;
    size_t len;
    if (rundir_slurp(path, &text, &len, &e))
        fuzz_fail("%s", e.msg);
    if (!text || len == 0) {
        if (size && memchr(data, '\n', size))
            fuzz_fail("a file with a complete line was recovered as nothing");
        free(text);
        return 0;
    }
    /* the header (up to a NUL in it), then as many complete lines as were kept */
    if (strncmp(text, HEADER, strlen(HEADER)) != 0 || text[len - 1] != '\n')
        fuzz_fail("the recovered file does not start with the header or end a line");
    int lines = 0;
    for (size_t i = 0; i < len; i++)
        lines += text[i] == '\n';
    if (lines != 1 + r.kept)
        fuzz_fail("the recovered file has %d lines, the header and %d kept", lines, r.kept);

    /* recovering it again drops nothing and leaves it as it is */
    struct reader again = {path, (const uint8_t *)text, len, 0, 0, 0, 0, 0, 0};
    next_line(&again, &hl);
    if (rundir_recover_csv(path, HEADER, keep, &again, warn, &e))
        fuzz_fail("the recovered file is refused: %s", e.msg);
    if (again.damaged || again.kept != r.kept)
        fuzz_fail("recovered again, %d rows kept and %d damaged (first %d kept)", again.kept,
                  again.damaged, r.kept);
    char *text2;
    size_t len2;
    if (rundir_slurp(path, &text2, &len2, &e) || !text2 || len2 != len ||
        memcmp(text, text2, len) != 0)
        fuzz_fail("recovered again, the file changed");
    free(text);
    free(text2);
    return 0;
}
