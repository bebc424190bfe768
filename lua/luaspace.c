/* luaspace: runs a space file in a sandboxed Lua state and turns the table it
 * returns into a struct space.
 *
 * The script runs in a luabox (the sandbox with its limits).  The conversion
 * reads the table with raw accesses only (no metamethod, so no script code,
 * runs); its errors give the line and column of the field, found in the
 * file's text by lua/luatext.h when the table is written as a constructor. */
#include "luaspace.h"

#include "luabox.h"
#include "luatext.h"

#include "suggest.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>

#include "act.h"
#include "dwconv.h"

#define MAX_CHANNELS 4096
#define MAX_IMAGE 4096
#define MAX_CLASSES 100000
#define MAX_STRIDE 4
#define MAX_EXPANSION 16

/* -------------------------------------------------------------- converting */

/* A field path such as stages[2].stride. */
#define PATH_MAX_DEPTH 8

struct path {
    int n;
    struct luatext_step s[PATH_MAX_DEPTH];
};

enum { AT_VALUE, AT_KEY };

struct conv {
    lua_State *L;
    const char *path;
    struct err *e;
    struct luatext tk; /* the file's text, where the errors find their fields */
    struct space sp;
    char origin[SPACE_MAX_CHOICES][64]; /* where each choice of the union was first listed */
};

static struct path path_key(const struct path *p, const char *key)
{
    struct path q = *p;
    if (q.n < PATH_MAX_DEPTH)
        q.s[q.n++] = (struct luatext_step){key, 0};
    return q;
}

static struct path path_index(const struct path *p, long long index)
{
    struct path q = *p;
    if (q.n < PATH_MAX_DEPTH)
        q.s[q.n++] = (struct luatext_step){NULL, index};
    return q;
}

/* Copies at most max bytes of s, printable ASCII only. */
static void clean(char *out, size_t n, const char *s, size_t len, size_t max)
{
    size_t j = 0;
    for (size_t i = 0; i < len && i < max && j + 1 < n; i++)
        out[j++] = isprint((unsigned char)s[i]) ? s[i] : '?';
    if (len > max && j + 4 < n) {
        memcpy(out + j, "...", 3);
        j += 3;
    }
    out[j] = 0;
}

/* "stages[2].choices[1]"; "the space" for the empty path. */
static const char *path_str(const struct path *p, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    if (p->n == 0)
        snprintf(buf, n, "the space");
    for (int k = 0; k < p->n && used < n; k++) {
        char key[48];
        int w;
        if (p->s[k].key) {
            clean(key, sizeof key, p->s[k].key, strlen(p->s[k].key), 40);
            w = snprintf(buf + used, n - used, "%s%s", k ? "." : "", key);
        } else {
            w = snprintf(buf + used, n - used, "[%lld]", p->s[k].index);
        }
        if (w < 0)
            break;
        used += (size_t)w;
    }
    return buf;
}

