/* yamldoc: a YAML file read whole into a libyaml document, the checks every
 * reader of one makes, and a file written whole in place of the old. */
#include "yamldoc.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "suggest.h"

/* ---- reading ---- */

/* Line and column (1-based, in characters) of byte offset off. */
static void offset_position(const unsigned char *buf, size_t len, size_t off, int *line, int *col)
{
    *line = 1;
    *col = 1;
    for (size_t i = 0; i < off && i < len; i++) {
        if (buf[i] == '\n') {
            ++*line;
            *col = 1;
        } else if ((buf[i] & 0xc0) != 0x80) {
            ++*col;
        }
    }
}

static int parser_error(const struct yamldoc *d)
{
    const yaml_parser_t *p = &d->parser;
    const char *problem = p->problem ? p->problem : "syntax error";
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (!(d->flags & YAMLDOC_CONTEXT))
        return err_set(d->e, d->file, line, col, "%s", problem);
    if (p->error == YAML_MEMORY_ERROR)
        return err_set(d->e, d->file, 0, 0, "out of memory");
    if (p->error == YAML_READER_ERROR) {
        offset_position(d->buf, d->len, p->problem_offset, &line, &col);
        if (p->problem_value >= 0)
            return err_set(d->e, d->file, line, col, "%s (0x%02X)", p->problem, p->problem_value);
        return err_set(d->e, d->file, line, col, "%s", p->problem);
    }
    if (p->context)
        return err_set(d->e, d->file, line, col, "%s (%s at %d:%d)", problem, p->context,
                       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    return err_set(d->e, d->file, line, col, "%s", problem);
}

/* Reads the whole file (at most max bytes) into d->buf.  The buffer starts
 * small and doubles as the bytes come, up to max + 1 (one more than max
 * tells a file that is too large): a file of a few hundred bytes does not
 * cost a megabyte. */
static int read_file(struct yamldoc *d, size_t max)
{
    FILE *f = fopen(d->file, "rb");
    if (!f)
        return err_set(d->e, d->file, 0, 0, "cannot open: %s", strerror(errno));
    size_t cap = max < 4096 ? max + 1 : 4096, n = 0;
    unsigned char *b = malloc(cap);
    for (;;) {
        if (!b) {
            fclose(f);
            return err_set(d->e, d->file, 0, 0, "out of memory");
        }
        n += fread(b + n, 1, cap - n, f);
        if (n < cap || cap == max + 1)
            break;
        size_t grown = cap > (max + 1) / 2 ? max + 1 : 2 * cap;
        unsigned char *bigger = realloc(b, grown);
        if (!bigger)
            free(b);
        b = bigger;
        cap = grown;
    }
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad) {
        free(b);
        return err_set(d->e, d->file, 0, 0, "cannot read: %s", strerror(saved));
    }
    if (n > max) {
        free(b);
        return err_set(d->e, d->file, 0, 0, "larger than %zu bytes: not %s", max, d->what);
    }
    d->buf = b;
    d->len = n;
    return 0;
}

int yamldoc_load(struct yamldoc *d, const char *path, size_t max, const char *what, int flags,
                 struct err *e)
{
    memset(d, 0, sizeof *d);
    d->file = path;
    d->e = e;
    d->what = what;
    d->flags = flags;
    if (read_file(d, max))
        return -1;
    if (!yaml_parser_initialize(&d->parser)) {
        free(d->buf);
        return err_set(e, path, 0, 0, "out of memory");
    }
    yaml_parser_set_input_string(&d->parser, d->buf, d->len);
    if (!yaml_parser_load(&d->parser, &d->doc)) {
        int rc = parser_error(d);
        yaml_parser_delete(&d->parser);
        free(d->buf);
        return rc;
    }
    return 0;
}

void yamldoc_done(struct yamldoc *d)
{
    if (!d)
        return;
    yaml_document_delete(&d->doc);
    yaml_parser_delete(&d->parser);
    free(d->buf);
    memset(d, 0, sizeof *d);
}

int yamldoc_single(struct yamldoc *d)
{
    yaml_document_t extra;
    if (!yaml_parser_load(&d->parser, &extra))
        return parser_error(d);
    const yaml_node_t *root = yaml_document_get_root_node(&extra);
    int rc = root ? yamldoc_fail(d, root, "a second document: %s holds one", d->what) : 0;
    yaml_document_delete(&extra);
    return rc;
}

/* ---- nodes ---- */

/* (libyaml's getters take the document as non-const but do not change it) */

