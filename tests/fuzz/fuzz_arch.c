/* Fuzzes architecture strings: arch_parse and arch_parse_at (src/space.c).
 *
 * Input: one byte choosing the space (the built-in ones, and a widest space
 * of 32 layers and 48 choices), two bytes of line and column for
 * arch_parse_at, then the string (up to a NUL).  A string that parses must
 * format back to itself and have a cost; one that does not must be refused
 * with `src:1:col: error: ...` (arch_parse_at: at the line given). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "luaspace.h"
#include "space.h"

/* The largest space there can be: every layer keeps its shape (so `skip` is
 * allowed everywhere) and has all 48 choices. */
static const char widest_lua[] =
    "local choices = {'skip'}\n"
    "for k = 1, 13, 2 do for e = 1, 16 do\n"
    "  if #choices < 48 then choices[#choices + 1] = 'k' .. k .. 'e' .. e end\n"
    "end end\n"
    "local stages = {}\n"
    "for i = 1, 8 do stages[i] = {channels = 8, layers = 4, stride = 1} end\n"
    "return {name = 'widest', input = {channels = 1, height = 8, width = 8}, classes = 2,\n"
    "        stem = {channels = 8, kernel = 3, stride = 1}, stages = stages,\n"
    "        choices = choices, head = {channels = 8}}\n";

#define NSPACES 6
static struct space spaces[NSPACES];

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    const char *const *names = space_builtin_names();
    int n = 0;
    for (; names[n]; n++)
        if (n == NSPACES - 1 || space_builtin(&spaces[n], names[n]))
            fuzz_fail("unexpected built-in space %s", names[n]);
    struct err e;
    if (n != NSPACES - 1 ||
        luaspace_load_buffer(&spaces[n], widest_lua, strlen(widest_lua), "widest.lua", &e))
        fuzz_fail("cannot make the widest space: %s", n == NSPACES - 1 ? e.msg : "");
    if (spaces[n].nlayers != SPACE_MAX_LAYERS || spaces[n].nchoices != SPACE_MAX_CHOICES)
        fuzz_fail("the widest space has %d layers, %d choices", spaces[n].nlayers,
                  spaces[n].nchoices);
    return 0;
}

/* Checks a parsed architecture: str formats back from it, and it has a cost. */
static void check_parsed(const struct space *s, const struct arch *a, const char *str)
{
    if (a->n != s->nlayers)
        fuzz_fail("'%s' parsed to %d layers, the space has %d", str, a->n, s->nlayers);
    for (int l = 0; l < a->n; l++)
        if (a->choice[l] < 0 || a->choice[l] >= s->nchoices ||
            !(s->allowed[l] & (1ULL << a->choice[l])))
            fuzz_fail("'%s': layer %d got choice %d, not allowed", str, l + 1, a->choice[l]);
    char buf[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    int n = arch_format(s, a, buf, (int)sizeof buf);
    if (n >= (int)sizeof buf || strcmp(buf, str) != 0)
        fuzz_fail("'%s' formats back as '%s'", str, buf);
    struct cost c = arch_cost(s, a);
    if (c.params <= 0 || c.macs <= 0)
        fuzz_fail("'%s' costs %lld params, %lld macs", str, (long long)c.params,
                  (long long)c.macs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    const struct space *s = &spaces[data[0] % NSPACES];
    int line = 1 + data[1] % 200, col = 1 + data[2] % 200;
    char *str = malloc(size - 2);
    if (!str)
        return 0;
    memcpy(str, data + 3, size - 3);
    str[size - 3] = 0;

    struct arch a;
    struct err e;
    int rc1 = arch_parse(s, str, "--arch", &a, &e);
    if (rc1 == 0)
        check_parsed(s, &a, str);
    else if (fuzz_check_error(&e, "--arch"), strncmp(e.msg, "--arch:1:", 9) != 0)
        fuzz_fail("arch_parse: the error is not on line 1: \"%s\"", e.msg);

    struct arch b;
    char where[32];
    int rc = arch_parse_at(s, str, "file.csv", line, col, &b, &e);
    if (rc != rc1)
        fuzz_fail("arch_parse and arch_parse_at disagree on '%s'", str);
    if (rc == 0) {
        check_parsed(s, &b, str);
        if (memcmp(&a, &b, sizeof a) != 0)
            fuzz_fail("arch_parse and arch_parse_at disagree on '%s'", str);
    } else {
        fuzz_check_error(&e, "file.csv");
        snprintf(where, sizeof where, "file.csv:%d:", line);
        if (strncmp(e.msg, where, strlen(where)) != 0)
            fuzz_fail("arch_parse_at: the error is not on line %d: \"%s\"", line, e.msg);
    }
    free(str);
    return 0;
}
