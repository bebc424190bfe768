/* experiment: the YAML experiment file, read with libyaml's document API.
 *
 * The file is read whole and parsed into a node tree (yamldoc), and the tree
 * walked against a fixed schema: every mapping is first checked for keys it
 * may not hold (unknown, duplicated, not a word), then each known key is read
 * with the type and range it must have.  Positions come from libyaml's marks
 * (0-based, reported 1-based).  Writing back is in experiment_write.c. */
#include "experiment.h"

#include "sampler.h"
#include "space.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "data.h"
#include "experiment_load.h"
#include "yamldoc.h"

/* ---- the schema ---- */

static const char *const top_keys[] = {"name",    "method",   "seed",     "threads",
                                       "output",  "dataset",  "space",    "supernet",
                                       "search",  "objectives", "latency", "singlepath",
                                       "nao",     "retrain", NULL};
static const char *const dataset_keys[] = {"path", "train_images", "val_images", NULL};
static const char *const supernet_keys[] = {"sampler", "epochs",     "batch",
                                            "lr",      "repeat",     "pool",
                                            "iterations", "bn_recalibration", "shared_lr",
                                            "label_smoothing", "from", NULL};
static const char *const search_keys[] = {"strategy", "generations", "population", "params",
                                          "metrics",  NULL};
static const char *const objective_keys[] = {"name", "direction", "weight", "device", NULL};
static const char *const latency_keys[] = {"device", NULL};
static const char *const retrain_keys[] = {"epochs", "images", "seeds", "which", NULL};
static const char *const singlepath_keys[] = {"epochs",          "batch",           "lr",
                                              "lambda",          "warmup_epochs",   "keep",
                                              "label_smoothing", "bn_recalibration", "target_ms",
                                              "trials",          NULL};
static const char *const nao_keys[] = {"rounds",     "seed_archs",        "new_archs",
                                       "top_k",      "max_eta",           "epochs_per_round",
                                       "controller_epochs", "batch",      "lr",
                                       "bn",         "bn_recalibration",  "eval_batch",
                                       "reinit",     "rerank",            "rerank_epochs",
                                       NULL};
/* (experiment_method.c reads those two sections) */
const char *const *const exp_singlepath_keys = singlepath_keys;
const char *const *const exp_nao_keys = nao_keys;

/* Where each key lives, for "it belongs in ..." hints. */
static const struct yamldoc_section sections[] = {{"", top_keys},
                                                  {"dataset", dataset_keys},
                                                  {"supernet", supernet_keys},
                                                  {"search", search_keys},
                                                  {"latency", latency_keys},
                                                  {"retrain", retrain_keys},
                                                  {"singlepath", singlepath_keys},
                                                  {"nao", nao_keys},
                                                  {NULL, NULL}};

static const char *const device_names[] = {"host", "mobile-gpu", "mobile-cpu", NULL};
static const char *const which_names[] = {"chosen", "pareto", NULL}; /* enum exp_retrain_which */
static const char *const method_names[] = {"oneshot", "singlepath", "nao", NULL}; /* enum exp_method */

