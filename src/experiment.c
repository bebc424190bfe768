/* experiment: the YAML experiment file, read with libyaml's document API.
 *
 * The file is read whole, parsed into a node tree, and the tree walked against
 * a fixed schema: every mapping is first checked for keys it may not hold
 * (unknown, duplicated, not a word), then each known key is read with the
 * type and range it must have.  Positions come from libyaml's marks (0-based,
 * reported 1-based). */
#include "experiment.h"

#include "sampler.h"
#include "space.h"
#include "suggest.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <yaml.h>

#include "data.h"

/* ---- the schema ---- */

static const char *const top_keys[] = {"name",     "seed",   "threads",    "output",  "dataset",
                                       "space",    "supernet", "search", "objectives", "latency",
                                       NULL};
static const char *const dataset_keys[] = {"path", "train_images", "val_images", NULL};
static const char *const supernet_keys[] = {"sampler", "epochs",     "batch",
                                            "lr",      "repeat",     "pool",
                                            "iterations", "bn_recalibration", NULL};
static const char *const search_keys[] = {"strategy", "generations", "population", "params",
                                          "metrics",  NULL};
static const char *const objective_keys[] = {"name", "direction", "weight", "device", NULL};
static const char *const latency_keys[] = {"device", NULL};

/* Where each key lives, for "it belongs in ..." hints. */
static const struct {
    const char *name; /* "" : the top level */
    const char *const *keys;
} sections[] = {{"", top_keys},
                {"dataset", dataset_keys},
                {"supernet", supernet_keys},
                {"search", search_keys},
                {"latency", latency_keys}};

static const char *const device_names[] = {"host", "mobile-gpu", "mobile-cpu", NULL};

/* What a name-or-path value may be. */
enum ref_kind {
    REF_PATH,     /* always a path */
    REF_SPACE,    /* a built-in space, or a path: has a '/' or ends in .lua */
    REF_SAMPLER,  /* a built-in sampler, or a path ending in .lua */
    REF_STRATEGY, /* any word, or a path: has a '/' or ends in .lua */
    REF_DEVICE    /* a built-in device, or a path: has a '/' or a '.' */
};

struct ctx {
    const char *file;
    const char *dir; /* absolute directory of the file */
    yaml_document_t *doc;
    struct err *e;
};

/* ---- small helpers ---- */

static int in_list(const char *s, const char *const *list)
{
    for (; *list; list++)
        if (strcmp(s, *list) == 0)
            return 1;
    return 0;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src);
}

/* Joins dir and rel (rel absolute: dir is ignored) and drops empty and "."
 * components; ".." is kept (a symlink makes "a/b/.." differ from "a").
 * Returns 0, or -1 when the result does not fit. */
static int resolve_path(const char *dir, const char *rel, char *out, size_t size)
{
    char joined[2 * EXP_PATH_MAX + 2];
    if (rel[0] == '/')
        copy(joined, sizeof joined, rel);
    else
        snprintf(joined, sizeof joined, "%s/%s", dir, rel);
    size_t n = 0;
    const char *p = joined;
    while (*p) {
        while (*p == '/')
            p++;
        const char *q = p;
        while (*q && *q != '/')
            q++;
        size_t len = (size_t)(q - p);
        if (len > 0 && !(len == 1 && p[0] == '.')) {
            if (n + 1 + len + 1 > size)
                return -1;
            out[n++] = '/';
            memcpy(out + n, p, len);
            n += len;
        }
        p = q;
    }
    if (n == 0) {
        if (size < 2)
            return -1;
        out[n++] = '/';
    }
    out[n] = '\0';
    return 0;
}

/* ---- nodes and errors ---- */

static yaml_node_t *node_at(const struct ctx *c, int id)
{
    return yaml_document_get_node(c->doc, id);
}

