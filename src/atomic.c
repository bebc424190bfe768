#include "atomic.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define IO_CHUNK (1u << 20) /* bytes per write(2) */

/* open, retried on EINTR (a FIFO or a slow filesystem can be interrupted). */
static int open_retry(const char *path, int flags, mode_t mode)
{
    int fd;
    do
        fd = open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

static int fsync_retry(int fd)
{
    int r;
    do
        r = fsync(fd);
    while (r != 0 && errno == EINTR);
    return r;
}

/* The directory holding path ("." for a bare name), malloc'd, or NULL. */
static char *dir_of(const char *path)
{
    const char *slash = strrchr(path, '/');
    if (!slash)
        return strdup(".");
    size_t len = slash == path ? 1 : (size_t)(slash - path);
    char *d = malloc(len + 1);
    if (!d)
        return NULL;
    memcpy(d, path, len);
    d[len] = '\0';
    return d;
}

static void release(struct atomic *a)
{
    free(a->path);
    free(a->tmp);
    a->path = a->tmp = NULL;
    a->fd = -1;
    a->f = NULL;
}

int atomic_begin(struct atomic *a, const char *path, struct err *e)
{
    size_t plen = strlen(path);
    a->f = NULL;
    a->fd = -1;
    a->path = strdup(path);
    a->tmp = malloc(plen + 5);
    if (!a->path || !a->tmp) {
        release(a);
        return err_set(e, path, 0, 0, "out of memory");
    }
    memcpy(a->tmp, path, plen);
    memcpy(a->tmp + plen, ".tmp", 5);
    a->fd = open_retry(a->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (a->fd < 0) {
        err_set(e, path, 0, 0, "cannot create %s: %s", a->tmp, strerror(errno));
        release(a); /* nothing was created */
        return -1;
    }
    return 0;
}

int write_full(int fd, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    while (n > 0) {
        size_t k = n < IO_CHUNK ? n : IO_CHUNK;
        ssize_t r = write(fd, p, k);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            if (r == 0)
                errno = EIO; /* no progress and no reason: do not spin */
            return -1;
        }
        p += r;
        n -= (size_t)r;
    }
    return 0;
}

int atomic_write(struct atomic *a, const void *buf, size_t n, struct err *e)
{
    if (write_full(a->fd, buf, n) != 0)
        return err_set(e, a->path, 0, 0, "cannot write %s: %s", a->tmp, strerror(errno));
    return 0;
}

FILE *atomic_stdio(struct atomic *a, struct err *e)
{
    if (!a->f) {
        a->f = fdopen(a->fd, "w");
        if (!a->f)
            err_set(e, a->path, 0, 0, "cannot write %s: %s", a->tmp, strerror(errno));
    }
    return a->f;
}

int atomic_end(struct atomic *a, int rc, struct err *e)
{
    char *dir = NULL;
    int dfd = -1, cr;
    if (rc)
        goto fail;
    if (a->f && (fflush(a->f) != 0 || ferror(a->f))) {
        err_set(e, a->path, 0, 0, "cannot write %s: %s", a->tmp, strerror(errno ? errno : EIO));
        goto fail;
    }
    if (fsync_retry(a->fd) != 0) {
        err_set(e, a->path, 0, 0, "cannot sync %s: %s", a->tmp, strerror(errno));
        goto fail;
    }
    cr = a->f ? fclose(a->f) : close(a->fd);
    a->f = NULL;
    a->fd = -1; /* closed even on error (never retry close) */
    if (cr != 0) {
        err_set(e, a->path, 0, 0, "cannot write %s: %s", a->tmp, strerror(errno));
        goto fail;
    }
    dir = dir_of(a->path);
    if (!dir) {
        err_set(e, a->path, 0, 0, "out of memory");
        goto fail;
    }
    dfd = open_retry(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0);
    if (dfd < 0) {
        err_set(e, a->path, 0, 0, "cannot open directory %s: %s", dir, strerror(errno));
        goto fail;
    }
    if (rename(a->tmp, a->path) != 0) {
        err_set(e, a->path, 0, 0, "cannot rename %s to %s: %s", a->tmp, a->path,
                strerror(errno));
        goto fail;
    }
    (void)fsync_retry(dfd); /* best effort, see the header */
    close(dfd);
    free(dir);
    release(a);
    return 0;
fail:
    if (a->f)
        fclose(a->f);
    else if (a->fd >= 0)
        close(a->fd);
    a->f = NULL;
    a->fd = -1;
    if (a->tmp)
        unlink(a->tmp); /* may fail only if it is already gone */
    if (dfd >= 0)
        close(dfd);
    free(dir);
    release(a);
    return -1;
}

int atomic_save(const char *path, const void *data, size_t n, struct err *e)
{
    struct atomic a;
    if (atomic_begin(&a, path, e))
        return -1;
    return atomic_end(&a, atomic_write(&a, data, n, e), e);
}

int atomic_create(const char *path, const void *data, size_t n, struct err *e)
{
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 12), *dir = dir_of(path);
    if (!tmp || !dir) {
        free(tmp);
        free(dir);
        return err_set(e, path, 0, 0, "out of memory");
    }
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".XXXXXX.tmp", 12);
    int rc = -1, dfd = -1, fd = mkstemps(tmp, 4);
    if (fd < 0) {
        err_set(e, path, 0, 0, "cannot create %s: %s", tmp, strerror(errno));
        free(tmp);
        free(dir);
        return -1;
    }
    if (fchmod(fd, 0644) || write_full(fd, data, n) || fsync_retry(fd)) {
        err_set(e, path, 0, 0, "cannot write %s: %s", tmp, strerror(errno));
        close(fd);
    } else if (close(fd)) {
        err_set(e, path, 0, 0, "cannot write %s: %s", tmp, strerror(errno));
    } else if ((dfd = open_retry(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC, 0)) < 0) {
        err_set(e, path, 0, 0, "cannot open directory %s: %s", dir, strerror(errno));
    } else if (link(tmp, path) == 0) {
        rc = 0;
    } else if (errno == EEXIST) {
        rc = 1;
    } else if (errno != EPERM && errno != EOPNOTSUPP && errno != ENOSYS) {
        err_set(e, path, 0, 0, "cannot link %s to %s: %s", tmp, path, strerror(errno));
    } else if (rename(tmp, path) == 0) { /* no hard links here */
        rc = 0;
    } else {
        err_set(e, path, 0, 0, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
    }
    unlink(tmp); /* gone already after a rename */
    if (rc == 0)
        (void)fsync_retry(dfd); /* best effort, as atomic_end */
    if (dfd >= 0)
        close(dfd);
    free(tmp);
    free(dir);
    return rc;
}
