/* ckpt: the checkpoint container: named, checksummed sections in one file,
 * written atomically.
 *
 * File layout (little-endian):
 *   "ONESHOT\x1a" magic (8 bytes), u32 format version (CKPT_VERSION),
 *   u32 kind (what the file holds, e.g. CKPT_KIND_NET), u32 section count;
 *   then per section: u32 name length, name bytes, u64 payload length,
 *   u32 CRC-32 (zlib) of the payload, payload bytes;
 *   then u32 CRC-32 of everything before it.
 * A write goes to PATH.tmp in the same directory, is fsync'd, renamed over PATH
 * and the directory fsync'd, so a crash leaves either the old file or the new
 * one, never a torn one.  Reading refuses a wrong magic, version, kind, a bad
 * checksum or a truncated file with a message naming the file. */
#ifndef ONESHOT_CKPT_H
#define ONESHOT_CKPT_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

#define CKPT_VERSION 1u
enum ckpt_kind {
    CKPT_KIND_NET = 1,
    CKPT_KIND_SUPERNET = 2,
    CKPT_KIND_SINGLEPATH = 3,
    CKPT_KIND_NAO = 4 /* NAO's controller (src/nao.h) */
};

struct ckpt_section {
    char *name;    /* owned, NUL-terminated */
    void *data;    /* owned */
    size_t size;   /* bytes */
};

struct ckpt {
    uint32_t kind;
    int n;
    struct ckpt_section *sections; /* owned */
};

/* An empty checkpoint of the given kind, built in memory. */
void ckpt_init(struct ckpt *c, uint32_t kind);
/* Frees everything c owns; c may be zeroed or already done. */
void ckpt_done(struct ckpt *c);
/* Adds a section (copies size bytes of data).  A name may appear once.
 * Returns 0, or -1 on out-of-memory or a duplicate name. */
int ckpt_put(struct ckpt *c, const char *name, const void *data, size_t size, struct err *e);
/* Finds a section; returns it (borrowed from c) or NULL. */
const struct ckpt_section *ckpt_get(const struct ckpt *c, const char *name);
/* Like ckpt_get, but a missing section or one whose size is not `size` is an
 * error naming path and section.  Copies the payload into out. Returns 0 or -1. */
int ckpt_get_exact(const struct ckpt *c, const char *path, const char *name, void *out,
                   size_t size, struct err *e);

/* Writes c to path atomically (see above). Returns 0 or -1; on error path is
 * untouched and no PATH.tmp is left behind. */
int ckpt_save(const struct ckpt *c, const char *path, struct err *e);

/* Checks, before any work, that ckpt_save could write path: that PATH.tmp can
 * be created in its directory (it is created and removed again) and that
 * path is not a directory.  0, or -1 with e naming path and why. */
int ckpt_check_writable(const char *path, struct err *e);
/* Reads path into c (initialised by this call); `kind` must match the file's
 * kind (errors say what the file holds instead). Returns 0 or -1. */
int ckpt_load(struct ckpt *c, const char *path, uint32_t kind, struct err *e);

#endif