static int fail(const struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(const struct ctx *c, const yaml_node_t *n, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    err_vset(c->e, c->file, n ? (int)n->start_mark.line + 1 : 0,
             n ? (int)n->start_mark.column + 1 : 0, fmt, ap);
    va_end(ap);
    return -1;
}

static const char *text_of(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* A plain empty, ~ or null scalar: a key with nothing after it. */
static int is_null(const yaml_node_t *n)
{
    if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    const char *s = text_of(n);
    return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
           !strcmp(s, "NULL");
}

/* s made fit for a one-line message: at most 40 characters, no control characters. */
static const char *shown(const char *s, char *buf, size_t size)
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

/* What a node is, for "got ...": 'text', nothing, a mapping, a list. */
static const char *describe(const yaml_node_t *n, char *buf, size_t size)
{
    if (n->type == YAML_MAPPING_NODE)
        return "a mapping";
    if (n->type == YAML_SEQUENCE_NODE)
        return "a list";
    if (is_null(n))
        return "nothing";
    char t[48];
    snprintf(buf, size, "'%s'", shown(text_of(n), t, sizeof t));
    return buf;
}

static int expected(const struct ctx *c, const yaml_node_t *n, const char *path, const char *what)
{
    char buf[64];
    return fail(c, n, "%s: expected %s, got %s", path, what, describe(n, buf, sizeof buf));
}

static void key_path(char *out, size_t size, const char *where, const char *key)
{
    if (*where)
        snprintf(out, size, "%s.%s", where, key);
    else
        copy(out, size, key);
}

/* Checks that every key of map is a scalar, known (keys == NULL: any key),
 * and not repeated.  where names the mapping ("" at the top). */
static int check_keys(const struct ctx *c, const yaml_node_t *map, const char *const *keys,
                      const char *where)
{
    yaml_node_pair_t *start = map->data.mapping.pairs.start, *top = map->data.mapping.pairs.top;
    for (yaml_node_pair_t *p = start; p < top; p++) {
        yaml_node_t *k = node_at(c, p->key);
        char buf[64];
        if (k->type != YAML_SCALAR_NODE)
            return fail(c, k, "%s%sexpected a key, got %s", where, *where ? ": " : "",
                        describe(k, buf, sizeof buf));
        const char *name = text_of(k);
        if (strlen(name) != k->data.scalar.length)
            return fail(c, k, "%s%sa key contains a NUL character", where, *where ? ": " : "");
        if (keys && !in_list(name, keys)) {
            char in[80] = "", hint[160] = "";
            if (*where)
                snprintf(in, sizeof in, " in %s", where);
            const char *s = suggest_word(name, keys);
            if (s) {
                snprintf(hint, sizeof hint, " (did you mean '%s'?)", s);
            } else {
                /* a key of another section: as it is, else a near one */
                size_t ns = sizeof sections / sizeof sections[0];
                for (size_t i = 0; i < ns && !*hint; i++)
                    if (in_list(name, sections[i].keys)) {
                        if (*sections[i].name)
                            snprintf(hint, sizeof hint, " (it belongs in %s)", sections[i].name);
                        else
                            snprintf(hint, sizeof hint, " (it belongs at the top level)");
                    }
                for (size_t i = 0; i < ns && !*hint; i++)
                    if (sections[i].keys != keys && (s = suggest_word(name, sections[i].keys))) {
                        if (*sections[i].name)
                            snprintf(hint, sizeof hint, " (did you mean '%s' in %s?)", s,
                                     sections[i].name);
                        else
                            snprintf(hint, sizeof hint, " (did you mean '%s' at the top level?)",
                                     s);
                    }
            }
            return fail(c, k, "unknown key '%s'%s%s", shown(name, buf, sizeof buf), in, hint);
        }
        for (yaml_node_pair_t *q = start; q < p; q++) {
            yaml_node_t *k0 = node_at(c, q->key);
            if (k0->type == YAML_SCALAR_NODE && strcmp(text_of(k0), name) == 0)
                return fail(c, k, "duplicate key '%s'%s%s (first at %d:%d)",
                            shown(name, buf, sizeof buf),
                            *where ? " in " : "", where, (int)k0->start_mark.line + 1,
                            (int)k0->start_mark.column + 1);
        }
    }
    return 0;
}

/* ---- values ---- */

static int get_int(const struct ctx *c, const yaml_node_t *n, const char *path, long long lo,
                   long long hi, long long *out)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return expected(c, n, path, "a whole number");
    const char *s = text_of(n);
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (end == s || *end || s[0] == ' ' || s[0] == '\t')
        return expected(c, n, path, "a whole number");
    if (errno == ERANGE || v < lo || v > hi)
        return fail(c, n, "%s: %s is out of range (%lld to %lld)", path, s, lo, hi);
    *out = v;
    return 0;
}

static int get_int32(const struct ctx *c, const yaml_node_t *n, const char *path, int lo, int hi,
                     int *out)
{
    long long v;
    if (get_int(c, n, path, lo, hi, &v))
        return -1;
    *out = (int)v;
    return 0;
}

/* A finite number > 0. */
static int get_positive(const struct ctx *c, const yaml_node_t *n, const char *path, double *out)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return expected(c, n, path, "a number");
    const char *s = text_of(n);
    if (!*s || s[strspn(s, "0123456789+-.eE")])
        return expected(c, n, path, "a number");
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end)
        return expected(c, n, path, "a number");
    if (!isfinite(v))
        return fail(c, n, "%s: %s is too large", path, s);
    if (!(v > 0))
        return fail(c, n, "%s: %s is out of range (greater than 0)", path, s);
    *out = v;
    return 0;
}

