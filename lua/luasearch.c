#include "luasearch.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>

#include "evalcache.h"
#include "arch.h"
#include "luaarch.h"
#include "luabox.h"
#include "luanao.h"
#include "objective.h"
#include "pareto.h"
#include "rng.h"
#include "suggest.h"

#define SCRIPT_MAX (1u << 20)
#define PARAMS_TEXT_MAX 2048

struct luasearch {
    struct luabox *box;
    struct luasearch_config cfg;
    struct luasearch_host host;
    char strategy[EXP_PATH_MAX], metrics_file[EXP_PATH_MAX];
    char name[64];
    struct rng rng, *rngp;
    struct evalcache *cache;
    struct evalcache *asked;               /* what this run() asked for (a set: no metrics read) */
    int nmetrics, nengine;                 /* all.n, and its engine ones */
    struct metrics all;                    /* the engine's metrics, then the file's */
    int metric_ref[LUASEARCH_MAX_METRICS]; /* registry refs of the Lua metrics (engine: none) */
    struct objectives obj;                 /* the objectives and their weights */
    int run_ref;                           /* the strategy's run function */
    char params[PARAMS_TEXT_MAX];
    char library[EXP_PATH_MAX];            /* "" when there is none */
    int nloaded;
    char loaded[LUASEARCH_MAX_LOADED][EXP_PATH_MAX + 80];
    struct err host_err;                   /* why a host callback failed */
    int host_failed;
    int last_generation;                   /* the last one reported in this run() */
};

static const char search_key = 's';

static struct luasearch *search_of(lua_State *L)
{
    lua_rawgetp(L, LUA_REGISTRYINDEX, &search_key);
    struct luasearch *ls = lua_touserdata(L, -1);
    lua_pop(L, 1);
    return ls;
}

/* Raises the stored host error in the script (a pcall in the script may
 * catch it, but the run still ends with it: host_failed is sticky). */
static int host_error(lua_State *L, struct luasearch *ls)
{
    ls->host_failed = 1;
    return luaL_error(L, "%s", ls->host_err.msg);
}

/* ------------------------------------------------------------ metrics */

/* The strategy went beyond the experiment's budget: the error names the
 * script line that did, and is sticky like a host error (a pcall in the
 * script cannot swallow it). */
static int over_budget(lua_State *L, struct luasearch *ls, const char *fmt, ...)
{
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    /* the innermost script line on the stack (the call may come through
     * pcall or another C function) */
    lua_Debug ar;
    for (int level = 1; lua_getstack(L, level, &ar); level++) {
        lua_getinfo(L, "Sl", &ar);
        if (ar.currentline > 0) {
            const char *file = ar.source[0] == '@' ? ar.source + 1 : ar.short_src;
            err_set(&ls->host_err, file, ar.currentline, 0, "in run: %s", msg);
            return host_error(L, ls);
        }
    }
    err_set(&ls->host_err, ls->strategy, 0, 0, "in run: %s", msg);
    return host_error(L, ls);
}

/* a counted against this run()'s budget: the first time the strategy asks
 * for it, whether it is evaluated now or was before (preloaded from a run
 * resumed, or evaluated before a reload).  A strategy that replays its draws
 * is held to the budget it had; a reloaded one, another strategy, gets a
 * budget of its own instead of the one its predecessor spent. */
static void ask(lua_State *L, struct luasearch *ls, const struct arch *a)
{
    if (evalcache_get(ls->asked, a))
        return;
    long long budget = (long long)ls->cfg.generations * ls->cfg.population;
    if (evalcache_count(ls->asked) >= budget)
        over_budget(L, ls,
                    "oneshot.evaluate: the experiment's budget of %lld evaluations "
                    "(search.generations %d x search.population %d) is spent",
                    budget, ls->cfg.generations, ls->cfg.population);
    const double none = 0;
    if (evalcache_put(ls->asked, a, &none))
        luaL_error(L, "out of memory");
}

/* The metrics of a (all nmetrics), evaluated once and cached.  The returned
 * pointer is valid until the next evaluation. */
