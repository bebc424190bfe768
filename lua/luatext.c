/* luatext: the line and column where a field of a Lua table constructor is
 * written, from a small tokenizer of the chunk's text. */
#include "luatext.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TK_EOF, TK_NAME, TK_STRING, TK_LONGSTRING, TK_NUMBER, TK_OP };

struct luatext_tok {
    int type, line, col;
    const char *s; /* the text (a quoted string: its contents, escapes as written) */
    int len;
};

static int tok_push(struct luatext *tk, int type, int line, int col, const char *s, int len)
{
    if (tk->n == tk->cap) {
        int cap = tk->cap ? 2 * tk->cap : 256;
        struct luatext_tok *v = realloc(tk->v, (size_t)cap * sizeof *v);
        if (!v)
            return -1;
        tk->v = v;
        tk->cap = cap;
    }
    tk->v[tk->n++] = (struct luatext_tok){type, line, col, s, len};
    return 0;
}

/* p at '[': the level of a long bracket [==[ (number of '='), or -1. */
static int long_bracket(const char *p, const char *end)
{
    int lvl = 0;
    if (p >= end || *p != '[')
        return -1;
    p++;
    while (p < end && *p == '=')
        p++, lvl++;
    return p < end && *p == '[' ? lvl : -1;
}

static const char *skip_long(const char *p, const char *end, int lvl, int *line, const char **bol)
{
    p += lvl + 2;
    while (p < end) {
        if (*p == '\n') {
            (*line)++;
            *bol = ++p;
            continue;
        }
        if (*p == ']') {
            const char *q = p + 1;
            int n = 0;
            while (q < end && *q == '=')
                q++, n++;
            if (n == lvl && q < end && *q == ']')
                return q + 1;
        }
        p++;
    }
    return end;
}

/* Splits Lua source into tokens, enough to walk table constructors.  The text
 * has already been accepted by Lua, so malformed input needs no care.  Returns
 * 0, or -1 when out of memory (there are then no locations). */
static int lex(struct luatext *tk, const char *p, const char *end)
{
    static const char *const ops[] = {"...", "==", "~=", "<=", ">=", "//", "::", "<<", ">>", ".."};
    int line = 1;
    const char *bol = p;
    while (p < end) {
        unsigned char c = (unsigned char)*p;
        if (c == '\n') {
            line++;
            bol = ++p;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v') {
            p++;
            continue;
        }
        int tline = line, tcol = (int)(p - bol) + 1, lvl;
        const char *start = p;
        if (c == '-' && p + 1 < end && p[1] == '-') {
            p += 2;
            if ((lvl = long_bracket(p, end)) >= 0)
                p = skip_long(p, end, lvl, &line, &bol);
            else
                while (p < end && *p != '\n')
                    p++;
            continue;
        }
        int type, len;
        if (c == '[' && (lvl = long_bracket(p, end)) >= 0) {
            p = skip_long(p, end, lvl, &line, &bol);
            type = TK_LONGSTRING;
            len = (int)(p - start);
        } else if (c == '"' || c == '\'') {
            p++;
            while (p < end && *p != (char)c && *p != '\n') {
                if (*p == '\\' && p + 1 < end) {
                    if (p[1] == '\n') {
                        line++;
                        bol = p + 2;
                    }
                    p += 2;
                } else {
                    p++;
                }
            }
            start++;
            len = (int)(p - start);
            if (p < end && *p == (char)c)
                p++;
            type = TK_STRING;
        } else if (isdigit(c) || (c == '.' && p + 1 < end && isdigit((unsigned char)p[1]))) {
            p++;
            while (p < end && (isalnum((unsigned char)*p) || *p == '.' ||
                               ((*p == '+' || *p == '-') && strchr("eEpP", p[-1]))))
                p++;
            type = TK_NUMBER;
            len = (int)(p - start);
        } else if (isalpha(c) || c == '_') {
            while (p < end && (isalnum((unsigned char)*p) || *p == '_'))
                p++;
            type = TK_NAME;
            len = (int)(p - start);
        } else {
            len = 1;
            for (unsigned i = 0; i < sizeof ops / sizeof *ops; i++) {
                size_t ol = strlen(ops[i]);
                if ((size_t)(end - p) >= ol && memcmp(p, ops[i], ol) == 0) {
                    len = (int)ol;
                    break;
                }
            }
            p += len;
            type = TK_OP;
        }
        if (tok_push(tk, type, tline, tcol, start, len) < 0)
            return -1;
    }
    return tok_push(tk, TK_EOF, line, (int)(p - bol) + 1, p, 0);
}

static int tok_is(const struct luatext_tok *t, int type, const char *s)
{
    return t->type == type && (size_t)t->len == strlen(s) && memcmp(t->s, s, (size_t)t->len) == 0;
}

/* +1 for a token that opens a nesting ( [ { function if do repeat, -1 for one
 * that closes it, 0 otherwise (`while` and `for` open with their `do`). */
