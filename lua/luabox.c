#include "luabox.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lualib.h>

#define HOOK_EVERY 1000 /* instructions between two calls of the count hook */
#define TRACE_MAX 4096
#define NAMES_MAX 8 /* chunk names a box keeps */

struct luabox {
    lua_State *L;
    struct luabox_opts o;
    size_t used;        /* bytes held by the state */
    int out_of_memory;  /* an allocation was refused for the budget */
    long ticks, max_ticks;
    int too_long;       /* the instruction budget ran out */
    int stopped;        /* the interrupt flag was seen */
    const char *source; /* chunk name of the script being run or called ("@path") */
    int line;           /* line of that file at the last error, 0 if none */
    char trace[TRACE_MAX];
    struct {
        char *path;         /* owned */
        const char *source; /* "@path", alive through ref */
        int ref;
    } names[NAMES_MAX];     /* chunk names made so far (chunk_name) */
    int nnames, next_name;
};

static void *box_alloc(void *ud, void *ptr, size_t osize, size_t nsize)
{
    struct luabox *b = ud;
    if (!ptr)
        osize = 0; /* osize then encodes the kind of object */
    if (nsize == 0) {
        free(ptr);
        b->used -= osize;
        return NULL;
    }
    if (nsize > osize && nsize - osize > b->o.memory - b->used) {
        b->out_of_memory = 1;
        return NULL;
    }
    void *p = realloc(ptr, nsize);
    if (p)
        b->used = b->used - osize + nsize;
    return p;
}

struct luabox *luabox_of(lua_State *L)
{
    void *ud;
    lua_getallocf(L, &ud);
    return ud;
}

/* 1 when the host raised one of its interrupt flags. */
static int raised(const struct luabox *b)
{
    return (b->o.interrupt && *b->o.interrupt) || (b->o.interrupt_too && *b->o.interrupt_too);
}

static void box_hook(lua_State *L, lua_Debug *ar)
{
    struct luabox *b = luabox_of(L);
    (void)ar;
    if (raised(b))
        b->stopped = 1;
    if (++b->ticks < b->max_ticks && !b->too_long && !b->stopped)
        return;
    if (!b->stopped)
        b->too_long = 1;
    /* from now on every instruction fails, so a pcall in the script cannot
     * catch the error and carry on */
    lua_sethook(L, box_hook, LUA_MASKCOUNT, 1);
    luaL_error(L, b->stopped ? "interrupted" : "the script ran too long");
}

/* Only the tick count: setting the hook again would restart its count of
 * HOOK_EVERY instructions, and a script calling the engine more often than
 * that (a search whose evaluations are fast or cached) would never reach the
 * hook.  The interrupt flag is read here too, so that a flag raised during a
 * long engine call stops the script at its next instruction, not after
 * HOOK_EVERY more (which could be several more engine calls). */
void luabox_rearm(struct luabox *b)
{
    b->ticks = 0;
    luabox_stopping(b);
}

int luabox_stopping(struct luabox *b)
{
    if (raised(b) && !b->stopped && !b->too_long) {
        b->stopped = 1;
        lua_sethook(b->L, box_hook, LUA_MASKCOUNT, 1);
    }
    return b->stopped;
}

int luabox_charge(struct luabox *b, long long bytes)
{
    if (bytes < 0) {
        b->used -= (size_t)-bytes;
        return 0;
    }
    if ((size_t)bytes > b->o.memory - b->used)
        return -1;
    b->used += (size_t)bytes;
    return 0;
}

/* Message handler: notes the innermost line of the script on the stack (for
 * errors whose message has no position, e.g. from error(msg, 0) or from a
 * chunk made by load), keeps a traceback and makes the error a string. */
static int box_handler(lua_State *L)
{
    struct luabox *b = luabox_of(L);
    lua_Debug ar;
    b->line = 0;
    for (int level = 0; lua_getstack(L, level, &ar); level++)
        if (lua_getinfo(L, "Sl", &ar) && ar.currentline > 0 && b->source &&
            strcmp(ar.source, b->source) == 0) {
            b->line = ar.currentline;
            break;
        }
    if (!lua_isstring(L, 1))
        lua_pushfstring(L, "(error object is a %s value)", luaL_typename(L, 1));
    else
        lua_pushvalue(L, 1);
    if (lua_checkstack(L, 4)) {
        luaL_traceback(L, L, NULL, 1);
        snprintf(b->trace, sizeof b->trace, "%s", lua_tostring(L, -1));
        lua_pop(L, 1);
    }
    return 1;
}

