#include "truth.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"

void truth_done(struct truth *t)
{
    free(t->rows);
    t->rows = NULL;
    t->n = t->cap = 0;
}

int truth_find(const struct truth *t, const char *arch, int seed)
{
    for (int i = 0; i < t->n; i++)
        if (t->rows[i].seed == seed && strcmp(t->rows[i].arch, arch) == 0)
            return i;
    return -1;
}

/* Splits line into at most n comma-separated fields; col[i] is each field's
 * 1-based column.  Returns the number of fields. */
static int split_fields(char *line, char **f, int *col, int n)
{
    int k = 0;
    char *p = line;
    for (;;) {
        if (k < n) {
            f[k] = p;
            col[k] = (int)(p - line) + 1;
        }
        k++;
        char *c = strchr(p, ',');
        if (!c)
            break;
        *c = 0;
        p = c + 1;
    }
    return k;
}

static int parse_row(char *line, int lineno, const char *path, const struct space *s,
                     struct truth_row *r, struct err *e)
{
    char *f[8];
    int col[8];
    int k = split_fields(line, f, col, 8);
    if (k != 8)
        return err_set(e, path, lineno, 1, "expected 8 fields (%s), found %d", TRUTH_HEADER, k);
    memset(r, 0, sizeof *r);
    r->line = lineno;
    if (strlen(f[0]) >= sizeof r->arch)
        return err_set(e, path, lineno, 1, "architecture too long");
    strcpy(r->arch, f[0]);
    if (s) {
        struct arch a;
        struct err pe;
        if (arch_parse(s, f[0], path, &a, &pe))
            return err_set(e, path, lineno, 1, "'%s' is not an architecture of the space %s",
                           f[0], s->name);
    }
    char *end;
    long v = strtol(f[1], &end, 10);
    if (!*f[1] || *end || v < 0 || v > 2147483647)
        return err_set(e, path, lineno, col[1], "seed '%s' is not a whole number >= 0", f[1]);
    r->seed = (int)v;
    errno = 0;
    r->params = strtoll(f[2], &end, 10);
    if (!*f[2] || *end || errno == ERANGE)
        return err_set(e, path, lineno, col[2], "params '%s' is not a whole number", f[2]);
    errno = 0;
    r->macs = strtoll(f[3], &end, 10);
    if (!*f[3] || *end || errno == ERANGE)
        return err_set(e, path, lineno, col[3], "macs '%s' is not a whole number", f[3]);
    double *acc[2] = {&r->val_accuracy, &r->test_accuracy};
    for (int i = 0; i < 2; i++) {
        *acc[i] = strtod(f[4 + i], &end);
        if (!*f[4 + i] || *end || !(*acc[i] >= 0 && *acc[i] <= 1))
            return err_set(e, path, lineno, col[4 + i], "accuracy '%s' is not a number in [0, 1]",
                           f[4 + i]);
    }
    v = strtol(f[6], &end, 10);
    if (!*f[6] || *end || v < 1 || v > 2147483647)
        return err_set(e, path, lineno, col[6], "epochs '%s' is not a whole number >= 1", f[6]);
    r->epochs = (int)v;
    r->seconds = strtod(f[7], &end);
    if (!*f[7] || *end || !(r->seconds >= 0) || isinf(r->seconds))
        return err_set(e, path, lineno, col[7], "seconds '%s' is not a number >= 0", f[7]);
    return 0;
}