yaml_node_t *yamldoc_root(const struct yamldoc *d)
{
    return yaml_document_get_root_node((yaml_document_t *)&d->doc);
}

yaml_node_t *yamldoc_node(const struct yamldoc *d, int id)
{
    return yaml_document_get_node((yaml_document_t *)&d->doc, id);
}

yaml_node_t *yamldoc_get(const struct yamldoc *d, const yaml_node_t *map, const char *key)
{
    for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yamldoc_node(d, p->key);
        if (k->type == YAML_SCALAR_NODE && strcmp(yamldoc_text(k), key) == 0)
            return yamldoc_node(d, p->value);
    }
    return NULL;
}

const char *yamldoc_text(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

int yamldoc_is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = yamldoc_text(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

const char *yamldoc_shown(const char *s, char *buf, size_t size)
{
    if (strlen(s) > 40)
        snprintf(buf, size, "%.37s...", s);
    else
        snprintf(buf, size, "%s", s);
    for (char *p = buf; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            *p = ' ';
    return buf;
}

const char *yamldoc_describe(const yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (yamldoc_is_null(n))
        return "nothing";
    char t[48];
    snprintf(buf, size, "'%s'", yamldoc_shown(yamldoc_text(n), t, sizeof t));
    return buf;
}

/* ---- errors ---- */

int yamldoc_fail(const struct yamldoc *d, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(d->e, d->file, n ? (int)n->start_mark.line + 1 : 0,
             n ? (int)n->start_mark.column + 1 : 0, fmt, ap);
    va_end(ap);
    return -1;
}

int yamldoc_expected(const struct yamldoc *d, const yaml_node_t *n, const char *path,
                     const char *what)
{
    char buf[64];
    return yamldoc_fail(d, n, "%s: expected %s, got %s", path, what,
                        yamldoc_describe(n, buf, sizeof buf));
}

/* ---- keys ---- */

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

/* The hint for an unknown key name of a mapping that may hold keys: a near
 * key, else the section name belongs in, else a near key of another section. */
static void key_hint(const struct yamldoc *d, const char *name, const char *const *keys,
                     char *hint, size_t size)
{
    const struct yamldoc_section *sec = d->sections;
    const char *s = suggest_word(name, keys);
    hint[0] = '\0';
    if (s) {
        snprintf(hint, size, " (did you mean '%s'?)", s);
        return;
    }
    for (int i = 0; sec && sec[i].name && !*hint; i++)
        if (in_list(name, sec[i].keys)) {
            if (*sec[i].name)
                snprintf(hint, size, " (it belongs in %s)", sec[i].name);
            else
                snprintf(hint, size, " (it belongs at the top level)");
        }
    for (int i = 0; sec && sec[i].name && !*hint; i++)
        if (sec[i].keys != keys && (s = suggest_word(name, sec[i].keys))) {
            if (*sec[i].name)
                snprintf(hint, size, " (did you mean '%s' in %s?)", s, sec[i].name);
            else
                snprintf(hint, size, " (did you mean '%s' at the top level?)", s);
        }
}

int yamldoc_check_keys(const struct yamldoc *d, const yaml_node_t *map, const char *const *keys,
                       const char *const *required, const char *where)
{
    const char *sep = *where ? ": " : "", *in = *where ? " in " : "";
    char buf[64];
    if (map->type != YAML_MAPPING_NODE)
        return yamldoc_expected(d, map, *where ? where : "the file", "a mapping");
    yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = start; p < top; p++) {
        const yaml_node_t *k = yamldoc_node(d, p->key);
        if (k->type != YAML_SCALAR_NODE)
            return yamldoc_fail(d, k, "%s%sexpected a key, got %s", where, sep,
                                yamldoc_describe(k, buf, sizeof buf));
        const char *name = yamldoc_text(k);
        if (strlen(name) != k->data.scalar.length)
            return yamldoc_fail(d, k, "%s%sa key contains a NUL character", where, sep);
        if (keys && !in_list(name, keys)) {
            char hint[160];
            key_hint(d, name, keys, hint, sizeof hint);
            return yamldoc_fail(d, k, "unknown key '%s'%s%s%s",
                                yamldoc_shown(name, buf, sizeof buf), in, where, hint);
        }
        for (yaml_node_pair_t *q = start; q < p; q++) {
            const yaml_node_t *k0 = yamldoc_node(d, q->key);
            if (strcmp(yamldoc_text(k0), name) == 0)
                return yamldoc_fail(d, k, "duplicate key '%s'%s%s (first at %d:%d)",
                                    yamldoc_shown(name, buf, sizeof buf), in, where,
                                    (int)k0->start_mark.line + 1, (int)k0->start_mark.column + 1);
        }
    }
    for (; required && *required; required++)
        if (!yamldoc_get(d, map, *required))
            return yamldoc_fail(d, map, "%s%smissing key '%s'", where, sep, *required);
    return 0;
}

/* ---- numbers ---- */

int yamldoc_long(const struct yamldoc *d, const yaml_node_t *n, const char *path, long long lo,
                 long long hi, long long *out)
{
    if (n->type != YAML_SCALAR_NODE || yamldoc_is_null(n))
        return yamldoc_expected(d, n, path, "a whole number");
    const char *s = yamldoc_text(n);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || s[0] == ' ' || s[0] == '\t')
        return yamldoc_expected(d, n, path, "a whole number");
    if (errno == ERANGE || v < lo || v > hi)
        return yamldoc_fail(d, n, "%s: %s is out of range (%lld to %lld)", path, s, lo, hi);
    *out = v;
    return 0;
}

int yamldoc_int(const struct yamldoc *d, const yaml_node_t *n, const char *path, int lo, int hi,
                int *out)
{
    long long v = 0;
    if (yamldoc_long(d, n, path, lo, hi, &v))
        return -1;
    *out = (int)v;
    return 0;
}

int yamldoc_number(const struct yamldoc *d, const yaml_node_t *n, const char *path, double lo,
                   double hi, int lo_open, double *out)
{
    if (n->type != YAML_SCALAR_NODE || yamldoc_is_null(n))
        return yamldoc_expected(d, n, path, "a number");
    const char *s = yamldoc_text(n);
    if (!*s || s[strspn(s, "0123456789+-.eE")])
        return yamldoc_expected(d, n, path, "a number");
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end)
        return yamldoc_expected(d, n, path, "a number");
    if (!isfinite(v))
        return yamldoc_fail(d, n, "%s: %s is too large", path, s);
    if ((lo_open ? !(v > lo) : !(v >= lo)) || !(v <= hi)) {
        char range[80] = "";
        if (!isinf(lo))
            snprintf(range, sizeof range, "%s %g", lo_open ? "greater than" : "at least", lo);
        if (!isinf(hi))
            snprintf(range + strlen(range), sizeof range - strlen(range), "%sat most %g",
                     *range ? ", " : "", hi);
        return yamldoc_fail(d, n, "%s: %s is out of range (%s)", path, s, range);
    }
    *out = v;
    return 0;
}

