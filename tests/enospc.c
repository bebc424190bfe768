/* enospc: a disk that fills up, for the CLI tests (tests/cli/diskfull.sh),
 * loaded with LD_PRELOAD where no small filesystem can be mounted.
 *
 * It wraps write(), fsync() and fdatasync() for the files whose path (as
 * /proc/self/fd shows it) contains ENOSPC_MATCH; other files and other
 * processes' files are left alone.
 *   ENOSPC_BYTES=N   the matching files may take N more bytes in this
 *                    process; the write that crosses the limit writes what
 *                    still fits (a short write, as a full disk gives), every
 *                    later one fails with ENOSPC.
 *   ENOSPC_FSYNC=1   writes succeed, but fsync and fdatasync fail with
 *                    ENOSPC (a filesystem that allocates late, like ext4 or
 *                    NFS, reports a full disk only there).
 * Without ENOSPC_MATCH nothing is changed.  Only direct calls are caught:
 * stdio writes through glibc's internal write, which no preload can wrap.
 * The calls go to the kernel through syscall(), so no other library is
 * needed.  Test code only: never built into oneshot. */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static long long budget = -1; /* bytes left; -1: not read from the environment yet */

/* 1 when fd is a file whose path contains ENOSPC_MATCH. */
static int matches(int fd)
{
    const char *m = getenv("ENOSPC_MATCH");
    if (!m || !*m)
        return 0;
    char link[64], path[4096];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(link, path, sizeof path - 1);
    if (n <= 0)
        return 0;
    path[n] = 0;
    return strstr(path, m) != NULL;
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (matches(fd) && !getenv("ENOSPC_FSYNC")) {
        if (budget < 0) {
            const char *b = getenv("ENOSPC_BYTES");
            budget = b ? atoll(b) : 0;
        }
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
    return syscall(SYS_write, fd, buf, n);
}

int fsync(int fd)
{
    if (matches(fd) && getenv("ENOSPC_FSYNC")) {
        errno = ENOSPC;
        return -1;
    }
    return (int)syscall(SYS_fsync, fd);
}

int fdatasync(int fd)
{
    if (matches(fd) && getenv("ENOSPC_FSYNC")) {
        errno = ENOSPC;
        return -1;
    }
    return (int)syscall(SYS_fdatasync, fd);
}
