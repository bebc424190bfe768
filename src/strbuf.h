/* strbuf: text built piece by piece, growing as it needs.
 *
 * For rows and files whose length depends on the data (a space's layer
 * count, its choice names, the number of metrics): nothing is guessed in
 * advance, so nothing can overflow.  A failed allocation is sticky: every
 * later append is a no-op and strbuf_failed says so once at the end. */
#ifndef ONESHOT_STRBUF_H
#define ONESHOT_STRBUF_H

#include <stddef.h>

struct strbuf {
    char *text;  /* NUL-terminated (NULL before the first append) */
    size_t len;  /* bytes of text, without the NUL */
    size_t cap;  /* bytes allocated */
    int failed;  /* 1 after an allocation failed */
};

/* Empty text, on caller storage; strbuf_done frees it. */
void strbuf_init(struct strbuf *b);
void strbuf_done(struct strbuf *b);

/* Empties the text, keeping its storage. */
void strbuf_clear(struct strbuf *b);

/* Appends printf-style text. */
void strbuf_printf(struct strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends n bytes of s. */
void strbuf_add(struct strbuf *b, const char *s, size_t n);

/* Appends x in the shortest decimal form that reads back (strtod) as the
 * same double: 0.4465, not 0.44650000000000001; "nan", "inf", "-inf" for
 * the non-finite. */
void strbuf_double(struct strbuf *b, double x);

/* The shortest form of x (as strbuf_double) into out (n >= 32 bytes);
 * returns out. */
char *format_double(double x, char *out, size_t n);

/* The text ("" when empty), valid until the next append. */
const char *strbuf_text(const struct strbuf *b);

/* 1 when an allocation failed (the text is incomplete). */
int strbuf_failed(const struct strbuf *b);

#endif
