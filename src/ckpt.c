#include "ckpt.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "atomic.h"

static const unsigned char MAGIC[8] = {'O', 'N', 'E', 'S', 'H', 'O', 'T', 0x1a};

enum {
    HEADER_SIZE = 8 + 4 + 4 + 4, /* magic, version, kind, section count */
    NAME_MAX_LEN = 255,          /* a section name is 1..255 bytes */
    SECTION_FIXED = 4 + 8 + 4,   /* name length, payload length, payload CRC */
};

/* The largest piece handed to one read/write/crc32 call: keeps every count far
 * below INT_MAX/SSIZE_MAX and zlib's uInt. */
#define IO_CHUNK ((size_t)1 << 30)

/* ---- little-endian packing ---- */

static void put_u32(unsigned char *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static void put_u64(unsigned char *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (unsigned char)(v >> (8 * i));
}

static uint32_t get_u32(const unsigned char *p)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v |= (uint32_t)p[i] << (8 * i);
    return v;
}

static uint64_t get_u64(const unsigned char *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v |= (uint64_t)p[i] << (8 * i);
    return v;
}

/* CRC-32 of n bytes continued from crc (start from 0), for any n. */
static uint32_t crc_update(uint32_t crc, const void *buf, size_t n)
{
    const unsigned char *p = buf;
    uLong c = crc;
    while (n > 0) {
        size_t k = n < IO_CHUNK ? n : IO_CHUNK;
        c = crc32(c, p, (uInt)k);
        p += k;
        n -= k;
    }
    return (uint32_t)c;
}

/* ---- messages ---- */

/* The phrase for a kind: "a network checkpoint", "a checkpoint of unknown kind 7".
 * buf needs 48 bytes. */
static const char *kind_phrase(uint32_t kind, char *buf, size_t cap)
{
    switch (kind) {
    case CKPT_KIND_NET:
        return "a network checkpoint";
    case CKPT_KIND_SUPERNET:
        return "a supernet checkpoint";
    case CKPT_KIND_SINGLEPATH:
        return "a Single-Path NAS checkpoint";
    case CKPT_KIND_NAO:
        return "a NAO controller checkpoint";
    default:
        snprintf(buf, cap, "a checkpoint of unknown kind %u", (unsigned)kind);
        return buf;
    }
}

/* Copies a section name into buf for a message, replacing anything that is not
 * printable ASCII with '?' (names read from a damaged file may hold anything).
 * cap must be > NAME_MAX_LEN. */
static const char *safe_name(const char *name, char *buf, size_t cap)
{
    size_t i = 0;
    for (; name[i] && i + 1 < cap; i++) {
        unsigned char ch = (unsigned char)name[i];
        buf[i] = (ch >= 0x20 && ch < 0x7f) ? (char)ch : '?';
    }
    buf[i] = '\0';
    return buf;
}

/* ---- the in-memory container ---- */

void ckpt_init(struct ckpt *c, uint32_t kind)
{
    c->kind = kind;
    c->n = 0;
    c->sections = NULL;
}

void ckpt_done(struct ckpt *c)
{
    if (!c)
        return;
    for (int i = 0; i < c->n; i++) {
        free(c->sections[i].name);
        free(c->sections[i].data);
    }
    free(c->sections);
    c->n = 0;
    c->sections = NULL;
}

const struct ckpt_section *ckpt_get(const struct ckpt *c, const char *name)
{
    for (int i = 0; i < c->n; i++)
        if (strcmp(c->sections[i].name, name) == 0)
            return &c->sections[i];
    return NULL;
}

/* Appends a section, taking ownership of name and data (malloc'd) only on
 * success.  The array grows to the next power of two, so its capacity follows
 * from n alone: it is full exactly when n is 0 or a power of two.
 * Returns 0, or -1 if out of memory or c is at its limit of INT_MAX sections. */
static int add_owned(struct ckpt *c, char *name, void *data, size_t size)
{
    int n = c->n;
    if (n == INT_MAX)
        return -1;
    if ((n & (n - 1)) == 0) { /* full (n is 0 or a power of two) */
        size_t cap = n == 0 ? 4 : (size_t)n * 2;
        if (cap > SIZE_MAX / sizeof *c->sections)
            return -1;
        struct ckpt_section *s = realloc(c->sections, cap * sizeof *s);
        if (!s)
            return -1;
        c->sections = s;
    }
    c->sections[n].name = name;
    c->sections[n].data = data;
    c->sections[n].size = size;
    c->n = n + 1;
    return 0;
}

