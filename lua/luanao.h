/* luanao: NAO's controller (src/nao.h) for Lua search strategies, as the
 * table `oneshot.nao` of the module:
 *
 *   oneshot.nao.new([config])          a controller over the run's space
 *   c:train(archs, scores [, epochs])  a training round -> {loss, mse, nll, epochs}
 *   c:predict(a | list)                the predictor's output(s) in (0, 1)
 *   c:generate(top, count [, exclude [, max_eta]])
 *                                      new architectures moved from top (best
 *                                      first), in neither list, canonical
 *   c:embed(a | list)                  the embedding(s), lists of numbers
 *   c:reconstruct(a | list)            encoded and decoded again
 *   oneshot.nao.canonical(a)           a's canonical form (src/archset.h)
 *   oneshot.nao.tau(x, y)              Kendall's tau-b and NAO's pairwise accuracy
 *
 * Architectures are the values of luaarch.h.  A controller is a userdata
 * that owns its struct nao: freed by the garbage collector or by a <close>
 * variable, and its memory counts against the state's limit
 * (luabox_charge).  Training checks the host's interrupt between epochs.
 * Every bad argument is a Lua argument error at the script's line.
 * Documented for users in oneshot-lua(7). */
#ifndef ONESHOT_LUANAO_H
#define ONESHOT_LUANAO_H

#include <stdint.h>

#include <lua.h>

/* Adds `nao` to the global table `oneshot` (luaarch_open must have made it,
 * in a state made by luabox_new).  A controller's seed defaults to seed.
 * Runs unprotected: call it inside lua_pcall (it allocates).  Returns 0. */
int luanao_open(lua_State *L, uint64_t seed);

#endif
