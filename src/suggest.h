/* suggest: "did you mean ...?" for unknown keys, options and names. */
#ifndef ONESHOT_SUGGEST_H
#define ONESHOT_SUGGEST_H

/* Optimal string alignment distance (Levenshtein plus adjacent
 * transpositions); 99 for strings longer than 63 bytes. */
int suggest_distance(const char *a, const char *b);

/* The candidate closest to word: one edit away (two for words of 5 or more
 * characters), or else one that word (2 or more characters) begins.
 * candidates is NULL-terminated; the result is one of them (borrowed) or NULL. */
const char *suggest_word(const char *word, const char *const *candidates);

#endif