/* A scalar string that fits size and holds no NUL or control character. */
static int get_string(const struct ctx *c, const yaml_node_t *n, const char *path,
                      const char *what, char *out, size_t size)
{
    if (n->type != YAML_SCALAR_NODE || is_null(n))
        return expected(c, n, path, what);
    const char *s = text_of(n);
    if (!*s)
        return fail(c, n, "%s: expected %s, got an empty string", path, what);
    if (strlen(s) != n->data.scalar.length)
        return fail(c, n, "%s: contains a NUL character", path);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return fail(c, n, "%s: contains a control character", path);
    if (strlen(s) >= size)
        return fail(c, n, "%s: too long (%zu bytes, at most %zu)", path, strlen(s), size - 1);
    copy(out, size, s);
    return 0;
}

/* A word of letters, digits, '_' and '-'. */
static int is_word(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-'))
            return 0;
    return 1;
}

/* A Lua identifier: letters, digits and '_', not starting with a digit. */
static int is_identifier(const char *s)
{
    if (!*s || (*s >= '0' && *s <= '9'))
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '_'))
            return 0;
    return 1;
}

static void list_names(char *out, size_t size, const char *const *names)
{
    size_t n = 0;
    out[0] = '\0';
    for (const char *const *p = names; *p && n < size; p++) {
        int w = snprintf(out + n, size - n, "%s%s", p == names ? "" : ", ", *p);
        if (w < 0)
            break;
        n += (size_t)w;
    }
}

/* Sets r to text, resolving it against dir when it is a path. */
static int set_ref(struct exp_ref *r, const char *text, int is_path, const char *dir)
{
    copy(r->text, sizeof r->text, text);
    r->is_path = is_path;
    if (!is_path) {
        copy(r->resolved, sizeof r->resolved, text);
        return 0;
    }
    return resolve_path(dir, text, r->resolved, sizeof r->resolved);
}

static int get_ref(const struct ctx *c, const yaml_node_t *n, const char *path,
                   enum ref_kind kind, struct exp_ref *r)
{
    static const char *const what[] = {"a path", "a space name or path", "a sampler name or path",
                                       "a strategy name or path", "a device name or path"};
    char text[EXP_PATH_MAX];
    if (get_string(c, n, path, what[kind], text, sizeof text))
        return -1;
    int has_slash = strchr(text, '/') != NULL, lua = ends_with(text, ".lua");
    int is_path = 1;
    char names[160];
    switch (kind) {
    case REF_PATH:
        break;
    case REF_SPACE:
        is_path = has_slash || lua;
        if (!is_path && !in_list(text, space_builtin_names())) {
            list_names(names, sizeof names, space_builtin_names());
            return fail(c, n, "%s: '%s' is not one of %s (or a .lua file)", path, text, names);
        }
        break;
    case REF_SAMPLER:
        is_path = lua;
        if (!is_path && !in_list(text, sampler_names())) {
            list_names(names, sizeof names, sampler_names());
            return fail(c, n, "%s: '%s' is not one of %s (or a .lua file)", path, text, names);
        }
        break;
    case REF_STRATEGY:
        is_path = has_slash || lua;
        if (!is_path && !is_word(text))
            return fail(c, n,
                        "%s: '%s' is neither a name (letters, digits, '_' and '-') nor a path "
                        "(with a '/' or ending in .lua)",
                        path, text);
        break;
    case REF_DEVICE:
        is_path = has_slash || strchr(text, '.') != NULL;
        if (!is_path && !in_list(text, device_names)) {
            list_names(names, sizeof names, device_names);
            return fail(c, n, "%s: '%s' is not one of %s (or a path to a table)", path, text,
                        names);
        }
        break;
    }
    if (is_path && text[0] == '~')
        return fail(c, n, "%s: '~' is not expanded; write the path in full", path);
    if (set_ref(r, text, is_path, c->dir))
        return fail(c, n, "%s: the resolved path is too long (at most %d bytes)", path,
                    EXP_PATH_MAX - 1);
    r->line = (int)n->start_mark.line + 1;
    r->col = (int)n->start_mark.column + 1;
    return 0;
}