/* The error at field p.  AT_VALUE messages are prefixed with the field path. */
static int fail(struct conv *cv, const struct path *p, int at, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct conv *cv, const struct path *p, int at, const char *fmt, ...)
{
    char msg[ERR_MAX / 2], where[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    int line, col;
    luatext_locate(&cv->tk, p->s, p->n, at == AT_KEY, &line, &col);
    if (at == AT_VALUE && p->n > 0)
        return err_set(cv->e, cv->path, line, col, "%s: %s", path_str(p, where, sizeof where), msg);
    return err_set(cv->e, cv->path, line, col, "%s", msg);
}

/* The value at idx as the messages show it: 0, 2.5, "16", true, a table. */
static const char *describe(lua_State *L, int idx, char *buf, size_t n)
{
    switch (lua_type(L, idx)) {
    case LUA_TNUMBER:
        if (lua_isinteger(L, idx))
            snprintf(buf, n, "%lld", (long long)lua_tointeger(L, idx));
        else
            snprintf(buf, n, "%.14g", (double)lua_tonumber(L, idx));
        break;
    case LUA_TSTRING: {
        size_t len;
        const char *s = lua_tolstring(L, idx, &len);
        char c[48];
        clean(c, sizeof c, s, len, 32);
        snprintf(buf, n, "\"%s\"", c);
        break;
    }
    case LUA_TBOOLEAN:
        snprintf(buf, n, "%s", lua_toboolean(L, idx) ? "true" : "false");
        break;
    case LUA_TNIL:
        snprintf(buf, n, "nil");
        break;
    default:
        snprintf(buf, n, "a %s", luaL_typename(L, idx));
    }
    return buf;
}

static void join_keys(char *buf, size_t n, const char *const *keys)
{
    size_t used = 0;
    buf[0] = 0;
    for (int i = 0; keys[i] && used < n; i++) {
        int w = snprintf(buf + used, n - used, "%s%s", i ? ", " : "", keys[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

/* A key of a table that should not be there. */
struct badkey {
    int kind; /* 0 none, 1 string, 2 integer, 3 other type */
    char name[128];
    long long index;
    const char *type;
    int line, col;
};

/* Keeps the bad key written first in the file (then by name), so the error
 * does not depend on the order of Lua's hash table. */
static void consider(struct conv *cv, const struct path *p, struct badkey *best, struct badkey *k)
{
    struct path q = k->kind == 1 ? path_key(p, k->name) : path_index(p, k->index);
    if (k->kind == 3)
        q = *p;
    luatext_locate(&cv->tk, q.s, q.n, 1, &k->line, &k->col);
    long long kl = k->line ? (long long)k->line << 20 | k->col : LLONG_MAX;
    long long bl = best->line ? (long long)best->line << 20 | best->col : LLONG_MAX;
    int better =
        !best->kind || kl < bl ||
        (kl == bl && (k->kind < best->kind ||
                      (k->kind == best->kind &&
                       (k->kind == 1 ? strcmp(k->name, best->name) < 0 : k->index < best->index))));
    if (better)
        *best = *k;
}

/* Checks table t (absolute index) for keys outside keys[] (a record) or, with
 * keys NULL, for anything but 1..#t (a list).  Returns 0 or -1. */
static int check_keys(struct conv *cv, const struct path *p, int t, const char *const *keys)
{
    lua_State *L = cv->L;
    struct badkey best = {0};
    lua_Integer len = (lua_Integer)lua_rawlen(L, t), count = 0;
    lua_pushnil(L);
    while (lua_next(L, t)) {
        lua_pop(L, 1);
        struct badkey k = {0};
        int kt = lua_type(L, -1);
        if (kt == LUA_TSTRING) {
            size_t kl;
            const char *s = lua_tolstring(L, -1, &kl);
            int known = 0;
            for (int i = 0; keys && keys[i]; i++)
                known |= strlen(keys[i]) == kl && memcmp(keys[i], s, kl) == 0;
            if (known)
                continue;
            k.kind = 1;
            clean(k.name, sizeof k.name, s, kl, sizeof k.name - 1);
        } else if (kt == LUA_TNUMBER && lua_isinteger(L, -1)) {
            k.index = (long long)lua_tointeger(L, -1);
            if (!keys && k.index >= 1 && k.index <= len) {
                count++;
                continue;
            }
            k.kind = 2;
        } else {
            k.kind = 3;
            k.type = luaL_typename(L, -1);
        }
        consider(cv, p, &best, &k);
    }
    char where[256], list[256];
    path_str(p, where, sizeof where);
    if (best.kind == 1 && keys) {
        struct path q = path_key(p, best.name);
        const char *near = suggest_word(best.name, keys);
        if (near)
            return fail(cv, &q, AT_KEY, "unknown key '%s' in %s (did you mean '%s'?)", best.name,
                        where, near);
        join_keys(list, sizeof list, keys);
        return fail(cv, &q, AT_KEY, "unknown key '%s' in %s (keys: %s)", best.name, where, list);
    }
    if (best.kind == 1) {
        struct path q = path_key(p, best.name);
        return fail(cv, &q, AT_KEY, "unexpected key '%s' in %s, a list", best.name, where);
    }
    if (best.kind == 2) {
        struct path q = path_index(p, best.index);
        if (keys) {
            join_keys(list, sizeof list, keys);
            return fail(cv, &q, AT_KEY, "unexpected list entry [%lld] in %s (keys: %s)", best.index,
                        where, list);
        }
        return fail(cv, &q, AT_KEY, "unexpected index [%lld] in %s, a list of %lld entries",
                    best.index, where, (long long)len);
    }
    if (best.kind == 3)
        return fail(cv, p, AT_VALUE, "unexpected %s key", best.type);
    if (!keys && count != len)
        return fail(cv, p, AT_VALUE, "the list has holes (nil entries)");
    return 0;
}

/* Pushes t[key] (raw) and returns its type. */
static int field(lua_State *L, int t, const char *key)
{
    lua_pushstring(L, key);
    return lua_rawget(L, t);
}

/* A whole number lo..hi (odd if odd): a required field, or dflt when absent
 * and optional. */
static int get_whole(struct conv *cv, const struct path *p, int t, const char *key, long lo,
                     long hi, int odd, int *out)
{
    lua_State *L = cv->L;
    const char *what = odd ? "an odd whole number" : "a whole number";
    int type = field(L, t, key);
    if (type == LUA_TNIL)
        return fail(cv, p, AT_VALUE, "missing '%s' (%s %ld..%ld)", key, what, lo, hi);
    int ok = 0;
    lua_Integer v = type == LUA_TNUMBER ? lua_tointegerx(L, -1, &ok) : 0;
    if (!ok || v < lo || v > hi || (odd && v % 2 == 0)) {
        char d[64];
        struct path q = path_key(p, key);
        return fail(cv, &q, AT_VALUE, "expected %s %ld..%ld, got %s", what, lo, hi,
                    describe(L, -1, d, sizeof d));
    }
    lua_pop(L, 1);
    *out = (int)v;
    return 0;
}

/* An optional activation: "relu" (the default) or "hswish". */
static int get_act(struct conv *cv, const struct path *p, int t, enum act *out)
{
    lua_State *L = cv->L;
    int type = field(L, t, "act");
    *out = ACT_RELU;
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return 0;
    }
    int a = type == LUA_TSTRING ? act_parse(lua_tostring(L, -1)) : -1;
    if (a != ACT_RELU && a != ACT_HSWISH) {
        char d[64];
        struct path q = path_key(p, "act");
        return fail(cv, &q, AT_VALUE, "expected \"relu\" or \"hswish\", got %s",
                    describe(L, -1, d, sizeof d));
    }
    lua_pop(L, 1);
    *out = (enum act)a;
    return 0;
}

/* An optional boolean, false when absent. */
static int get_bool(struct conv *cv, const struct path *p, int t, const char *key, int *out)
{
    lua_State *L = cv->L;
    int type = field(L, t, key);
    if (type != LUA_TNIL && type != LUA_TBOOLEAN) {
        char d[64];
        struct path q = path_key(p, key);
        return fail(cv, &q, AT_VALUE, "expected true or false, got %s",
                    describe(L, -1, d, sizeof d));
    }
    *out = lua_toboolean(L, -1);
    lua_pop(L, 1);
    return 0;
}

/* Pushes the table t[key] and returns its absolute index; 0 (nothing pushed)
 * if it is absent and optional; -1 after an error (absent and required, or
 * not a table). */
static int get_table(struct conv *cv, const struct path *p, int t, const char *key,
                     const char *what, int required)
{
    lua_State *L = cv->L;
    int type = field(L, t, key);
    if (type == LUA_TNIL) {
        lua_pop(L, 1);
        return required ? fail(cv, p, AT_VALUE, "missing '%s' (%s)", key, what) : 0;
    }
    if (type != LUA_TTABLE) {
        char d[64];
        struct path q = path_key(p, key);
        return fail(cv, &q, AT_VALUE, "expected %s, got %s", what, describe(L, -1, d, sizeof d));
    }
    return lua_gettop(L);
}

static int name_char(int c, int allow_dash)
{
    return isalnum(c) || c == '_' || c == '.' || (allow_dash && (c == '-' || c == '+'));
}

/* The canonical token of a choice: skip, k5e6, k5e6s, k5e6h, k5e6sh. */
static void token_of(const struct choice *c, char *buf, size_t n)
{
    if (c->skip)
        snprintf(buf, n, "skip");
    else
        snprintf(buf, n, "k%de%d%s%s", c->k, c->e, c->se ? "s" : "",
                 c->act == ACT_HSWISH ? "h" : "");
}

static int read_num(const char **p)
{
    int v = 0, digits = 0;
    while (isdigit((unsigned char)**p) && digits < 6) {
        v = v * 10 + (**p - '0');
        (*p)++;
        digits++;
    }
    return digits ? v : -1;
}

/* Parses a choice token into c.  Returns 0, or -1 with the reason in why. */
static int parse_token(const char *tok, struct choice *c, char *why, size_t n)
{
    memset(c, 0, sizeof *c);
    c->act = ACT_RELU;
    if (strcmp(tok, "skip") == 0) {
        c->skip = 1;
        snprintf(c->name, sizeof c->name, "skip");
        return 0;
    }
    const char *p = tok;
    int k = -1, ex = -1;
    if (*p == 'k') {
        p++;
        k = read_num(&p);
    }
    if (k >= 0 && *p == 'e') {
        p++;
        ex = read_num(&p);
    }
    if (ex >= 0 && *p == 's')
        p++, c->se = 1;
    if (ex >= 0 && *p == 'h')
        p++, c->act = ACT_HSWISH;
    if (ex < 0 || *p) {
        snprintf(why, n,
                 "expected skip or k<kernel>e<expansion>, then s for squeeze-and-excitation "
                 "and h for hard-swish, as in k5e6sh");
        return -1;
    }
    if (k < 1 || k > DW_MAX_K || k % 2 == 0) {
        snprintf(why, n, "the kernel must be odd, 1..%d", DW_MAX_K);
        return -1;
    }
    if (ex < 1 || ex > MAX_EXPANSION) {
        snprintf(why, n, "the expansion must be 1..%d", MAX_EXPANSION);
        return -1;
    }
    c->k = k;
    c->e = ex;
    char canon[CHOICE_NAME_MAX];
    token_of(c, canon, sizeof canon);
    if (strcmp(canon, tok) != 0) {
        snprintf(why, n, "write it '%s'", canon);
        return -1;
    }
    snprintf(c->name, sizeof c->name, "%s", canon);
    return 0;
}

static int same_op(const struct choice *a, const struct choice *b)
{
    return a->skip == b->skip && a->k == b->k && a->e == b->e && a->se == b->se && a->act == b->act;
}

static const char *const choice_keys[] = {"kernel", "expansion", "se", "act", "name", "skip", NULL};

/* The choice written as a table at t. */
static int choice_table(struct conv *cv, const struct path *p, int t, struct choice *c)
{
    lua_State *L = cv->L;
    if (check_keys(cv, p, t, choice_keys) < 0)
        return -1;
    memset(c, 0, sizeof *c);
    c->act = ACT_RELU;
    if (get_bool(cv, p, t, "skip", &c->skip) < 0)
        return -1;
    if (c->skip) {
        for (int i = 0; i < 4; i++)
            if (field(L, t, choice_keys[i]) != LUA_TNIL) {
                struct path q = path_key(p, choice_keys[i]);
                char where[256];
                return fail(cv, &q, AT_KEY, "%s: a skip choice takes no '%s'",
                            path_str(p, where, sizeof where), choice_keys[i]);
            } else {
                lua_pop(L, 1);
            }
    } else if (get_whole(cv, p, t, "kernel", 1, DW_MAX_K, 1, &c->k) < 0 ||
               get_whole(cv, p, t, "expansion", 1, MAX_EXPANSION, 0, &c->e) < 0 ||
               get_bool(cv, p, t, "se", &c->se) < 0 || get_act(cv, p, t, &c->act) < 0) {
        return -1;
    }
    char canon[CHOICE_NAME_MAX];
    token_of(c, canon, sizeof canon);
    int type = field(L, t, "name");
    if (type == LUA_TNIL) {
        snprintf(c->name, sizeof c->name, "%s", canon);
        lua_pop(L, 1);
        return 0;
    }
    struct path q = path_key(p, "name");
    size_t len = 0;
    const char *s = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    int ok = s && len >= 1 && len < CHOICE_NAME_MAX;
    for (size_t i = 0; ok && i < len; i++)
        ok = name_char((unsigned char)s[i], 0);
    char d[64];
    if (!ok)
        return fail(cv, &q, AT_VALUE, "expected 1 to %d letters, digits, '_' or '.', got %s",
                    CHOICE_NAME_MAX - 1, describe(L, -1, d, sizeof d));
    struct choice as_token;
    char why[160];
    if (parse_token(s, &as_token, why, sizeof why) == 0 && !same_op(&as_token, c))
        return fail(cv, &q, AT_VALUE, "'%s' names another choice; this one is '%s'", s, canon);
    snprintf(c->name, sizeof c->name, "%s", s);
    lua_pop(L, 1);
    return 0;
}

/* The choice list at t: adds its choices to the union and sets *mask to them. */
static int choice_list(struct conv *cv, const struct path *p, int t, uint64_t *mask)
{
    lua_State *L = cv->L;
    if (check_keys(cv, p, t, NULL) < 0)
        return -1;
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    if (n < 1)
        return fail(cv, p, AT_VALUE, "the list is empty");
    if (n > SPACE_MAX_CHOICES)
        return fail(cv, p, AT_VALUE, "%lld choices, at most %d", (long long)n, SPACE_MAX_CHOICES);
    struct space *s = &cv->sp;
    char here[SPACE_MAX_CHOICES][CHOICE_NAME_MAX];
    *mask = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        luaL_checkstack(L, 8, NULL);
        struct path q = path_index(p, i);
        struct choice c;
        char d[64], why[160];
        int type = lua_rawgeti(L, t, i);
        if (type == LUA_TSTRING) {
            const char *tok = lua_tostring(L, -1);
            if (parse_token(tok, &c, why, sizeof why) < 0)
                return fail(cv, &q, AT_VALUE, "bad choice %s: %s", describe(L, -1, d, sizeof d),
                            why);
        } else if (type == LUA_TTABLE) {
            if (choice_table(cv, &q, lua_gettop(L), &c) < 0)
                return -1;
        } else {
            return fail(cv, &q, AT_VALUE,
                        "expected a choice (a string such as \"k5e6\" or a "
                        "table), got %s",
                        describe(L, -1, d, sizeof d));
        }
        lua_pop(L, 1);
        for (lua_Integer j = 1; j < i; j++)
            if (strcmp(here[j - 1], c.name) == 0)
                return fail(cv, &q, AT_VALUE, "'%s' is listed twice (also [%lld])", c.name,
                            (long long)j);
        snprintf(here[i - 1], sizeof here[i - 1], "%s", c.name);
        int idx = space_find_choice(s, c.name);
        if (idx >= 0 && !same_op(&s->choices[idx], &c))
            return fail(cv, &q, AT_VALUE, "'%s' differs from the choice of that name in %s", c.name,
                        cv->origin[idx]);
        if (idx < 0) {
            if (s->nchoices == SPACE_MAX_CHOICES)
                return fail(cv, &q, AT_VALUE, "more than %d different choices in the space",
                            SPACE_MAX_CHOICES);
            idx = s->nchoices++;
            s->choices[idx] = c;
            path_str(&q, cv->origin[idx], sizeof cv->origin[idx]);
        }
        *mask |= 1ULL << idx;
    }
    return 0;
}

static const char *const root_keys[] = {"name",   "input",   "classes", "stem",
                                        "stages", "choices", "head",    NULL};
static const char *const input_keys[] = {"channels", "height", "width", NULL};
static const char *const stem_keys[] = {"channels", "kernel", "stride", "act", NULL};
static const char *const stage_keys[] = {"channels", "layers", "stride", "choices", NULL};
static const char *const head_keys[] = {"channels", "act", NULL};

static int convert(struct conv *cv, int root)
{
    lua_State *L = cv->L;
    struct space *s = &cv->sp;
    struct path p = {0}, q;
    char d[64];
    memset(s, 0, sizeof *s);
    if (lua_type(L, root) != LUA_TTABLE)
        return fail(cv, &p, AT_VALUE, "the script must return a table (the space), got %s",
                    describe(L, root, d, sizeof d));
    if (check_keys(cv, &p, root, root_keys) < 0)
        return -1;

    /* name */
    int type = field(L, root, "name");
    if (type == LUA_TNIL)
        return fail(cv, &p, AT_VALUE, "missing 'name' (a string)");
    q = path_key(&p, "name");
    size_t len = 0;
    const char *name = type == LUA_TSTRING ? lua_tolstring(L, -1, &len) : NULL;
    if (!name || len < 1 || len >= SPACE_NAME_MAX)
        return fail(cv, &q, AT_VALUE, "expected a string of 1 to %d characters, got %s",
                    SPACE_NAME_MAX - 1, describe(L, -1, d, sizeof d));
    for (size_t i = 0; i < len; i++)
        if (!name_char((unsigned char)name[i], 1))
            return fail(cv, &q, AT_VALUE, "expected letters, digits, '-', '_', '.' or '+', got %s",
                        describe(L, -1, d, sizeof d));
    snprintf(s->name, sizeof s->name, "%s", name);
    lua_pop(L, 1);

    /* input, classes, stem */
    int t = get_table(cv, &p, root, "input", "a table {channels, height, width}", 1);
    if (t <= 0)
        return -1;
    q = path_key(&p, "input");
    if (check_keys(cv, &q, t, input_keys) < 0 ||
        get_whole(cv, &q, t, "channels", 1, MAX_CHANNELS, 0, &s->in_c) < 0 ||
        get_whole(cv, &q, t, "height", 1, MAX_IMAGE, 0, &s->in_h) < 0 ||
        get_whole(cv, &q, t, "width", 1, MAX_IMAGE, 0, &s->in_w) < 0)
        return -1;
    lua_pop(L, 1);
    if (get_whole(cv, &p, root, "classes", 2, MAX_CLASSES, 0, &s->classes) < 0)
        return -1;
    t = get_table(cv, &p, root, "stem", "a table {channels, kernel, stride, act}", 1);
    if (t < 0)
        return -1;
    q = path_key(&p, "stem");
    if (check_keys(cv, &q, t, stem_keys) < 0 ||
        get_whole(cv, &q, t, "channels", 1, MAX_CHANNELS, 0, &s->stem_c) < 0 ||
        get_whole(cv, &q, t, "kernel", 1, DW_MAX_K, 1, &s->stem_k) < 0 ||
        get_whole(cv, &q, t, "stride", 1, MAX_STRIDE, 0, &s->stem_stride) < 0 ||
        get_act(cv, &q, t, &s->stem_act) < 0)
        return -1;
    lua_pop(L, 1);

    /* the global choices come first in the union */
    uint64_t global = 0;
    t = get_table(cv, &p, root, "choices", "a list of choices", 0);
    if (t < 0)
        return -1;
    if (t > 0) {
        q = path_key(&p, "choices");
        if (choice_list(cv, &q, t, &global) < 0)
            return -1;
        lua_pop(L, 1);
    }

    /* stages */
    t = get_table(cv, &p, root, "stages", "a list of stages", 1);
    if (t < 0)
        return -1;
    struct path ps = path_key(&p, "stages");
    if (check_keys(cv, &ps, t, NULL) < 0)
        return -1;
    lua_Integer n = (lua_Integer)lua_rawlen(L, t);
    if (n < 1 || n > SPACE_MAX_STAGES)
        return fail(cv, &ps, AT_VALUE, "%lld stages, expected 1 to %d", (long long)n,
                    SPACE_MAX_STAGES);
    s->nstages = (int)n;
    int layer = 0;
    for (lua_Integer i = 1; i <= n; i++) {
        luaL_checkstack(L, 8, NULL);
        struct path pi = path_index(&ps, i);
        struct stage *st = &s->stages[i - 1];
        if (lua_rawgeti(L, t, i) != LUA_TTABLE)
            return fail(cv, &pi, AT_VALUE, "expected a table {channels, layers, stride}, got %s",
                        describe(L, -1, d, sizeof d));
        int ti = lua_gettop(L);
        if (check_keys(cv, &pi, ti, stage_keys) < 0 ||
            get_whole(cv, &pi, ti, "channels", 1, MAX_CHANNELS, 0, &st->cout) < 0 ||
            get_whole(cv, &pi, ti, "layers", 1, SPACE_MAX_LAYERS, 0, &st->layers) < 0 ||
            get_whole(cv, &pi, ti, "stride", 1, MAX_STRIDE, 0, &st->stride) < 0)
            return -1;
        if (layer + st->layers > SPACE_MAX_LAYERS) {
            q = path_key(&pi, "layers");
            return fail(cv, &q, AT_VALUE, "%d searchable layers in all, at most %d",
                        layer + st->layers, SPACE_MAX_LAYERS);
        }
        uint64_t mask = global;
        int tc = get_table(cv, &pi, ti, "choices", "a list of choices", 0);
        if (tc < 0)
            return -1;
        if (tc > 0) {
            q = path_key(&pi, "choices");
            if (choice_list(cv, &q, tc, &mask) < 0)
                return -1;
            lua_pop(L, 1);
        } else if (global == 0) {
            return fail(cv, &p, AT_VALUE,
                        "missing 'choices' (a list of choices; stages[%lld] has none of its own)",
                        (long long)i);
        }
        for (int j = 0; j < st->layers; j++)
            s->allowed[layer++] = mask;
        lua_pop(L, 1);
    }
    lua_pop(L, 1);

    /* head */
    t = get_table(cv, &p, root, "head", "a table {channels, act}", 1);
    if (t < 0)
        return -1;
    q = path_key(&p, "head");
    if (check_keys(cv, &q, t, head_keys) < 0 ||
        get_whole(cv, &q, t, "channels", 1, MAX_CHANNELS, 0, &s->head_c) < 0 ||
        get_act(cv, &q, t, &s->head_act) < 0)
        return -1;
    lua_pop(L, 1);
    return 0;
}

/* Runs convert in protected mode: arguments (struct conv *, the table). */
static int convert_protected(lua_State *L)
{
    struct conv *cv = lua_touserdata(L, 1);
    lua_pushboolean(L, convert(cv, 2) == 0);
    return 1;
}

/* ------------------------------------------------------------------ public */

int luaspace_load_buffer(struct space *s, const char *text, size_t len, const char *path,
                         struct err *e)
{
    struct err scratch;
    if (!e)
        e = &scratch;
    e->msg[0] = 0;
    struct conv *cv = calloc(1, sizeof *cv);
    if (!cv)
        return err_set(e, path, 0, 0, "out of memory");
    struct luabox_opts bo = {.memory = LUASPACE_MAX_MEMORY,
                             .instructions = LUASPACE_MAX_INSTRUCTIONS};
    int rc = -1;
    struct err be;
    struct luabox *box = luabox_new(&bo, &be);
    if (!box) {
        err_set(e, path, 0, 0, "cannot start Lua: out of memory");
        goto done;
    }
    lua_State *L = luabox_state(box);
    int base = lua_gettop(L);
    if (luabox_run(box, text, len, path, LUA_MULTRET, e))
        goto done;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
        text += 3, len -= 3;

    /* the script is done: no more of its code runs (raw accesses only, and no
     * collection, so no finalizer) */
    lua_gc(L, LUA_GCSTOP);
    cv->L = L;
    cv->path = path;
    cv->e = e;
    luatext_scan(&cv->tk, text, len);
    if (lua_gettop(L) == base) {
        int line, col;
        luatext_locate(&cv->tk, NULL, 0, 0, &line, &col); /* the returned expression */
        err_set(e, path, line, col,
                "the script must return a table (the space); it returned nothing");
        goto done;
    }
    lua_settop(L, base + 1);
    lua_pushcfunction(L, convert_protected);
    lua_pushlightuserdata(L, cv);
    lua_pushvalue(L, base + 1);
    int status = lua_pcall(L, 2, 1, 0);
    if (status != LUA_OK) {
        if (status == LUA_ERRMEM)
            err_set(e, path, 0, 0, "the script used more than %u MB", LUASPACE_MAX_MEMORY >> 20);
        else
            err_set(e, path, 0, 0, "%s", lua_tostring(L, -1));
        goto done;
    }
    if (!lua_toboolean(L, -1))
        goto done;
    struct err fe;
    if (space_finish(&cv->sp, &fe) < 0) {
        /* the space's error, placed at the file */
        err_set(e, path, 0, 0, "%s", fe.text);
        goto done;
    }
    *s = cv->sp;
    rc = 0;
done:
    luabox_free(box);
    luatext_free(&cv->tk);
    free(cv);
    return rc;
}

int luaspace_load(struct space *s, const char *path, struct err *e)
{
    size_t len;
    char *buf = luabox_read_file(path, LUASPACE_MAX_FILE, &len, e);
    if (!buf)
        return -1;
    int rc = luaspace_load_buffer(s, buf, len, path, e);
    free(buf);
    return rc;
}