int truth_load(struct truth *t, const char *path, const struct space *s, int missing_ok,
               struct err *e)
{
    memset(t, 0, sizeof *t);
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno == ENOENT && missing_ok)
            return 0;
        return err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
    }
    char line[1024];
    int lineno = 0, header = 0, rc = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        size_t len = strlen(line);
        if (len == 0 || line[len - 1] != '\n') {
            if (feof(f))
                break; /* a row whose write was cut short: not a row */
            rc = err_set(e, path, lineno, 1, "line too long");
            break;
        }
        line[--len] = 0;
        if (len && line[len - 1] == '\r')
            line[--len] = 0;
        if (line[0] == '#' || len == 0)
            continue;
        if (!header) {
            if (strcmp(line, TRUTH_HEADER) != 0) {
                rc = err_set(e, path, lineno, 1, "expected the header '%s'", TRUTH_HEADER);
                break;
            }
            header = 1;
            continue;
        }
        if (t->n == t->cap) {
            int cap = t->cap ? 2 * t->cap : 64;
            struct truth_row *rows = realloc(t->rows, (size_t)cap * sizeof *rows);
            if (!rows) {
                rc = err_plain(e, "out of memory");
                break;
            }
            t->rows = rows;
            t->cap = cap;
        }
        if ((rc = parse_row(line, lineno, path, s, &t->rows[t->n], e)))
            break;
        /* one row per (architecture, seed): a second would be averaged in
         * silently and weigh that architecture twice */
        const struct truth_row *r = &t->rows[t->n];
        for (int i = 0; i < t->n && !rc; i++)
            if (t->rows[i].seed == r->seed && strcmp(t->rows[i].arch, r->arch) == 0)
                rc = err_set(e, path, lineno, 1,
                             "%s with seed %d is already on line %d (one row per architecture "
                             "and seed)",
                             r->arch, r->seed, t->rows[i].line);
        if (rc)
            break;
        t->n++;
    }
    if (!rc && ferror(f))
        rc = err_set(e, path, 0, 0, "read error: %s", strerror(errno));
    fclose(f);
    if (rc)
        truth_done(t);
    return rc;
}

int truth_check_settings(const char *path, const char *settings, struct err *e)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
    char line[1024];
    int lineno = 0, rc = 0;
    while (!rc && fgets(line, sizeof line, f)) {
        lineno++;
        if (line[0] != '#')
            break; /* the comments come first */
        line[strcspn(line, "\r\n")] = 0;
        if (strncmp(line, "# oneshot ", 10) != 0)
            continue;
        const char *theirs = strstr(line, ", ");
        if (theirs && strcmp(theirs + 2, settings) != 0)
            rc = err_set(e, path, lineno, 1,
                         "the table was trained with '%s', this command trains with '%s': "
                         "continue it with the same settings, or give another table",
                         theirs + 2, settings);
    }
    fclose(f);
    return rc;
}

int truth_create(const char *path, const char *const *comments, int ncomments, struct err *e)
{
    struct stat st;
    if (stat(path, &st) == 0)
        return 0;
    if (errno != ENOENT)
        return err_set(e, path, 0, 0, "cannot create: %s", strerror(errno));
    size_t cap = 256 + strlen(TRUTH_HEADER), used = 0;
    for (int i = 0; i < ncomments; i++)
        cap += strlen(comments[i]) + 3;
    char *buf = malloc(cap);
    if (!buf)
        return err_plain(e, "out of memory");
    for (int i = 0; i < ncomments; i++)
        used += (size_t)snprintf(buf + used, cap - used, "# %s\n", comments[i]);
    used += (size_t)snprintf(buf + used, cap - used, "%s\n", TRUTH_HEADER);
    /* written whole: a kill while the first lines are written must not leave
     * a table without its header; and never over a table another process
     * (a worker sharing it) made in the meantime and may have appended to */
    int rc = atomic_create(path, buf, used, e);
    free(buf);
    return rc < 0 ? -1 : 0;
}

/* Cuts a last line that lacks its newline (a write cut short by a kill), so
 * the next row starts on a line of its own. */
static int drop_torn_line(int fd)
{
    off_t end = lseek(fd, 0, SEEK_END);
    if (end <= 0)
        return end < 0 ? -1 : 0;
    off_t pos = end;
    char buf[256];
    for (;;) {
        off_t from = pos >= (off_t)sizeof buf ? pos - (off_t)sizeof buf : 0;
        ssize_t got = pread(fd, buf, (size_t)(pos - from), from);
        if (got < 0)
            return -1;
        for (ssize_t i = got - 1; i >= 0; i--)
            if (buf[i] == '\n') {
                off_t keep = from + i + 1;
                return keep == end ? 0 : ftruncate(fd, keep);
            }
        if (from == 0)
            return ftruncate(fd, 0);
        pos = from;
    }
}

