/* luabox: the sandboxed Lua 5.4 state every script of oneshot runs in.
 *
 * Space files, search strategies, metric files and samplers all run here:
 * the base library without dofile and loadfile (load takes text chunks only;
 * setmetatable refuses __gc, whose finalizers would run out of reach of the
 * limits), string without its pattern functions (find, match, gmatch, gsub:
 * their backtracking runs in C, where no instruction count reaches), table
 * and math; no io, os, package, require, debug or coroutine.  print goes to
 * the host's print callback (standard error when there is none).
 *
 * Limits: the state never holds more than `memory` bytes; a script runs at
 * most `instructions` virtual-machine instructions between two calls of
 * luabox_rearm (the host rearms each time the script has the engine do work,
 * so a long search is fine and a runaway loop is not); and the host can
 * interrupt a script at any time by setting *interrupt (from another thread
 * or a signal handler).  Once a limit is hit, every further instruction of
 * the script fails, so a pcall in the script cannot catch it and go on.
 *
 * Errors read `path:LINE: error: message` (the line of the script file where
 * it happened; a hook's name in front of the message when one is given),
 * and luabox_traceback keeps the stack traceback of the last error. */
#ifndef ONESHOT_LUABOX_H
#define ONESHOT_LUABOX_H

#include <signal.h>
#include <stddef.h>

#include <lua.h>

#include "err.h"

struct luabox_opts {
    size_t memory;      /* bytes */
    long instructions;  /* per rearm */
    int rearmed;        /* 1: the host rearms at engine calls (said in the error) */
    void (*print)(void *ud, const char *text); /* one call per print(); NULL: stderr */
    void *print_ud;
    volatile sig_atomic_t *interrupt; /* may be NULL; nonzero stops the script */
    volatile sig_atomic_t *interrupt_too; /* a second such flag (a host's own reason), or NULL */
};

struct luabox;

/* A fresh sandboxed state.  NULL with e filled on out-of-memory. */
struct luabox *luabox_new(const struct luabox_opts *o, struct err *e);
void luabox_free(struct luabox *b);
lua_State *luabox_state(struct luabox *b);
/* The luabox of a state made by luabox_new (for C functions called by scripts). */
struct luabox *luabox_of(lua_State *L);

/* Resets the instruction budget, and notes a raised interrupt flag so the
 * script stops at its next instruction. */
void luabox_rearm(struct luabox *b);

/* For a C function that works long for a script (training a controller):
 * notes a raised interrupt flag as luabox_rearm does, without resetting the
 * instruction budget, and returns 1 when the script is being stopped (the
 * function should then return soon; the script's next instruction fails). */
int luabox_stopping(struct luabox *b);

/* Memory a C function holds for the script outside the state (a binding's
 * own allocations) counted against the state's limit: bytes > 0 takes them,
 * failing (-1, nothing taken) when the state's memory and what it holds
 * would pass the limit; bytes < 0 gives them back (0). */
int luabox_charge(struct luabox *b, long long bytes);

/* Loads text as the chunk of file path (a #! first line is blanked, a UTF-8
 * byte-order mark skipped) and runs it; its results (nresults, or all with
 * LUA_MULTRET) are left on the stack.  0, or -1 with e filled
 * (`path:LINE: error: ...`, `path: error: the script ran too long ...`). */
int luabox_run(struct luabox *b, const char *text, size_t len, const char *path, int nresults,
               struct err *e);
/* The file at path, whole (at most max_bytes), in a buffer the caller frees;
 * its length into *len.  NULL with e filled: `path: error: cannot read:
 * <strerror>`, `path: error: the file is larger than N MB`. */
char *luabox_read_file(const char *path, size_t max_bytes, size_t *len, struct err *e);

/* luabox_run on the file at path (at most max_bytes), errors as luabox_read_file's. */
int luabox_run_file(struct luabox *b, const char *path, size_t max_bytes, int nresults,
                    struct err *e);

/* Calls the function below nargs arguments on the stack, protected, leaving
 * nresults results.  hook names what failed in the error ("run", "next"),
 * path the script it belongs to (for the position).  0 or -1 with e filled;
 * the stack is then as it was below the function. */
int luabox_call(struct luabox *b, int nargs, int nresults, const char *path, const char *hook,
                struct err *e);

/* The stack traceback of the last failed luabox_run or luabox_call ("" if
 * none), several lines. */
const char *luabox_traceback(const struct luabox *b);

/* 1 when the last failure was the interrupt flag (not a script error). */
int luabox_interrupted(const struct luabox *b);

#endif
