/* scripts: the Lua files of a run and where they come from.
 *
 * A run uses a strategy (a name shipped in lua/, or a .lua path), and maybe a
 * sampler file, a metrics file and a space file (a run of method singlepath:
 * only the space file).  A new run loads the
 * experiment's files, so errors name them, and keeps copies in its run
 * directory (strategy.lua, sampler.lua, metrics.lua, space.lua, and in lib/
 * the shipped strategies oneshot.strategy() loaded); a resumed run loads the
 * copies, so files edited since do not change it, unless it is told to read
 * the strategy and metrics files again (a reload, after a fix). */
#ifndef ONESHOT_SCRIPTS_H
#define ONESHOT_SCRIPTS_H

#include <stddef.h>

#include "err.h"
#include "experiment.h"

struct luasearch;

struct run_scripts {
    char strategy[EXP_PATH_MAX]; /* the file each is loaded from ("" when unused) */
    char sampler[EXP_PATH_MAX];
    char metrics[EXP_PATH_MAX];
    char space[EXP_PATH_MAX];
    char library[EXP_PATH_MAX];  /* where oneshot.strategy(name) looks ("" when nowhere) */
};

/* Where the run's scripts are: the experiment's files (from_run == 0), or
 * the copies in run directory dir (from_run == 1; a missing copy is an
 * error: the run directory is incomplete).  A strategy name that is not
 * shipped is an error at its line in the experiment, with a suggestion or
 * the list of shipped ones.  0, or -1 with e filled. */
int scripts_locate(struct run_scripts *sc, const struct experiment *x, const char *dir,
                   int from_run, struct err *e);

/* The strategy and metrics files read from the experiment again (a reload
 * or --resume --reload); the sampler and space stay the run's copies (the
 * supernet depends on them).  0 or -1. */
int scripts_relocate_search(struct run_scripts *sc, const struct experiment *x, struct err *e);

/* Copies the scripts in use into run directory dir, and the strategies ls
 * loaded through oneshot.strategy() into dir/lib.  0 or -1. */
int scripts_copy(const struct run_scripts *sc, const struct experiment *x, const char *dir,
                 const struct luasearch *ls, struct err *e);

#endif