/* A name for runs/NAME: no '/', no control character, not starting with '.'. */
static int valid_name(const char *s)
{
    if (!*s || *s == '.' || strlen(s) >= EXP_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (*s == '/' || (unsigned char)*s < 0x20 || *s == 0x7f)
            return 0;
    return 1;
}

/* A mapping, or nothing (NULL: the section is left at its defaults). */
static int get_section(const struct ctx *c, const yaml_node_t *n, const char *path,
                       const char *const *keys, const yaml_node_t **map)
{
    *map = NULL;
    if (is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return expected(c, n, path, "a mapping");
    *map = n;
    return check_keys(c, n, keys, path);
}

#define FOR_PAIRS(c, map, k, v, key)                                                               \
    for (yaml_node_pair_t *p_ = (map)->data.mapping.pairs.start;                                   \
         p_ < (map)->data.mapping.pairs.top &&                                                     \
         ((k) = node_at(c, p_->key), (v) = node_at(c, p_->value), (key) = text_of(k), 1);          \
         p_++)

/* ---- sections ---- */

static int load_dataset(const struct ctx *c, const yaml_node_t *n, struct experiment *x,
                        const yaml_node_t **last_count)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (get_section(c, n, "dataset", dataset_keys, &map))
        return -1;
    if (!map)
        return 0;
    FOR_PAIRS(c, map, k, v, key)
    {
        char path[96];
        key_path(path, sizeof path, "dataset", key);
        int rc = 0;
        if (!strcmp(key, "path"))
            rc = get_ref(c, v, path, REF_PATH, &x->dataset.path);
        else if (!strcmp(key, "train_images"))
            rc = get_int32(c, v, path, 1, EXP_TOTAL_IMAGES, &x->dataset.train_images);
        else if (!strcmp(key, "val_images"))
            rc = get_int32(c, v, path, 1, EXP_TOTAL_IMAGES, &x->dataset.val_images);
        if (rc)
            return -1;
        if (!strcmp(key, "train_images") || !strcmp(key, "val_images"))
            *last_count = v; /* keys come in file order */
    }
    return 0;
}

static int load_supernet(const struct ctx *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (get_section(c, n, "supernet", supernet_keys, &map))
        return -1;
    if (!map)
        return 0;
    FOR_PAIRS(c, map, k, v, key)
    {
        char path[96];
        key_path(path, sizeof path, "supernet", key);
        int rc = 0;
        if (!strcmp(key, "sampler"))
            rc = get_ref(c, v, path, REF_SAMPLER, &x->supernet.sampler);
        else if (!strcmp(key, "epochs"))
            rc = get_int32(c, v, path, 1, 100000, &x->supernet.epochs);
        else if (!strcmp(key, "batch"))
            rc = get_int32(c, v, path, 1, 65536, &x->supernet.batch);
        else if (!strcmp(key, "lr"))
            rc = get_positive(c, v, path, &x->supernet.lr);
        else if (!strcmp(key, "repeat"))
            rc = get_int32(c, v, path, 1, 1000000, &x->supernet.repeat);
        else if (!strcmp(key, "pool"))
            rc = get_int32(c, v, path, 0, 4096, &x->supernet.pool);
        else if (!strcmp(key, "iterations"))
            rc = get_int32(c, v, path, 1, 1000, &x->supernet.iterations);
        else if (!strcmp(key, "bn_recalibration"))
            rc = get_int32(c, v, path, 0, EXP_TOTAL_IMAGES, &x->supernet.bn_recalibration);
        if (rc)
            return -1;
    }
    return 0;
}

static int load_params(const struct ctx *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *k, *v;
    const char *key;
    if (is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return expected(c, n, "search.params", "a mapping");
    if (check_keys(c, n, NULL, "search.params"))
        return -1;
    FOR_PAIRS(c, n, k, v, key)
    {
        char path[EXP_PARAM_KEY_MAX + 32];
        snprintf(path, sizeof path, "search.params.%.*s", EXP_PARAM_KEY_MAX, key);
        if (x->search.nparams == EXP_MAX_PARAMS)
            return fail(c, k, "search.params: more than %d entries", EXP_MAX_PARAMS);
        struct exp_param *p = &x->search.params[x->search.nparams];
        if (get_string(c, k, "search.params", "a key", p->key, sizeof p->key))
            return -1;
        if (v->type != YAML_SCALAR_NODE)
            return expected(c, v, path, "a number or a string");
        const char *s = text_of(v);
        if (strlen(s) != v->data.scalar.length)
            return fail(c, v, "%s: contains a NUL character", path);
        if (strlen(s) >= sizeof p->value)
            return fail(c, v, "%s: too long (%zu bytes, at most %zu)", path, strlen(s),
                        sizeof p->value - 1);
        copy(p->value, sizeof p->value, s);
        p->quoted = v->data.scalar.style != YAML_PLAIN_SCALAR_STYLE;
        p->key_line = (int)k->start_mark.line + 1;
        p->key_col = (int)k->start_mark.column + 1;
        p->line = (int)v->start_mark.line + 1;
        p->col = (int)v->start_mark.column + 1;
        x->search.nparams++;
    }
    return 0;
}

static int load_search(const struct ctx *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (get_section(c, n, "search", search_keys, &map))
        return -1;
    if (!map)
        return 0;
    FOR_PAIRS(c, map, k, v, key)
    {
        char path[96];
        key_path(path, sizeof path, "search", key);
        int rc = 0;
        if (!strcmp(key, "strategy"))
            rc = get_ref(c, v, path, REF_STRATEGY, &x->search.strategy);
        else if (!strcmp(key, "generations"))
            rc = get_int32(c, v, path, 1, 100000, &x->search.generations);
        else if (!strcmp(key, "population"))
            rc = get_int32(c, v, path, 2, 100000, &x->search.population);
        else if (!strcmp(key, "params"))
            rc = load_params(c, v, x);
        else if (!strcmp(key, "metrics"))
            rc = get_ref(c, v, path, REF_PATH, &x->search.metrics);
        if (rc)
            return -1;
    }
    return 0;
}

static int load_latency(const struct ctx *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (get_section(c, n, "latency", latency_keys, &map))
        return -1;
    if (!map)
        return 0;
    FOR_PAIRS(c, map, k, v, key)
    {
        if (!strcmp(key, "device") && get_ref(c, v, "latency.device", REF_DEVICE,
                                              &x->latency.device))
            return -1;
    }
    return 0;
}

static int load_objective(const struct ctx *c, const yaml_node_t *n, int i,
                          struct exp_objective *o)
{
    const yaml_node_t *k, *v;
    const char *key;
    char where[32];
    snprintf(where, sizeof where, "objectives[%d]", i);
    if (n->type != YAML_MAPPING_NODE)
        return expected(c, n, where, "a mapping (name, direction, weight, device)");
    if (check_keys(c, n, objective_keys, where))
        return -1;
    memset(o, 0, sizeof *o);
    o->weight = 1.0;
    set_ref(&o->device, "host", 0, c->dir);
    o->line = (int)n->start_mark.line + 1;
    o->col = (int)n->start_mark.column + 1;
    int has_name = 0, has_direction = 0;
    FOR_PAIRS(c, n, k, v, key)
    {
        char path[64];
        key_path(path, sizeof path, where, key);
        if (!strcmp(key, "name")) {
            if (get_string(c, v, path, "a name", o->name, sizeof o->name))
                return -1;
            if (!is_identifier(o->name))
                return fail(c, v,
                            "%s: '%s' is not a name (letters, digits and '_', not starting with "
                            "a digit)",
                            path, o->name);
            o->name_line = (int)v->start_mark.line + 1;
            o->name_col = (int)v->start_mark.column + 1;
            has_name = 1;
        } else if (!strcmp(key, "direction")) {
            char d[48];
            if (v->type != YAML_SCALAR_NODE || is_null(v))
                return expected(c, v, path, "maximize or minimize");
            if (!strcmp(text_of(v), "maximize"))
                o->direction = EXP_MAXIMIZE;
            else if (!strcmp(text_of(v), "minimize"))
                o->direction = EXP_MINIMIZE;
            else
                return fail(c, v, "%s: '%s' is not one of maximize, minimize", path,
                            shown(text_of(v), d, sizeof d));
            has_direction = 1;
        } else if (!strcmp(key, "weight")) {
            if (get_positive(c, v, path, &o->weight))
                return -1;
        } else if (!strcmp(key, "device")) {
            if (get_ref(c, v, path, REF_DEVICE, &o->device))
                return -1;
        }
    }
    if (!has_name)
        return fail(c, n, "%s: missing key 'name'", where);
    if (!has_direction)
        return fail(c, n, "%s: missing key 'direction'", where);
    return 0;
}

static int load_objectives(const struct ctx *c, const yaml_node_t *n, struct experiment *x)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return expected(c, n, "objectives", "a list");
    yaml_node_item_t *start = n->data.sequence.items.start, *top = n->data.sequence.items.top;
    if (start == top)
        return fail(c, n, "objectives: at least one objective is needed");
    x->nobjectives = 0;
    for (yaml_node_item_t *it = start; it < top; it++) {
        int i = (int)(it - start);
        const yaml_node_t *item = node_at(c, *it);
        if (i == EXP_MAX_OBJECTIVES)
            return fail(c, item, "objectives: more than %d objectives", EXP_MAX_OBJECTIVES);
        struct exp_objective *o = &x->objectives[i];
        if (load_objective(c, item, i, o))
            return -1;
        x->nobjectives = i + 1;
    }
    return 0;
}

static int load_top(const struct ctx *c, const yaml_node_t *root, struct experiment *x)
{
    const yaml_node_t *k, *v, *last_count = NULL, *output = NULL;
    const char *key;
    if (check_keys(c, root, top_keys, ""))
        return -1;
    FOR_PAIRS(c, root, k, v, key)
    {
        int rc = 0;
        if (!strcmp(key, "name")) {
            rc = get_string(c, v, "name", "a name", x->name, sizeof x->name);
            if (!rc && !valid_name(x->name))
                rc = fail(c, v, "name: '%s' is not a name (no '/', not starting with '.')",
                          x->name);
        } else if (!strcmp(key, "seed")) {
            long long s;
            rc = get_int(c, v, "seed", 0, LLONG_MAX, &s);
            x->seed = rc ? 0 : (uint64_t)s;
        } else if (!strcmp(key, "threads")) {
            rc = get_int32(c, v, "threads", 0, 1024, &x->threads);
        } else if (!strcmp(key, "output")) {
            output = v; /* its default needs the name, which may come later */
        } else if (!strcmp(key, "dataset")) {
            rc = load_dataset(c, v, x, &last_count);
        } else if (!strcmp(key, "space")) {
            rc = get_ref(c, v, "space", REF_SPACE, &x->space);
        } else if (!strcmp(key, "supernet")) {
            rc = load_supernet(c, v, x);
        } else if (!strcmp(key, "search")) {
            rc = load_search(c, v, x);
        } else if (!strcmp(key, "objectives")) {
            rc = load_objectives(c, v, x);
        } else if (!strcmp(key, "latency")) {
            rc = load_latency(c, v, x);
        }
        if (rc)
            return -1;
    }
    if (output) {
        if (get_ref(c, output, "output", REF_PATH, &x->output))
            return -1;
    } else {
        char text[EXP_NAME_MAX + 8];
        snprintf(text, sizeof text, "runs/%s", x->name);
        if (set_ref(&x->output, text, 1, c->dir))
            return err_set(c->e, c->file, 0, 0, "output: the resolved path is too long");
    }
    /* an objective without a device of its own has the experiment's */
    for (int i = 0; i < x->nobjectives; i++) {
        struct exp_objective *o = &x->objectives[i];
        if (o->device.line == 0) {
            o->device = x->latency.device;
            o->device.line = o->device.col = 0;
        }
        for (int j = 0; j < i; j++) {
            const struct exp_objective *o0 = &x->objectives[j];
            if (!strcmp(o0->name, o->name) && !strcmp(o0->device.resolved, o->device.resolved))
                return err_set(c->e, c->file, o->line, o->col,
                               "objectives[%d]: '%s' is already objectives[%d] (at %d:%d)", i,
                               o->name, j, o0->line, o0->col);
        }
    }
    int sum = x->dataset.train_images + x->dataset.val_images;
    if (sum > EXP_TOTAL_IMAGES)
        return fail(c, last_count,
                    "dataset: train_images + val_images is %d, more than the %d images of the "
                    "training set",
                    sum, EXP_TOTAL_IMAGES);
    return 0;
}

/* ---- loading ---- */

void experiment_defaults(struct experiment *x, const char *name, const char *dir)
{
    memset(x, 0, sizeof *x);
    copy(x->dir, sizeof x->dir, dir);
    copy(x->name, sizeof x->name, name);
    x->seed = 0;
    x->threads = 0;
    char text[EXP_NAME_MAX + 8];
    snprintf(text, sizeof text, "runs/%s", name);
    set_ref(&x->output, text, 1, dir);
    set_ref(&x->dataset.path, FMNIST_DIR, 1, dir);
    x->dataset.train_images = 50000;
    x->dataset.val_images = 10000;
    set_ref(&x->space, "fmnist", 0, dir);
    set_ref(&x->supernet.sampler, "fair", 0, dir);
    x->supernet.epochs = 1;
    x->supernet.batch = 128;
    x->supernet.lr = 0.1;
    x->supernet.repeat = 1;
    x->supernet.pool = 0;
    x->supernet.iterations = 1;
    x->supernet.bn_recalibration = 2000;
    set_ref(&x->search.strategy, "random", 0, dir);
    x->search.generations = 10;
    x->search.population = 20;
    x->nobjectives = 1;
    copy(x->objectives[0].name, sizeof x->objectives[0].name, "accuracy");
    x->objectives[0].direction = EXP_MAXIMIZE;
    x->objectives[0].weight = 1.0;
    set_ref(&x->objectives[0].device, "host", 0, dir);
    set_ref(&x->latency.device, "host", 0, dir);
}

/* Reads the whole file (at most EXP_FILE_MAX bytes) into a new buffer. */
static int read_file(const char *path, unsigned char **buf, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
    unsigned char *b = malloc(EXP_FILE_MAX + 1);
    if (!b) {
        fclose(f);
        return err_set(e, path, 0, 0, "out of memory");
    }
    size_t n = fread(b, 1, EXP_FILE_MAX + 1, f);
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad) {
        free(b);
        return err_set(e, path, 0, 0, "cannot read: %s", strerror(saved));
    }
    if (n > EXP_FILE_MAX) {
        free(b);
        return err_set(e, path, 0, 0, "larger than %d bytes: not an experiment file",
                       EXP_FILE_MAX);
    }
    *buf = b;
    *len = n;
    return 0;
}

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

