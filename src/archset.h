/* archset: architectures up to equivalence, and sets of them.
 *
 * Two architectures of a space can be one network: within a stage, the
 * layers after the first keep their shape, so a skip (an identity) can sit
 * anywhere among them and [A, skip, B] computes what [A, B, skip] does.  The
 * canonical form pushes each stage's skips to its end; a set keeps the
 * canonical forms, so it holds each network once.  NAO (src/naogen.c) uses it
 * to keep only new networks; a search that draws a pool of distinct random
 * architectures can use it the same way. */
#ifndef ONESHOT_ARCHSET_H
#define ONESHOT_ARCHSET_H

#include <stddef.h>

#include "arch.h"
#include "err.h"
#include "space.h"

/* The canonical form of a valid architecture a of s into out (may be a): in
 * every stage the layers that are not skips keep their order and move to
 * the stage's front, its skips to its end.  When that would put a choice
 * where its layer does not allow it (a space whose layers of one stage allow
 * different choices), a is its own canonical form.  A space without skips
 * changes nothing. */
void archset_canonical(const struct space *s, const struct arch *a, struct arch *out);

/* A set of canonical forms (open addressing; it grows as needed). */
struct archset {
    const struct space *space; /* borrowed */
    struct arch *slot;         /* [mask + 1] */
    unsigned char *used;       /* [mask + 1] */
    size_t mask, count;
};

/* An empty set over s (borrowed: it must outlive the set).  0, or -1 with e
 * filled (out of memory). */
int archset_init(struct archset *set, const struct space *s, struct err *e);
/* Frees what set holds; a zeroed set is fine. */
void archset_done(struct archset *set);
/* Adds the canonical form of a valid architecture a: 1 if it was new, 0 if
 * the set held it, -1 with e filled (out of memory). */
int archset_add(struct archset *set, const struct arch *a, struct err *e);
/* 1 if the set holds a's canonical form, else 0. */
int archset_has(const struct archset *set, const struct arch *a);

#endif