static int box_print(lua_State *L)
{
    struct luabox *b = luabox_of(L);
    luaL_Buffer buf;
    int n = lua_gettop(L);
    luaL_buffinit(L, &buf);
    for (int i = 1; i <= n; i++) {
        if (i > 1)
            luaL_addchar(&buf, '\t');
        luaL_tolstring(L, i, NULL);
        luaL_addvalue(&buf);
    }
    luaL_pushresult(&buf);
    const char *s = lua_tostring(L, -1);
    if (b->o.print)
        b->o.print(b->o.print_ud, s);
    else
        fprintf(stderr, "%s\n", s);
    return 0;
}

/* load(chunk [, chunkname [, mode [, env]]]) with mode forced to "t": a binary
 * chunk could crash the interpreter. */
static int box_load(lua_State *L)
{
    int n = lua_gettop(L);
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_pushvalue(L, 1);
    if (n >= 2)
        lua_pushvalue(L, 2);
    else
        lua_pushnil(L);
    lua_pushliteral(L, "t");
    if (n >= 4)
        lua_pushvalue(L, 4);
    lua_call(L, n >= 4 ? 4 : 3, LUA_MULTRET);
    return lua_gettop(L) - n;
}

/* Calls upvalue 1 with this call's arguments. */
static int forward(lua_State *L)
{
    lua_pushvalue(L, lua_upvalueindex(1));
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, LUA_MULTRET);
    return lua_gettop(L);
}

static int box_setmetatable(lua_State *L)
{
    if (lua_type(L, 2) == LUA_TTABLE) {
        lua_pushliteral(L, "__gc");
        if (lua_rawget(L, 2) != LUA_TNIL)
            return luaL_error(L, "scripts cannot use __gc metamethods");
        lua_pop(L, 1);
    }
    return forward(L);
}

/* string.rep: rep("", n) would loop n times without allocating. */
static int box_rep(lua_State *L)
{
    size_t l, lsep = 0;
    luaL_checklstring(L, 1, &l);
    lua_Integer n = luaL_checkinteger(L, 2);
    luaL_optlstring(L, 3, "", &lsep);
    if (n > 0 && l + lsep == 0) {
        lua_pushliteral(L, "");
        return 1;
    }
    return forward(L);
}

/* table.move: moving nils loops without allocating. */
static int box_move(lua_State *L)
{
    lua_Integer f = luaL_checkinteger(L, 2), e = luaL_checkinteger(L, 3);
    if (e >= f && (lua_Unsigned)e - (lua_Unsigned)f >= (1u << 24))
        return luaL_error(L, "table.move: more than %d elements", 1 << 24);
    return forward(L);
}

/* Replaces lib.name (lib on top of the stack) by f with the old one as upvalue. */
static void wrap(lua_State *L, const char *name, lua_CFunction f)
{
    lua_getfield(L, -1, name);
    lua_pushcclosure(L, f, 1);
    lua_setfield(L, -2, name);
}

static int box_setup(lua_State *L)
{
    luaL_requiref(L, LUA_GNAME, luaopen_base, 1);
    luaL_requiref(L, LUA_STRLIBNAME, luaopen_string, 1);
    luaL_requiref(L, LUA_TABLIBNAME, luaopen_table, 1);
    luaL_requiref(L, LUA_MATHLIBNAME, luaopen_math, 1);
    lua_settop(L, 0);
    lua_pushnil(L);
    lua_setglobal(L, "dofile");
    lua_pushnil(L);
    lua_setglobal(L, "loadfile");
    lua_pushnil(L);
    lua_setglobal(L, "collectgarbage");
    lua_getglobal(L, "load");
    lua_pushcclosure(L, box_load, 1);
    lua_setglobal(L, "load");
    lua_pushcfunction(L, box_print);
    lua_setglobal(L, "print");
    lua_pushglobaltable(L);
    wrap(L, "setmetatable", box_setmetatable);
    lua_getglobal(L, "string");
    wrap(L, "rep", box_rep);
    static const char *const patterns[] = {"find", "match", "gmatch", "gsub"};
    for (int i = 0; i < 4; i++) {
        lua_pushnil(L);
        lua_setfield(L, -2, patterns[i]);
    }
    lua_getglobal(L, "table");
    wrap(L, "move", box_move);
    return 0;
}

