/* luaarch: the part of the Lua module `oneshot` every script gets —
 * architectures as Lua values, the space they belong to, and random numbers
 * from a seeded stream of the engine.
 *
 * Architectures are userdata of the metatable "oneshot.arch", immutable:
 * every operation returns a new one.  The functions are documented for users
 * in oneshot-lua(7):
 *
 *   oneshot.space                      {name, layers, count, choices = {{...}, ...}}
 *   oneshot.arch(s) / oneshot.decode(s) parse "k3e3-k5e6-..."
 *   oneshot.sample()                   a uniformly random architecture
 *   oneshot.crossover(a, b)            uniform crossover
 *   oneshot.random([m [, n]])          as math.random, from the seeded stream
 *                                      (math.random is replaced by it)
 *   a:encode() / tostring(a)           the string form
 *   #a, a[i]                           layers; the choice name at layer i
 *   a:choices()                        {name, ...}
 *   a:with(i, name)                    layer i changed
 *   a:mutate([rate]) / a:mutate_one()  point mutation / exactly one layer changed
 *   a:crossover(b), a:distance(b), a == b
 *   a:cost()                           {params = ..., macs = ...}, exact, no training
 *
 * Only lua/ includes Lua; this header speaks the program's language. */
#ifndef ONESHOT_LUAARCH_H
#define ONESHOT_LUAARCH_H

#include <lua.h>

#include "rng.h"
#include "space.h"

/* Installs the global table `oneshot` with the functions above, in a state
 * made by luabox_new.  s and *rng stay borrowed and must outlive the state;
 * *rng may be changed between calls (a sampler passes its own stream).
 * Runs unprotected: call it inside lua_pcall or right after creating the
 * state (it only allocates).  Returns 0. */
int luaarch_open(lua_State *L, const struct space *s, struct rng **rng);

/* A new architecture value for a on the stack. */
void luaarch_push(lua_State *L, const struct arch *a);

/* The architecture at index idx, or NULL if it is none. */
const struct arch *luaarch_test(lua_State *L, int idx);
/* The same, raising an argument error when it is none. */
const struct arch *luaarch_check(lua_State *L, int idx);

/* The architectures of the list at idx (a sequence of at most 1000000),
 * checked: an argument error names the first element that is not one
 * (`bad argument #1 to 'select' (element 2 is a number, not an
 * architecture)`).  *out points into a userdata left on top of the stack
 * as the array's owner.  Returns how many.  Lengths are raw, as the
 * elements are read: a __len metamethod cannot make the count negative or
 * disagree with them. */
int luaarch_check_list(lua_State *L, int idx, struct arch **out);

/* The space and stream the module was opened with. */
const struct space *luaarch_space(lua_State *L);
struct rng *luaarch_rng(lua_State *L);

#endif