/* A name is 1..255 bytes so that it fits the format's sanity limit on load. */
int ckpt_put(struct ckpt *c, const char *name, const void *data, size_t size, struct err *e)
{
    size_t len = strlen(name);
    if (len == 0 || len > NAME_MAX_LEN)
        return err_plain(e, "checkpoint section name must be 1 to %d bytes, not %zu",
                         NAME_MAX_LEN, len);
    if (ckpt_get(c, name)) {
        char sn[NAME_MAX_LEN + 1];
        return err_plain(e, "duplicate checkpoint section '%s'", safe_name(name, sn, sizeof sn));
    }
    char *nm = malloc(len + 1);
    void *d = malloc(size ? size : 1);
    if (!nm || !d || add_owned(c, nm, d, size) != 0) {
        free(nm);
        free(d);
        return err_plain(e, "out of memory adding checkpoint section (%zu bytes)", size);
    }
    memcpy(nm, name, len + 1);
    if (size)
        memcpy(d, data, size);
    return 0;
}

int ckpt_get_exact(const struct ckpt *c, const char *path, const char *name, void *out,
                   size_t size, struct err *e)
{
    char sn[NAME_MAX_LEN + 1];
    const struct ckpt_section *s = ckpt_get(c, name);
    if (!s)
        return err_set(e, path, 0, 0, "no section '%s'", safe_name(name, sn, sizeof sn));
    if (s->size != size)
        return err_set(e, path, 0, 0, "section '%s' holds %zu bytes, expected %zu",
                       safe_name(name, sn, sizeof sn), s->size, size);
    if (size)
        memcpy(out, s->data, size);
    return 0;
}

/* ---- saving ---- */

/* A checkpoint being written: the file and the running CRC of everything
 * written so far. */
struct writer {
    struct atomic *a;
    uint32_t crc;
    struct err *e;
};

/* Writes all n bytes and adds them to the CRC.  Returns 0 or -1 (e set). */
static int w_bytes(struct writer *w, const void *buf, size_t n)
{
    w->crc = crc_update(w->crc, buf, n);
    return atomic_write(w->a, buf, n, w->e);
}

/* Streams the whole file into w.  Returns 0 or -1 (e set). */
static int write_body(struct writer *w, const struct ckpt *c)
{
    unsigned char hdr[HEADER_SIZE];
    memcpy(hdr, MAGIC, sizeof MAGIC);
    put_u32(hdr + 8, CKPT_VERSION);
    put_u32(hdr + 12, c->kind);
    put_u32(hdr + 16, (uint32_t)c->n);
    if (w_bytes(w, hdr, sizeof hdr) != 0)
        return -1;
    for (int i = 0; i < c->n; i++) {
        const struct ckpt_section *s = &c->sections[i];
        unsigned char sh[SECTION_FIXED + NAME_MAX_LEN];
        size_t len = strlen(s->name);
        if (len == 0 || len > NAME_MAX_LEN) /* only reachable if c was built by hand */
            return err_set(w->e, w->a->path, 0, 0, "section %d has a bad name length %zu", i + 1,
                           len);
        put_u32(sh, (uint32_t)len);
        memcpy(sh + 4, s->name, len);
        put_u64(sh + 4 + len, (uint64_t)s->size);
        put_u32(sh + 12 + len, crc_update(0, s->data, s->size));
        if (w_bytes(w, sh, SECTION_FIXED + len) != 0 || w_bytes(w, s->data, s->size) != 0)
            return -1;
    }
    unsigned char tail[4];
    put_u32(tail, w->crc);
    return w_bytes(w, tail, sizeof tail);
}

/* open, retried on EINTR (a FIFO or a slow filesystem can be interrupted). */
static int open_retry(const char *path, int flags, mode_t mode)
{
    int fd;
    do
        fd = open(path, flags, mode);
    while (fd < 0 && errno == EINTR);
    return fd;
}

int ckpt_check_writable(const char *path, struct err *e)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISDIR(st.st_mode))
        return err_set(e, path, 0, 0, "cannot write a checkpoint here: it is a directory");
    size_t plen = strlen(path);
    char *tmp = malloc(plen + 5);
    if (!tmp)
        return err_set(e, path, 0, 0, "out of memory");
    memcpy(tmp, path, plen);
    memcpy(tmp + plen, ".tmp", 5);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) {
        err_set(e, path, 0, 0, "cannot write a checkpoint here: cannot create %s: %s", tmp,
                strerror(errno));
        free(tmp);
        return -1;
    }
    close(fd);
    unlink(tmp);
    free(tmp);
    return 0;
}

/* Written whole or not at all (src/atomic.h). */
int ckpt_save(const struct ckpt *c, const char *path, struct err *e)
{
    struct atomic a;
    if (atomic_begin(&a, path, e))
        return -1;
    struct writer w = {.a = &a, .crc = 0, .e = e};
    return atomic_end(&a, write_body(&w, c), e);
}

/* ---- loading ---- */

/* A checkpoint being read: position, size and the running CRC of everything
 * read so far. */
