#include "luanao.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <lauxlib.h>

#include "archset.h"
#include "luaarch.h"
#include "luabox.h"
#include "nao.h"
#include "naogen.h"
#include "rank.h"
#include "suggest.h"

#define NAO_MT "oneshot.nao"
#define MAX_SIZE 1024      /* embed and hidden */
#define MAX_BATCH 10000
#define MAX_EPOCHS 1000000
#define MAX_COUNT 1000000  /* architectures generate may return */
#define DEFAULT_EPOCHS 1000 /* NAO-V2's controller epochs a round */
#define DEFAULT_MAX_ETA 50

/* A controller as a Lua value: it owns n (NULL once closed). */
struct controller {
    struct nao *n;
    size_t charged; /* bytes counted against the state's memory (luabox_charge) */
    int epochs;     /* train's default */
};

static struct controller *check_controller(lua_State *L)
{
    struct controller *c = luaL_checkudata(L, 1, NAO_MT);
    if (!c->n)
        luaL_argerror(L, 1, "the controller was closed");
    return c;
}

/* __gc and __close. */
static int m_close(lua_State *L)
{
    struct controller *c = luaL_checkudata(L, 1, NAO_MT);
    if (c->n) {
        nao_free(c->n);
        c->n = NULL;
        luabox_charge(luabox_of(L), -(long long)c->charged);
        c->charged = 0;
    }
    return 0;
}

/* ------------------------------------------------------------ arguments */

/* The finite numbers of the list at idx: n of them (n < 0: any count, into
 * *count).  They live in a userdata left on the stack. */
static double *check_numbers(lua_State *L, int idx, int n, int *count)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Unsigned len = lua_rawlen(L, idx);
    if (n >= 0 && len != (lua_Unsigned)n)
        luaL_argerror(L, idx, lua_pushfstring(L, "expected %d numbers, one per architecture, "
                                                 "got %d",
                                              n, (int)(len > MAX_COUNT ? MAX_COUNT + 1 : len)));
    if (len > MAX_COUNT)
        luaL_argerror(L, idx, "more than 1000000 numbers");
    double *v = lua_newuserdatauv(L, (size_t)(len > 0 ? len : 1) * sizeof *v, 0);
    for (lua_Unsigned i = 1; i <= len; i++) {
        lua_rawgeti(L, idx, (lua_Integer)i);
        int isnum;
        v[i - 1] = lua_tonumberx(L, -1, &isnum);
        if (!isnum || !isfinite(v[i - 1]))
            luaL_argerror(L, idx, lua_pushfstring(L, "element %d is %s, not a finite number",
                                                  (int)i, isnum ? "not finite"
                                                                : luaL_typename(L, -1)));
        lua_pop(L, 1);
    }
    if (count)
        *count = (int)len;
    return v;
}

/* One architecture (*one = 1) or a list of them at idx. */
static int check_archs(lua_State *L, int idx, struct arch **v, int *one)
{
    const struct arch *a = luaarch_test(L, idx);
    *one = a != NULL;
    if (!a)
        return luaarch_check_list(L, idx, v);
    *v = lua_newuserdatauv(L, sizeof **v, 0);
    **v = *a;
    return 1;
}

/* The string keys of the table at idx must be among names (NULL-ended):
 * the smallest one that is not (so the error does not depend on the order
 * of lua_next) is an argument error with a suggestion. */
static void check_keys(lua_State *L, int idx, const char *const *names)
{
    const char *bad = NULL;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TSTRING)
            luaL_argerror(L, idx, lua_pushfstring(L, "a %s key: keys are names",
                                                  luaL_typename(L, -1)));
        const char *k = lua_tostring(L, -1);
        int known = 0;
        for (int i = 0; names[i] && !known; i++)
            known = strcmp(k, names[i]) == 0;
        if (!known && (!bad || strcmp(k, bad) < 0))
            bad = k; /* alive: the table holds it */
    }
    if (!bad)
        return;
    const char *near = suggest_word(bad, names);
    if (near)
        luaL_argerror(L, idx, lua_pushfstring(L, "unknown key '%s' (did you mean '%s'?)", bad,
                                              near));
    luaL_Buffer b;
    luaL_buffinit(L, &b);
    for (int i = 0; names[i]; i++) {
        luaL_addstring(&b, i ? ", " : "");
        luaL_addstring(&b, names[i]);
    }
    luaL_pushresult(&b);
    luaL_argerror(L, idx, lua_pushfstring(L, "unknown key '%s' (known: %s)", bad,
                                          lua_tostring(L, -1)));
}

