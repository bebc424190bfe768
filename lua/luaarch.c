#include "luaarch.h"

#include <math.h>
#include <string.h>

#include <lauxlib.h>

#include "arch.h"
#include "sampler.h"

#define ARCH_MT "oneshot.arch"

/* What the module works on, kept as a full userdata in the registry. */
struct module {
    const struct space *s;
    struct rng **rng;
};

static const char module_key = 'm';

static struct module *module_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &module_key);
    struct module *m = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return m;
}

const struct space *luaarch_space(lua_State *L) { return module_of(L)->s; }

struct rng *luaarch_rng(lua_State *L) { return *module_of(L)->rng; }

void luaarch_push(lua_State *L, const struct arch *a)
{
    struct arch *u = lua_newuserdatauv(L, sizeof *u, 0);
    *u = *a;
    luaL_setmetatable(L, ARCH_MT);
}

const struct arch *luaarch_test(lua_State *L, int idx)
{
    return luaL_testudata(L, idx, ARCH_MT);
}

const struct arch *luaarch_check(lua_State *L, int idx)
{
    return luaL_checkudata(L, idx, ARCH_MT);
}

int luaarch_check_list(lua_State *L, int idx, struct arch **out)
{
    luaL_checktype(L, idx, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, idx);
    if (n > 1000000)
        luaL_argerror(L, idx, "more than 1000000 architectures");
    struct arch *v = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *v, 0);
    for (lua_Integer i = 1; i <= n; i++) {
        lua_rawgeti(L, idx, i);
        const struct arch *a = luaarch_test(L, -1);
        if (!a)
            luaL_argerror(L, idx, lua_pushfstring(L, "element %d is a %s, not an architecture",
                                                  (int)i, luaL_typename(L, -1)));
        v[i - 1] = *a;
        lua_pop(L, 1);
    }
    *out = v;
    return (int)n; /* the userdata stays on the stack as the array's owner */
}

static int l_arch(lua_State *L)
{
    const char *str = luaL_checkstring(L, 1);
    struct arch a;
    struct err e;
    if (arch_parse(luaarch_space(L), str, "oneshot.arch", &a, &e))
        return luaL_error(L, "oneshot.arch: '%s': %s", str, err_text(&e));
    luaarch_push(L, &a);
    return 1;
}

static int l_sample(lua_State *L)
{
    struct arch a;
    arch_random(luaarch_space(L), luaarch_rng(L), &a);
    luaarch_push(L, &a);
    return 1;
}

static int l_crossover(lua_State *L)
{
    const struct arch *a = luaarch_check(L, 1), *b = luaarch_check(L, 2);
    struct arch child;
    arch_crossover(luaarch_space(L), a, b, &child, luaarch_rng(L));
    luaarch_push(L, &child);
    return 1;
}

/* A float in [0, 1) with 53 random bits. */
static double unit(struct rng *r) { return (double)(rng_u64(r) >> 11) * 0x1.0p-53; }

/* math.random's contract, on the engine's stream. */
static int l_random(lua_State *L)
{
    struct rng *r = luaarch_rng(L);
    lua_Integer lo, hi;
    switch (lua_gettop(L)) {
    case 0:
        lua_pushnumber(L, unit(r));
        return 1;
    case 1:
        lo = 1;
        hi = luaL_checkinteger(L, 1);
        if (hi == 0) { /* math.random(0): an integer with all bits random */
            lua_pushinteger(L, (lua_Integer)rng_u64(r));
            return 1;
        }
        break;
    case 2:
        lo = luaL_checkinteger(L, 1);
        hi = luaL_checkinteger(L, 2);
        break;
    default:
        return luaL_error(L, "oneshot.random: wrong number of arguments");
    }
    luaL_argcheck(L, lo <= hi, lua_gettop(L), "interval is empty");
    lua_Unsigned span = (lua_Unsigned)hi - (lua_Unsigned)lo;
    lua_Unsigned v = span == (lua_Unsigned)-1 ? rng_u64(r) : rng_below(r, span + 1);
    lua_pushinteger(L, (lua_Integer)((lua_Unsigned)lo + v));
    return 1;
}

static int l_randomseed(lua_State *L)
{
    return luaL_error(L, "math.randomseed: oneshot seeds every random stream from the "
                         "experiment's seed");
}

/* ----------------------------------------------------------- methods */

