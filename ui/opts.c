#include "opts.h"

#include "suggest.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct opt *find(struct opt *opts, const char *name)
{
    for (struct opt *o = opts; o->name; o++)
        if (strcmp(o->name, name) == 0)
            return o;
    return NULL;
}

static int set_value(struct opt *o, const char *v, struct err *e)
{
    char *end;
    errno = 0;
    switch (o->kind) {
    case OPT_INT: {
        long x = strtol(v, &end, 10);
        if (!*v || *end || errno)
            return err_plain(e, "--%s: '%s' is not a whole number", o->name, v);
        if (o->min <= o->max && (x < o->min || x > o->max))
            return err_plain(e, "--%s: %ld is out of range (%ld to %ld)", o->name, x, o->min,
                             o->max);
        *(int *)o->target = (int)x;
        break;
    }
    case OPT_FLOAT: {
        double x = strtod(v, &end);
        if (!*v || *end || errno || x != x)
            return err_plain(e, "--%s: '%s' is not a number", o->name, v);
        *(double *)o->target = x;
        break;
    }
    case OPT_STRING:
        *(const char **)o->target = v;
        break;
    case OPT_FLAG:
        *(int *)o->target = 1;
        break;
    }
    return 0;
}

int opts_parse(struct opt *opts, int argc, char **argv, const char **positional, int npos,
               int *got, int *help, struct err *e)
{
    *got = 0;
    *help = 0;
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
            *help = 1;
            continue;
        }
        if (strncmp(a, "--", 2) != 0 || a[2] == 0) {
            if (*got >= npos)
                return err_plain(e, "unexpected argument '%s'", a);
            positional[(*got)++] = a;
            continue;
        }
        char name[64];
        const char *eq = strchr(a + 2, '=');
        size_t len = eq ? (size_t)(eq - a - 2) : strlen(a + 2);
        if (len >= sizeof name)
            return err_plain(e, "unknown option '%s'", a);
        memcpy(name, a + 2, len);
        name[len] = 0;
        struct opt *o = find(opts, name);
        if (!o) {
            const char *names[64];
            int k = 0;
            for (const struct opt *q = opts; q->name && k < 63; q++)
                names[k++] = q->name;
            names[k] = NULL;
            const char *s = suggest_word(name, names);
            if (s)
                return err_plain(e, "unknown option '--%s' (did you mean --%s?)", name, s);
            return err_plain(e, "unknown option '--%s' (see --help)", name);
        }
        o->seen = 1;
        if (o->kind == OPT_FLAG) {
            if (eq)
                return err_plain(e, "--%s takes no value", name);
            *(int *)o->target = 1;
            continue;
        }
        const char *v = eq ? eq + 1 : NULL;
        if (!v) {
            if (i + 1 >= argc)
                return err_plain(e, "--%s needs a value (%s)", name, o->arg ? o->arg : "value");
            v = argv[++i];
        }
        if (set_value(o, v, e))
            return -1;
    }
    return 0;
}

int opts_seen(const struct opt *opts, const char *name)
{
    for (const struct opt *q = opts; q->name; q++)
        if (!strcmp(q->name, name))
            return q->seen;
    return 0;
}

void opts_print_help(const char *usage, const struct opt *opts)
{
    printf("usage: %s\n\noptions:\n", usage);
    for (const struct opt *o = opts; o->name; o++) {
        char left[64];
        snprintf(left, sizeof left, "--%s%s%s", o->name, o->arg ? " " : "", o->arg ? o->arg : "");
        printf("  %-24s %s\n", left, o->help);
    }
}