static const double *metrics_of(lua_State *L, struct luasearch *ls, const struct arch *a)
{
    if (ls->host_failed)
        host_error(L, ls);
    const double *m = evalcache_get(ls->cache, a);
    if (m) {
        ask(L, ls, a); /* ls->asked alone changes: m stays valid */
        return m;
    }
    if ((ls->cfg.interrupt && *ls->cfg.interrupt) || (ls->cfg.restart && *ls->cfg.restart)) {
        /* no new evaluation once interrupted; luabox_rearm notes the flag,
         * so the run ends as interrupted */
        luabox_rearm(ls->box);
        luaL_error(L, "interrupted");
    }
    ask(L, ls, a);
    double v[LUASEARCH_MAX_METRICS];
    if (ls->host.evaluate(ls->host.ud, a, v, &ls->host_err))
        host_error(L, ls);
    luabox_rearm(ls->box);
    for (int i = ls->nengine; i < ls->nmetrics; i++) {
        lua_rawgeti(L, LUA_REGISTRYINDEX, ls->metric_ref[i]);
        lua_createtable(L, 0, i);
        for (int j = 0; j < i; j++) {
            lua_pushnumber(L, v[j]);
            lua_setfield(L, -2, ls->all.m[j].name);
        }
        luaarch_push(L, a);
        lua_call(L, 2, 1);
        int isnum;
        v[i] = lua_tonumberx(L, -1, &isnum);
        if (!isnum || !isfinite(v[i]))
            luaL_error(L, "metric '%s' of %s: expected a finite number, got %s", ls->all.m[i].name,
                       ls->metrics_file, isnum ? "a non-finite one" : luaL_typename(L, -1));
        lua_pop(L, 1);
    }
    if (evalcache_put(ls->cache, a, v))
        luaL_error(L, "out of memory");
    if (ls->host.recorded && ls->host.recorded(ls->host.ud, a, v, ls->nmetrics, &ls->host_err))
        host_error(L, ls);
    return evalcache_get(ls->cache, a);
}

static void push_metrics(lua_State *L, const struct luasearch *ls, const double *m)
{
    lua_createtable(L, 0, ls->nmetrics);
    for (int i = 0; i < ls->nmetrics; i++) {
        lua_pushnumber(L, m[i]);
        lua_setfield(L, -2, ls->all.m[i].name);
    }
}

static int l_evaluate(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    const struct arch *a = luaarch_check(L, 1);
    push_metrics(L, ls, metrics_of(L, ls, a));
    return 1;
}

static int l_evaluated(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    const double *m = evalcache_get(ls->cache, luaarch_check(L, 1));
    if (m)
        push_metrics(L, ls, m);
    else
        lua_pushnil(L);
    return 1;
}

/* The objective matrix (n x nobj) of the architectures, evaluating them. */
static double *objective_matrix(lua_State *L, struct luasearch *ls, const struct arch *v, int n)
{
    double *f = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * ls->obj.n * sizeof *f, 0);
    for (int i = 0; i < n; i++) {
        const double *m = metrics_of(L, ls, &v[i]);
        for (int j = 0; j < ls->obj.n; j++) {
            double x = m[ls->obj.metric[j]];
            if (!isfinite(x)) {
                char buf[SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1];
                arch_format(ls->cfg.s, &v[i], buf, (int)sizeof buf);
                luaL_error(L, "objective '%s' of %s is %f: objectives must be finite",
                           ls->all.m[ls->obj.metric[j]].name, buf, x);
            }
            f[i * ls->obj.n + j] = x;
        }
    }
    return f;
}

/* Weights from the optional argument idx (a list of nobj numbers >= 0), or
 * NULL; divided by their largest, as nsga2_select does, so that equal
 * weights of any value become exactly 1.0 and oneshot.fronts gives the same
 * crowding distances as without weights, bit for bit. */
static const double *weights_arg(lua_State *L, struct luasearch *ls, int idx, double *w)
{
    if (lua_isnoneornil(L, idx))
        return NULL;
    luaL_checktype(L, idx, LUA_TTABLE);
    if (lua_rawlen(L, idx) != (lua_Unsigned)ls->obj.n)
        luaL_argerror(L, idx, lua_pushfstring(L, "expected %d weights, one per objective",
                                              ls->obj.n));
    double top = 0;
    for (int j = 0; j < ls->obj.n; j++) {
        lua_rawgeti(L, idx, j + 1);
        int isnum;
        w[j] = lua_tonumberx(L, -1, &isnum);
        lua_pop(L, 1);
        if (!isnum || !(w[j] >= 0) || !isfinite(w[j]))
            luaL_argerror(L, idx, "weights must be finite numbers >= 0");
        top = w[j] > top ? w[j] : top;
    }
    if (!(top > 0))
        luaL_argerror(L, idx, "at least one weight must be positive");
    for (int j = 0; j < ls->obj.n; j++)
        w[j] /= top;
    return w;
}