/* Field key of the table at idx as a whole number in [lo, hi] (def when
 * absent). */
static lua_Integer int_field(lua_State *L, int idx, const char *key, lua_Integer lo,
                             lua_Integer hi, lua_Integer def)
{
    lua_getfield(L, idx, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return def;
    }
    int isint;
    lua_Integer v = lua_tointegerx(L, -1, &isint);
    if (!isint || v < lo || v > hi)
        luaL_argerror(L, idx, lua_pushfstring(L, "%s: expected a whole number from %I to %I, "
                                                 "got %s",
                                              key, lo, hi, luaL_tolstring(L, -1, NULL)));
    lua_pop(L, 1);
    return v;
}

/* Field key as a finite number in [lo, hi] (def when absent); lo itself
 * excluded when open. */
static double num_field(lua_State *L, int idx, const char *key, double lo, int open, double hi,
                        double def)
{
    lua_getfield(L, idx, key);
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        return def;
    }
    int isnum;
    double v = lua_tonumberx(L, -1, &isnum);
    if (!isnum || !isfinite(v) || v < lo || (open && v == lo) || v > hi) {
        char range[64];
        int used = snprintf(range, sizeof range, "%s %g", open ? ">" : ">=", lo);
        if (isfinite(hi))
            snprintf(range + used, sizeof range - (size_t)used, " and <= %g", hi);
        luaL_argerror(L, idx, lua_pushfstring(L, "%s: expected a number %s, got %s", key, range,
                                              luaL_tolstring(L, -1, NULL)));
    }
    lua_pop(L, 1);
    return v;
}

/* An error of the controller (rare after the checks above: out of memory,
 * weights that diverged) as a Lua error at the script's line. */
static int nao_error(lua_State *L, const char *fn, const struct err *e)
{
    return luaL_error(L, "%s: %s", fn, e->text);
}

/* ------------------------------------------------------------ functions */

static int l_new(lua_State *L)
{
    static const char *const keys[] = {"batch", "clip", "embed",     "epochs", "hidden",
                                       "lr",    "seed", "trade_off", NULL};
    struct nao_config cfg;
    nao_config_default(&cfg);
    cfg.seed = (uint64_t)lua_tointeger(L, lua_upvalueindex(1));
    int epochs = DEFAULT_EPOCHS;
    lua_settop(L, 1); /* what the calls below push goes above the arguments */
    if (!lua_isnil(L, 1)) {
        luaL_checktype(L, 1, LUA_TTABLE);
        check_keys(L, 1, keys);
        cfg.embed = (int)int_field(L, 1, "embed", 1, MAX_SIZE, cfg.embed);
        cfg.hidden = (int)int_field(L, 1, "hidden", 1, MAX_SIZE, cfg.hidden);
        cfg.batch = (int)int_field(L, 1, "batch", 1, MAX_BATCH, cfg.batch);
        epochs = (int)int_field(L, 1, "epochs", 0, MAX_EPOCHS, epochs);
        cfg.seed = (uint64_t)int_field(L, 1, "seed", LUA_MININTEGER, LUA_MAXINTEGER,
                                       (lua_Integer)cfg.seed);
        cfg.trade_off = num_field(L, 1, "trade_off", 0, 0, 1, cfg.trade_off);
        cfg.lr = num_field(L, 1, "lr", 0, 1, INFINITY, cfg.lr);
        cfg.clip = num_field(L, 1, "clip", 0, 0, INFINITY, cfg.clip);
    }
    const struct space *s = luaarch_space(L);
    struct controller *c = lua_newuserdatauv(L, sizeof *c, 0);
    *c = (struct controller){.n = NULL, .charged = 0, .epochs = epochs};
    luaL_setmetatable(L, NAO_MT);
    /* the controller's memory is the script's: garbage controllers are
     * collected before one more is refused */
    size_t bytes = nao_memory(s, &cfg);
    struct luabox *b = luabox_of(L);
    if (luabox_charge(b, (long long)bytes)) {
        lua_gc(L, LUA_GCCOLLECT);
        if (luabox_charge(b, (long long)bytes))
            return luaL_error(L, "oneshot.nao.new: a controller of %d MB would pass the "
                                 "script's memory limit",
                              (int)((bytes + (1u << 20) - 1) >> 20));
    }
    struct err e;
    c->n = nao_new(s, &cfg, &e);
    if (!c->n) {
        luabox_charge(b, -(long long)bytes);
        return nao_error(L, "oneshot.nao.new", &e);
    }
    c->charged = bytes;
    return 1;
}