struct reader {
    int fd;
    const char *path;
    uint64_t pos;   /* bytes consumed */
    uint64_t fsize; /* size from fstat */
    uint32_t crc;
    struct err *e;
};

/* Reads up to n bytes, retrying short reads and EINTR, and adds them to the
 * CRC.  Returns the count read (< n only at end of file) or -1 (e set). */
static int64_t r_bytes(struct reader *r, void *buf, size_t n)
{
    unsigned char *p = buf;
    size_t got = 0;
    while (got < n) {
        size_t k = n - got < IO_CHUNK ? n - got : IO_CHUNK;
        ssize_t m = read(r->fd, p + got, k);
        if (m < 0 && errno == EINTR)
            continue;
        if (m < 0)
            return err_set(r->e, r->path, 0, 0, "cannot read: %s", strerror(errno));
        if (m == 0)
            break;
        got += (size_t)m;
    }
    r->crc = crc_update(r->crc, buf, got);
    r->pos += got;
    return (int64_t)got;
}

/* Reads exactly n bytes; a short read is a truncation inside `what` (a phrase
 * like "the header of section 2 of 3").  Returns 0 or -1 (e set). */
static int r_exact(struct reader *r, void *buf, size_t n, const char *what)
{
    int64_t got = r_bytes(r, buf, n);
    if (got < 0)
        return -1;
    if ((size_t)got < n)
        return err_set(r->e, r->path, 0, 0, "truncated: file ends at byte %llu, inside %s",
                       (unsigned long long)r->pos, what);
    return 0;
}

/* Checks magic, version and kind.  Returns the section count or -1 (e set). */
static int64_t read_header(struct reader *r, uint32_t kind)
{
    unsigned char hdr[HEADER_SIZE];
    int64_t got = r_bytes(r, hdr, sizeof hdr);
    if (got < 0)
        return -1;
    if (got == 0)
        return err_set(r->e, r->path, 0, 0, "empty file, not a oneshot checkpoint");
    size_t m = (size_t)got < sizeof MAGIC ? (size_t)got : sizeof MAGIC;
    if (memcmp(hdr, MAGIC, m) != 0)
        return err_set(r->e, r->path, 0, 0, "not a oneshot checkpoint");
    if ((size_t)got < sizeof hdr)
        return err_set(r->e, r->path, 0, 0, "truncated: file ends at byte %llu, inside the header",
                       (unsigned long long)r->pos);
    uint32_t version = get_u32(hdr + 8);
    if (version > CKPT_VERSION)
        return err_set(r->e, r->path, 0, 0,
                       "was written by a newer oneshot (format version %u, this one reads %u)",
                       (unsigned)version, (unsigned)CKPT_VERSION);
    if (version == 0)
        return err_set(r->e, r->path, 0, 0, "bad format version 0");
    uint32_t file_kind = get_u32(hdr + 12);
    if (file_kind != kind) {
        char b1[48], b2[48];
        return err_set(r->e, r->path, 0, 0, "holds %s, expected %s",
                       kind_phrase(file_kind, b1, sizeof b1), kind_phrase(kind, b2, sizeof b2));
    }
    uint32_t count = get_u32(hdr + 16);
    if (count > INT_MAX)
        return err_set(r->e, r->path, 0, 0, "bad section count %u", (unsigned)count);
    return count;
}

/* Reads the name of section i (0-based) of count: its length (1..255), then
 * the bytes, which may not hold a NUL.  Returns it malloc'd, or NULL (e set). */
static char *read_name(struct reader *r, uint32_t i, uint32_t count)
{
    char what[64];
    unsigned char buf[4];
    snprintf(what, sizeof what, "the header of section %u of %u", (unsigned)i + 1,
             (unsigned)count);
    if (r_exact(r, buf, sizeof buf, what) != 0)
        return NULL;
    uint32_t len = get_u32(buf);
    if (len == 0 || len > NAME_MAX_LEN) {
        err_set(r->e, r->path, 0, 0, "section %u of %u has a bad name length %u (must be 1 to %d)",
                (unsigned)i + 1, (unsigned)count, (unsigned)len, NAME_MAX_LEN);
        return NULL;
    }
    char *name = malloc((size_t)len + 1);
    if (!name) {
        err_set(r->e, r->path, 0, 0, "out of memory");
        return NULL;
    }
    if (r_exact(r, name, len, what) != 0) {
        free(name);
        return NULL;
    }
    name[len] = '\0';
    if (strlen(name) != len) {
        err_set(r->e, r->path, 0, 0, "section %u of %u has a NUL byte in its name",
                (unsigned)i + 1, (unsigned)count);
        free(name);
        return NULL;
    }
    return name;
}

/* Reads the rest of the section called name (its length, CRC and payload),
 * checks it and returns the payload malloc'd in *data / *size.
 * Returns 0 or -1 (e set, nothing allocated). */