static int l_scores(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    struct arch *v;
    int n = luaarch_check_list(L, 1, &v);
    double *f = objective_matrix(L, ls, v, n);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_createtable(L, ls->obj.n, 0);
        for (int j = 0; j < ls->obj.n; j++) {
            lua_pushnumber(L, f[i * ls->obj.n + j]);
            lua_rawseti(L, -2, j + 1);
        }
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* fronts(list [, weights]) -> rank (1 = non-dominated), crowding */
static int l_fronts(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    double wbuf[EXP_MAX_OBJECTIVES];
    const double *w = weights_arg(L, ls, 2, wbuf);
    struct arch *v;
    int n = luaarch_check_list(L, 1, &v);
    double *f = objective_matrix(L, ls, v, n);
    int *rank = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *rank, 0);
    double *crowd = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *crowd, 0);
    if (n > 0 && (pareto_sort(f, n, ls->obj.n, ls->obj.maximize, rank) < 0 ||
                  pareto_crowding(f, n, ls->obj.n, rank, w, crowd) < 0))
        return luaL_error(L, "oneshot.fronts: out of memory");
    lua_createtable(L, n, 0);
    lua_createtable(L, n, 0);
    for (int i = 0; i < n; i++) {
        lua_pushinteger(L, rank[i] + 1);
        lua_rawseti(L, -3, i + 1);
        lua_pushnumber(L, crowd[i]);
        lua_rawseti(L, -2, i + 1);
    }
    return 2;
}

/* select(list, k [, weights]) -> the k survivors, best first */
static int l_select(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    double wbuf[EXP_MAX_OBJECTIVES];
    const double *w = weights_arg(L, ls, 3, wbuf);
    struct arch *v;
    int n = luaarch_check_list(L, 1, &v);
    lua_Integer k = luaL_checkinteger(L, 2);
    luaL_argcheck(L, k >= 0 && k <= n, 2, "k must lie in 0..#list");
    double *f = objective_matrix(L, ls, v, n);
    int *chosen = lua_newuserdatauv(L, (size_t)(k > 0 ? k : 1) * sizeof *chosen, 0);
    if (n > 0 && nsga2_select(f, n, ls->obj.n, ls->obj.maximize, w, (int)k, chosen) < 0)
        return luaL_error(L, "oneshot.select: out of memory");
    lua_createtable(L, (int)k, 0);
    for (int i = 0; i < k; i++) {
        lua_rawgeti(L, 1, chosen[i] + 1);
        lua_rawseti(L, -2, i + 1);
    }
    return 1;
}

/* tournament(list, rank, crowd) -> one element of list */
static int l_tournament(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    luaL_checktype(L, 3, LUA_TTABLE);
    lua_Integer n = (lua_Integer)lua_rawlen(L, 1);
    luaL_argcheck(L, n >= 1, 1, "the list is empty");
    luaL_argcheck(L, (lua_Integer)lua_rawlen(L, 2) == n && (lua_Integer)lua_rawlen(L, 3) == n, 2,
                  "rank and crowding must have one entry per element");
    int *rank = lua_newuserdatauv(L, (size_t)n * sizeof *rank, 0);
    double *crowd = lua_newuserdatauv(L, (size_t)n * sizeof *crowd, 0);
    for (lua_Integer i = 0; i < n; i++) {
        lua_rawgeti(L, 2, i + 1);
        rank[i] = (int)luaL_checkinteger(L, -1);
        lua_rawgeti(L, 3, i + 1);
        crowd[i] = luaL_checknumber(L, -1);
        luaL_argcheck(L, !isnan(crowd[i]), 3, "crowding distances must not be NaN");
        lua_pop(L, 2);
    }
    int pick = nsga2_tournament(rank, crowd, (int)n, &ls->rng);
    lua_rawgeti(L, 1, pick + 1);
    return 1;
}

/* pareto(list) -> the non-dominated elements, in list order, each
 * architecture once */