/* Appends r to path under an exclusive flock(2) of the table, so that
 * processes sharing it never interleave their cutting and writing; with
 * once, not when the table holds a row of r's architecture and seed already
 * (*appended says whether it was).  0 or -1. */
static int append_locked(const char *path, const struct truth_row *r, int once, int *appended,
                         struct err *e)
{
    char buf[1024];
    int n = snprintf(buf, sizeof buf, "%s,%d,%lld,%lld,%.4f,%.4f,%d,%.1f\n", r->arch, r->seed,
                     (long long)r->params, (long long)r->macs, r->val_accuracy, r->test_accuracy,
                     r->epochs, r->seconds);
    *appended = 0;
    if (n < 0 || (size_t)n >= sizeof buf)
        return err_plain(e, "row too long");
    int fd = open(path, O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0)
        return err_set(e, path, 0, 0, "cannot open for appending: %s", strerror(errno));
    int lk;
    while ((lk = flock(fd, LOCK_EX)) != 0 && errno == EINTR)
        ;
    if (lk != 0) {
        err_set(e, path, 0, 0, "cannot lock: %s", strerror(errno));
        close(fd);
        return -1;
    }
    if (once) {
        /* read under the lock: every row appended before it is there */
        struct truth t;
        if (truth_load(&t, path, NULL, 0, e)) {
            close(fd); /* releases the lock */
            return -1;
        }
        int found = truth_find(&t, r->arch, r->seed) >= 0;
        truth_done(&t);
        if (found) {
            close(fd);
            return 0;
        }
    }
    off_t end = -1;
    int rc = drop_torn_line(fd) || (end = lseek(fd, 0, SEEK_END)) < 0 ||
             write_full(fd, buf, (size_t)n) || fsync(fd);
    int saved = errno;
    /* a full disk: cut the part written off again, leaving no torn row */
    int cut = rc && end >= 0 ? ftruncate(fd, end) : 0;
    if (close(fd) && !rc) {
        rc = -1;
        saved = errno;
    }
    if (rc)
        return err_set(e, path, 0, 0, "cannot append: %s%s", strerror(saved),
                       cut ? " (and a part of the row may be left at its end)" : "");
    *appended = 1;
    return 0;
}

int truth_append(const char *path, const struct truth_row *r, struct err *e)
{
    int appended;
    return append_locked(path, r, 0, &appended, e);
}

int truth_append_new(const char *path, const struct truth_row *r, struct err *e)
{
    int appended;
    if (append_locked(path, r, 1, &appended, e))
        return -1;
    return appended ? 0 : 1;
}

int truth_average(const struct truth *t, const struct space *s, int use_val, struct arch *archs,
                  double *acc, int *seeds)
{
    int n = 0, *cnt = seeds ? seeds : malloc((size_t)(t->n > 0 ? t->n : 1) * sizeof *cnt);
    if (!cnt)
        return 0;
    for (int i = 0; i < t->n; i++) {
        const struct truth_row *row = &t->rows[i];
        struct arch a;
        struct err e;
        if (arch_parse(s, row->arch, "truth", &a, &e))
            continue;
        int k = 0;
        while (k < n && !(archs[k].n == a.n &&
                          memcmp(archs[k].choice, a.choice, (size_t)a.n * sizeof *a.choice) == 0))
            k++;
        if (k == n) {
            archs[n] = a;
            acc[n] = 0;
            cnt[n] = 0;
            n++;
        }
        acc[k] += use_val ? row->val_accuracy : row->test_accuracy;
        cnt[k]++;
    }
    for (int k = 0; k < n; k++)
        acc[k] /= cnt[k];
    if (!seeds)
        free(cnt);
    return n;
}
