/* Fuzzes Lua space files: luaspace_load_buffer (lua/luaspace.c), the
 * sandboxed run of the script, the conversion of its table and the locating
 * of a field in the text for errors (lua/luatext.c).
 *
 * Input: the script.  A space that loads must be usable: every layer has an
 * allowed choice, random architectures of it format to strings that parse
 * back to them and have a cost.  A script that does not load must be refused
 * with `space.lua:line:col: error: ...` (one line). */
#include <stdio.h>
#include <string.h>

#include "fuzz.h"
#include "luaspace.h"
#include "rng.h"
#include "sampler.h"
#include "space.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct space s;
    struct err e;
    if (luaspace_load_buffer(&s, (const char *)data, size, "space.lua", &e)) {
        fuzz_check_error(&e, "space.lua");
        return 0;
    }
    if (s.nlayers < 1 || s.nlayers > SPACE_MAX_LAYERS || s.nchoices < 1 ||
        s.nchoices > SPACE_MAX_CHOICES || !(space_count(&s) >= 1))
        fuzz_fail("space %s: %d layers, %d choices", s.name, s.nlayers, s.nchoices);
    struct rng r;
    rng_seed(&r, 1, 0);
    for (int i = 0; i < 4; i++) {
        struct arch a = {0}, b;
        arch_random(&s, &r, &a);
        char buf[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
        arch_format(&s, &a, buf, (int)sizeof buf);
        if (arch_parse(&s, buf, "arch", &b, &e) || memcmp(&a, &b, sizeof a) != 0)
            fuzz_fail("space %s: '%s' does not parse back (%s)", s.name, buf, e.msg);
        struct cost c = arch_cost(&s, &a);
        if (c.params <= 0 || c.macs <= 0)
            fuzz_fail("space %s: '%s' costs %lld params, %lld macs", s.name, buf,
                      (long long)c.params, (long long)c.macs);
    }
    return 0;
}
