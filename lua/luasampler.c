#include "luasampler.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "luaarch.h"
#include "luabox.h"

struct luasampler {
    struct luabox *box;
    const struct space *s;
    char path[1024];
    char name[64];
    struct rng *rng; /* the stream of the current call */
    int next_ref;
};

static int setup(lua_State *L)
{
    struct luasampler *ls = lua_touserdata(L, 1);
    return luaarch_open(L, ls->s, &ls->rng);
}

/* inspect(result, ls): takes the function next and the name of the table
 * the file returned; true, or false when it is no table with a function
 * next.  Protected (the reference allocates) and raw (no metamethod of the
 * script's table runs). */
static int inspect(lua_State *L)
{
    struct luasampler *ls = lua_touserdata(L, 2);
    lua_pushliteral(L, "next");
    if (!lua_istable(L, 1) || lua_rawget(L, 1) != LUA_TFUNCTION) {
        lua_pushboolean(L, 0);
        return 1;
    }
    ls->next_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushliteral(L, "name");
    if (lua_rawget(L, 1) == LUA_TSTRING)
        snprintf(ls->name, sizeof ls->name, "%s", lua_tostring(L, -1));
    lua_pushboolean(L, 1);
    return 1;
}

/* call_next(ls, counts, step): builds the counts table and calls next(step,
 * counts), leaving its result.  Called through luabox_call, so building the
 * table (which allocates) is protected too. */
static int call_next(lua_State *L)
{
    struct luasampler *ls = lua_touserdata(L, 1);
    const int64_t(*counts)[SPACE_MAX_CHOICES] = lua_touserdata(L, 2);
    lua_Integer step = lua_tointeger(L, 3);
    const struct space *s = ls->s;
    lua_settop(L, 0);
    lua_rawgeti(L, LUA_REGISTRYINDEX, ls->next_ref);
    lua_pushinteger(L, step);
    lua_createtable(L, s->nlayers, 0);
    for (int l = 0; l < s->nlayers; l++) {
        lua_createtable(L, 0, s->nchoices);
        for (int c = 0; c < s->nchoices; c++)
            if (s->allowed[l] & (1ULL << c)) {
                lua_pushinteger(L, counts[l][c]);
                lua_setfield(L, -2, s->choices[c].name);
            }
        lua_rawseti(L, -2, l + 1);
    }
    lua_call(L, 2, 1);
    return 1;
}

/* What v at idx is, for errors: "an architecture" or "a <type>". */
static const char *what(lua_State *L, int idx)
{
    if (luaarch_test(L, idx))
        return "an architecture";
    switch (lua_type(L, idx)) {
    case LUA_TNIL: return "nil";
    case LUA_TBOOLEAN: return "a boolean";
    case LUA_TNUMBER: return "a number";
    case LUA_TSTRING: return "a string";
    case LUA_TTABLE: return "a table";
    case LUA_TFUNCTION: return "a function";
    default: return "a userdata";
    }
}

struct luasampler *luasampler_new(const char *path, const struct space *s,
                                  volatile sig_atomic_t *interrupt,
                                  void (*print)(void *ud, const char *text), void *print_ud,
                                  struct err *e)
{
    struct luasampler *ls = calloc(1, sizeof *ls);
    if (!ls) {
        err_plain(e, "out of memory");
        return NULL;
    }
    ls->s = s;
    snprintf(ls->path, sizeof ls->path, "%s", path);
    const char *b = strrchr(path, '/');
    snprintf(ls->name, sizeof ls->name, "%s", b ? b + 1 : path);
    struct luabox_opts bo = {.memory = LUASAMPLER_MEMORY,
                             .instructions = LUASAMPLER_INSTRUCTIONS,
                             .rearmed = 0,
                             .print = print,
                             .print_ud = print_ud,
                             .interrupt = interrupt};
    ls->box = luabox_new(&bo, e);
    if (!ls->box)
        goto fail;
    lua_State *L = luabox_state(ls->box);
    lua_pushcfunction(L, setup);
    lua_pushlightuserdata(L, ls);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        err_plain(e, "cannot start Lua: %s", lua_tostring(L, -1));
        goto fail;
    }
    struct rng loading; /* draws while the file loads are thrown away */
    rng_seed(&loading, 0, RNG_STREAM_SAMPLER);
    ls->rng = &loading;
    if (luabox_run_file(ls->box, path, 1u << 20, 1, e))
        goto fail;
    lua_pushcfunction(L, inspect);
    lua_insert(L, -2);
    lua_pushlightuserdata(L, ls);
    if (lua_pcall(L, 2, 1, 0) != LUA_OK) {
        err_set(e, path, 0, 0, "out of memory");
        goto fail;
    }
    if (!lua_toboolean(L, -1)) {
        err_set(e, path, 0, 0, "a sampler must return a table with a function 'next'");
        goto fail;
    }
    lua_settop(L, 0);
    ls->rng = NULL;
    return ls;
fail:
    luasampler_free(ls);
    return NULL;
}

void luasampler_free(struct luasampler *ls)
{
    if (!ls)
        return;
    luabox_free(ls->box);
    free(ls);
}

static int next(void *ud, int iteration, int64_t step, struct rng *r,
                const int64_t (*counts)[SPACE_MAX_CHOICES], struct arch *paths, struct err *e)
{
    struct luasampler *ls = ud;
    lua_State *L = luabox_state(ls->box);
    (void)iteration;
    ls->rng = r;
    luabox_rearm(ls->box);
    lua_settop(L, 0);
    lua_pushcfunction(L, call_next);
    lua_pushlightuserdata(L, ls);
    lua_pushlightuserdata(L, (void *)counts);
    lua_pushinteger(L, step);
    int n = -1;
    if (luabox_call(ls->box, 3, 1, ls->path, "next", e) == 0) {
        /* raw reads only: no metamethod runs outside the protected call */
        if (!lua_istable(L, -1)) {
            err_set(e, ls->path, 0, 0, "next(%lld) must return a list of architectures, not %s",
                    (long long)step, what(L, -1));
        } else if (lua_rawlen(L, -1) < 1 || lua_rawlen(L, -1) > SPACE_MAX_CHOICES) {
            err_set(e, ls->path, 0, 0, "next(%lld) returned %llu paths (1 to %d allowed)",
                    (long long)step, (unsigned long long)lua_rawlen(L, -1), SPACE_MAX_CHOICES);
        } else {
            n = (int)lua_rawlen(L, -1);
            for (int i = 0; i < n; i++) {
                lua_rawgeti(L, -1, i + 1);
                const struct arch *a = luaarch_test(L, -1);
                if (!a) {
                    err_set(e, ls->path, 0, 0,
                            "next(%lld): element %d of the result is %s, not an architecture",
                            (long long)step, i + 1, what(L, -1));
                    n = -1;
                    break;
                }
                paths[i] = *a;
                lua_pop(L, 1);
            }
        }
    }
    lua_settop(L, 0);
    ls->rng = NULL;
    return n;
}

void luasampler_custom(struct luasampler *ls, struct sampler_custom *out)
{
    memset(out, 0, sizeof *out);
    snprintf(out->name, sizeof out->name, "%s", ls->name);
    out->next = next;
    out->ud = ls;
}