static int nesting(const struct luatext_tok *t)
{
    if (t->type == TK_OP && t->len == 1)
        return strchr("([{", t->s[0]) ? 1 : strchr(")]}", t->s[0]) ? -1 : 0;
    if (t->type != TK_NAME)
        return 0;
    if (tok_is(t, TK_NAME, "function") || tok_is(t, TK_NAME, "if") || tok_is(t, TK_NAME, "do") ||
        tok_is(t, TK_NAME, "repeat"))
        return 1;
    if (tok_is(t, TK_NAME, "end") || tok_is(t, TK_NAME, "until"))
        return -1;
    return 0;
}

/* The first token of the expression the main chunk returns, or -1. */
static int find_root(const struct luatext *tk)
{
    int depth = 0, found = -1;
    for (int i = 0; i < tk->n; i++) {
        int d = nesting(&tk->v[i]);
        depth += d;
        if (d == 0 && depth == 0 && tok_is(&tk->v[i], TK_NAME, "return"))
            found = i + 1;
    }
    if (found >= 0 && (tk->v[found].type == TK_EOF || tok_is(&tk->v[found], TK_OP, ";")))
        return -1;
    return found;
}

/* From the first token of an expression inside a constructor, the token that
 * ends it: ',' ';' or the constructor's '}'. */
static int skip_expr(const struct luatext *tk, int i)
{
    int depth = 0;
    for (; i < tk->n && tk->v[i].type != TK_EOF; i++) {
        const struct luatext_tok *t = &tk->v[i];
        if (depth == 0 && (tok_is(t, TK_OP, ",") || tok_is(t, TK_OP, ";") || tok_is(t, TK_OP, "}")))
            return i;
        depth += nesting(t);
    }
    return i;
}
/* In the constructor whose '{' is token open, finds the entry for step st:
 * *key_tok is its first token, *val_tok the first of its value.  Returns 1 if
 * found. */
static int find_entry(const struct luatext *tk, int open, const struct luatext_step *st,
                      int *key_tok, int *val_tok)
{
    long long pos = 0;
    int i = open + 1, found = 0;
    while (i < tk->n && tk->v[i].type != TK_EOF && !tok_is(&tk->v[i], TK_OP, "}")) {
        const struct luatext_tok *t = &tk->v[i];
        int val, match = 0;
        if (t->type == TK_NAME && tok_is(&tk->v[i + 1], TK_OP, "=")) {
            val = i + 2;
            match = st->key && tok_is(t, TK_NAME, st->key);
        } else if (tok_is(t, TK_OP, "[")) {
            int j = i + 1, depth = 1;
            for (; j < tk->n && tk->v[j].type != TK_EOF; j++) {
                depth += nesting(&tk->v[j]);
                if (depth == 0)
                    break;
            }
            if (tk->v[j].type == TK_EOF || !tok_is(&tk->v[j + 1], TK_OP, "="))
                return found; /* not a constructor we understand */
            val = j + 2;
            if (j == i + 2 && st->key)
                match = tok_is(&tk->v[i + 1], TK_STRING, st->key);
            else if (j == i + 2 && !st->key && tk->v[i + 1].type == TK_NUMBER) {
                char num[32];
                snprintf(num, sizeof num, "%lld", st->index);
                match = tok_is(&tk->v[i + 1], TK_NUMBER, num);
            }
        } else {
            val = i;
            pos++;
            match = !st->key && pos == st->index;
        }
        if (match) { /* a later key=value wins; a positional entry beats [n]= */
            *key_tok = i;
            *val_tok = val;
            found = 1;
            if (!st->key && val == i)
                return 1;
        }
        i = skip_expr(tk, val);
        if (tok_is(&tk->v[i], TK_OP, ",") || tok_is(&tk->v[i], TK_OP, ";"))
            i++;
    }
    return found;
}

void luatext_scan(struct luatext *tk, const char *text, size_t len)
{
    if (lex(tk, text, text + len) < 0)
        tk->n = 0;
    tk->root = tk->n ? find_root(tk) : -1;
}

void luatext_locate(const struct luatext *tk, const struct luatext_step *steps, int n, int at_key,
                    int *line, int *col)
{
    *line = *col = 0;
    if (tk->root < 0 || tk->n == 0)
        return;
    int val = tk->root, key = tk->root, k = 0;
    for (; k < n; k++) {
        int kt, vt;
        if (!tok_is(&tk->v[val], TK_OP, "{") || !find_entry(tk, val, &steps[k], &kt, &vt))
            break;
        key = kt;
        val = vt;
    }
    if (k == 0 && n > 0)
        return;
    const struct luatext_tok *t = &tk->v[k == n && at_key ? key : val];
    *line = t->line;
    *col = t->col;
}

void luatext_free(struct luatext *tk)
{
    free(tk->v);
    memset(tk, 0, sizeof *tk);
}
