/* Unit tests of ckpt: round trips, the exact file layout, atomic saves, and
 * every kind of refused file with its exact message.  Each test works in its
 * own mkdtemp directory under /tmp and removes it at the end. */
#include "ckpt.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "check.h"

/* ---- helpers ---- */

struct tmpdir {
    char path[64];
};

/* Makes a fresh directory under /tmp.  Returns 0 or -1. */
static int tmpdir_make(struct tmpdir *d)
{
    snprintf(d->path, sizeof d->path, "/tmp/oneshot-test-ckpt-XXXXXX");
    return mkdtemp(d->path) ? 0 : -1;
}

/* buf = d/name. */
static void tmpdir_join(const struct tmpdir *d, const char *name, char *buf, size_t cap)
{
    snprintf(buf, cap, "%s/%s", d->path, name);
}

/* Removes path and, if it is a directory, everything under it (symlinks are
 * removed, not followed).  Returns 0 or -1. */
static int rm_tree(const char *path)
{
    struct stat st;
    if (lstat(path, &st) != 0)
        return -1;
    if (!S_ISDIR(st.st_mode))
        return unlink(path);
    DIR *dp = opendir(path);
    if (!dp)
        return -1;
    int rc = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[4096];
        if (snprintf(sub, sizeof sub, "%s/%s", path, de->d_name) >= (int)sizeof sub ||
            rm_tree(sub) != 0)
            rc = -1;
    }
    closedir(dp);
    return (rmdir(path) == 0) ? rc : -1;
}

/* Removes d and everything in it.  Returns 0 or -1. */
static int tmpdir_remove(const struct tmpdir *d) { return rm_tree(d->path); }

/* Number of entries in directory dir (without . and ..), or -1. */
static int count_entries(const char *dir)
{
    DIR *dp = opendir(dir);
    if (!dp)
        return -1;
    int n = 0;
    struct dirent *de;
    while ((de = readdir(dp)) != NULL)
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0)
            n++;
    closedir(dp);
    return n;
}

static int exists(const char *path)
{
    struct stat st;
    return lstat(path, &st) == 0;
}

/* Writes n bytes to path.  Returns 0 or -1. */
static int write_file(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    size_t w = n ? fwrite(buf, 1, n, f) : 0;
    int rc = fclose(f);
    return (w == n && rc == 0) ? 0 : -1;
}