static int parser_error(const yaml_parser_t *p, const char *file, const unsigned char *buf,
                        size_t len, struct err *e)
{
    if (p->error == YAML_MEMORY_ERROR)
        return err_set(e, file, 0, 0, "out of memory");
    if (p->error == YAML_READER_ERROR) {
        int line, col;
        offset_position(buf, len, p->problem_offset, &line, &col);
        if (p->problem_value >= 0)
            return err_set(e, file, line, col, "%s (0x%02X)", p->problem, p->problem_value);
        return err_set(e, file, line, col, "%s", p->problem);
    }
    const char *problem = p->problem ? p->problem : "syntax error";
    int line = (int)p->problem_mark.line + 1, col = (int)p->problem_mark.column + 1;
    if (p->context)
        return err_set(e, file, line, col, "%s (%s at %d:%d)", problem, p->context,
                       (int)p->context_mark.line + 1, (int)p->context_mark.column + 1);
    return err_set(e, file, line, col, "%s", problem);
}

/* The name a file gives by default: its base name without .yaml or .yml. */
static void name_from_file(const char *path, char *out, size_t size)
{
    const char *base = strrchr(path, '/');
    base = base ? base + 1 : path;
    size_t n = strlen(base);
    if (ends_with(base, ".yaml"))
        n -= 5;
    else if (ends_with(base, ".yml"))
        n -= 4;
    snprintf(out, size, "%.*s", (int)n, base);
}

