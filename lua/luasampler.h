/* luasampler: a supernet sampler written in Lua.
 *
 * The file returns a table:
 *
 *     return {
 *         name = "least-trained",
 *         next = function(step, counts)   -- step from 0; counts[l][choice] so far
 *             return {oneshot.sample()}   -- 1 to 48 architectures: the step's paths
 *         end,
 *     }
 *
 * The script gets the architecture part of the `oneshot` module (luaarch.h);
 * oneshot.random and math.random draw from the sampler's own stream, which
 * checkpoints keep, so a resumed run draws the same paths as long as next()
 * depends only on its arguments and that stream. */
#ifndef ONESHOT_LUASAMPLER_H
#define ONESHOT_LUASAMPLER_H

#include <signal.h>

#include "err.h"
#include "sampler.h"
#include "space.h"

#define LUASAMPLER_MEMORY (64u << 20)
#define LUASAMPLER_INSTRUCTIONS 10000000L /* per step */

struct luasampler;

/* Loads the sampler file at path for space s (borrowed).  print receives the
 * script's print lines (NULL: stderr); interrupt may be NULL.  NULL with e
 * filled (`path:LINE: error: ...`, or `path: error: a sampler must return a
 * table with a function 'next'`). */
struct luasampler *luasampler_new(const char *path, const struct space *s,
                                  volatile sig_atomic_t *interrupt,
                                  void (*print)(void *ud, const char *text), void *print_ud,
                                  struct err *e);
void luasampler_free(struct luasampler *ls);

/* The sampler_custom that calls it (for sampler_init_custom). */
void luasampler_custom(struct luasampler *ls, struct sampler_custom *out);

#endif
