#include "suggest.h"

#include <string.h>

int suggest_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 63 || lb > 63)
        return 99;
    int d[64][64];
    for (size_t i = 0; i <= la; i++)
        d[i][0] = (int)i;
    for (size_t j = 0; j <= lb; j++)
        d[0][j] = (int)j;
    for (size_t i = 1; i <= la; i++)
        for (size_t j = 1; j <= lb; j++) {
            int best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
            if (d[i - 1][j] + 1 < best)
                best = d[i - 1][j] + 1;
            if (d[i][j - 1] + 1 < best)
                best = d[i][j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                d[i - 2][j - 2] + 1 < best)
                best = d[i - 2][j - 2] + 1;
            d[i][j] = best;
        }
    return d[la][lb];
}

const char *suggest_word(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    int bd = 3;
    size_t n = strlen(word);
    for (const char *const *k = candidates; *k; k++) {
        int d = suggest_distance(word, *k);
        if ((d == 1 || (d == 2 && n >= 5)) && d < bd) {
            best = *k;
            bd = d;
        } else if (!best && n >= 2 && strncmp(*k, word, n) == 0) {
            best = *k;
        }
    }
    return best;
}
