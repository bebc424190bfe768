#include "fuzz.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ctx.h"

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

static char dir[64];

/* Removes the files of dir (the harnesses make no subdirectories) and dir. */
static void remove_dir(void)
{
    DIR *d = opendir(dir);
    if (d) {
        struct dirent *de;
        char path[sizeof dir + 300];
        while ((de = readdir(d)))
            if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..")) {
                snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
                unlink(path);
            }
        closedir(d);
    }
    rmdir(dir);
}

const char *fuzz_dir(void)
{
    if (dir[0])
        return dir;
    struct stat st;
    const char *base = stat("/dev/shm", &st) == 0 && S_ISDIR(st.st_mode) ? "/dev/shm" : "/tmp";
    snprintf(dir, sizeof dir, "%s/oneshot-fuzz-XXXXXX", base);
    if (!mkdtemp(dir))
        fuzz_fail("cannot make a directory in %s: %s", base, strerror(errno));
    atexit(remove_dir);
    return dir;
}

void fuzz_write(const char *name, const void *data, size_t size, char *path, size_t cap)
{
    snprintf(path, cap, "%s/%s", fuzz_dir(), name);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0)
        fuzz_fail("cannot create %s: %s", path, strerror(errno));
    const char *p = data;
    while (size > 0) {
        ssize_t w = write(fd, p, size);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fuzz_fail("cannot write %s: %s", path, strerror(errno));
        p += w;
        size -= (size_t)w;
    }
    if (close(fd) != 0)
        fuzz_fail("cannot write %s: %s", path, strerror(errno));
}

/* s at a run of digits that is a number >= 1: just past it, else NULL. */
static const char *positive(const char *s)
{
    if (!isdigit((unsigned char)*s) || *s == '0')
        return NULL;
    while (isdigit((unsigned char)*s))
        s++;
    return s;
}

void fuzz_check_error(const struct err *e, const char *file)
{
    const char *m = e->msg;
    if (strcmp(m, "error: out of memory") == 0)
        return;
    size_t n = strlen(file);
    if (strncmp(m, file, n) != 0 || m[n] != ':')
        fuzz_fail("the error does not name %s: \"%s\"", file, m);
    const char *p = m + n + 1;
    for (int i = 0; i < 2 && *p != ' '; i++) {
        const char *q = positive(p);
        if (!q || *q != ':')
            fuzz_fail("the error has a bad position: \"%s\"", m);
        p = q + 1;
    }
    if (strncmp(p, " error: ", 8) != 0 || !p[8])
        fuzz_fail("the error is not `file:line:col: error: message`: \"%s\"", m);
    if (strchr(m, '\n'))
        fuzz_fail("the error is more than one line: \"%s\"", m);
}

void fuzz_setup(void)
{
    struct ctx c;
    ctx_init(&c, 1);
}