/* Reads path whole into a malloc'd buffer (NULL on error), its size in *n. */
static unsigned char *read_file(const char *path, size_t *n)
{
    *n = 0;
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 4096, len = 0;
    unsigned char *buf = malloc(cap);
    while (buf) {
        len += fread(buf + len, 1, cap - len, f);
        if (len < cap)
            break;
        unsigned char *nb = realloc(buf, cap * 2);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    if (buf && ferror(f)) {
        free(buf);
        buf = NULL;
    }
    fclose(f);
    *n = len;
    return buf;
}

static uint32_t le32(const unsigned char *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void set_le32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void set_le64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

/* Rewrites the closing whole-file CRC of an n-byte checkpoint image. */
static void fix_file_crc(unsigned char *buf, size_t n)
{
    set_le32(buf + n - 4, (uint32_t)crc32(0, buf, (uInt)(n - 4)));
}

/* A deterministic, non-repeating byte pattern. */
static void fill_pattern(unsigned char *p, size_t n, uint32_t seed)
{
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1664525u + 1013904223u;
        p[i] = (unsigned char)(x >> 24);
    }
}

/* 1 if c is empty (no sections, no array). */
static int is_empty(const struct ckpt *c) { return c->n == 0 && c->sections == NULL; }

/* Loads path as kind and checks it is refused with exactly
 * "path: error: <want>", leaving c empty.  Returns 1 if so. */
static int refused(const char *path, uint32_t kind, const char *want)
{
    struct ckpt c;
    struct err e;
    char full[ERR_MAX];
    memset(&c, 0xa5, sizeof c); /* load must not trust what was there */
    snprintf(full, sizeof full, "%s: error: %s", path, want);
    e.msg[0] = '\0';
    int rc = ckpt_load(&c, path, kind, &e);
    int ok = CHECK(rc == -1);
    ok &= CHECK(is_empty(&c));
    if (strcmp(e.msg, full) != 0) {
        CHECK_STR(e.msg, full);
        ok = 0;
    }
    ckpt_done(&c);
    return ok;
}

/* The small sample used by the refusal tests: sections "a" (3 bytes), "empty"
 * (0 bytes) and "bc" (4 bytes), 87 bytes on disk:
 *   0 magic, 8 version, 12 kind, 16 count,
 *   20 len(a) 24 "a" 25 size 33 crc 37 payload[3],
 *   40 len(empty) 44 "empty" 49 size 57 crc 61 (no payload),
 *   61 len(bc) 65 "bc" 67 size 75 crc 79 payload[4],
 *   83 file crc, 87 end. */
enum { SMALL_SIZE = 87 };

static int save_small(const char *path, uint32_t kind)
{
    struct ckpt c;
    struct err e;
    ckpt_init(&c, kind);
    int rc = ckpt_put(&c, "a", "xyz", 3, &e);
    rc |= ckpt_put(&c, "empty", NULL, 0, &e);
    rc |= ckpt_put(&c, "bc", "1234", 4, &e);
    rc |= ckpt_save(&c, path, &e);
    ckpt_done(&c);
    return rc;
}

/* Saves the small sample to path, reads it into buf (SMALL_SIZE bytes).
 * Returns 1 on success. */
static int small_image(const char *path, unsigned char *buf)
{
    size_t n;
    if (!CHECK(save_small(path, CKPT_KIND_NET) == 0))
        return 0;
    unsigned char *img = read_file(path, &n);
    int ok = CHECK(img != NULL) && CHECK(n == SMALL_SIZE);
    if (ok)
        memcpy(buf, img, SMALL_SIZE);
    free(img);
    return ok;
}

/* ---- tests ---- */

static void test_round_trip(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p1[128], p2[128];
    tmpdir_join(&d, "a.ckpt", p1, sizeof p1);
    tmpdir_join(&d, "b.ckpt", p2, sizeof p2);

    enum { BIG = 1 << 20 };
    unsigned char *big = malloc(BIG);
    float w[16];
    for (int i = 0; i < 16; i++)
        w[i] = (float)i * 0.25f - 1.0f;
    struct ckpt c, l;
    struct err e;
    ckpt_init(&c, CKPT_KIND_NET);
    ckpt_init(&l, CKPT_KIND_NET);
    if (!CHECK(big != NULL))
        goto out;
    fill_pattern(big, BIG, 7);
    CHECK(ckpt_put(&c, "alpha", "hello", 5, &e) == 0);
    CHECK(ckpt_put(&c, "empty", NULL, 0, &e) == 0);
    CHECK(ckpt_put(&c, "big", big, BIG, &e) == 0);
    CHECK(ckpt_put(&c, "w.conv1", w, sizeof w, &e) == 0);
    /* the ckpt holds copies: scribbling on the source changes nothing */
    big[0] ^= 0xff;
    const struct ckpt_section *s = ckpt_get(&c, "big");
    CHECK(s && ((const unsigned char *)s->data)[0] != big[0]);
    big[0] ^= 0xff;
    CHECK_EQ_INT(c.n, 4);
    if (!CHECK(ckpt_save(&c, p1, &e) == 0)) {
        printf("  %s\n", e.msg);
        goto out;
    }
    if (!CHECK(ckpt_load(&l, p1, CKPT_KIND_NET, &e) == 0)) {
        printf("  %s\n", e.msg);
        goto out;
    }
    CHECK_EQ_INT(l.kind, CKPT_KIND_NET);
    CHECK_EQ_INT(l.n, 4);
    for (int i = 0; i < c.n && i < l.n; i++) {
        CHECK_STR(l.sections[i].name, c.sections[i].name); /* order is kept */
        CHECK_EQ_INT(l.sections[i].size, c.sections[i].size);
        if (l.sections[i].size == c.sections[i].size)
            CHECK(memcmp(l.sections[i].data, c.sections[i].data, c.sections[i].size) == 0);
    }
    s = ckpt_get(&l, "big");
    CHECK(s && s->size == BIG && memcmp(s->data, big, BIG) == 0);
    s = ckpt_get(&l, "empty");
    CHECK(s && s->size == 0 && s->data != NULL);

    /* saving what was loaded gives the very same bytes */
    CHECK(ckpt_save(&l, p2, &e) == 0);
    size_t n1, n2;
    unsigned char *f1 = read_file(p1, &n1), *f2 = read_file(p2, &n2);
    CHECK(f1 && f2 && n1 == n2 && memcmp(f1, f2, n1) == 0);
    free(f2);

    /* the layout of ckpt.h, byte for byte */
    size_t want = 20 + (16 + 5 + 5) + (16 + 5 + 0) + (16 + 3 + BIG) + (16 + 7 + sizeof w) + 4;
    CHECK_EQ_INT(n1, want);
    if (f1 && n1 == want) {
        static const unsigned char head[] = {'O', 'N', 'E', 'S', 'H', 'O', 'T', 0x1a, 1, 0, 0,
                                             0,   1,   0,   0,   0,   4,   0,   0,   0};
        CHECK(memcmp(f1, head, sizeof head) == 0);
        static const unsigned char sec0[] = {5, 0, 0, 0, 'a', 'l', 'p', 'h', 'a',
                                             5, 0, 0, 0, 0,   0,   0,   0};
        CHECK(memcmp(f1 + 20, sec0, sizeof sec0) == 0);
        CHECK_EQ_INT(le32(f1 + 37), crc32(0, (const Bytef *)"hello", 5));
        CHECK(memcmp(f1 + 41, "hello", 5) == 0);
        CHECK_EQ_INT(le32(f1 + n1 - 4), crc32(0, f1, (uInt)(n1 - 4)));
    }
    free(f1);
out:
    free(big);
    ckpt_done(&c);
    ckpt_done(&l);
    CHECK(tmpdir_remove(&d) == 0);
}

static void test_get(void)
{
    struct ckpt c;
    struct err e;
    ckpt_init(&c, CKPT_KIND_SUPERNET);
    CHECK(ckpt_put(&c, "alpha", "hello", 5, &e) == 0);
    CHECK(ckpt_put(&c, "beta", "\x01\x02\x03\x04", 4, &e) == 0);

    const struct ckpt_section *s = ckpt_get(&c, "beta");
    CHECK(s && strcmp(s->name, "beta") == 0 && s->size == 4);
    CHECK(ckpt_get(&c, "gamma") == NULL);
    CHECK(ckpt_get(&c, "alph") == NULL); /* no prefix matching */

    unsigned char out[8];
    memset(out, 0xee, sizeof out);
    CHECK(ckpt_get_exact(&c, "run/x.ckpt", "beta", out, 4, &e) == 0);
    CHECK(memcmp(out, "\x01\x02\x03\x04\xee", 5) == 0);

    memset(out, 0xee, sizeof out);
    CHECK(ckpt_get_exact(&c, "run/x.ckpt", "nope", out, 4, &e) == -1);
    CHECK_STR(e.msg, "run/x.ckpt: error: no section 'nope'");
    CHECK(ckpt_get_exact(&c, "run/x.ckpt", "alpha", out, 4, &e) == -1);
    CHECK_STR(e.msg, "run/x.ckpt: error: section 'alpha' holds 5 bytes, expected 4");
    CHECK_EQ_INT(out[0], 0xee); /* nothing copied on error */

    ckpt_done(&c);
    CHECK(is_empty(&c));
    ckpt_done(&c); /* done twice is harmless */
    struct ckpt z;
    memset(&z, 0, sizeof z);
    ckpt_done(&z); /* so is done on a zeroed ckpt */
    CHECK(is_empty(&z));
}

static void test_put_refuses(void)
{
    struct ckpt c;
    struct err e;
    ckpt_init(&c, CKPT_KIND_NET);
    CHECK(ckpt_put(&c, "a", "one", 3, &e) == 0);
    CHECK(ckpt_put(&c, "a", "two!", 4, &e) == -1);
    CHECK_STR(e.msg, "error: duplicate checkpoint section 'a'");
    CHECK_EQ_INT(c.n, 1);
    const struct ckpt_section *s = ckpt_get(&c, "a");
    CHECK(s && s->size == 3 && memcmp(s->data, "one", 3) == 0);

    char name[300];
    CHECK(ckpt_put(&c, "", "x", 1, &e) == -1);
    CHECK_STR(e.msg, "error: checkpoint section name must be 1 to 255 bytes, not 0");
    memset(name, 'n', 256);
    name[256] = '\0';
    CHECK(ckpt_put(&c, name, "x", 1, &e) == -1);
    CHECK_STR(e.msg, "error: checkpoint section name must be 1 to 255 bytes, not 256");
    name[255] = '\0';
    CHECK(ckpt_put(&c, name, "x", 1, &e) == 0); /* 255 is fine, and round-trips */
    CHECK_EQ_INT(c.n, 2);

    /* many sections: the array grows */
    for (int i = 0; i < 100; i++) {
        char nm[16];
        snprintf(nm, sizeof nm, "s%d", i);
        CHECK(ckpt_put(&c, nm, &i, sizeof i, &e) == 0);
    }
    CHECK_EQ_INT(c.n, 102);
    s = ckpt_get(&c, "s77");
    CHECK(s && s->size == sizeof(int) && *(const int *)s->data == 77);

    struct tmpdir d;
    if (CHECK(tmpdir_make(&d) == 0)) {
        char p[128];
        struct ckpt l;
        tmpdir_join(&d, "long.ckpt", p, sizeof p);
        CHECK(ckpt_save(&c, p, &e) == 0);
        CHECK(ckpt_load(&l, p, CKPT_KIND_NET, &e) == 0);
        CHECK_EQ_INT(l.n, 102);
        s = ckpt_get(&l, name);
        CHECK(s && s->size == 1 && *(const char *)s->data == 'x');
        ckpt_done(&l);
        CHECK(tmpdir_remove(&d) == 0);
    }
    ckpt_done(&c);
}

static void test_save_replaces(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128], tmp[160];
    tmpdir_join(&d, "net.ckpt", p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    struct ckpt c, l;
    struct err e;

    ckpt_init(&c, CKPT_KIND_NET);
    CHECK(ckpt_put(&c, "old", "1111", 4, &e) == 0);
    CHECK(ckpt_save(&c, p, &e) == 0);
    ckpt_done(&c);

    /* a stale PATH.tmp from a crashed run (longer than the new file) is
     * overwritten, not merely written over */
    char stale[4096];
    memset(stale, 's', sizeof stale);
    CHECK(write_file(tmp, stale, sizeof stale) == 0);
    ckpt_init(&c, CKPT_KIND_NET);
    CHECK(ckpt_put(&c, "new", "22", 2, &e) == 0);
    CHECK(ckpt_put(&c, "more", "333", 3, &e) == 0);
    CHECK(ckpt_save(&c, p, &e) == 0);
    ckpt_done(&c);

    CHECK(!exists(tmp));
    CHECK_EQ_INT(count_entries(d.path), 1);
    CHECK(ckpt_load(&l, p, CKPT_KIND_NET, &e) == 0);
    CHECK_EQ_INT(l.n, 2);
    CHECK(ckpt_get(&l, "old") == NULL);
    const struct ckpt_section *s = ckpt_get(&l, "more");
    CHECK(s && s->size == 3 && memcmp(s->data, "333", 3) == 0);
    ckpt_done(&l);

    /* a bare file name saves into the current directory */
    char cwd[4096];
    if (CHECK(getcwd(cwd, sizeof cwd) != NULL) && CHECK(chdir(d.path) == 0)) {
        ckpt_init(&c, CKPT_KIND_NET);
        CHECK(ckpt_put(&c, "x", "1", 1, &e) == 0);
        CHECK(ckpt_save(&c, "bare.ckpt", &e) == 0);
        ckpt_done(&c);
        CHECK(chdir(cwd) == 0);
        tmpdir_join(&d, "bare.ckpt", p, sizeof p);
        CHECK(exists(p));
        CHECK_EQ_INT(count_entries(d.path), 2);
    }
    CHECK(tmpdir_remove(&d) == 0);
}

static void test_save_fails_cleanly(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128], tmp[160], want[512];
    struct ckpt c;
    struct err e;
    ckpt_init(&c, CKPT_KIND_NET);
    CHECK(ckpt_put(&c, "a", "abc", 3, &e) == 0);

    /* into a directory that does not exist */
    tmpdir_join(&d, "nodir/x.ckpt", p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    CHECK(ckpt_save(&c, p, &e) == -1);
    snprintf(want, sizeof want, "%s: error: cannot create %s: %s", p, tmp, strerror(ENOENT));
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(count_entries(d.path), 0);

    /* over a directory: the rename fails, the temporary file goes away */
    tmpdir_join(&d, "dir.ckpt", p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    CHECK(mkdir(p, 0755) == 0);
    CHECK(ckpt_save(&c, p, &e) == -1);
    snprintf(want, sizeof want, "%s: error: cannot rename %s to %s: %s", p, tmp, p,
             strerror(EISDIR));
    CHECK_STR(e.msg, want);
    CHECK(!exists(tmp));
    CHECK_EQ_INT(count_entries(d.path), 1);
    CHECK_EQ_INT(count_entries(p), 0);

    /* a write failing halfway (file size limit) leaves the old file as it was */
    tmpdir_join(&d, "old.ckpt", p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    CHECK(ckpt_save(&c, p, &e) == 0);
    size_t n0, n1;
    unsigned char *before = read_file(p, &n0);
    enum { BIG = 1 << 20 };
    unsigned char *big = calloc(1, BIG);
    CHECK(big && ckpt_put(&c, "big", big, BIG, &e) == 0);
    free(big);
    struct rlimit old_lim, lim;
    struct sigaction ign, old_sa;
    memset(&ign, 0, sizeof ign);
    ign.sa_handler = SIG_IGN;
    if (CHECK(getrlimit(RLIMIT_FSIZE, &old_lim) == 0) &&
        CHECK(sigaction(SIGXFSZ, &ign, &old_sa) == 0)) {
        lim = old_lim;
        lim.rlim_cur = 4096;
        CHECK(setrlimit(RLIMIT_FSIZE, &lim) == 0);
        int rc = ckpt_save(&c, p, &e);
        CHECK(setrlimit(RLIMIT_FSIZE, &old_lim) == 0);
        CHECK(sigaction(SIGXFSZ, &old_sa, NULL) == 0);
        CHECK(rc == -1);
        snprintf(want, sizeof want, "%s: error: cannot write %s: %s", p, tmp, strerror(EFBIG));
        CHECK_STR(e.msg, want);
        CHECK(!exists(tmp));
        unsigned char *after = read_file(p, &n1);
        CHECK(before && after && n0 == n1 && memcmp(before, after, n0) == 0);
        free(after);
    }
    free(before);
    ckpt_done(&c);
    CHECK(tmpdir_remove(&d) == 0);
}

static void on_alarm(int sig) { (void)sig; }

/* Child side of test_save_interrupted: reads the FIFO slowly into out and
 * exits 0, or 1 on an I/O error.  It owns no heap memory of its parent's. */
static void drain_fifo(const char *fifo, const char *out)
{
    FILE *in = fopen(fifo, "rb");
    if (!in)
        _exit(1);
    FILE *o = fopen(out, "wb");
    if (!o) {
        fclose(in);
        _exit(1);
    }
    /* Bursts of ~96 KiB with 15 ms pauses: while the reader pauses the pipe is
     * full, so a timer tick finds the writer either part-way through a write
     * (a short count) or blocked before its first byte (EINTR). */
    char buf[3000];
    size_t n;
    int bad = 0, reads = 0;
    while (!bad && (n = fread(buf, 1, sizeof buf, in)) > 0) {
        bad = fwrite(buf, 1, n, o) != n;
        if (++reads % 32 == 0)
            usleep(15000);
    }
    bad |= ferror(in);
    fclose(in);
    bad |= fclose(o) != 0;
    _exit(bad);
}

/* Writes interrupted by a signal and returning short: PATH.tmp is a FIFO read
 * slowly by a child while a timer keeps interrupting the writer.  The bytes
 * that reach the reader must be exactly the file a plain save writes; the
 * fsync of a FIFO then fails, which must clean up like any other failure. */
static void test_save_interrupted(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128], tmp[160], ref[128], got[128], want[512];
    tmpdir_join(&d, "f.ckpt", p, sizeof p);
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    tmpdir_join(&d, "ref.ckpt", ref, sizeof ref);
    tmpdir_join(&d, "received", got, sizeof got);
    if (!CHECK(mkfifo(tmp, 0600) == 0))
        goto out_dir;
    fflush(stdout);
    pid_t pid = fork(); /* before anything is allocated: the child leaks nothing */
    if (!CHECK(pid >= 0))
        goto out_dir;
    if (pid == 0)
        drain_fifo(tmp, got); /* blocks until the save opens the FIFO; never returns */

    enum { BIG = 1 << 20 };
    unsigned char *big = malloc(BIG);
    struct ckpt c;
    struct err e;
    int rc = 0, status = -1;
    ckpt_init(&c, CKPT_KIND_SUPERNET);
    if (CHECK(big != NULL)) {
        fill_pattern(big, BIG, 3);
        CHECK(ckpt_put(&c, "head", "abc", 3, &e) == 0);
        CHECK(ckpt_put(&c, "big", big, BIG, &e) == 0);
        CHECK(ckpt_save(&c, ref, &e) == 0);
    }
    struct sigaction sa, old_sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm; /* no SA_RESTART: writes get cut short */
    /* The period must stay well above the cost of taking a signal (large under
     * valgrind), or every retried write is interrupted before it makes
     * progress and the save never ends. */
    struct itimerval tick = {{0, 5000}, {0, 5000}}, off = {{0, 0}, {0, 0}};
    if (CHECK(sigaction(SIGALRM, &sa, &old_sa) == 0)) {
        CHECK(setitimer(ITIMER_REAL, &tick, NULL) == 0);
        rc = ckpt_save(&c, p, &e); /* also releases the child: it sees EOF */
        CHECK(setitimer(ITIMER_REAL, &off, NULL) == 0);
        CHECK(sigaction(SIGALRM, &old_sa, NULL) == 0);
    } else {
        kill(pid, SIGKILL);
    }
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK(rc == -1);
    snprintf(want, sizeof want, "%s: error: cannot sync %s: %s", p, tmp, strerror(EINVAL));
    CHECK_STR(e.msg, want);
    CHECK(!exists(tmp));
    CHECK(!exists(p));
    size_t n1, n2;
    unsigned char *a = read_file(ref, &n1), *b = read_file(got, &n2);
    CHECK(a && b && n1 == n2 && memcmp(a, b, n1) == 0);
    free(a);
    free(b);
    free(big);
    ckpt_done(&c);
out_dir:
    CHECK(tmpdir_remove(&d) == 0);
}

static void test_refuse_not_a_checkpoint(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128], want[256];
    unsigned char img[SMALL_SIZE];

    tmpdir_join(&d, "text.ckpt", p, sizeof p);
    CHECK(write_file(p, "hello, world\nthis is text\n", 26) == 0);
    CHECK(refused(p, CKPT_KIND_NET, "not a oneshot checkpoint"));

    tmpdir_join(&d, "magic.ckpt", p, sizeof p);
    if (small_image(p, img)) {
        img[3] ^= 0x20; /* "ONEsHOT" */
        CHECK(write_file(p, img, sizeof img) == 0);
        CHECK(refused(p, CKPT_KIND_NET, "not a oneshot checkpoint"));
        CHECK(write_file(p, img, 2) == 0); /* "ON" still matches the magic */
        CHECK(refused(p, CKPT_KIND_NET, "truncated: file ends at byte 2, inside the header"));
        CHECK(write_file(p, img, 4) == 0);
        CHECK(refused(p, CKPT_KIND_NET, "not a oneshot checkpoint"));
    }

    tmpdir_join(&d, "empty.ckpt", p, sizeof p);
    CHECK(write_file(p, "", 0) == 0);
    CHECK(refused(p, CKPT_KIND_NET, "empty file, not a oneshot checkpoint"));

    tmpdir_join(&d, "missing.ckpt", p, sizeof p);
    snprintf(want, sizeof want, "cannot open: %s", strerror(ENOENT));
    CHECK(refused(p, CKPT_KIND_NET, want));

    CHECK(refused(d.path, CKPT_KIND_NET, "not a regular file"));
    CHECK(tmpdir_remove(&d) == 0);
}

static void test_refuse_version_and_kind(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128];
    unsigned char img[SMALL_SIZE], bad[SMALL_SIZE];
    tmpdir_join(&d, "v.ckpt", p, sizeof p);
    if (small_image(p, img)) {
        memcpy(bad, img, sizeof bad);
        set_le32(bad + 8, 2);
        CHECK(write_file(p, bad, sizeof bad) == 0);
        CHECK(refused(p, CKPT_KIND_NET,
                      "was written by a newer oneshot (format version 2, this one reads 1)"));
        set_le32(bad + 8, 0);
        fix_file_crc(bad, sizeof bad);
        CHECK(write_file(p, bad, sizeof bad) == 0);
        CHECK(refused(p, CKPT_KIND_NET, "bad format version 0"));

        memcpy(bad, img, sizeof bad);
        set_le32(bad + 12, 7);
        fix_file_crc(bad, sizeof bad);
        CHECK(write_file(p, bad, sizeof bad) == 0);
        CHECK(refused(p, CKPT_KIND_NET,
                      "holds a checkpoint of unknown kind 7, expected a network checkpoint"));
    }

    tmpdir_join(&d, "super.ckpt", p, sizeof p);
    CHECK(save_small(p, CKPT_KIND_SUPERNET) == 0);
    CHECK(refused(p, CKPT_KIND_NET, "holds a supernet checkpoint, expected a network checkpoint"));
    struct ckpt c;
    struct err e;
    CHECK(ckpt_load(&c, p, CKPT_KIND_SUPERNET, &e) == 0);
    CHECK_EQ_INT(c.kind, CKPT_KIND_SUPERNET);
    CHECK_EQ_INT(c.n, 3);
    ckpt_done(&c);
    tmpdir_join(&d, "net.ckpt", p, sizeof p);
    CHECK(save_small(p, CKPT_KIND_NET) == 0);
    CHECK(refused(p, CKPT_KIND_SUPERNET,
                  "holds a network checkpoint, expected a supernet checkpoint"));
    CHECK(tmpdir_remove(&d) == 0);
}