/* The absolute directory of path. */
static int file_dir(const char *path, char *out, size_t size, struct err *e)
{
    char dir[EXP_PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        copy(dir, sizeof dir, ".");
    else if (slash == path)
        copy(dir, sizeof dir, "/");
    else
        snprintf(dir, sizeof dir, "%.*s", (int)(slash - path), path);
    char cwd[EXP_PATH_MAX] = "/";
    if (dir[0] != '/' && !getcwd(cwd, sizeof cwd))
        return err_set(e, path, 0, 0, "cannot find the current directory: %s", strerror(errno));
    if (resolve_path(cwd, dir, out, size))
        return err_set(e, path, 0, 0, "the file's directory is too long (at most %d bytes)",
                       EXP_PATH_MAX - 1);
    return 0;
}

int experiment_load(struct experiment *x, const char *path, struct err *e)
{
    char dir[EXP_PATH_MAX], name[EXP_NAME_MAX];
    name_from_file(path, name, sizeof name);
    memset(x, 0, sizeof *x);
    if (file_dir(path, dir, sizeof dir, e))
        return -1;
    experiment_defaults(x, name, dir);
    if (strlen(path) >= sizeof x->file)
        return err_set(e, path, 0, 0, "the path is too long (at most %d bytes)", EXP_PATH_MAX - 1);
    copy(x->file, sizeof x->file, path);

    unsigned char *buf = NULL;
    size_t len = 0;
    if (read_file(path, &buf, &len, e))
        return -1;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        free(buf);
        return err_set(e, path, 0, 0, "out of memory");
    }
    yaml_parser_set_input_string(&parser, buf, len);
    struct ctx c = {path, dir, NULL, e};
    yaml_document_t doc, extra;
    int rc = 0;
    if (!yaml_parser_load(&parser, &doc)) {
        rc = parser_error(&parser, path, buf, len, e);
        goto out_parser;
    }
    c.doc = &doc;
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    if (root && !is_null(root)) {
        if (root->type != YAML_MAPPING_NODE) {
            char b[64];
            rc = fail(&c, root, "expected a mapping of keys at the top of the file, got %s",
                      describe(root, b, sizeof b));
            goto out_doc;
        }
        /* a second document is an error, a syntax error in it too */
        if (!yaml_parser_load(&parser, &extra)) {
            rc = parser_error(&parser, path, buf, len, e);
            goto out_doc;
        }
        const yaml_node_t *root2 = yaml_document_get_root_node(&extra);
        if (root2) {
            c.doc = &extra;
            rc = fail(&c, root2, "a second document: an experiment file holds one");
            c.doc = &doc;
        }
        yaml_document_delete(&extra);
        if (rc)
            goto out_doc;
    }
    if (root && root->type == YAML_MAPPING_NODE)
        rc = load_top(&c, root, x);
    /* a name: key is checked where it stands; this is the file's name */
    if (!rc && !valid_name(x->name))
        rc = err_set(e, path, 0, 0,
                     "cannot make an experiment name of the file name '%s'; set name:", x->name);
out_doc:
    yaml_document_delete(&doc);
out_parser:
    yaml_parser_delete(&parser);
    free(buf);
    return rc;
}

