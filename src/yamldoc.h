/* yamldoc: a YAML file read whole into a libyaml document, the checks every
 * reader of one makes, and a file written whole in place of the old.
 *
 * The experiment file and the latency table and device files are read the
 * same way: the file (up to a size) into memory, libyaml's document API over
 * it, then the node tree walked against a fixed schema.  This module does the
 * reading and the parts of the walk that are the same for every schema:
 * finding nodes, keys checked against a list, numbers with their ranges, and
 * errors at a node's position in the one grammar of err.h
 * (`file:line:col: error: path: message`).  Positions come from libyaml's
 * marks (0-based, reported 1-based).  The files are written by their own
 * modules (with fprintf) to path.tmp, which yamldoc_commit renames to path,
 * so a failed write leaves the old file. */
#ifndef ONESHOT_YAMLDOC_H
#define ONESHOT_YAMLDOC_H

#include <stddef.h>
#include <stdio.h>
#include <yaml.h>

#include "err.h"

/* Where the keys of one mapping of a file live, for "it belongs in ..." hints
 * on an unknown key.  name "" is the top level. */
struct yamldoc_section {
    const char *name;
    const char *const *keys; /* NULL-terminated */
};

/* Flags of yamldoc_load. */
enum {
    /* Syntax errors name libyaml's context too ("... (while parsing a block
     * mapping at 1:1)"), a byte that is not UTF-8 is placed where it stands,
     * and libyaml running out of memory says so.  Without it the error is
     * libyaml's problem alone, at its mark. */
    YAMLDOC_CONTEXT = 1
};

/* A parsed file.  file, e and doc are the caller's to read; the rest is the
 * module's. */
struct yamldoc {
    const char *file;    /* borrowed: the path errors name */
    struct err *e;       /* borrowed: where errors go (may be NULL) */
    yaml_document_t doc; /* the file's first document */
    /* Borrowed, NULL-terminated by a NULL name, or NULL (the default):
     * sections that yamldoc_check_keys searches for an unknown key's hint. */
    const struct yamldoc_section *sections;
    const char *what; /* "an experiment file": what the file is, in errors */
    int flags;
    unsigned char *buf; /* the file's bytes, which the parser reads */
    size_t len;
    yaml_parser_t parser; /* kept for yamldoc_single */
};

/* Reads path (at most max bytes) and parses its first document into d->doc.
 * what names the kind of file for errors ("an experiment file": `larger than
 * 1048576 bytes: not an experiment file`); path and what are borrowed and
 * must outlive d.  Errors, into e: `path: error: cannot open: <strerror>`,
 * `cannot read: ...`, `larger than <max> bytes: not <what>`, `out of memory`,
 * and libyaml's syntax error at `path:line:col` (flags: YAMLDOC_CONTEXT).
 * Returns 0 (call yamldoc_done when finished) or -1 (nothing to undo). */
int yamldoc_load(struct yamldoc *d, const char *path, size_t max, const char *what, int flags,
                 struct err *e);

/* Frees what yamldoc_load made.  d may be NULL. */
void yamldoc_done(struct yamldoc *d);

/* Checks that the file holds no second document: parses the next one, and
 * fails with its syntax error, or at its root with `a second document: <what>
 * holds one`.  0 or -1. */
int yamldoc_single(struct yamldoc *d);

/* The root node of the first document, or NULL for an empty file. */
yaml_node_t *yamldoc_root(const struct yamldoc *d);

/* The node with id (from a pair or a list item), borrowed from d. */
yaml_node_t *yamldoc_node(const struct yamldoc *d, int id);

/* The value of the scalar key named key in the mapping map, or NULL. */
yaml_node_t *yamldoc_get(const struct yamldoc *d, const yaml_node_t *map, const char *key);

/* The text of a scalar node (NUL-terminated; it may hold more NULs: compare
 * strlen with n->data.scalar.length). */
const char *yamldoc_text(const yaml_node_t *n);

/* 1 for a plain empty, ~ or null scalar: a key with nothing after it. */
int yamldoc_is_null(const yaml_node_t *n);

/* s made fit for a one-line message into buf: at most 40 characters (longer:
 * 37 and "..."), control characters made spaces.  Returns buf. */
const char *yamldoc_shown(const char *s, char *buf, size_t size);