static void test_refuse_corrupt(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128];
    unsigned char img[SMALL_SIZE], bad[SMALL_SIZE + 1];
    tmpdir_join(&d, "c.ckpt", p, sizeof p);
    if (!small_image(p, img))
        goto out;

    struct {
        size_t off;
        unsigned char mask;
        const char *msg;
    } flips[] = {
        {38, 0x01, "section 'a' is corrupt (checksum mismatch)"},   /* payload of a */
        {82, 0x80, "section 'bc' is corrupt (checksum mismatch)"},  /* payload of bc */
        {35, 0x10, "section 'a' is corrupt (checksum mismatch)"},   /* crc of a */
        {24, 0x01, "corrupt (file checksum mismatch)"},             /* name a -> ` */
        {44, 0x20, "corrupt (file checksum mismatch)"},             /* name empty -> Empty */
        {85, 0x04, "corrupt (file checksum mismatch)"},             /* the file crc */
        {24, 0x61, "section 1 of 3 has a NUL byte in its name"},    /* name a -> NUL */
        {21, 0x01, "section 1 of 3 has a bad name length 257 (must be 1 to 255)"},
        {20, 0x01, "section 1 of 3 has a bad name length 0 (must be 1 to 255)"},
    };
    for (size_t i = 0; i < sizeof flips / sizeof flips[0]; i++) {
        memcpy(bad, img, SMALL_SIZE);
        bad[flips[i].off] ^= flips[i].mask;
        CHECK(write_file(p, bad, SMALL_SIZE) == 0);
        if (!refused(p, CKPT_KIND_NET, flips[i].msg))
            printf("  (flip at byte %zu)\n", flips[i].off);
    }

    /* a damaged payload length is refused before anything is allocated */
    memcpy(bad, img, SMALL_SIZE);
    set_le64(bad + 25, (uint64_t)1 << 40);
    CHECK(write_file(p, bad, SMALL_SIZE) == 0);
    CHECK(refused(p, CKPT_KIND_NET,
                  "truncated: section 'a' needs 1099511627776 bytes from byte 37, the file ends "
                  "at byte 87"));
    set_le64(bad + 25, UINT64_MAX);
    CHECK(write_file(p, bad, SMALL_SIZE) == 0);
    CHECK(refused(p, CKPT_KIND_NET,
                  "truncated: section 'a' needs 18446744073709551615 bytes from byte 37, the "
                  "file ends at byte 87"));

    /* a name that could not be printed is shown safely */
    memcpy(bad, img, SMALL_SIZE);
    bad[65] = '\n'; /* "bc" -> "\nc" */
    bad[80] ^= 1;   /* and its payload */
    CHECK(write_file(p, bad, SMALL_SIZE) == 0);
    CHECK(refused(p, CKPT_KIND_NET, "section '?c' is corrupt (checksum mismatch)"));

    /* the same name twice (with a consistent file checksum) */
    memcpy(bad, img, SMALL_SIZE);
    bad[65] = 'a';
    memmove(bad + 66, bad + 67, SMALL_SIZE - 67); /* name "bc" -> "a" */
    set_le32(bad + 61, 1);
    fix_file_crc(bad, SMALL_SIZE - 1);
    CHECK(write_file(p, bad, SMALL_SIZE - 1) == 0);
    CHECK(refused(p, CKPT_KIND_NET, "section 'a' appears twice"));

    /* bytes after the end */
    memcpy(bad, img, SMALL_SIZE);
    bad[SMALL_SIZE] = 0;
    CHECK(write_file(p, bad, SMALL_SIZE + 1) == 0);
    CHECK(refused(p, CKPT_KIND_NET,
                  "unexpected data after the end of the checkpoint (at byte 87)"));

    /* and the untouched image still loads */
    CHECK(write_file(p, img, SMALL_SIZE) == 0);
    struct ckpt c;
    struct err e;
    CHECK(ckpt_load(&c, p, CKPT_KIND_NET, &e) == 0);
    CHECK_EQ_INT(c.n, 3);
    ckpt_done(&c);