/* ---- writing ---- */

/* The code point of the UTF-8 character at p if it cannot stand in a YAML
 * file as it is (a C0 or C1 control, DEL, a line break other than '\n',
 * U+FEFF, U+FFFE, U+FFFF), else -1; *len gets its bytes. */
static long unprintable(const unsigned char *p, int *len)
{
    *len = 1;
    if (p[0] < 0x20 || p[0] == 0x7f)
        return p[0];
    if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
        *len = 2;
        return p[1];
    }
    if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) {
        *len = 3;
        return 0x2000 | (p[2] & 0x3f);
    }
    if ((p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) ||
        (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
        *len = 3;
        return 0xf000 | (long)(p[1] & 0x3f) << 6 | (p[2] & 0x3f);
    }
    return -1;
}

void yamldoc_put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int len;
        long c = unprintable(p, &len);
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (c >= 0 && c <= 0xff)
            fprintf(f, "\\x%02lX", c);
        else if (c >= 0)
            fprintf(f, "\\u%04lX", c);
        else
            fputc(*p, f);
        p += len;
    }
    fputc('"', f);
}

void yamldoc_put_comment(FILE *f, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p;) {
        int len;
        fputc(unprintable(p, &len) >= 0 ? '?' : *p, f);
        p += len;
    }
}

FILE *yamldoc_create(const char *tmp, struct err *e)
{
    FILE *f = fopen(tmp, "w");
    if (!f)
        err_set(e, tmp, 0, 0, "cannot create: %s", strerror(errno));
    return f;
}

int yamldoc_commit(FILE *f, int rc, const char *tmp, const char *path, struct err *e)
{
    int saved = errno;
    if (fclose(f) != 0 && rc == 0) {
        rc = -1;
        saved = errno;
    }
    if (rc) {
        unlink(tmp);
        return err_set(e, tmp, 0, 0, "cannot write: %s", strerror(saved));
    }
    if (rename(tmp, path) != 0) {
        saved = errno;
        unlink(tmp);
        return err_set(e, path, 0, 0, "cannot write: %s", strerror(saved));
    }
    return 0;
}