static int l_pareto(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    struct arch *v;
    int n = luaarch_check_list(L, 1, &v);
    double *f = objective_matrix(L, ls, v, n);
    int *front = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * sizeof *front, 0);
    int nf = pareto_front(f, n, ls->obj.n, ls->obj.maximize, front);
    if (nf < 0)
        return luaL_error(L, "oneshot.pareto: out of memory");
    lua_newtable(L);
    int k = 0;
    for (int a = 0; a < nf; a++) {
        int i = front[a], dup = 0;
        for (int b = 0; b < a && !dup; b++)
            dup = arch_equal(&v[i], &v[front[b]]);
        if (dup)
            continue;
        lua_rawgeti(L, 1, i + 1);
        lua_rawseti(L, -2, ++k);
    }
    return 1;
}

static int l_weights(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    lua_createtable(L, ls->obj.n, 0);
    for (int j = 0; j < ls->obj.n; j++) {
        lua_pushnumber(L, ls->obj.weight[j]);
        lua_rawseti(L, -2, j + 1);
    }
    return 1;
}

static int l_report(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    lua_Integer g = luaL_checkinteger(L, 1);
    luaL_argcheck(L, g >= 1 && g <= 10000000, 1, "generations count from 1");
    struct arch *v;
    int n = luaarch_check_list(L, 2, &v);
    if (g > ls->cfg.generations)
        return over_budget(L, ls,
                           "oneshot.report: generation %lld is beyond the experiment's %d "
                           "(search.generations)",
                           (long long)g, ls->cfg.generations);
    if (g <= ls->last_generation)
        return over_budget(L, ls,
                           "oneshot.report: generation %lld reported after generation %d "
                           "(each generation is reported once, in order)",
                           (long long)g, ls->last_generation);
    if (n > ls->cfg.population)
        return over_budget(L, ls,
                           "oneshot.report: a population of %d is larger than the experiment's "
                           "%d (search.population)",
                           n, ls->cfg.population);
    ls->last_generation = (int)g;
    double *m = lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * ls->nmetrics * sizeof *m, 0);
    for (int i = 0; i < n; i++)
        memcpy(m + (size_t)i * ls->nmetrics, metrics_of(L, ls, &v[i]),
               (size_t)ls->nmetrics * sizeof *m);
    if (ls->host.report(ls->host.ud, (int)g, v, n, m, ls->nmetrics, &ls->host_err))
        return host_error(L, ls);
    luabox_rearm(ls->box);
    return 0;
}

/* strategy(name): the table a shipped strategy file returns, run anew in
 * this state, so that a strategy can build on another one. */
static int l_strategy(lua_State *L)
{
    struct luasearch *ls = search_of(L);
    const char *name = luaL_checkstring(L, 1);
    int word = *name != 0 && strlen(name) < 64;
    for (const char *c = name; *c && word; c++)
        word = isalnum((unsigned char)*c) || *c == '_' || *c == '-';
    if (!word)
        return luaL_argerror(L, 1, "a strategy's name: letters, digits, '_' and '-'");
    if (!ls->library[0])
        return luaL_error(L, "oneshot.strategy: no library of strategies in this run");
    char path[EXP_PATH_MAX + 80];
    snprintf(path, sizeof path, "%s/%s.lua", ls->library, name);
    struct err e;
    if (luabox_run_file(ls->box, path, SCRIPT_MAX, 1, &e))
        return luaL_error(L, "oneshot.strategy('%s'): %s", name, e.msg);
    if (lua_type(L, -1) != LUA_TTABLE)
        return luaL_error(L, "oneshot.strategy('%s'): %s returned no table", name, path);
    int seen = 0;
    for (int i = 0; i < ls->nloaded; i++)
        seen |= strcmp(ls->loaded[i], path) == 0;
    if (!seen && ls->nloaded < LUASEARCH_MAX_LOADED)
        snprintf(ls->loaded[ls->nloaded++], sizeof ls->loaded[0], "%s", path);
    return 1;
}

static int l_log(lua_State *L)
{
    lua_getglobal(L, "print");
    lua_insert(L, 1);
    lua_call(L, lua_gettop(L) - 1, 0);
    return 0;
}

/* ------------------------------------------------------------ loading */

static void box_print(void *ud, const char *text)
{
    struct luasearch *ls = ud;
    if (ls->host.print)
        ls->host.print(ls->host.ud, text);
    else
        fprintf(stderr, "%s\n", text);
}

static int valid_metric_name(const char *s)
{
    if (!*s || isdigit((unsigned char)*s) || strlen(s) >= EXP_NAME_MAX)
        return 0;
    for (; *s; s++)
        if (!isalnum((unsigned char)*s) && *s != '_')
            return 0;
    return 1;
}