void experiment_done(struct experiment *x)
{
    if (x)
        memset(x, 0, sizeof *x);
}

const char *exp_direction_name(enum exp_direction d)
{
    return d == EXP_MINIMIZE ? "minimize" : "maximize";
}

/* ---- writing ---- */

/* A double-quoted YAML string. */
static void put_quoted(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\x%02X", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* Text that reads back as the same plain scalar wherever a value may stand. */
static int plain_safe(const char *s)
{
    if (!*s)
        return 1;
    size_t n = strlen(s);
    if (s[0] == ' ' || s[n - 1] == ' ' || ((s[0] == '-' || s[0] == '?') && (n == 1 || s[1] == ' ')))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p == 0x7f || strchr(":#,[]{}&*!|>'\"%@`", *p))
            return 0;
    return 1;
}

/* The shortest %g form that reads back as exactly v. */
static void put_double(FILE *f, double v)
{
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

static void put_ref(FILE *f, const char *indent, const char *key, const struct exp_ref *r)
{
    fprintf(f, "%s%s: ", indent, key);
    put_quoted(f, r->resolved);
    if (strcmp(r->text, r->resolved) != 0)
        fprintf(f, "  # as written: %s", r->text);
    fputc('\n', f);
}

int experiment_write(const struct experiment *x, FILE *f)
{
    fprintf(f, "# oneshot experiment, resolved: every key, paths absolute (oneshot.yaml(5)).\n");
    if (x->file[0]) {
        fprintf(f, "# from: ");
        for (const char *p = x->file; *p; p++)
            fputc((unsigned char)*p < 0x20 ? '?' : *p, f);
        fputc('\n', f);
    }
    fprintf(f, "name: ");
    put_quoted(f, x->name);
    fprintf(f, "\nseed: %llu\nthreads: %d\n", (unsigned long long)x->seed, x->threads);
    put_ref(f, "", "output", &x->output);
    fprintf(f, "dataset:\n");
    put_ref(f, "  ", "path", &x->dataset.path);
    fprintf(f, "  train_images: %d\n  val_images: %d\n", x->dataset.train_images,
            x->dataset.val_images);
    put_ref(f, "", "space", &x->space);
    fprintf(f, "supernet:\n");
    put_ref(f, "  ", "sampler", &x->supernet.sampler);
    fprintf(f, "  epochs: %d\n  batch: %d\n  lr: ", x->supernet.epochs, x->supernet.batch);
    put_double(f, x->supernet.lr);
    fprintf(f, "\n  repeat: %d\n  pool: %d\n  iterations: %d\n  bn_recalibration: %d\n",
            x->supernet.repeat, x->supernet.pool, x->supernet.iterations,
            x->supernet.bn_recalibration);
    fprintf(f, "search:\n");
    put_ref(f, "  ", "strategy", &x->search.strategy);
    if (x->search.metrics.text[0])
        put_ref(f, "  ", "metrics", &x->search.metrics);
    fprintf(f, "  generations: %d\n  population: %d\n", x->search.generations,
            x->search.population);
    if (x->search.nparams == 0)
        fprintf(f, "  params: {}\n");
    else
        fprintf(f, "  params:\n");
    for (int i = 0; i < x->search.nparams; i++) {
        const struct exp_param *p = &x->search.params[i];
        fprintf(f, "    ");
        put_quoted(f, p->key);
        fprintf(f, ":");
        if (p->quoted || !plain_safe(p->value)) {
            fputc(' ', f);
            put_quoted(f, p->value);
        } else if (p->value[0]) {
            fprintf(f, " %s", p->value);
        }
        fputc('\n', f);
    }
    fprintf(f, "objectives:\n");
    for (int i = 0; i < x->nobjectives; i++) {
        const struct exp_objective *o = &x->objectives[i];
        fprintf(f, "  - name: ");
        put_quoted(f, o->name);
        fprintf(f, "\n    direction: %s\n    weight: ", exp_direction_name(o->direction));
        put_double(f, o->weight);
        fputc('\n', f);
        put_ref(f, "    ", "device", &o->device);
    }
    fprintf(f, "latency:\n");
    put_ref(f, "  ", "device", &x->latency.device);
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int experiment_save(const struct experiment *x, const char *path, struct err *e)
{
    char tmp[EXP_PATH_MAX + 8];
    if (strlen(path) >= EXP_PATH_MAX)
        return err_set(e, path, 0, 0, "the path is too long (at most %d bytes)", EXP_PATH_MAX - 1);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    FILE *f = fopen(tmp, "w");
    if (!f)
        return err_set(e, tmp, 0, 0, "cannot create: %s", strerror(errno));
    int rc = experiment_write(x, f);
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

void experiment_objective_metric(const struct experiment *x, int j, char *out, size_t n)
{
    const struct exp_objective *o = &x->objectives[j];
    if (strcmp(o->name, "latency") == 0 &&
        strcmp(o->device.resolved, x->latency.device.resolved) != 0)
    {
        const char *base = strrchr(o->device.text, '/');
        snprintf(out, n, "latency@%.100s", base ? base + 1 : o->device.text);
    }
    else
        snprintf(out, n, "%s", o->name);
}
