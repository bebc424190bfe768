/* shipped: what oneshot ships and finds when it runs.
 *
 * The files of a source tree or an installation: lua/ (strategies), devices/
 * (device models), spaces/ (space files and ground-truth tables), examples/.
 * They are looked for in $ONESHOT_DATADIR, next to the running binary (a
 * source tree), then in <binary>/../share/oneshot (an installation).  Built
 * on them: a search space by name or file, and a latency device by name. */
#ifndef ONESHOT_SHIPPED_H
#define ONESHOT_SHIPPED_H

#include <stddef.h>

#include "ctx.h"
#include "err.h"
#include "latency.h"
#include "latmeasure.h"
#include "space.h"

/* <kind>/<name> (kind "lua", "devices", "spaces", "examples"): the first
 * that exists into out (n bytes).  0, or -1 with e saying where it looked. */
int shipped_find(const char *kind, const char *name, char *out, size_t n, struct err *e);

/* A space: a built-in name (fmnist, fmnist-se, fmnist-skip, fmnist-se-skip,
 * tiny; NULL or "" is fmnist) or a Lua space file.  0 or -1. */
int shipped_space(struct space *s, const char *name_or_file, struct err *e);

/* A latency device for space s into t: "host" is measured now on this
 * machine (seconds; progress, which may be NULL, hears how far it is),
 * "mobile-gpu" and "mobile-cpu" are the shipped models (devices/NAME.yaml),
 * anything with a '/' or a '.' is a table or model file.  0 or -1. */
int shipped_device(struct latency_table *t, const char *device, const struct space *s,
                   const struct ctx *c, latency_progress_fn progress, void *user, struct err *e);

#endif