/* What a name-or-path value may be. */
enum ref_kind {
    REF_PATH,     /* always a path */
    REF_SPACE,    /* a built-in space, or a path: has a '/' or ends in .lua */
    REF_SAMPLER,  /* a built-in sampler, or a path ending in .lua */
    REF_STRATEGY, /* any word, or a path: has a '/' or ends in .lua */
    REF_DEVICE    /* a built-in device, or a path: has a '/' or a '.' */
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

void exp_key_path(char *out, size_t size, const char *where, const char *key)
{
    if (*where)
        snprintf(out, size, "%s.%s", where, key);
    else
        copy(out, size, key);
}

/* ---- values ---- */

/* A scalar string that fits size and holds no NUL or control character. */
static int get_string(const struct exp_reader *c, const yaml_node_t *n, const char *path,
                      const char *what, char *out, size_t size)
{
    if (n->type != YAML_SCALAR_NODE || yamldoc_is_null(n))
        return yamldoc_expected(c->y, n, path, what);
    const char *s = yamldoc_text(n);
    if (!*s)
        return yamldoc_fail(c->y, n, "%s: expected %s, got an empty string", path, what);
    if (strlen(s) != n->data.scalar.length)
        return yamldoc_fail(c->y, n, "%s: contains a NUL character", path);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return yamldoc_fail(c->y, n, "%s: contains a control character", path);
    if (strlen(s) >= size)
        return yamldoc_fail(c->y, n, "%s: too long (%zu bytes, at most %zu)", path, strlen(s),
                            size - 1);
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

static int get_ref(const struct exp_reader *c, const yaml_node_t *n, const char *path,
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
            return yamldoc_fail(c->y, n, "%s: '%s' is not one of %s (or a .lua file)", path, text,
                                names);
        }
        break;
    case REF_SAMPLER:
        is_path = lua;
        if (!is_path && !in_list(text, sampler_names())) {
            list_names(names, sizeof names, sampler_names());
            return yamldoc_fail(c->y, n, "%s: '%s' is not one of %s (or a .lua file)", path, text,
                                names);
        }
        break;
    case REF_STRATEGY:
        is_path = has_slash || lua;
        if (!is_path && !is_word(text))
            return yamldoc_fail(
                c->y, n,
                "%s: '%s' is neither a name (letters, digits, '_' and '-') nor a path "
                "(with a '/' or ending in .lua)",
                path, text);
        break;
    case REF_DEVICE:
        is_path = has_slash || strchr(text, '.') != NULL;
        if (!is_path && !in_list(text, device_names)) {
            list_names(names, sizeof names, device_names);
            return yamldoc_fail(c->y, n, "%s: '%s' is not one of %s (or a path to a table)", path,
                                text, names);
        }
        break;
    }
    if (is_path && text[0] == '~')
        return yamldoc_fail(c->y, n, "%s: '~' is not expanded; write the path in full", path);
    if (set_ref(r, text, is_path, c->dir))
        return yamldoc_fail(c->y, n, "%s: the resolved path is too long (at most %d bytes)", path,
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
int exp_get_section(const struct exp_reader *c, const yaml_node_t *n, const char *path,
                       const char *const *keys, const yaml_node_t **map)
{
    *map = NULL;
    if (yamldoc_is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return yamldoc_expected(c->y, n, path, "a mapping");
    *map = n;
    return yamldoc_check_keys(c->y, n, keys, NULL, path);
}

/* One of names (NULL-terminated, at least two) into *index:
 * `path: 'x' is not one of a, b`, `path: expected a or b, got a list`. */
int exp_get_choice(const struct exp_reader *c, const yaml_node_t *n, const char *path,
                      const char *const *names, int *index)
{
    char w[48], list[160];
    int count = 0;
    while (names[count])
        count++;
    if (n->type != YAML_SCALAR_NODE || yamldoc_is_null(n)) {
        list_names(list, sizeof list, names);
        char *last = strrchr(list, ',');
        char alternatives[170];
        snprintf(alternatives, sizeof alternatives, "%.*s or%s", (int)(last - list), list,
                 last + 1);
        return yamldoc_expected(c->y, n, path, alternatives);
    }
    for (int i = 0; i < count; i++)
        if (!strcmp(yamldoc_text(n), names[i])) {
            *index = i;
            return 0;
        }
    list_names(list, sizeof list, names);
    return yamldoc_fail(c->y, n, "%s: '%s' is not one of %s", path,
                        yamldoc_shown(yamldoc_text(n), w, sizeof w), list);
}

/* ---- sections ---- */

static int load_dataset(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x,
                        const yaml_node_t **last_count)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (exp_get_section(c, n, "dataset", dataset_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        char path[96];
        exp_key_path(path, sizeof path, "dataset", key);
        int rc = 0;
        if (!strcmp(key, "path"))
            rc = get_ref(c, v, path, REF_PATH, &x->dataset.path);
        else if (!strcmp(key, "train_images"))
            rc = yamldoc_int(c->y, v, path, 1, EXP_TOTAL_IMAGES, &x->dataset.train_images);
        else if (!strcmp(key, "val_images"))
            rc = yamldoc_int(c->y, v, path, 1, EXP_TOTAL_IMAGES, &x->dataset.val_images);
        if (rc)
            return -1;
        if (!strcmp(key, "train_images") || !strcmp(key, "val_images"))
            *last_count = v; /* keys come in file order */
    }
    return 0;
}

static int load_supernet(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (exp_get_section(c, n, "supernet", supernet_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        char path[96];
        exp_key_path(path, sizeof path, "supernet", key);
        int rc = 0;
        if (!strcmp(key, "sampler"))
            rc = get_ref(c, v, path, REF_SAMPLER, &x->supernet.sampler);
        else if (!strcmp(key, "epochs"))
            rc = yamldoc_int(c->y, v, path, 1, 100000, &x->supernet.epochs);
        else if (!strcmp(key, "batch"))
            rc = yamldoc_int(c->y, v, path, 1, 65536, &x->supernet.batch);
        else if (!strcmp(key, "lr"))
            rc = yamldoc_number(c->y, v, path, 0, INFINITY, 1, &x->supernet.lr);
        else if (!strcmp(key, "repeat"))
            rc = yamldoc_int(c->y, v, path, 1, 1000000, &x->supernet.repeat);
        else if (!strcmp(key, "pool"))
            rc = yamldoc_int(c->y, v, path, 0, 4096, &x->supernet.pool);
        else if (!strcmp(key, "iterations"))
            rc = yamldoc_int(c->y, v, path, 1, 1000, &x->supernet.iterations);
        else if (!strcmp(key, "bn_recalibration"))
            rc = yamldoc_int(c->y, v, path, 0, EXP_TOTAL_IMAGES, &x->supernet.bn_recalibration);
        else if (!strcmp(key, "shared_lr"))
            rc = yamldoc_number(c->y, v, path, 0, 1000, 1, &x->supernet.shared_lr);
        else if (!strcmp(key, "label_smoothing"))
            rc = yamldoc_number(c->y, v, path, 0, 0.99, 0, &x->supernet.label_smoothing);
        else if (!strcmp(key, "from"))
            rc = get_ref(c, v, path, REF_PATH, &x->supernet.from);
        if (rc)
            return -1;
    }
    return 0;
}

static int load_params(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *k, *v;
    const char *key;
    if (yamldoc_is_null(n))
        return 0;
    if (n->type != YAML_MAPPING_NODE)
        return yamldoc_expected(c->y, n, "search.params", "a mapping");
    if (yamldoc_check_keys(c->y, n, NULL, NULL, "search.params"))
        return -1;
    YAMLDOC_FOR_PAIRS(c->y, n, k, v, key)
    {
        char path[EXP_PARAM_KEY_MAX + 32];
        snprintf(path, sizeof path, "search.params.%.*s", EXP_PARAM_KEY_MAX, key);
        if (x->search.nparams == EXP_MAX_PARAMS)
            return yamldoc_fail(c->y, k, "search.params: more than %d entries", EXP_MAX_PARAMS);
        struct exp_param *p = &x->search.params[x->search.nparams];
        if (get_string(c, k, "search.params", "a key", p->key, sizeof p->key))
            return -1;
        if (v->type != YAML_SCALAR_NODE)
            return yamldoc_expected(c->y, v, path, "a number or a string");
        const char *s = yamldoc_text(v);
        if (strlen(s) != v->data.scalar.length)
            return yamldoc_fail(c->y, v, "%s: contains a NUL character", path);
        if (strlen(s) >= sizeof p->value)
            return yamldoc_fail(c->y, v, "%s: too long (%zu bytes, at most %zu)", path, strlen(s),
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

static int load_search(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (exp_get_section(c, n, "search", search_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        char path[96];
        exp_key_path(path, sizeof path, "search", key);
        int rc = 0;
        if (!strcmp(key, "strategy"))
            rc = get_ref(c, v, path, REF_STRATEGY, &x->search.strategy);
        else if (!strcmp(key, "generations"))
            rc = yamldoc_int(c->y, v, path, 1, EXP_MAX_GENERATIONS, &x->search.generations);
        else if (!strcmp(key, "population"))
            rc = yamldoc_int(c->y, v, path, 2, EXP_MAX_GENERATIONS, &x->search.population);
        else if (!strcmp(key, "params"))
            rc = load_params(c, v, x);
        else if (!strcmp(key, "metrics"))
            rc = get_ref(c, v, path, REF_PATH, &x->search.metrics);
        if (rc)
            return -1;
    }
    return 0;
}

static int load_latency(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (exp_get_section(c, n, "latency", latency_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        if (!strcmp(key, "device") && get_ref(c, v, "latency.device", REF_DEVICE,
                                              &x->latency.device))
            return -1;
    }
    return 0;
}

/* images, which: set to the nodes of retrain.images and retrain.which when
 * the file gives them (images' default, and the checks against other
 * sections, come after the whole file) */
static int load_retrain(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x,
                        const yaml_node_t **images, const yaml_node_t **which)
{
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (exp_get_section(c, n, "retrain", retrain_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        char path[96];
        exp_key_path(path, sizeof path, "retrain", key);
        int rc = 0;
        if (!strcmp(key, "epochs")) {
            rc = yamldoc_int(c->y, v, path, 0, 100000, &x->retrain.epochs);
        } else if (!strcmp(key, "images")) {
            rc = yamldoc_int(c->y, v, path, 1, EXP_TOTAL_IMAGES, &x->retrain.images);
            *images = v;
        } else if (!strcmp(key, "seeds")) {
            rc = yamldoc_int(c->y, v, path, 1, EXP_MAX_SEEDS, &x->retrain.seeds);
        } else if (!strcmp(key, "which")) {
            int i;
            rc = exp_get_choice(c, v, path, which_names, &i);
            x->retrain.which = rc ? EXP_RETRAIN_CHOSEN : (enum exp_retrain_which)i;
            *which = v;
        }
        if (rc)
            return -1;
    }
    return 0;
}

static int load_objective(const struct exp_reader *c, const yaml_node_t *n, int i,
                          struct exp_objective *o)
{
    const yaml_node_t *k, *v;
    const char *key;
    char where[32];
    snprintf(where, sizeof where, "objectives[%d]", i);
    if (n->type != YAML_MAPPING_NODE)
        return yamldoc_expected(c->y, n, where, "a mapping (name, direction, weight, device)");
    if (yamldoc_check_keys(c->y, n, objective_keys, NULL, where))
        return -1;
    memset(o, 0, sizeof *o);
    o->weight = 1.0;
    set_ref(&o->device, "host", 0, c->dir);
    o->line = (int)n->start_mark.line + 1;
    o->col = (int)n->start_mark.column + 1;
    int has_name = 0, has_direction = 0;
    YAMLDOC_FOR_PAIRS(c->y, n, k, v, key)
    {
        char path[64];
        exp_key_path(path, sizeof path, where, key);
        if (!strcmp(key, "name")) {
            if (get_string(c, v, path, "a name", o->name, sizeof o->name))
                return -1;
            if (!is_identifier(o->name))
                return yamldoc_fail(
                    c->y, v,
                    "%s: '%s' is not a name (letters, digits and '_', not starting with "
                    "a digit)",
                    path, o->name);
            o->name_line = (int)v->start_mark.line + 1;
            o->name_col = (int)v->start_mark.column + 1;
            has_name = 1;
        } else if (!strcmp(key, "direction")) {
            char d[48];
            if (v->type != YAML_SCALAR_NODE || yamldoc_is_null(v))
                return yamldoc_expected(c->y, v, path, "maximize or minimize");
            if (!strcmp(yamldoc_text(v), "maximize"))
                o->direction = EXP_MAXIMIZE;
            else if (!strcmp(yamldoc_text(v), "minimize"))
                o->direction = EXP_MINIMIZE;
            else
                return yamldoc_fail(c->y, v, "%s: '%s' is not one of maximize, minimize", path,
                                    yamldoc_shown(yamldoc_text(v), d, sizeof d));
            has_direction = 1;
        } else if (!strcmp(key, "weight")) {
            if (yamldoc_number(c->y, v, path, 0, INFINITY, 1, &o->weight))
                return -1;
        } else if (!strcmp(key, "device")) {
            if (get_ref(c, v, path, REF_DEVICE, &o->device))
                return -1;
        }
    }
    if (!has_name)
        return yamldoc_fail(c->y, n, "%s: missing key 'name'", where);
    if (!has_direction)
        return yamldoc_fail(c->y, n, "%s: missing key 'direction'", where);
    return 0;
}

static int load_objectives(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x)
{
    if (n->type != YAML_SEQUENCE_NODE)
        return yamldoc_expected(c->y, n, "objectives", "a list");
    yaml_node_item_t *start = n->data.sequence.items.start, *top = n->data.sequence.items.top;
    if (start == top)
        return yamldoc_fail(c->y, n, "objectives: at least one objective is needed");
    x->nobjectives = 0;
    for (yaml_node_item_t *it = start; it < top; it++) {
        int i = (int)(it - start);
        const yaml_node_t *item = yamldoc_node(c->y, *it);
        if (i == EXP_MAX_OBJECTIVES)
            return yamldoc_fail(c->y, item, "objectives: more than %d objectives",
                                EXP_MAX_OBJECTIVES);
        struct exp_objective *o = &x->objectives[i];
        if (load_objective(c, item, i, o))
            return -1;
        x->nobjectives = i + 1;
    }
    return 0;
}

static int load_top(const struct exp_reader *c, const yaml_node_t *root, struct experiment *x)
{
    const yaml_node_t *k, *v, *last_count = NULL, *output = NULL, *retrain_images = NULL;
    struct exp_method_keys m = {0};
    const char *key;
    if (yamldoc_check_keys(c->y, root, top_keys, NULL, ""))
        return -1;
    YAMLDOC_FOR_PAIRS(c->y, root, k, v, key)
    {
        int rc = 0;
        if (!strcmp(key, "method")) {
            int i;
            rc = exp_get_choice(c, v, "method", method_names, &i);
            x->method = rc ? EXP_ONESHOT : (enum exp_method)i;
        } else if (!strcmp(key, "name")) {
            rc = get_string(c, v, "name", "a name", x->name, sizeof x->name);
            if (!rc && !valid_name(x->name))
                rc = yamldoc_fail(
                    c->y, v, "name: '%s' is not a name (no '/', not starting with '.')", x->name);
        } else if (!strcmp(key, "seed")) {
            long long s;
            rc = yamldoc_long(c->y, v, "seed", 0, LLONG_MAX, &s);
            x->seed = rc ? 0 : (uint64_t)s;
        } else if (!strcmp(key, "threads")) {
            rc = yamldoc_int(c->y, v, "threads", 0, 1024, &x->threads);
        } else if (!strcmp(key, "output")) {
            output = v; /* its default needs the name, which may come later */
        } else if (!strcmp(key, "dataset")) {
            rc = load_dataset(c, v, x, &last_count);
        } else if (!strcmp(key, "space")) {
            rc = get_ref(c, v, "space", REF_SPACE, &x->space);
        } else if (!strcmp(key, "supernet")) {
            rc = load_supernet(c, v, x);
            m.supernet = k;
        } else if (!strcmp(key, "search")) {
            rc = load_search(c, v, x);
            m.search = k;
        } else if (!strcmp(key, "objectives")) {
            rc = load_objectives(c, v, x);
            m.objectives = k;
        } else if (!strcmp(key, "latency")) {
            rc = load_latency(c, v, x);
        } else if (!strcmp(key, "singlepath")) {
            rc = exp_load_singlepath(c, v, x, &m.warmup, &m.trials);
            m.singlepath = k;
        } else if (!strcmp(key, "nao")) {
            rc = exp_load_nao(c, v, x, &m.calib);
            m.nao = k;
        } else if (!strcmp(key, "retrain")) {
            rc = load_retrain(c, v, x, &retrain_images, &m.which);
        }
        if (rc)
            return -1;
    }
    if (!m.warmup) /* (the section's default, also when it is absent) */
        x->singlepath.warmup_epochs = x->singlepath.epochs * 5.0 / 8.0;
    if (exp_check_method(c, x, &m))
        return -1;
    if (output) {
        if (get_ref(c, output, "output", REF_PATH, &x->output))
            return -1;
    } else {
        char text[EXP_NAME_MAX + 8];
        snprintf(text, sizeof text, "runs/%s", x->name);
        if (set_ref(&x->output, text, 1, c->dir))
            return err_set(c->y->e, c->y->file, 0, 0, "output: the resolved path is too long");
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
                return err_set(c->y->e, c->y->file, o->line, o->col,
                               "objectives[%d]: '%s' is already objectives[%d] (at %d:%d)", i,
                               o->name, j, o0->line, o0->col);
        }
    }
    int sum = x->dataset.train_images + x->dataset.val_images;
    if (sum > EXP_TOTAL_IMAGES)
        return yamldoc_fail(
            c->y, last_count,
            "dataset: train_images + val_images is %d, more than the %d images of the "
            "training set",
            sum, EXP_TOTAL_IMAGES);
    if (!retrain_images) {
        x->retrain.images = x->dataset.train_images;
        return 0;
    }
    sum = x->retrain.images + x->dataset.val_images;
    if (sum > EXP_TOTAL_IMAGES)
        return yamldoc_fail(c->y, retrain_images,
                            "retrain.images: %d plus the %d of dataset.val_images is more than "
                            "the %d images of the training set",
                            x->retrain.images, x->dataset.val_images, EXP_TOTAL_IMAGES);
    if (x->retrain.epochs > 0 && x->retrain.images < experiment_batch(x))
        return yamldoc_fail(c->y, retrain_images,
                            "retrain.images: %d is fewer than a batch (%s.batch: %d)",
                            x->retrain.images,
                            x->method == EXP_ONESHOT ? "supernet" : exp_method_name(x->method),
                            experiment_batch(x));
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
    x->supernet.shared_lr = 1;
    x->supernet.label_smoothing = 0;
    set_ref(&x->search.strategy, "random", 0, dir);
    x->search.generations = 10;
    x->search.population = 20;
    x->nobjectives = 1;
    copy(x->objectives[0].name, sizeof x->objectives[0].name, "accuracy");
    x->objectives[0].direction = EXP_MAXIMIZE;
    x->objectives[0].weight = 1.0;
    set_ref(&x->objectives[0].device, "host", 0, dir);
    set_ref(&x->latency.device, "host", 0, dir);
    x->method = EXP_ONESHOT;
    x->singlepath.epochs = 8;
    x->singlepath.batch = 128;
    x->singlepath.lr = 0.016;
    x->singlepath.lambda = 20;
    x->singlepath.warmup_epochs = 5;
    x->singlepath.keep = 0.6;
    x->singlepath.label_smoothing = 0.1;
    x->singlepath.bn_recalibration = 2000;
    x->singlepath.target_ms = 0;
    x->singlepath.trials = 8;
    x->nao.rounds = 3;
    x->nao.seed_archs = 40;
    x->nao.new_archs = 20;
    x->nao.top_k = 20;
    x->nao.max_eta = 50;
    x->nao.epochs_per_round = 4;
    x->nao.controller_epochs = 300;
    x->nao.batch = 128;
    x->nao.lr = 0.1;
    x->nao.bn = EXP_NAO_BN_RECAL;
    x->nao.bn_recalibration = 500;
    x->nao.eval_batch = 500;
    x->nao.reinit = EXP_NAO_REINIT_SCHEDULE;
    x->nao.rerank = 5;
    x->nao.rerank_epochs = 1;
    x->retrain.epochs = 0;
    x->retrain.images = x->dataset.train_images;
    x->retrain.seeds = 1;
    x->retrain.which = EXP_RETRAIN_CHOSEN;
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

    struct yamldoc y;
    if (yamldoc_load(&y, path, EXP_FILE_MAX, "an experiment file", YAMLDOC_CONTEXT, e))
        return -1;
    y.sections = sections;
    struct exp_reader c = {dir, &y};
    int rc = 0;
    const yaml_node_t *root = yamldoc_root(&y);
    if (root && !yamldoc_is_null(root)) {
        if (root->type != YAML_MAPPING_NODE) {
            char b[64];
            rc = yamldoc_fail(&y, root, "expected a mapping of keys at the top of the file, got %s",
                              yamldoc_describe(root, b, sizeof b));
            goto out;
        }
        /* a second document is an error, a syntax error in it too */
        if ((rc = yamldoc_single(&y)))
            goto out;
    }
    if (root && root->type == YAML_MAPPING_NODE)
        rc = load_top(&c, root, x);
    /* a name: key is checked where it stands; this is the file's name */
    if (!rc && !valid_name(x->name))
        rc = err_set(e, path, 0, 0,
                     "cannot make an experiment name of the file name '%s'; set name:", x->name);
out:
    yamldoc_done(&y);
    return rc;
}

void experiment_done(struct experiment *x)
{
    if (x)
        memset(x, 0, sizeof *x);
}

int experiment_batch(const struct experiment *x)
{
    return x->method == EXP_SINGLEPATH ? x->singlepath.batch
           : x->method == EXP_NAO      ? x->nao.batch
                                       : x->supernet.batch;
}

const char *exp_method_name(enum exp_method m)
{
    return method_names[m];
}


const char *exp_direction_name(enum exp_direction d)
{
    return d == EXP_MINIMIZE ? "minimize" : "maximize";
}

const char *exp_retrain_which_name(enum exp_retrain_which w)
{
    return which_names[w == EXP_RETRAIN_PARETO];
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