struct luabox *luabox_new(const struct luabox_opts *o, struct err *e)
{
    struct luabox *b = calloc(1, sizeof *b);
    if (!b) {
        err_plain(e, "cannot start Lua: out of memory");
        return NULL;
    }
    b->o = *o;
    b->max_ticks = o->instructions / HOOK_EVERY;
    b->L = lua_newstate(box_alloc, b);
    if (!b->L) {
        free(b);
        err_plain(e, "cannot start Lua: out of memory");
        return NULL;
    }
    lua_pushcfunction(b->L, box_setup);
    if (lua_pcall(b->L, 0, 0, 0) != LUA_OK) {
        err_plain(e, "cannot start Lua: %s", lua_tostring(b->L, -1));
        luabox_free(b);
        return NULL;
    }
    lua_sethook(b->L, box_hook, LUA_MASKCOUNT, HOOK_EVERY);
    return b;
}

void luabox_free(struct luabox *b)
{
    if (!b)
        return;
    if (b->L)
        lua_close(b->L);
    for (int i = 0; i < b->nnames; i++)
        free(b->names[i].path);
    free(b);
}

lua_State *luabox_state(struct luabox *b) { return b->L; }

const char *luabox_traceback(const struct luabox *b) { return b->trace; }

int luabox_interrupted(const struct luabox *b) { return b->stopped; }

/* If msg starts with the position Lua gives the file ("path:12: " or, for a
 * long path, "...tail:12: "), returns the line and points *rest past it. */
static int strip_position(const char *msg, const char *path, const char **rest)
{
    size_t pl = strlen(path);
    const char *p = NULL;
    if (strncmp(msg, path, pl) == 0 && msg[pl] == ':')
        p = msg + pl + 1;
    else if (strncmp(msg, "...", 3) == 0)
        for (const char *c = strchr(msg + 3, ':'); c && !p; c = strchr(c + 1, ':')) {
            size_t tl = (size_t)(c - (msg + 3));
            if (tl <= pl && memcmp(msg + 3, path + pl - tl, tl) == 0 &&
                isdigit((unsigned char)c[1]))
                p = c + 1;
        }
    if (!p || !isdigit((unsigned char)*p))
        return 0;
    char *end;
    long line = strtol(p, &end, 10);
    if (end[0] != ':' || end[1] != ' ' || line <= 0 || line > 1000000000L)
        return 0;
    *rest = end + 2;
    return (int)line;
}

/* The error of a failed load or call (status) on top of the stack, popped. */
static int script_error(struct luabox *b, int status, const char *path, const char *hook,
                        struct err *e)
{
    char where[80] = "";
    if (hook)
        snprintf(where, sizeof where, "in %s: ", hook);
    if (b->stopped) {
        lua_pop(b->L, 1);
        return err_set(e, path, 0, 0, "%sinterrupted", where);
    }
    if (b->too_long) {
        lua_pop(b->L, 1);
        return err_set(e, path, 0, 0, "%sthe script ran too long (more than %ld instructions%s)",
                       where, b->o.instructions,
                       b->o.rearmed ? " without a new evaluation or report" : "");
    }
    /* a refused allocation may have been caught by a pcall in the script
     * (or saved by an emergency collection): only an error that is still
     * about memory counts */
    if ((status == LUA_ERRMEM || status == LUA_ERRERR) && b->out_of_memory) {
        lua_pop(b->L, 1);
        return err_set(e, path, 0, 0, "%sthe script used more than %zu MB", where,
                       b->o.memory >> 20);
    }
    size_t len = 0;
    const char *msg = lua_tolstring(b->L, -1, &len);
    if (!msg) {
        msg = "(error object is not a string)";
        len = strlen(msg);
    }
    const char *rest = msg;
    int line = strip_position(msg, path, &rest);
    if (line <= 0)
        line = b->line;
    /* one line (the traceback is kept apart), all of it: a control character
     * or a NUL in the message becomes a space */
    char flat[ERR_MAX];
    size_t k = 0;
    for (const char *c = rest; c < msg + len && k + 1 < sizeof flat; c++)
        flat[k++] = (unsigned char)*c < 0x20 || *c == 0x7f ? ' ' : *c;
    flat[k] = 0;
    if (!flat[strspn(flat, " ")])
        snprintf(flat, sizeof flat, "(an error with an empty message)");
    err_set(e, path, line, 0, "%s%s", where, flat);
    lua_pop(b->L, 1);
    return -1;
}