static int m_train(lua_State *L)
{
    lua_settop(L, 4);
    struct controller *c = check_controller(L);
    struct arch *v;
    int n = luaarch_check_list(L, 2, &v);
    luaL_argcheck(L, n >= 1, 2, "no architectures to train on");
    double *score = check_numbers(L, 3, n, NULL);
    lua_Integer epochs = luaL_optinteger(L, 4, c->epochs);
    luaL_argcheck(L, epochs >= 0 && epochs <= MAX_EPOCHS, 4, "epochs: 0 to 1000000");
    struct err e;
    if (nao_train_begin(c->n, v, score, n, (int)epochs, &e))
        return nao_error(L, "train", &e);
    struct nao_loss last = {0, 0, 0};
    struct luabox *b = luabox_of(L);
    int rc = epochs > 0;
    while (rc == 1) {
        if (luabox_stopping(b)) {
            nao_train_end(c->n);
            return luaL_error(L, "interrupted");
        }
        rc = nao_train_step(c->n, &last, &e);
    }
    nao_train_end(c->n);
    if (rc < 0)
        return nao_error(L, "train", &e);
    lua_createtable(L, 0, 4);
    lua_pushnumber(L, last.loss);
    lua_setfield(L, -2, "loss");
    lua_pushnumber(L, last.mse);
    lua_setfield(L, -2, "mse");
    lua_pushnumber(L, last.nll);
    lua_setfield(L, -2, "nll");
    lua_pushinteger(L, epochs);
    lua_setfield(L, -2, "epochs");
    return 1;
}

static void push_archs(lua_State *L, const struct arch *v, int n)
{
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        luaarch_push(L, &v[i]);
        lua_rawseti(L, -2, i + 1);
    }
}

enum per_arch { PREDICT, EMBED, RECONSTRUCT };

/* c:predict, c:embed and c:reconstruct: for one architecture its result,
 * for a list of them the list of their results. */