static int name_cmp(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The metrics file's table is on top: registers its functions in name order. */
static int read_metrics(struct luasearch *ls, struct err *e)
{
    lua_State *L = luabox_state(ls->box);
    const char *path = ls->metrics_file;
    if (!lua_istable(L, -1))
        return err_set(e, path, 0, 0,
                       "a metrics file must return a table of functions, name = function(m, a)");
    const char *keys[LUASEARCH_MAX_METRICS];
    int nk = 0;
    lua_pushnil(L);
    while (lua_next(L, -2)) {
        if (lua_type(L, -2) != LUA_TSTRING || !valid_metric_name(lua_tostring(L, -2))) {
            lua_pop(L, 2);
            return err_set(e, path, 0, 0,
                           "metric names must be words of letters, digits and '_' not starting "
                           "with a digit");
        }
        const char *k = lua_tostring(L, -2);
        if (lua_type(L, -1) != LUA_TFUNCTION) {
            err_set(e, path, 0, 0, "metric '%s' must be a function(m, a), not a %s", k,
                    luaL_typename(L, -1));
            lua_pop(L, 2);
            return -1;
        }
        for (int i = 0; i < ls->nengine; i++)
            if (strcmp(k, ls->all.m[i].name) == 0) {
                lua_pop(L, 2);
                return err_set(e, path, 0, 0, "metric '%s' is one the engine computes", k);
            }
        if (ls->nengine + nk >= LUASEARCH_MAX_METRICS) {
            lua_pop(L, 2);
            return err_set(e, path, 0, 0, "more than %d metrics", LUASEARCH_MAX_METRICS);
        }
        keys[nk++] = k; /* the key stays alive: the table holds it */
        lua_pop(L, 1);
    }
    qsort(keys, (size_t)nk, sizeof *keys, name_cmp);
    for (int i = 0; i < nk; i++) {
        int m = ls->nmetrics++;
        if (metrics_add(&ls->all, keys[i], METRIC_SCRIPT, NULL, e))
            return err_set(e, path, 0, 0, "metric '%s': %s", keys[i], e->text);
        lua_getfield(L, -1, keys[i]);
        ls->metric_ref[m] = luaL_ref(L, LUA_REGISTRYINDEX);
    }
    lua_pop(L, 1);
    return 0;
}

static int objectives(struct luasearch *ls, struct err *e)
{
    const char *names[LUASEARCH_MAX_METRICS];
    for (int i = 0; i < ls->nmetrics; i++)
        names[i] = ls->all.m[i].name;
    return objectives_init(&ls->obj, ls->cfg.x, names, ls->nmetrics,
                           ls->cfg.metrics ? NULL : "; others can come from a metrics file", e);
}

/* Converts one search.params value to the type of the default on top of the
 * stack (a boolean or a string; numbers are read by the caller) and
 * replaces it. */
static int param_value(struct luasearch *ls, const struct exp_param *p, struct err *e)
{
    lua_State *L = luabox_state(ls->box);
    const char *file = ls->cfg.x->file, *v = p->value;
    int t = lua_type(L, -1);
    lua_pop(L, 1);
    if (t == LUA_TSTRING) {
        lua_pushstring(L, v);
        return 0;
    }
    if (t == LUA_TBOOLEAN && !p->quoted) {
        static const char *const yes[] = {"true", "yes", "on"};
        static const char *const no[] = {"false", "no", "off"};
        for (int i = 0; i < 3; i++)
            if (strcmp(v, yes[i]) == 0 || strcmp(v, no[i]) == 0) {
                lua_pushboolean(L, strcmp(v, yes[i]) == 0);
                return 0;
            }
    }
    if (t == LUA_TBOOLEAN)
        return err_set(e, file, p->line, p->col,
                       "search.params.%s: expected true or false, got '%s'", p->key, v);
    return err_set(e, file, p->line, p->col,
                   "search.params.%s: the strategy's default is a %s; only numbers, booleans "
                   "and strings can be set",
                   p->key, lua_typename(L, t));
}

/* The strategy's params table on top: builds oneshot.params from its
 * defaults and the experiment's overrides. */
static int read_params(struct luasearch *ls, struct err *e)
{
    lua_State *L = luabox_state(ls->box);
    const struct experiment *x = ls->cfg.x;
    int defaults = lua_gettop(L);
    if (!lua_istable(L, defaults) && !lua_isnil(L, defaults))
        return err_set(e, ls->strategy, 0, 0, "the strategy's 'params' must be a table");
    lua_newtable(L);
    int out = lua_gettop(L);
    const char *names[EXP_MAX_PARAMS * 2 + 1];
    int nn = 0;
    if (lua_istable(L, defaults)) {
        lua_pushnil(L);
        while (lua_next(L, defaults)) {
            if (lua_type(L, -2) != LUA_TSTRING) {
                lua_pop(L, 2);
                return err_set(e, ls->strategy, 0, 0, "the keys of 'params' must be names");
            }
            if (nn < EXP_MAX_PARAMS * 2)
                names[nn++] = lua_tostring(L, -2);
            lua_pushvalue(L, -2);
            lua_insert(L, -2);
            lua_rawset(L, out);
        }
    }
    /* lua_next's order depends on the state's string hashes, which differ
     * between runs: sorted, the suggestions and the params text do not */
    qsort(names, (size_t)nn, sizeof *names, name_cmp);
    names[nn] = NULL;
    for (int i = 0; i < x->search.nparams; i++) {
        const struct exp_param *p = &x->search.params[i];
        lua_getfield(L, out, p->key);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            const char *near = suggest_word(p->key, names);
            char known[512] = "";
            size_t used = 0;
            for (int k = 0; k < nn && used < sizeof known; k++)
                used += (size_t)snprintf(known + used, sizeof known - used, "%s%s", k ? ", " : "",
                                         names[k]);
            if (near)
                return err_set(e, x->file, p->key_line, p->key_col,
                               "search.params: unknown parameter '%s' of strategy %s (did you "
                               "mean '%s'?)",
                               p->key, ls->name, near);
            return err_set(e, x->file, p->key_line, p->key_col,
                           "search.params: unknown parameter '%s' of strategy %s (it has %s)",
                           p->key, ls->name, nn ? known : "none");
        }
        int t = lua_type(L, -1), is_int = lua_isinteger(L, -1);
        if (t == LUA_TNUMBER) {
            lua_pop(L, 1);
            char *end;
            const char *v = p->value;
            if (p->quoted || !*v)
                return err_set(e, x->file, p->line, p->col,
                               "search.params.%s: expected a number, got '%s'", p->key, v);
            errno = 0;
            if (is_int) {
                long long n = strtoll(v, &end, 10);
                if (*end || errno)
                    return err_set(e, x->file, p->line, p->col,
                                   "search.params.%s: expected a whole number, got '%s'", p->key,
                                   v);
                lua_pushinteger(L, n);
            } else {
                double d = strtod(v, &end);
                if (*end || !isfinite(d))
                    return err_set(e, x->file, p->line, p->col,
                                   "search.params.%s: expected a number, got '%s'", p->key, v);
                lua_pushnumber(L, d);
            }
        } else if (param_value(ls, p, e)) {
            return -1;
        }
        lua_setfield(L, out, p->key);
    }
    /* the text form, for the run's records */
    size_t used = 0;
    ls->params[0] = 0;
    for (int k = 0; k < nn; k++) {
        lua_getfield(L, out, names[k]);
        used += (size_t)snprintf(ls->params + used, sizeof ls->params - used, "%s%s=%s",
                                 k ? " " : "", names[k], luaL_tolstring(L, -1, NULL));
        lua_pop(L, 2);
        if (used >= sizeof ls->params)
            break;
    }
    lua_remove(L, defaults);
    return 0;
}

