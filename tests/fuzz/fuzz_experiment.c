/* Fuzzes experiment files: experiment_load (src/experiment.c) and the YAML
 * reading under it (src/yamldoc.c).
 *
 * Input: the file.  One that loads must write back (experiment_save, as a
 * run directory keeps it) to a file that loads again to the same experiment:
 * writing that one gives the same text.  One that does not load must be
 * refused with `exp.yaml:line:col: error: ...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "experiment.h"
#include "fuzz.h"
#include "rundir.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

/* Cuts every piece of text from `from` to the end of its line. */
static void cut_to_eol(char *text, const char *from)
{
    char *p;
    while ((p = strstr(text, from))) {
        char *nl = strchr(p + 1, '\n');
        memmove(p, nl ? nl : p + strlen(p), strlen(nl ? nl : p + strlen(p)) + 1);
    }
}

/* The text of path without its comments after the first line (the file it
 * came from, paths as written: the second save writes what the first
 * resolved). */
static char *resolved_text(const char *path)
{
    char *text;
    size_t len;
    struct err e;
    if (rundir_slurp(path, &text, &len, &e) || !text)
        fuzz_fail("cannot read back %s", path);
    cut_to_eol(text, "\n# from: ");
    cut_to_eol(text, "  # as written: ");
    return text;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct experiment x, y;
    char path[256], saved[256], again[256];
    struct err e;
    fuzz_write("exp.yaml", data, size, path, sizeof path);
    if (experiment_load(&x, path, &e)) {
        fuzz_check_error(&e, path);
        return 0;
    }
    snprintf(saved, sizeof saved, "%s/saved.yaml", fuzz_dir());
    if (experiment_save(&x, saved, &e))
        fuzz_fail("cannot save a loaded experiment: %s", e.msg);
    if (experiment_load(&y, saved, &e))
        fuzz_fail("the saved experiment does not load: %s\n(from %.*s)", e.msg, (int)size,
                  (const char *)data);
    snprintf(again, sizeof again, "%s/again.yaml", fuzz_dir());
    if (experiment_save(&y, again, &e))
        fuzz_fail("cannot save a loaded experiment: %s", e.msg);
    char *a = resolved_text(saved), *b = resolved_text(again);
    if (strcmp(a, b) != 0)
        fuzz_fail("saved twice, the experiment differs:\n%s\n---\n%s", a, b);
    free(a);
    free(b);
    experiment_done(&x);
    experiment_done(&y);
    return 0;
}
