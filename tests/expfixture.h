/* expfixture: what the tests of src/experiment.c share (tests/test_experiment.c,
 * the file's general form, and tests/test_expmethods.c, the methods'
 * sections): a temporary directory, experiment files written into it and
 * loaded, the exact error text expected, and the shipped examples.
 *
 * Everything is static: each test binary has its own. */
#ifndef ONESHOT_TESTS_EXPFIXTURE_H
#define ONESHOT_TESTS_EXPFIXTURE_H

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiment.h"

static char dir[64];          /* the mkdtemp directory, absolute */
static char path[256];        /* the file of the current test */
static struct experiment x;   /* static: about 45 KB */
static struct experiment y;

static inline void write_text(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

/* Writes text to dir/name and loads it; returns experiment_load's result. */
static inline int load_text(const char *name, const char *text, struct err *e)
{
    snprintf(path, sizeof path, "%s/%s", dir, name);
    write_text(path, text);
    return experiment_load(&x, path, e);
}

/* The text must fail to load with `path` followed by want. */
#define LOAD_ERROR(text, want) load_error(__FILE__, __LINE__, text, want)
static inline void load_error(const char *file, int line, const char *text,
                              const char *want_after_path)
{
    struct err e = {0};
    char want[1024];
    int rc = load_text("e.yaml", text, &e);
    snprintf(want, sizeof want, "%s%s", path, want_after_path);
    if (!check_report(rc == -1, file, line, "experiment_load fails"))
        return;
    if (strcmp(e.msg, want) != 0)
        check_fail_msg(file, line, "error text:\n  got:      %s\n  expected: %s", e.msg, want);
}

static inline void join(char *out, size_t size, const char *rel)
{
    snprintf(out, size, "%s/%s", dir, rel);
}


/* examples/NAME, found from this file's path (tests run from the top), into p. */
static inline void example(char *p, size_t n, const char *name)
{
    const char *me = __FILE__;
    const char *slash = strrchr(me, '/');
    snprintf(p, n, "%.*s/../examples/%s", slash ? (int)(slash - me) : 1, slash ? me : ".", name);
}

/* Loads examples/NAME into x; false (the failure reported at the caller's
 * line, with the loader's message) when it does not load. */
#define LOAD_EXAMPLE(name) load_example(__FILE__, __LINE__, name)
static inline int load_example(const char *file, int line, const char *name)
{
    char p[512];
    struct err e = {0};
    example(p, sizeof p, name);
    int ok = experiment_load(&x, p, &e) == 0;
    if (!check_report(ok, file, line, "the example loads"))
        printf("  %s\n", e.msg);
    return ok;
}

/* The directory every test writes into (made once per binary). */
static inline int fixture_open(const char *name)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-%s-XXXXXX", name);
    return mkdtemp(dir) ? 0 : -1;
}

/* Removes the directory and every file the tests left in it. */
static inline void fixture_close(void)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char file[sizeof dir + 256 + 2];
    while (d && (de = readdir(d)))
        if (strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0) {
            snprintf(file, sizeof file, "%s/%s", dir, de->d_name);
            unlink(file);
        }
    if (d)
        closedir(d);
    rmdir(dir);
}

#endif
