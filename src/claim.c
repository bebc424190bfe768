#include "claim.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "atomic.h"
#include "ctx.h"

static double now_real(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static double mtime_of(const struct stat *st)
{
    return (double)st->st_mtim.tv_sec + (double)st->st_mtim.tv_nsec * 1e-9;
}

double claim_age(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0)
        return -1;
    double age = now_real() - mtime_of(&st);
    return age > 0 ? age : 0;
}

/* DIR/NAME.claim with NAME's unsafe bytes as %XX, malloc'd (NULL: no memory). */
static char *claim_path(const char *dir, const char *name)
{
    size_t dlen = strlen(dir), cap = dlen + 3 * strlen(name) + 8;
    char *p = malloc(cap);
    if (!p)
        return NULL;
    size_t k = (size_t)snprintf(p, cap, "%s/", dir);
    for (const unsigned char *s = (const unsigned char *)name; *s; s++) {
        if ((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
            *s == '.' || *s == '_' || *s == '-')
            p[k++] = (char)*s;
        else
            k += (size_t)snprintf(p + k, cap - k, "%%%02X", *s);
    }
    snprintf(p + k, cap - k, ".claim");
    return p;
}

/* Reads who holds the claim file path ("host pid"), into buf. */
static void read_owner(const char *path, char *buf, size_t n)
{
    snprintf(buf, n, "an unknown process");
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    ssize_t got = read(fd, buf, n - 1);
    close(fd);
    if (got <= 0) {
        snprintf(buf, n, "an unknown process");
        return;
    }
    buf[got] = 0;
    buf[strcspn(buf, "\r\n")] = 0;
}

/* Creates path with O_EXCL and this process's name in it: 1 created (c
 * filled), 0 exists, -1 error. */
static int create(struct claim *c, const char *path, struct err *e)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
        if (errno == EEXIST)
            return 0;
        return err_set(e, path, 0, 0, "cannot create: %s", strerror(errno));
    }
    char host[128] = "unknown", line[CLAIM_OWNER_MAX];
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    int n = snprintf(line, sizeof line, "%.100s %ld\n", host, (long)getpid());
    struct stat st;
    if (write_full(fd, line, (size_t)n) || fstat(fd, &st)) {
        err_set(e, path, 0, 0, "cannot write: %s", strerror(errno));
        close(fd);
        unlink(path);
        return -1;
    }
    c->fd = fd;
    c->dev = st.st_dev;
    c->ino = st.st_ino;
    c->beat = ctx_seconds();
    return 1;
}

/* Takes over the stale claim file path, whose stat was st: renames it to a
 * name of this process's own, and checks it is the file that was stale.
 * 1: removed (the caller may create its own), 0: another got there first
 * (left as it found it as far as it can), -1: error. */
static int take_over(const char *path, const struct stat *st, double stale, struct err *e)
{
    size_t n = strlen(path) + 64;
    char *away = malloc(n);
    if (!away)
        return err_plain(e, "out of memory");
    char host[64] = "unknown";
    gethostname(host, sizeof host - 1);
    host[sizeof host - 1] = 0;
    snprintf(away, n, "%s.%.40s.%ld.stale", path, host, (long)getpid());
    if (rename(path, away) != 0) {
        int err = errno;
        free(away);
        if (err == ENOENT)
            return 0; /* another took it over first */
        return err_set(e, path, 0, 0, "cannot take over a stale claim: %s", strerror(err));
    }
    struct stat now;
    int rc = 1;
    if (stat(away, &now) != 0 || now.st_dev != st->st_dev || now.st_ino != st->st_ino ||
        now_real() - mtime_of(&now) <= stale) {
        /* between our look and the rename another replaced the stale claim
         * with a fresh one of its own: give it back (unless yet another
         * claim is there by now, whose owner then goes on) */
        if (link(away, path) != 0 && errno != EEXIST)
            rc = err_set(e, path, 0, 0, "cannot give back a claim: %s", strerror(errno));
        else
            rc = 0;
    }
    unlink(away);
    free(away);
    return rc;
}

int claim_take(struct claim *c, const char *dir, const char *name, double stale, struct err *e)
{
    memset(c, 0, sizeof *c);
    c->fd = -1;
    char *path = claim_path(dir, name);
    if (!path)
        return err_plain(e, "out of memory");
    int rc = 0;
    /* a claim released or taken over between two steps: look again, twice */
    for (int attempt = 0; attempt < 3; attempt++) {
        if ((rc = create(c, path, e)) != 0)
            break;
        struct stat st;
        if (stat(path, &st) != 0) {
            if (errno == ENOENT)
                continue;
            rc = err_set(e, path, 0, 0, "cannot read: %s", strerror(errno));
            break;
        }
        double age = now_real() - mtime_of(&st);
        if (age <= stale)
            break; /* held: rc is 0 */
        char owner[CLAIM_OWNER_MAX];
        read_owner(path, owner, sizeof owner);
        if ((rc = take_over(path, &st, stale, e)) <= 0)
            break;
        if ((rc = create(c, path, e)) == 1) {
            snprintf(c->taken_from, sizeof c->taken_from, "%s", owner);
            c->taken_age = age;
        }
        break;
    }
    if (rc == 1)
        c->path = path;
    else
        free(path);
    return rc;
}

/* 1 when the file at c->path is the one c created. */
static int still_ours(const struct claim *c)
{
    struct stat st;
    return stat(c->path, &st) == 0 && st.st_dev == c->dev && st.st_ino == c->ino;
}

int claim_beat(struct claim *c, double every, struct err *e)
{
    double t = ctx_seconds();
    if (every > 0 && t - c->beat < every)
        return 0;
    c->beat = t;
    if (!still_ours(c))
        return 1;
    if (futimens(c->fd, NULL) != 0)
        return err_set(e, c->path, 0, 0, "cannot refresh the heartbeat: %s", strerror(errno));
    return 0;
}

void claim_release(struct claim *c)
{
    if (!c->path)
        return;
    if (still_ours(c))
        unlink(c->path);
    if (c->fd >= 0)
        close(c->fd);
    free(c->path);
    c->path = NULL;
    c->fd = -1;
}
