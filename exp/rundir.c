#include "rundir.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
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

/* Appends text[0..len) to the file open as f with one write where it can,
 * so that a kill cannot tear a row in practice; when the write fails (a full
 * disk) the file is cut back to its old length, so no torn row is left.
 * Nothing may be buffered in f.  Errors name `name`.  0 or -1. */
static int append_whole(FILE *f, const char *name, const char *text, size_t len, struct err *e)
{
    int fd = fileno(f);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0)
        return err_set(e, name, 0, 0, "cannot write: %s", strerror(errno));
    if (write_full(fd, text, len) != 0) {
        int saved = errno;
        if (ftruncate(fd, st.st_size) != 0)
            return err_set(e, name, 0, 0,
                           "cannot write: %s; and cannot cut off the part written: %s",
                           strerror(saved), strerror(errno));
        return err_set(e, name, 0, 0, "cannot write: %s", strerror(saved));
    }
    return 0;
}

FILE *rundir_open_append(const char *path, const char *header, struct err *e)
{
    FILE *f = fopen(path, "ae");
    if (!f) {
        err_set(e, path, 0, 0, "cannot write: %s", strerror(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fileno(f), &st) != 0) {
        err_set(e, path, 0, 0, "cannot write: %s", strerror(errno));
        fclose(f);
        return NULL;
    }
    if (st.st_size == 0) {
        size_t n = strlen(header);
        char *line = malloc(n + 2);
        if (!line) {
            err_set(e, path, 0, 0, "out of memory");
            fclose(f);
            return NULL;
        }
        memcpy(line, header, n);
        line[n] = '\n';
        int rc = append_whole(f, path, line, n + 1, e);
        free(line);
        if (rc) {
            fclose(f);
            return NULL;
        }
    }
    return f;
}

/* Formats the row, then appends it whole (see append_whole). */
int rundir_append(FILE *f, const char *name, struct err *e, const char *fmt, ...)
{
    char small[1024], *text = small;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0)
        return err_set(e, name, 0, 0, "cannot write: a row that cannot be formatted");
    if ((size_t)n >= sizeof small) {
        text = malloc((size_t)n + 1);
        if (!text)
            return err_set(e, name, 0, 0, "out of memory");
        va_start(ap, fmt);
        vsnprintf(text, (size_t)n + 1, fmt, ap);
        va_end(ap);
    }
    int rc = append_whole(f, name, text, (size_t)n, e);
    if (text != small)
        free(text);
    return rc;
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

/* ------------------------------------------------------------ a new run */

/* 1 when the nearest existing directory on the way to path is writable. */
static int writable_ancestor(const char *path)
{
    char p[RUNDIR_PATH_MAX];
    snprintf(p, sizeof p, "%s", path);
    for (;;) {
        if (rundir_exists(p))
            return access(p, W_OK) == 0;
        char *slash = strrchr(p, '/');
        if (!slash || slash == p)
            return access("/", W_OK) == 0;
        *slash = 0;
    }
}

int rundir_new_run(char *dir, size_t n, const char *out, const char *output, const char *name,
                   char *note, size_t nnote, struct err *e)
{
    char probe[RUNDIR_PATH_MAX + 32];
    if (strlen(out ? out : output) > RUNDIR_PATH_MAX - 64)
        return err_set(e, out ? out : output, 0, 0,
                       "the run directory's path is too long");
    if (out) {
        snprintf(dir, n, "%s", out);
        snprintf(probe, sizeof probe, "%s/experiment.yaml", out);
        if (rundir_exists(probe))
            return err_set(e, out, 0, 0,
                           "holds a run already: continue it with `oneshot run --resume %s` or "
                           "choose another --out",
                           out);
        return rundir_mkdirs(dir, e);
    }
    const char *base = output;
    char here[RUNDIR_PATH_MAX], cwd[RUNDIR_PATH_MAX - 200];
    if (!writable_ancestor(base) && getcwd(cwd, sizeof cwd)) {
        /* an experiment in a read-only place (an installed example) runs
         * into the current directory */
        snprintf(here, sizeof here, "%s/runs/%s", cwd, name);
        snprintf(note, nnote, "%s is not writable: the run goes to %s", base, here);
        base = here;
    }
    for (int k = 0; k < 1000; k++) {
        if (k == 0)
            snprintf(dir, n, "%s", base);
        else
            snprintf(dir, n, "%.1000s.%d", base, k);
        snprintf(probe, sizeof probe, "%s/experiment.yaml", dir);
        if (!rundir_exists(probe))
            return rundir_mkdirs(dir, e);
    }
    return err_set(e, base, 0, 0, "1000 runs of this experiment exist already: give --out");
}

/* ------------------------------------------------------------ status, info */

void rundir_status(const char *dir, const char *fmt, ...)
{
    char buf[ERR_MAX + 64], path[RUNDIR_PATH_MAX + 16];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    rundir_path(path, sizeof path, dir, "status");
    struct err ignored;
    atomic_save(path, buf, (size_t)n, &ignored); /* best effort: the run's files matter more */
}

void rundir_info(const char *dir, const char *fmt, ...)
{
    char path[RUNDIR_PATH_MAX + 16];
    rundir_path(path, sizeof path, dir, "info.txt");
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

void rundir_now(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}