out:
    CHECK(tmpdir_remove(&d) == 0);
}

static void test_refuse_truncated(void)
{
    struct tmpdir d;
    if (!CHECK(tmpdir_make(&d) == 0))
        return;
    char p[128];
    unsigned char img[SMALL_SIZE];
    tmpdir_join(&d, "t.ckpt", p, sizeof p);
    if (!small_image(p, img))
        goto out;

    /* every proper prefix is refused, never loaded, never a crash */
    char prefix[256];
    snprintf(prefix, sizeof prefix, "%s: error: truncated: ", p);
    int all = 1;
    for (size_t len = 1; len < SMALL_SIZE; len++) {
        struct ckpt c;
        struct err e;
        e.msg[0] = '\0';
        CHECK(write_file(p, img, len) == 0);
        int rc = ckpt_load(&c, p, CKPT_KIND_NET, &e);
        if (rc != -1 || !is_empty(&c) || strncmp(e.msg, prefix, strlen(prefix)) != 0) {
            printf("  prefix of %zu bytes: rc %d, n %d, \"%s\"\n", len, rc, c.n, e.msg);
            all = 0;
        }
        ckpt_done(&c);
    }
    CHECK(all);

    /* and the messages say where */
    struct {
        size_t len;
        const char *msg;
    } cuts[] = {
        {0, "empty file, not a oneshot checkpoint"},
        {5, "truncated: file ends at byte 5, inside the header"},
        {19, "truncated: file ends at byte 19, inside the header"},
        {22, "truncated: file ends at byte 22, inside the header of section 1 of 3"},
        {24, "truncated: file ends at byte 24, inside the header of section 1 of 3"},
        {30, "truncated: file ends at byte 30, inside the header of section 'a'"},
        {38, "truncated: section 'a' needs 3 bytes from byte 37, the file ends at byte 38"},
        {40, "truncated: file ends at byte 40, inside the header of section 2 of 3"},
        {61, "truncated: file ends at byte 61, inside the header of section 3 of 3"},
        {79, "truncated: section 'bc' needs 4 bytes from byte 79, the file ends at byte 79"},
        {83, "truncated: file ends at byte 83, inside the closing checksum"},
        {86, "truncated: file ends at byte 86, inside the closing checksum"},
    };
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        CHECK(write_file(p, img, cuts[i].len) == 0);
        CHECK(refused(p, CKPT_KIND_NET, cuts[i].msg));
    }
out:
    CHECK(tmpdir_remove(&d) == 0);
}

int main(void)
{
    RUN(test_round_trip);
    RUN(test_get);
    RUN(test_put_refuses);
    RUN(test_save_replaces);
    RUN(test_save_fails_cleanly);
    RUN(test_save_interrupted);
    RUN(test_refuse_not_a_checkpoint);
    RUN(test_refuse_version_and_kind);
    RUN(test_refuse_corrupt);
    RUN(test_refuse_truncated);
    return check_done();
}
