/* luatext: where a field of a Lua table is written in the text of the
 * chunk that returns it, for the `file:line:col` of a space file's errors
 * (lua/luaspace.c).
 *
 * A small Lua tokenizer splits the text into tokens, enough to walk table
 * constructors (the text has already been accepted by Lua, so malformed
 * input needs no care), and finds the expression the main chunk returns.  A
 * field path such as stages[2].stride is then followed through the
 * constructors to the line and column of the field's key or value.  Plain C:
 * no Lua state is involved. */
#ifndef ONESHOT_LUATEXT_H
#define ONESHOT_LUATEXT_H

#include <stddef.h>

/* A step of a field path: a string key, or (key NULL) a list index. */
struct luatext_step {
    const char *key;
    long long index;
};

struct luatext_tok;

/* The tokens of a chunk's text; zeroed before luatext_scan, read through
 * luatext_locate, freed by luatext_free.  The tokens point into the text,
 * which must outlive them. */
struct luatext {
    struct luatext_tok *v;
    int n, cap;
    int root; /* first token of the returned expression, or -1 */
};

/* Splits text (len bytes) into tokens and finds the expression the main
 * chunk returns.  Out of memory, tk holds no tokens and locates nothing. */
void luatext_scan(struct luatext *tk, const char *text, size_t len);

/* Where the field at the path steps[0..n) is written: its key (at_key 1) or
 * its value (at_key 0); the empty path is the returned expression itself.
 * If the path leaves the constructors (a table computed by the script), the
 * deepest entry that is written out; if not even the first step is (or no
 * returned expression was found), *line = *col = 0. */
void luatext_locate(const struct luatext *tk, const struct luatext_step *steps, int n, int at_key,
                    int *line, int *col);

void luatext_free(struct luatext *tk);

#endif