/* "@path" for chunk names, made once per path and kept alive by a registry
 * reference: a call (a sampler's next, every step) must not allocate a new
 * string each time, which would both grow the state and allocate outside a
 * protected call.  A box sees a few files; past NAMES_MAX the oldest name is
 * replaced (b->source only has to live through one run or call). */
static const char *chunk_name(struct luabox *b, const char *path)
{
    lua_State *L = b->L;
    for (int i = 0; i < b->nnames; i++)
        if (strcmp(b->names[i].path, path) == 0)
            return b->names[i].source;
    char *copy = strdup(path);
    if (!copy)
        return NULL; /* errors then take their line from the message only */
    int slot = b->nnames < NAMES_MAX ? b->nnames++ : b->next_name++ % NAMES_MAX;
    if (b->names[slot].path) {
        free(b->names[slot].path);
        luaL_unref(L, LUA_REGISTRYINDEX, b->names[slot].ref);
    }
    lua_pushfstring(L, "@%s", path);
    b->names[slot].path = copy;
    b->names[slot].source = lua_tostring(L, -1);
    b->names[slot].ref = luaL_ref(L, LUA_REGISTRYINDEX);
    return b->names[slot].source;
}

int luabox_call(struct luabox *b, int nargs, int nresults, const char *path, const char *hook,
                struct err *e)
{
    lua_State *L = b->L;
    int fn = lua_gettop(L) - nargs;
    const char *outer = b->source; /* a call made from inside a script */
    b->source = chunk_name(b, path);
    b->trace[0] = 0;
    lua_pushcfunction(L, box_handler);
    lua_insert(L, fn);
    int status = lua_pcall(L, nargs, nresults, fn);
    if (status != LUA_OK)
        script_error(b, status, path, hook, e);
    lua_remove(L, fn);
    b->source = outer;
    return status == LUA_OK ? 0 : -1;
}

int luabox_run(struct luabox *b, const char *text, size_t len, const char *path, int nresults,
               struct err *e)
{
    lua_State *L = b->L;
    if (len >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0) /* a UTF-8 byte-order mark */
        text += 3, len -= 3;
    char *copy = NULL;
    if (len > 0 && text[0] == '#') { /* a #! line: blanked, so lines keep their numbers */
        copy = malloc(len);
        if (!copy)
            return err_set(e, path, 0, 0, "out of memory");
        memcpy(copy, text, len);
        for (size_t i = 0; i < len && copy[i] != '\n'; i++)
            copy[i] = ' ';
        text = copy;
    }
    b->source = chunk_name(b, path);
    b->trace[0] = 0;
    int status = luaL_loadbufferx(L, text, len, b->source, "t");
    free(copy);
    if (status != LUA_OK)
        return script_error(b, status, path, NULL, e);
    return luabox_call(b, 0, nresults, path, NULL, e);
}

char *luabox_read_file(const char *path, size_t max_bytes, size_t *len, struct err *e)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        err_set(e, path, 0, 0, "cannot read: %s", strerror(errno));
        return NULL;
    }
    char *buf = malloc(max_bytes + 1);
    if (!buf) {
        fclose(f);
        err_set(e, path, 0, 0, "out of memory");
        return NULL;
    }
    *len = fread(buf, 1, max_bytes + 1, f);
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad)
        err_set(e, path, 0, 0, "cannot read: %s", strerror(saved));
    else if (*len > max_bytes)
        err_set(e, path, 0, 0, "the file is larger than %zu MB", max_bytes >> 20);
    else
        return buf;
    free(buf);
    return NULL;
}

int luabox_run_file(struct luabox *b, const char *path, size_t max_bytes, int nresults,
                    struct err *e)
{
    size_t len;
    char *buf = luabox_read_file(path, max_bytes, &len, e);
    if (!buf)
        return -1;
    int rc = luabox_run(b, buf, len, path, nresults, e);
    free(buf);
    return rc;
}
