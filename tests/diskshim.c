/* diskshim: a disk that fills up or is slow, for the CLI tests
 * (tests/cli/diskfull.sh, tests/cli/kill.sh), loaded with LD_PRELOAD.
 *
 * It wraps write(), fsync(), fdatasync() and rename() for the files whose
 * path (as /proc/self/fd shows it, or as given to rename) contains
 * DISKSHIM_MATCH; other files are left alone, and without DISKSHIM_MATCH
 * nothing is changed.
 *   DISKSHIM_BYTES=N    the disk is full after N more bytes to matching files
 *                       in this process: the write that crosses the limit
 *                       writes what still fits (a short write, as a full disk
 *                       gives), every later one fails with ENOSPC.
 *   DISKSHIM_FSYNC=1    writes succeed, but fsync and fdatasync fail with
 *                       ENOSPC (a filesystem that allocates late, like NFS,
 *                       reports a full disk only there).
 *   DISKSHIM_SLOW_MS=N  a slow disk: a write of more than one byte writes its
 *                       first half only (a short write, which callers must
 *                       continue: the next write to the file goes whole),
 *                       then waits N ms; fsync, fdatasync and rename wait N
 *                       ms first.  A kill then often lands while a file is
 *                       being written, and can cut a row.
 * Only direct calls are caught: stdio writes through glibc's internal write,
 * which no preload can wrap.  The calls go to the kernel through syscall(),
 * so no other library is needed.  Test code only: never built into oneshot. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static long long budget = -1; /* bytes left; -1: not read from the environment yet */
static int split_fd = -1;     /* the last write to it was cut: the next goes whole */

static int matches_path(const char *path)
{
    const char *m = getenv("DISKSHIM_MATCH");
    return m && *m && path && strstr(path, m) != NULL;
}

/* 1 when fd is a file whose path contains DISKSHIM_MATCH. */
static int matches(int fd)
{
    const char *m = getenv("DISKSHIM_MATCH");
    if (!m || !*m)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = 0;
    return matches_path(path);
}

/* Waits DISKSHIM_SLOW_MS milliseconds; 1 if it did (slow mode). */
static int slow(void)
{
    const char *s = getenv("DISKSHIM_SLOW_MS");
    long ms = s ? atol(s) : 0;
    if (ms <= 0)
        return 0;
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
    return 1;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (!matches(fd))
        return syscall(SYS_write, fd, buf, n);
    if (getenv("DISKSHIM_BYTES")) {
        if (budget < 0)
            budget = atoll(getenv("DISKSHIM_BYTES"));
        if (budget == 0) {
            errno = ENOSPC;
            return -1;
        }
        if ((long long)n > budget)
            n = (size_t)budget;
        ssize_t w = syscall(SYS_write, fd, buf, n);
        if (w > 0)
            budget -= w;
        return w;
    }
    if (n > 1 && getenv("DISKSHIM_SLOW_MS") && fd != split_fd) {
        ssize_t w = syscall(SYS_write, fd, buf, n / 2);
        if (w > 0) {
            split_fd = fd;
            slow();
        }
        return w;
    }
    split_fd = -1;
    return syscall(SYS_write, fd, buf, n);
}

static int sync_as_asked(int fd, long nr)
{
    if (matches(fd)) {
        if (getenv("DISKSHIM_FSYNC")) {
            errno = ENOSPC;
            return -1;
        }
        slow();
    }
    return (int)syscall(nr, fd);
}

int fsync(int fd) { return sync_as_asked(fd, SYS_fsync); }

int fdatasync(int fd) { return sync_as_asked(fd, SYS_fdatasync); }

int rename(const char *from, const char *to)
{
    if (matches_path(from) || matches_path(to))
        slow();
#ifdef SYS_renameat
    return (int)syscall(SYS_renameat, AT_FDCWD, from, AT_FDCWD, to);
#else
    return (int)syscall(SYS_renameat2, AT_FDCWD, from, AT_FDCWD, to, 0);
#endif
}
