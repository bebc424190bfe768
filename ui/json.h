/* json: a one-line JSON object writer for the commands' --json output. */
#ifndef ONESHOT_JSON_H
#define ONESHOT_JSON_H

#include <stdint.h>
#include <stdio.h>

struct json {
    FILE *f;
    int n; /* members written */
};

void json_begin(struct json *j, FILE *f);
void json_str(struct json *j, const char *key, const char *v);
void json_int(struct json *j, const char *key, int64_t v);
void json_num(struct json *j, const char *key, double v);
/* Writes key: raw, where raw is already valid JSON (an array, an object). */
void json_raw(struct json *j, const char *key, const char *raw);
/* Closes the object and ends the line. */
void json_end(struct json *j);
/* Writes s as a JSON string literal. */
void json_quote(FILE *f, const char *s);

#endif