static int read_payload(struct reader *r, const char *name, void **data, size_t *size)
{
    char what[NAME_MAX_LEN + 64], sn[NAME_MAX_LEN + 1];
    unsigned char buf[8 + 4];
    safe_name(name, sn, sizeof sn);
    snprintf(what, sizeof what, "the header of section '%s'", sn);
    if (r_exact(r, buf, sizeof buf, what) != 0)
        return -1;
    uint64_t n = get_u64(buf);
    uint32_t want_crc = get_u32(buf + 8);
    /* Checked against the file's size before allocating: a damaged length must
     * not make us allocate gigabytes.  (The file may have changed since fstat.) */
    uint64_t left = r->fsize > r->pos ? r->fsize - r->pos : 0;
    if (n > left || n > SIZE_MAX)
        return err_set(r->e, r->path, 0, 0,
                       "truncated: section '%s' needs %llu bytes from byte %llu, the file ends "
                       "at byte %llu",
                       sn, (unsigned long long)n, (unsigned long long)r->pos,
                       (unsigned long long)r->fsize);
    void *d = malloc(n ? (size_t)n : 1);
    if (!d)
        return err_set(r->e, r->path, 0, 0, "out of memory reading section '%s' (%llu bytes)",
                       sn, (unsigned long long)n);
    snprintf(what, sizeof what, "section '%s'", sn);
    if (r_exact(r, d, (size_t)n, what) != 0) {
        free(d);
        return -1;
    }
    if (crc_update(0, d, (size_t)n) != want_crc) {
        free(d);
        return err_set(r->e, r->path, 0, 0, "section '%s' is corrupt (checksum mismatch)", sn);
    }
    *data = d;
    *size = (size_t)n;
    return 0;
}

/* Reads section i (0-based) of count and adds it to c.  Returns 0 or -1 (e set). */
static int read_section(struct reader *r, struct ckpt *c, uint32_t i, uint32_t count)
{
    char *name = read_name(r, i, count);
    if (!name)
        return -1;
    void *data = NULL;
    size_t size = 0;
    if (read_payload(r, name, &data, &size) != 0) {
        free(name);
        return -1;
    }
    char sn[NAME_MAX_LEN + 1];
    const char *msg = NULL;
    if (ckpt_get(c, name))
        msg = "appears twice";
    else if (add_owned(c, name, data, size) != 0)
        msg = "does not fit in memory";
    if (msg) {
        err_set(r->e, r->path, 0, 0, "section '%s' %s", safe_name(name, sn, sizeof sn), msg);
        free(data);
        free(name);
        return -1;
    }
    return 0;
}

/* Reads the sections and the closing checksum of an opened file.  Returns 0 or
 * -1 (e set). */
static int read_body(struct reader *r, struct ckpt *c, uint32_t kind)
{
    int64_t count = read_header(r, kind);
    if (count < 0)
        return -1;
    for (uint32_t i = 0; i < (uint32_t)count; i++)
        if (read_section(r, c, i, (uint32_t)count) != 0)
            return -1;
    uint32_t crc = r->crc; /* of everything before the closing checksum */
    unsigned char tail[4];
    if (r_exact(r, tail, sizeof tail, "the closing checksum") != 0)
        return -1;
    if (get_u32(tail) != crc)
        return err_set(r->e, r->path, 0, 0, "corrupt (file checksum mismatch)");
    unsigned char extra;
    int64_t more = r_bytes(r, &extra, 1);
    if (more < 0)
        return -1;
    if (more > 0)
        return err_set(r->e, r->path, 0, 0,
                       "unexpected data after the end of the checkpoint (at byte %llu)",
                       (unsigned long long)(r->pos - 1));
    return 0;
}

/* c need not be initialised on entry (anything it held is not freed); on error
 * it is left empty, of the requested kind. */
int ckpt_load(struct ckpt *c, const char *path, uint32_t kind, struct err *e)
{
    ckpt_init(c, kind);
    int fd = open_retry(path, O_RDONLY | O_CLOEXEC, 0);
    if (fd < 0)
        return err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
    struct stat st;
    int rc = -1;
    if (fstat(fd, &st) != 0) {
        err_set(e, path, 0, 0, "cannot stat: %s", strerror(errno));
    } else if (!S_ISREG(st.st_mode)) {
        err_set(e, path, 0, 0, "not a regular file");
    } else {
        struct reader r = {.fd = fd, .path = path, .pos = 0, .fsize = (uint64_t)st.st_size,
                           .crc = 0, .e = e};
        rc = read_body(&r, c, kind);
    }
    close(fd); /* read-only: nothing to lose */
    if (rc != 0) {
        ckpt_done(c);
        ckpt_init(c, kind);
    }
    return rc;
}