static const luaL_Reg search_funcs[] = {
    {"evaluate", l_evaluate}, {"evaluated", l_evaluated}, {"scores", l_scores},
    {"fronts", l_fronts},     {"select", l_select},       {"tournament", l_tournament},
    {"pareto", l_pareto},     {"weights", l_weights},     {"report", l_report},
    {"log", l_log},           {"strategy", l_strategy},   {NULL, NULL}};

/* Sets up the module (runs protected). */
static int setup(lua_State *L)
{
    struct luasearch *ls = lua_touserdata(L, 1);
    lua_pushlightuserdata(L, ls);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &search_key);
    luaarch_open(L, ls->cfg.s, &ls->rngp);
    luanao_open(L, ls->cfg.seed);
    lua_getglobal(L, "oneshot");
    luaL_setfuncs(L, search_funcs, 0);
    lua_pushinteger(L, ls->cfg.generations);
    lua_setfield(L, -2, "generations");
    lua_pushinteger(L, ls->cfg.population);
    lua_setfield(L, -2, "population");
    lua_pushinteger(L, (lua_Integer)ls->cfg.seed);
    lua_setfield(L, -2, "seed");
    lua_createtable(L, ls->obj.n, 0);
    for (int j = 0; j < ls->cfg.x->nobjectives; j++) {
        const struct exp_objective *o = &ls->cfg.x->objectives[j];
        lua_createtable(L, 0, 4);
        lua_pushstring(L, o->name);
        lua_setfield(L, -2, "name");
        lua_pushstring(L, exp_direction_name(o->direction));
        lua_setfield(L, -2, "direction");
        lua_pushboolean(L, o->direction == EXP_MAXIMIZE);
        lua_setfield(L, -2, "maximize");
        lua_pushnumber(L, o->weight);
        lua_setfield(L, -2, "weight");
        lua_rawseti(L, -2, j + 1);
    }
    lua_setfield(L, -2, "objectives");
    lua_pop(L, 1);
    return 0;
}

