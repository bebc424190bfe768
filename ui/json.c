#include "json.h"

#include <math.h>

void json_quote(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

void json_begin(struct json *j, FILE *f)
{
    j->f = f;
    j->n = 0;
    fputc('{', f);
}

static void key(struct json *j, const char *k)
{
    if (j->n++)
        fputs(", ", j->f);
    json_quote(j->f, k);
    fputs(": ", j->f);
}

void json_str(struct json *j, const char *k, const char *v)
{
    key(j, k);
    json_quote(j->f, v);
}

void json_int(struct json *j, const char *k, int64_t v)
{
    key(j, k);
    fprintf(j->f, "%lld", (long long)v);
}

void json_num(struct json *j, const char *k, double v)
{
    key(j, k);
    if (isfinite(v))
        fprintf(j->f, "%.6g", v);
    else
        fputs("null", j->f);
}

void json_raw(struct json *j, const char *k, const char *raw)
{
    key(j, k);
    fputs(raw, j->f);
}

void json_end(struct json *j)
{
    fputs("}\n", j->f);
    fflush(j->f);
}
