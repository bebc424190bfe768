#include "scripts.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "luasearch.h"
#include "rundir.h"
#include "shipped.h"
#include "suggest.h"

/* The directory of the shipped strategies into out; 0, or -1 when there is
 * none. */
static int shipped_lua_dir(char *out, size_t n)
{
    struct err ignored;
    if (shipped_find("lua", "random.lua", out, n, &ignored))
        return -1;
    *strrchr(out, '/') = 0;
    return 0;
}

/* The names of the shipped strategies into names[] (NULL-terminated, the
 * text in store) and as "random, nsga2, ..." into out (n bytes); returns
 * how many. */
static int shipped_strategies(char store[][64], int max, const char **names, char *out, size_t n)
{
    char dir[EXP_PATH_MAX];
    int count = 0;
    out[0] = 0;
    names[0] = NULL;
    DIR *d = shipped_lua_dir(dir, sizeof dir) ? NULL : opendir(dir);
    if (!d)
        return 0;
    struct dirent *de;
    while ((de = readdir(d)) && count < max - 1) {
        size_t l = strlen(de->d_name);
        if (l < 5 || l > 60 || strcmp(de->d_name + l - 4, ".lua") != 0)
            continue;
        snprintf(store[count], 64, "%.*s", (int)(l - 4), de->d_name);
        /* in name order, whatever order the directory lists them in */
        int k = count++;
        for (; k > 0 && strcmp(names[k - 1], store[count - 1]) > 0; k--)
            names[k] = names[k - 1];
        names[k] = store[count - 1];
    }
    names[count] = NULL;
    closedir(d);
    size_t used = 0;
    for (int i = 0; i < count; i++)
        used += (size_t)snprintf(out + used, used < n ? n - used : 0, "%s%s", i ? ", " : "",
                                 names[i]);
    return count;
}

/* The strategy file of the experiment: a path, or a name shipped in lua/. */
static int find_strategy(const struct experiment *x, char *out, size_t n, struct err *e)
{
    const struct exp_ref *r = &x->search.strategy;
    if (r->is_path) {
        if (access(r->resolved, R_OK) != 0)
            return err_set(e, x->file, r->line, r->col, "search.strategy: cannot read %s: %s",
                           r->resolved, strerror(errno));
        snprintf(out, n, "%s", r->resolved);
        return 0;
    }
    char file[EXP_PATH_MAX + 8];
    snprintf(file, sizeof file, "%s.lua", r->text);
    struct err where;
    if (shipped_find("lua", file, out, n, &where) == 0)
        return 0;
    char list[1024], store[32][64];
    const char *names[33];
    int count = shipped_strategies(store, 32, names, list, sizeof list);
    const char *near = count ? suggest_word(r->text, names) : NULL;
    if (near)
        return err_set(e, x->file, r->line, r->col,
                       "search.strategy: no strategy '%s' (did you mean '%s'?)", r->text, near);
    if (count)
        return err_set(e, x->file, r->line, r->col,
                       "search.strategy: no strategy '%s' (shipped: %s; or give a .lua file)",
                       r->text, list);
    return err_set(e, x->file, r->line, r->col, "search.strategy: no strategy '%s': %s", r->text,
                   where.text);
}

/* The scripts of a run: the field each goes to, its name in a run
 * directory, whether the experiment uses it, and the experiment's file. */
struct script {
    char *file;
    const char *copy;
    int used;
    const char *src;
};

static int list(struct run_scripts *sc, const struct experiment *x, const char *strategy,
                struct script *s)
{
    int oneshot = x->method == EXP_ONESHOT; /* (Single-Path NAS has only a space file) */
    struct script v[] = {
        {sc->strategy, "strategy.lua", oneshot, strategy},
        {sc->sampler, "sampler.lua", oneshot && x->supernet.sampler.is_path,
         x->supernet.sampler.resolved},
        {sc->metrics, "metrics.lua", oneshot && x->search.metrics.text[0] != 0,
         x->search.metrics.resolved},
        {sc->space, "space.lua", x->space.is_path, x->space.resolved},
    };
    memcpy(s, v, sizeof v);
    return 4;
}

int scripts_locate(struct run_scripts *sc, const struct experiment *x, const char *dir,
                   int from_run, struct err *e)
{
    memset(sc, 0, sizeof *sc);
    char strategy[EXP_PATH_MAX] = "";
    if (!from_run && x->method == EXP_ONESHOT && find_strategy(x, strategy, sizeof strategy, e))
        return -1;
    struct script s[4];
    int n = list(sc, x, strategy, s);
    for (int i = 0; i < n; i++) {
        if (!s[i].used)
            continue;
        if (!from_run) {
            snprintf(s[i].file, EXP_PATH_MAX, "%s", s[i].src);
            continue;
        }
        rundir_path(s[i].file, EXP_PATH_MAX, dir, s[i].copy);
        if (!rundir_exists(s[i].file))
            return err_set(e, s[i].file, 0, 0, "is missing: the run directory is incomplete");
    }
    /* where oneshot.strategy(name) looks: the shipped ones, or for a run
     * resumed from its directory the copies of those the first run loaded */
    if (from_run)
        rundir_path(sc->library, sizeof sc->library, dir, "lib");
    else if (shipped_lua_dir(sc->library, sizeof sc->library))
        sc->library[0] = 0;
    return 0;
}

int scripts_relocate_search(struct run_scripts *sc, const struct experiment *x, struct err *e)
{
    if (x->method != EXP_ONESHOT)
        return 0; /* no strategy or metrics file to read again */
    char strategy[EXP_PATH_MAX];
    if (find_strategy(x, strategy, sizeof strategy, e))
        return -1;
    snprintf(sc->strategy, sizeof sc->strategy, "%s", strategy);
    sc->metrics[0] = 0;
    if (x->search.metrics.text[0])
        snprintf(sc->metrics, sizeof sc->metrics, "%s", x->search.metrics.resolved);
    if (shipped_lua_dir(sc->library, sizeof sc->library))
        sc->library[0] = 0;
    return 0;
}

int scripts_copy(const struct run_scripts *sc, const struct experiment *x, const char *dir,
                 const struct luasearch *ls, struct err *e)
{
    struct run_scripts c = *sc;
    struct script s[4];
    int n = list(&c, x, sc->strategy, s);
    char to[EXP_PATH_MAX + 96];
    for (int i = 0; i < n; i++) {
        if (!s[i].used)
            continue;
        rundir_path(to, sizeof to, dir, s[i].copy);
        if (strcmp(s[i].file, to) != 0 && rundir_copy_file(s[i].file, to, e))
            return -1;
    }
    int nl = ls ? luasearch_nloaded(ls) : 0;
    if (nl == 0)
        return 0;
    char lib[EXP_PATH_MAX + 16];
    rundir_path(lib, sizeof lib, dir, "lib");
    if (rundir_mkdirs(lib, e))
        return -1;
    for (int i = 0; i < nl; i++) {
        const char *from = luasearch_loaded(ls, i), *base = strrchr(from, '/');
        snprintf(to, sizeof to, "%s/%.60s", lib, base ? base + 1 : from);
        if (strcmp(from, to) != 0 && rundir_copy_file(from, to, e))
            return -1;
    }
    return 0;
}