/* What a node is, for "got ...": 'text' (as yamldoc_shown), nothing, a
 * mapping, a list.  buf (48 bytes or more) may hold the result. */
const char *yamldoc_describe(const yaml_node_t *n, char *buf, size_t size);

/* Sets d's error at n's position (n NULL: no position) to the formatted
 * message.  Returns -1. */
int yamldoc_fail(const struct yamldoc *d, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Fails at n with `path: expected <what>, got <yamldoc_describe(n)>`.  -1. */
int yamldoc_expected(const struct yamldoc *d, const yaml_node_t *n, const char *path,
                     const char *what);

/* Checks that map is a mapping whose keys are scalars without NULs, in keys
 * (NULL: any key), none repeated, and that holds every key of required
 * (NULL: none).  where names the mapping in errors ("" at the top):
 * `where: expected a mapping, got ...`, `unknown key 'k' in where (did you
 * mean 'key'?)` (else, from d->sections, `(it belongs in S)` or `(did you mean
 * 'key' in S?)`), `duplicate key 'k' in where (first at 3:1)`, `where:
 * missing key 'k'`, each at the node at fault.  0 or -1. */
int yamldoc_check_keys(const struct yamldoc *d, const yaml_node_t *map, const char *const *keys,
                       const char *const *required, const char *where);

/* A whole number from lo to hi (decimal, no leading blank) into *out.
 * Errors: `path: expected a whole number, got ...`, `path: 7 is out of range
 * (lo to hi)`.  0 or -1. */
int yamldoc_long(const struct yamldoc *d, const yaml_node_t *n, const char *path, long long lo,
                 long long hi, long long *out);

/* yamldoc_long for an int. */
int yamldoc_int(const struct yamldoc *d, const yaml_node_t *n, const char *path, int lo, int hi,
                int *out);

/* A finite number (digits, sign, '.', exponent) from lo (lo_open: greater than
 * lo) to hi into *out; lo may be -INFINITY, hi INFINITY.  Errors: `path:
 * expected a number, got ...`, `path: 1e999 is too large`, `path: -1 is out of
 * range (at least 0, at most 100)` (`greater than 0` when lo_open; the
 * infinite bounds left out).  0 or -1. */
int yamldoc_number(const struct yamldoc *d, const yaml_node_t *n, const char *path, double lo,
                   double hi, int lo_open, double *out);

/* Writes s (UTF-8, as libyaml read it) as a double-quoted YAML scalar that
 * reads back as s: '"' and '\\' escaped, and every character that YAML
 * does not let stand in a file or reads as a line break written as an
 * escape (C0 and C1 controls, DEL, U+0085 NEL, U+2028, U+2029, U+FEFF,
 * U+FFFE, U+FFFF). */
void yamldoc_put_quoted(FILE *f, const char *s);

/* Writes s inside a comment: the characters yamldoc_put_quoted escapes as
 * '?' (a line break would end the comment). */
void yamldoc_put_comment(FILE *f, const char *s);

/* Opens tmp (the caller's path.tmp) for writing.  Returns the stream, or NULL
 * with `tmp: error: cannot create: <strerror>` in e. */
FILE *yamldoc_create(const char *tmp, struct err *e);

/* Finishes a file written to f = yamldoc_create(tmp): rc is the writer's
 * result (0, or -1 with errno as the writer left it).  Closes f, then renames
 * tmp to path; on any failure tmp is removed and e holds `tmp: error: cannot
 * write: <strerror>` (or `path: ...` when the rename fails).  0 or -1. */
int yamldoc_commit(FILE *f, int rc, const char *tmp, const char *path, struct err *e);

/* For each pair of the mapping map of d: k the key node, v the value node,
 * text the key's text (the caller declares const yaml_node_t *k, *v and
 * const char *text; yamldoc_check_keys has made sure the keys are scalars). */
#define YAMLDOC_FOR_PAIRS(d, map, k, v, text)                                                      \
    for (yaml_node_pair_t *yamldoc_p_ = (map)->data.mapping.pairs.start;                           \
         yamldoc_p_ < (map)->data.mapping.pairs.top &&                                             \
         ((k) = yamldoc_node(d, yamldoc_p_->key), (v) = yamldoc_node(d, yamldoc_p_->value),        \
         (text) = yamldoc_text(k), 1);                                                             \
         yamldoc_p_++)

#endif