static int m_encode(lua_State *L)
{
    const struct arch *a = luaarch_check(L, 1);
    char buf[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
    arch_format(luaarch_space(L), a, buf, (int)sizeof buf);
    lua_pushstring(L, buf);
    return 1;
}

static int m_len(lua_State *L)
{
    lua_pushinteger(L, luaarch_check(L, 1)->n);
    return 1;
}

static int m_eq(lua_State *L)
{
    const struct arch *a = luaarch_test(L, 1), *b = luaarch_test(L, 2);
    lua_pushboolean(L, a && b && arch_equal(a, b));
    return 1;
}

static int layer_arg(lua_State *L, const struct arch *a, int idx)
{
    lua_Integer i = luaL_checkinteger(L, idx);
    if (i < 1 || i > a->n)
        return luaL_argerror(L, idx, lua_pushfstring(L, "layer %d is not in 1..%d", (int)i, a->n));
    return (int)i - 1;
}

static int m_choices(lua_State *L)
{
    const struct arch *a = luaarch_check(L, 1);
    const struct space *s = luaarch_space(L);
    lua_createtable(L, a->n, 0);
    for (int l = 0; l < a->n; l++) {
        lua_pushstring(L, s->choices[a->choice[l]].name);
        lua_rawseti(L, -2, l + 1);
    }
    return 1;
}

static int m_with(lua_State *L)
{
    const struct arch *a = luaarch_check(L, 1);
    const struct space *s = luaarch_space(L);
    int l = layer_arg(L, a, 2);
    const char *name = luaL_checkstring(L, 3);
    int c = space_find_choice(s, name);
    if (c < 0)
        return luaL_argerror(L, 3, lua_pushfstring(L, "no choice '%s' in the space %s", name,
                                                   s->name));
    if (!(s->allowed[l] & (1ULL << c)))
        return luaL_argerror(L, 3, lua_pushfstring(L, "'%s' is not allowed at layer %d", name,
                                                   l + 1));
    struct arch b = *a;
    b.choice[l] = c;
    luaarch_push(L, &b);
    return 1;
}

static int m_mutate(lua_State *L)
{
    const struct arch *a = luaarch_check(L, 1);
    double rate = luaL_optnumber(L, 2, a->n > 0 ? 1.0 / a->n : 0);
    luaL_argcheck(L, rate >= 0 && rate <= 1, 2, "the rate must lie in [0, 1]");
    struct arch b = *a;
    arch_mutate(luaarch_space(L), &b, rate, luaarch_rng(L));
    luaarch_push(L, &b);
    return 1;
}

static int m_mutate_one(lua_State *L)
{
    struct arch b = *luaarch_check(L, 1);
    arch_mutate_one(luaarch_space(L), &b, luaarch_rng(L));
    luaarch_push(L, &b);
    return 1;
}

static int m_distance(lua_State *L)
{
    lua_pushinteger(L, arch_distance(luaarch_check(L, 1), luaarch_check(L, 2)));
    return 1;
}

static int m_cost(lua_State *L)
{
    struct cost c = arch_cost(luaarch_space(L), luaarch_check(L, 1));
    lua_createtable(L, 0, 2);
    lua_pushinteger(L, c.params);
    lua_setfield(L, -2, "params");
    lua_pushinteger(L, c.macs);
    lua_setfield(L, -2, "macs");
    return 1;
}

static int m_index(lua_State *L)
{
    const struct arch *a = luaarch_check(L, 1);
    if (lua_type(L, 2) == LUA_TNUMBER) {
        int l = layer_arg(L, a, 2);
        lua_pushstring(L, luaarch_space(L)->choices[a->choice[l]].name);
        return 1;
    }
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
}

static int m_newindex(lua_State *L)
{
    return luaL_error(L, "architectures cannot be changed: use a:with(layer, choice)");
}

static void push_space(lua_State *L, const struct space *s)
{
    lua_createtable(L, 0, 4);
    lua_pushstring(L, s->name);
    lua_setfield(L, -2, "name");
    lua_pushinteger(L, s->nlayers);
    lua_setfield(L, -2, "layers");
    lua_pushnumber(L, space_count(s));
    lua_setfield(L, -2, "count");
    lua_createtable(L, s->nlayers, 0);
    for (int l = 0; l < s->nlayers; l++) {
        lua_newtable(L);
        int k = 0;
        for (int c = 0; c < s->nchoices; c++)
            if (s->allowed[l] & (1ULL << c)) {
                lua_pushstring(L, s->choices[c].name);
                lua_rawseti(L, -2, ++k);
            }
        lua_rawseti(L, -2, l + 1);
    }
    lua_setfield(L, -2, "choices");
}

int luaarch_open(lua_State *L, const struct space *s, struct rng **rng)
{
    struct module *m = lua_newuserdatauv(L, sizeof *m, 0);
    m->s = s;
    m->rng = rng;
    lua_rawsetp(L, LUA_REGISTRYINDEX, &module_key);

    static const luaL_Reg methods[] = {
        {"encode", m_encode},     {"choices", m_choices},   {"with", m_with},
        {"mutate", m_mutate},     {"mutate_one", m_mutate_one}, {"crossover", l_crossover},
        {"distance", m_distance}, {"cost", m_cost},         {NULL, NULL}};
    luaL_newmetatable(L, ARCH_MT);
    luaL_newlib(L, methods);
    lua_setfield(L, -2, "methods");
    static const luaL_Reg meta[] = {{"__index", m_index},   {"__newindex", m_newindex},
                                    {"__tostring", m_encode}, {"__len", m_len},
                                    {"__eq", m_eq},         {NULL, NULL}};
    luaL_setfuncs(L, meta, 0);
    lua_pushliteral(L, "oneshot.arch");
    lua_setfield(L, -2, "__name");
    lua_pushboolean(L, 0);
    lua_setfield(L, -2, "__metatable"); /* getmetatable(a) cannot reach the methods */
    lua_pop(L, 1);

    static const luaL_Reg funcs[] = {{"arch", l_arch},           {"decode", l_arch},
                                     {"sample", l_sample},       {"crossover", l_crossover},
                                     {"random", l_random},       {NULL, NULL}};
    luaL_newlib(L, funcs);
    push_space(L, s);
    lua_setfield(L, -2, "space");
    lua_setglobal(L, "oneshot");

    lua_getglobal(L, "math");
    lua_pushcfunction(L, l_random);
    lua_setfield(L, -2, "random");
    lua_pushcfunction(L, l_randomseed);
    lua_setfield(L, -2, "randomseed");
    lua_pop(L, 1);
    return 0;
}
