#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"


/* Reads a whole text file (missing: an empty one).  0 or -1. */
int rundir_slurp(const char *path, char **out, size_t *len, struct err *e)
{
    *out = NULL;
    *len = 0;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (errno == ENOENT)
            return 0;
        return err_set(e, path, 0, 0, "cannot read: %s", strerror(errno));
    }
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        char *bigger = realloc(buf, 2 * cap + 1);
        if (!bigger) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = bigger;
        cap *= 2;
    }
    int bad = ferror(f);
    fclose(f);
    if (!buf)
        return err_set(e, path, 0, 0, "out of memory");
    if (bad) {
        free(buf);
        return err_set(e, path, 0, 0, "cannot read");
    }
    buf[n] = 0;
    *out = buf;
    *len = n;
    return 0;
}

/* Keeps the header and the complete lines of a CSV file that keep() accepts
 * (a line cut by a kill has no newline: it is dropped), rewriting the file
 * when anything was dropped.  keep gets each line (NUL-terminated, without
 * its newline) and its 1-based number; it returns 1 to keep, 0 to drop, -1
 * on error (e filled).  0 or -1. */
int rundir_numbers(const char *line, int n)
{
    const char *p = line;
    for (int i = 0; i < n; i++) {
        char *end;
        strtod(p, &end);
        if (end == p || (i < n - 1 ? *end != ',' : *end != 0))
            return 0;
        p = end + 1;
    }
    return 1;
}

int rundir_recover_csv(const char *path, const char *header,
                       int (*keep)(void *ud, char *line, int lineno, struct err *e), void *ud,
                       void (*warn)(void *ud, const char *text), struct err *e)
{
    char *text;
    size_t len;
    if (rundir_slurp(path, &text, &len, e))
        return -1;
    if (!text)
        return 0;
    char *out = malloc(len + 1);
    if (!out) {
        free(text);
        return err_set(e, path, 0, 0, "out of memory");
    }
    size_t used = 0;
    int dropped = 0, lineno = 0, rc = 0;
    char *p = text, *end = text + len;
    while (p < end) {
        char *nl = memchr(p, '\n', (size_t)(end - p));
        lineno++;
        if (!nl) {
            dropped = 1; /* torn by a kill */
            break;
        }
        *nl = 0;
        size_t l = (size_t)(nl - p);
        int k;
        if (lineno == 1) {
            if (strcmp(p, header) != 0) {
                rc = err_set(e, path, 1, 1,
                             "its columns are not this run's (expected '%s'): was it written "
                             "by another version?",
                             header);
                break;
            }
            k = 1;
        } else {
            char *copy = strdup(p);
            if (!copy) {
                rc = err_set(e, path, 0, 0, "out of memory");
                break;
            }
            k = keep(ud, copy, lineno, e);
            free(copy);
            if (k == RUNDIR_DAMAGED) {
                if (warn) {
                    char say[ERR_MAX + 64];
                    snprintf(say, sizeof say, "%s:%d: warning: damaged row dropped: %s", path,
                             lineno, e->text);
                    warn(ud, say);
                }
                k = 0;
            }
        }
        if (k < 0) {
            rc = -1;
            break;
        }
        if (k) {
            memcpy(out + used, p, l);
            out[used + l] = '\n';
            used += l + 1;
        } else {
            dropped = 1;
        }
        p = nl + 1;
    }
    if (!rc && dropped)
        rc = atomic_save(path, out, used, e);
    free(out);
    free(text);
    return rc;
}

FILE *rundir_open_append(const char *path, const char *header, struct err *e)
{
    FILE *f = fopen(path, "a");
    if (!f) {
        err_set(e, path, 0, 0, "cannot write: %s", strerror(errno));
        return NULL;
    }
    if (ftell(f) == 0 && (fprintf(f, "%s\n", header) < 0 || fflush(f) != 0)) {
        err_set(e, path, 0, 0, "cannot write: %s", strerror(errno));
        fclose(f);
        return NULL;
    }
    return f;
}

/* fprintf then fflush, errors naming the file. */
int rundir_append(FILE *f, const char *name, struct err *e, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    if (n < 0 || fflush(f) != 0)
        return err_set(e, name, 0, 0, "cannot write: %s", strerror(errno));
    return 0;
}

int rundir_copy_file(const char *from, const char *to, struct err *e)
{
    char *text;
    size_t len;
    if (rundir_slurp(from, &text, &len, e))
        return -1;
    if (!text)
        return err_set(e, from, 0, 0, "cannot read: %s", strerror(ENOENT));
    int rc = atomic_save(to, text, len, e);
    free(text);
    return rc;
}

int rundir_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int rundir_mkdirs(const char *path, struct err *e)
{
    char buf[RUNDIR_PATH_MAX];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *p = buf + 1; *p; p++)
        if (*p == '/') {
            *p = 0;
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return err_set(e, buf, 0, 0, "cannot create the directory: %s", strerror(errno));
            *p = '/';
        }
    if (mkdir(buf, 0755) != 0 && errno != EEXIST)
        return err_set(e, buf, 0, 0, "cannot create the directory: %s", strerror(errno));
    return 0;
}

char *rundir_path(char *out, size_t n, const char *dir, const char *name)
{
    size_t a = strlen(dir), b = strlen(name);
    if (a + b + 2 > n) {
        out[0] = 0;
        return out;
    }
    memcpy(out, dir, a);
    out[a] = '/';
    memcpy(out + a + 1, name, b + 1);
    return out;
}
