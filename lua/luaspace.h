/* luaspace: search spaces written as Lua 5.4 files.
 *
 * A space file is a Lua chunk that returns a table describing the space (see
 * spaces/fmnist.lua).  It runs in a fresh, sandboxed interpreter: the base
 * library without dofile and loadfile (load takes text chunks only, print writes
 * to standard error, setmetatable refuses __gc), string without its pattern
 * functions (find, match, gmatch, gsub: their backtracking runs in C, out of
 * reach of the instruction count), table and math; no io, os, package, require,
 * debug or coroutine.  The script may compute its table (loops, functions), but
 * it is stopped after LUASPACE_MAX_INSTRUCTIONS virtual-machine instructions or
 * when it holds more than LUASPACE_MAX_MEMORY bytes.
 *
 * The returned table:
 *
 *     name    = "fmnist",        -- required: 1..63 letters, digits, '-', '_', '.', '+'
 *     input   = {channels = 1, height = 28, width = 28},
 *     classes = 10,              -- 2..100000
 *     stem    = {channels = 16, kernel = 3, stride = 2, act = "relu"},
 *     stages  = {                -- 1..8 stages, at most 32 layers in all
 *         {channels = 16, layers = 2, stride = 1},
 *         {channels = 24, layers = 3, stride = 2, choices = {"k3e3", "k5e3"}},
 *     },
 *     choices = {"k3e3", "k3e6", "k5e6sh", "skip",
 *                {kernel = 5, expansion = 6, se = true, act = "hswish", name = "k5e6sh"}},
 *     head    = {channels = 128, act = "relu"},
 *
 * channels 1..4096, kernels odd 1..13, strides 1..4, expansions 1..16, act
 * "relu" (the default when left out) or "hswish".  A choice token is `skip` or
 * k<K>e<E> with an optional `s` (squeeze-and-excitation) then an optional `h`
 * (hard-swish instead of ReLU).  A stage's own `choices` replace the global list
 * for its layers; the space's choices are the union, global list first.  Every
 * other key is an error.
 *
 * Only this directory includes the Lua headers; the engine knows nothing of Lua. */
#ifndef ONESHOT_LUASPACE_H
#define ONESHOT_LUASPACE_H

#include <stddef.h>

#include "err.h"
#include "space.h"

#define LUASPACE_MAX_INSTRUCTIONS 10000000L
#define LUASPACE_MAX_MEMORY (64u << 20)
#define LUASPACE_MAX_FILE (1u << 20)

/* Runs the space file at path and fills *s (finished by space_finish).
 * Errors, one line each:
 *   path: error: cannot read: <strerror>
 *   path:LINE: error: <Lua's message>                  syntax and runtime errors
 *   path: error: the script ran too long (more than 10000000 instructions)
 *   path: error: the script used more than 64 MB
 *   path:LINE:COL: error: stages[2].stride: expected a whole number 1..4, got 0
 *   path:LINE:COL: error: unknown key 'chanels' in stem (did you mean 'channels'?)
 * A field's LINE:COL is found in the file's text when the table is written out
 * as a constructor; for a computed table it is the nearest enclosing entry that
 * is, or left out.  *s is untouched on error.  Returns 0 or -1. */
int luaspace_load(struct space *s, const char *path, struct err *e);

/* The same from text in memory; path names it in errors (need not exist). */
int luaspace_load_buffer(struct space *s, const char *text, size_t len, const char *path,
                         struct err *e);

#endif