static int per_arch(lua_State *L, enum per_arch what)
{
    static const char *const names[] = {"predict", "embed", "reconstruct"};
    lua_settop(L, 2);
    struct controller *c = check_controller(L);
    struct arch *v;
    int one, n = check_archs(L, 2, &v, &one);
    const size_t rows = (size_t)(n > 0 ? n : 1), H = (size_t)c->n->H;
    double *x = NULL; /* PREDICT: [n], EMBED: [n][H] */
    struct arch *out = NULL;
    struct err e;
    int rc;
    if (what == RECONSTRUCT) {
        out = lua_newuserdatauv(L, rows * sizeof *out, 0);
        rc = nao_reconstruct(c->n, v, n, out, &e);
    } else {
        x = lua_newuserdatauv(L, rows * (what == EMBED ? H : 1) * sizeof *x, 0);
        rc = what == EMBED ? nao_encode(c->n, v, n, NULL, x, &e) : nao_predict(c->n, v, n, x, &e);
    }
    if (rc)
        return nao_error(L, names[what], &e);
    if (what == RECONSTRUCT) {
        if (one)
            luaarch_push(L, &out[0]);
        else
            push_archs(L, out, n);
        return 1;
    }
    if (!one)
        lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        if (what == EMBED) {
            lua_createtable(L, (int)H, 0);
            for (size_t k = 0; k < H; k++) {
                lua_pushnumber(L, x[i * H + k]);
                lua_rawseti(L, -2, (lua_Integer)k + 1);
            }
        } else {
            lua_pushnumber(L, x[i]);
        }
        if (!one)
            lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

static int m_predict(lua_State *L) { return per_arch(L, PREDICT); }

static int m_embed(lua_State *L) { return per_arch(L, EMBED); }

static int m_reconstruct(lua_State *L) { return per_arch(L, RECONSTRUCT); }

/* generate(top, count [, exclude [, max_eta]]): naogen_generate over the pool
 * top ++ exclude, ranked in that order (top first, best first). */
static int m_generate(lua_State *L)
{
    lua_settop(L, 5);
    struct controller *c = check_controller(L);
    struct arch *top, *ex = NULL;
    int ntop = luaarch_check_list(L, 2, &top), nex = 0;
    luaL_argcheck(L, ntop >= 1, 2, "no architectures to move");
    lua_Integer count = luaL_checkinteger(L, 3);
    luaL_argcheck(L, count >= 0 && count <= MAX_COUNT, 3, "count: 0 to 1000000");
    if (!lua_isnil(L, 4))
        nex = luaarch_check_list(L, 4, &ex);
    lua_Integer max_eta = luaL_optinteger(L, 5, DEFAULT_MAX_ETA);
    luaL_argcheck(L, max_eta >= 0 && max_eta <= MAX_EPOCHS, 5, "max_eta: 0 to 1000000");
    luaL_argcheck(L, nex <= MAX_COUNT - ntop, 4, "more than 1000000 architectures in all");
    int npool = ntop + nex;
    struct arch *pool = lua_newuserdatauv(L, (size_t)npool * sizeof *pool, 0);
    double *rank = lua_newuserdatauv(L, (size_t)npool * sizeof *rank, 0);
    memcpy(pool, top, (size_t)ntop * sizeof *pool);
    if (nex)
        memcpy(pool + ntop, ex, (size_t)nex * sizeof *pool);
    for (int i = 0; i < npool; i++)
        rank[i] = i < ntop ? ntop - i : 0;
    struct arch *out = lua_newuserdatauv(L, (size_t)(count > 0 ? count : 1) * sizeof *out, 0);
    int eta;
    struct err e;
    int kept = naogen_generate(c->n, pool, rank, npool, ntop, (int)count, (int)max_eta, out,
                               &eta, &e);
    if (kept < 0)
        return nao_error(L, "generate", &e);
    push_archs(L, out, kept);
    lua_pushinteger(L, eta);
    return 2;
}

static int m_tostring(lua_State *L)
{
    struct controller *c = luaL_checkudata(L, 1, NAO_MT);
    if (!c->n)
        lua_pushliteral(L, "NAO controller (closed)");
    else
        lua_pushfstring(L, "NAO controller (embed %d, hidden %d, %I parameters, %I epochs "
                           "trained)",
                        c->n->E, c->n->H, (lua_Integer)c->n->nparams,
                        (lua_Integer)c->n->epochs_done);
    return 1;
}

static int l_canonical(lua_State *L)
{
    struct arch a;
    archset_canonical(luaarch_space(L), luaarch_check(L, 1), &a);
    luaarch_push(L, &a);
    return 1;
}

static void push_defined(lua_State *L, double v)
{
    if (isnan(v))
        lua_pushnil(L);
    else
        lua_pushnumber(L, v);
}

static int l_tau(lua_State *L)
{
    lua_settop(L, 2);
    int n;
    const double *x = check_numbers(L, 1, -1, &n);
    const double *y = check_numbers(L, 2, n, NULL);
    push_defined(L, kendall_tau(x, y, n));
    push_defined(L, pairwise_accuracy(x, y, n));
    return 2;
}

int luanao_open(lua_State *L, uint64_t seed)
{
    static const luaL_Reg methods[] = {
        {"train", m_train},     {"predict", m_predict},         {"generate", m_generate},
        {"embed", m_embed},     {"reconstruct", m_reconstruct}, {NULL, NULL}};
    luaL_newmetatable(L, NAO_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "__index");
    static const luaL_Reg meta[] = {
        {"__gc", m_close}, {"__close", m_close}, {"__tostring", m_tostring}, {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* getmetatable(c) cannot reach the methods */
    lua_pop(L, 1);

    lua_getglobal(L, "oneshot");
    lua_createtable(L, 0, 3);
    lua_pushinteger(L, (lua_Integer)seed);
    lua_pushcclosure(L, l_new, 1);
    lua_setfield(L, -2, "new");
    lua_pushcfunction(L, l_canonical);
    lua_setfield(L, -2, "canonical");
    lua_pushcfunction(L, l_tau);
    lua_setfield(L, -2, "tau");
    lua_setfield(L, -2, "nao");
    lua_pop(L, 1);
    return 0;
}