static void set_metric_names(lua_State *L, const struct luasearch *ls)
{
    lua_getglobal(L, "oneshot");
    lua_createtable(L, ls->nmetrics, 0);
    for (int i = 0; i < ls->nmetrics; i++) {
        lua_pushstring(L, ls->all.m[i].name);
        lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "metrics");
    lua_pop(L, 1);
}

/* Loads the metrics and strategy files and reads the strategy's table into
 * the module (oneshot.metrics, oneshot.params).  The table is read raw, so
 * no metamethod of the script runs here.  0 or -1 with e filled. */
static int load_scripts(struct luasearch *ls, struct err *e)
{
    lua_State *L = luabox_state(ls->box);
    if (ls->cfg.metrics) {
        if (luabox_run_file(ls->box, ls->metrics_file, SCRIPT_MAX, 1, e) || read_metrics(ls, e))
            return -1;
    }
    set_metric_names(L, ls);
    if (objectives(ls, e))
        return -1;
    luabox_rearm(ls->box);
    if (luabox_run_file(ls->box, ls->strategy, SCRIPT_MAX, 1, e))
        return -1;
    if (!lua_istable(L, -1))
        return err_set(e, ls->strategy, 0, 0,
                       "a strategy must return a table with a function 'run' (it returned a %s)",
                       luaL_typename(L, -1));
    int t = lua_gettop(L);
    lua_pushliteral(L, "name");
    if (lua_rawget(L, t) == LUA_TSTRING)
        snprintf(ls->name, sizeof ls->name, "%s", lua_tostring(L, -1));
    lua_pop(L, 1);
    lua_pushliteral(L, "run");
    if (lua_rawget(L, t) != LUA_TFUNCTION)
        return err_set(e, ls->strategy, 0, 0,
                       "a strategy must return a table with a function 'run'");
    ls->run_ref = luaL_ref(L, LUA_REGISTRYINDEX);
    lua_pushliteral(L, "params");
    lua_rawget(L, t);
    if (read_params(ls, e))
        return -1;
    lua_getglobal(L, "oneshot");
    lua_insert(L, -2);
    lua_setfield(L, -2, "params");
    lua_settop(L, 0);
    return 0;
}

struct loading {
    struct luasearch *ls;
    struct err *e;
    int rc;
};

/* load_scripts under lua_pcall: what it does with the state allocates, and
 * an allocation refused for the memory budget must not raise an error
 * outside a protected call. */
static int load_protected(lua_State *L)
{
    struct loading *ld = lua_touserdata(L, 1);
    lua_settop(L, 0);
    ld->rc = load_scripts(ld->ls, ld->e);
    return 0;
}

static void base_name(char *out, size_t n, const char *path)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    size_t len = strlen(b);
    if (len > 4 && strcmp(b + len - 4, ".lua") == 0)
        len -= 4;
    snprintf(out, n, "%.*s", (int)len, b);
}

