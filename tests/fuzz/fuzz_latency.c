/* Fuzzes latency tables and device models: latency_file_space and
 * latency_table_load (src/latency.c).
 *
 * Input: the file.  It is loaded for the space it names when that is a
 * built-in one, else (a device model, another name) for tiny and
 * fmnist-se-skip.  A file that loads must save (latency_table_save) to a
 * table that loads again and saves to the same text, with a finite latency
 * for every architecture; one that does not must be refused with
 * `lat.yaml:line:col: error: ...`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "latency.h"
#include "rundir.h"
#include "space.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

static char *slurp(const char *path)
{
    char *text;
    size_t len;
    struct err e;
    if (rundir_slurp(path, &text, &len, &e) || !text)
        fuzz_fail("cannot read back %s", path);
    return text;
}

/* Every entry and the fixed part finite and >= 0 where allowed (the
 * overhead may be negative). */
static void check_entries(const struct latency_table *t)
{
    const struct space *s = &t->space;
    if (!isfinite(t->stem_ms) || !isfinite(t->head_ms) || !isfinite(t->overhead_ms) ||
        t->stem_ms < 0 || t->head_ms < 0)
        fuzz_fail("fixed part %g %g %g", t->stem_ms, t->head_ms, t->overhead_ms);
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++)
            if ((s->allowed[l] & (1ULL << c)) && !(isfinite(t->ms[l][c]) && t->ms[l][c] >= 0))
                fuzz_fail("layer %d, choice %s: %g ms", l + 1, s->choices[c].name, t->ms[l][c]);
}

static void load(const char *path, const struct space *s)
{
    static struct latency_table t, u;
    struct err e;
    if (latency_table_load(&t, path, s, &e)) {
        fuzz_check_error(&e, path);
        return;
    }
    check_entries(&t);
    char saved[256], again[256];
    snprintf(saved, sizeof saved, "%s/saved.yaml", fuzz_dir());
    snprintf(again, sizeof again, "%s/again.yaml", fuzz_dir());
    if (latency_table_save(&t, saved, &e))
        fuzz_fail("cannot save a loaded table: %s", e.msg);
    if (latency_table_load(&u, saved, s, &e))
        fuzz_fail("the saved table does not load: %s", e.msg);
    if (latency_table_save(&u, again, &e))
        fuzz_fail("cannot save a loaded table: %s", e.msg);
    char *a = slurp(saved), *b = slurp(again);
    if (strcmp(a, b) != 0)
        fuzz_fail("saved twice, the table differs:\n%s\n---\n%s", a, b);
    free(a);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256], name[SPACE_NAME_MAX];
    struct err e;
    struct space s;
    fuzz_write("lat.yaml", data, size, path, sizeof path);
    if (latency_file_space(path, name, sizeof name, &e)) {
        fuzz_check_error(&e, path);
        name[0] = 0;
    }
    if (name[0] && space_builtin(&s, name) == 0) {
        load(path, &s);
        return 0;
    }
    space_tiny(&s);
    load(path, &s);
    space_fmnist_variant(&s, 1, 1);
    load(path, &s);
    return 0;
}