struct luasearch *luasearch_new(const struct luasearch_config *c, const struct luasearch_host *h,
                                struct err *e)
{
    if (!c->engine || c->engine->n < 1) {
        err_plain(e, "luasearch: no engine metrics");
        return NULL;
    }
    struct luasearch *ls = calloc(1, sizeof *ls);
    if (!ls) {
        err_plain(e, "out of memory");
        return NULL;
    }
    ls->cfg = *c;
    ls->host = *h;
    snprintf(ls->strategy, sizeof ls->strategy, "%s", c->strategy);
    if (c->metrics)
        snprintf(ls->metrics_file, sizeof ls->metrics_file, "%s", c->metrics);
    ls->cfg.strategy = ls->strategy;
    if (c->library)
        snprintf(ls->library, sizeof ls->library, "%s", c->library);
    ls->cfg.metrics = c->metrics ? ls->metrics_file : NULL;
    base_name(ls->name, sizeof ls->name, c->strategy);
    rng_seed(&ls->rng, c->seed, RNG_STREAM_SEARCH);
    ls->rngp = &ls->rng;
    ls->all = *c->engine;
    ls->nengine = ls->nmetrics = c->engine->n;
    ls->cfg.engine = &ls->all;
    ls->run_ref = LUA_NOREF;
    struct luabox_opts bo = {.memory = LUASEARCH_MEMORY,
                             .instructions = LUASEARCH_INSTRUCTIONS,
                             .rearmed = 1,
                             .print = box_print,
                             .print_ud = ls,
                             .interrupt = c->interrupt,
                             .interrupt_too = c->restart};
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
    struct loading ld = {ls, e, -1};
    lua_pushcfunction(L, load_protected);
    lua_pushlightuserdata(L, &ld);
    if (lua_pcall(L, 1, 0, 0) != LUA_OK) {
        err_set(e, ls->strategy, 0, 0, "%s",
                lua_isstring(L, -1) ? lua_tostring(L, -1) : "cannot load the strategy");
        goto fail;
    }
    if (ld.rc)
        goto fail;
    lua_settop(L, 0);
    ls->cache = evalcache_new(LUASEARCH_MAX_METRICS);
    ls->asked = evalcache_new(1);
    if (!ls->cache || !ls->asked) {
        err_plain(e, "out of memory");
        goto fail;
    }
    return ls;
fail:
    luasearch_free(ls);
    return NULL;
}

void luasearch_free(struct luasearch *ls)
{
    if (!ls)
        return;
    luabox_free(ls->box);
    evalcache_free(ls->cache);
    evalcache_free(ls->asked);
    free(ls);
}

const struct metrics *luasearch_metrics(const struct luasearch *ls) { return &ls->all; }

int luasearch_nmetrics(const struct luasearch *ls) { return ls->nmetrics; }

const char *luasearch_metric_name(const struct luasearch *ls, int i) { return ls->all.m[i].name; }

const char *luasearch_name(const struct luasearch *ls) { return ls->name; }

const char *luasearch_params(const struct luasearch *ls) { return ls->params; }

int luasearch_nloaded(const struct luasearch *ls) { return ls->nloaded; }

int luasearch_count(const struct luasearch *ls) { return evalcache_count(ls->cache); }

const double *luasearch_at(const struct luasearch *ls, int i, struct arch *a)
{
    const double *m = NULL;
    return evalcache_at(ls->cache, i, a, &m) == 0 ? m : NULL;
}

const char *luasearch_loaded(const struct luasearch *ls, int i) { return ls->loaded[i]; }

const char *luasearch_traceback(const struct luasearch *ls) { return luabox_traceback(ls->box); }

int luasearch_interrupted(const struct luasearch *ls) { return luabox_interrupted(ls->box); }

int luasearch_preload(struct luasearch *ls, const struct arch *a, const double *values)
{
    double v[LUASEARCH_MAX_METRICS] = {0};
    memcpy(v, values, (size_t)ls->nmetrics * sizeof *v);
    return evalcache_put(ls->cache, a, v);
}

int luasearch_run(struct luasearch *ls, struct err *e)
{
    lua_State *L = luabox_state(ls->box);
    luabox_rearm(ls->box);
    ls->last_generation = 0;
    /* run() starts again: so do its generations and its budget */
    struct evalcache *asked = evalcache_new(1);
    if (!asked)
        return err_plain(e, "out of memory");
    evalcache_free(ls->asked);
    ls->asked = asked;
    lua_rawgeti(L, LUA_REGISTRYINDEX, ls->run_ref);
    int rc = luabox_call(ls->box, 0, 0, ls->strategy, "run", e);
    if (ls->host_failed) {
        *e = ls->host_err;
        return -1;
    }
    return rc;
}

int luasearch_set_weights(struct luasearch *ls, const double *w, int n)
{
    return objectives_set_weights(&ls->obj, w, n);
}
