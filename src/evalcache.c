#include "evalcache.h"

#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 16
#define MAX_RECORDS (1 << 29) /* keeps slot counts and byte sizes far from overflow */

struct evalcache {
    int nmetrics;
    int count;         /* records in use */
    int cap;           /* records allocated */
    struct arch *keys; /* [cap], insertion order, entries past n zeroed */
    uint64_t *hashes;  /* [cap] hash of keys[i] */
    double *metrics;   /* [cap * nmetrics] */
    int nslots;        /* power of two */
    int *slots;        /* [nslots]: record index + 1, 0 = empty */
};

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

uint64_t evalcache_hash(const struct arch *a)
{
    uint64_t h = mix64(0x9e3779b97f4a7c15ULL + (uint64_t)(uint32_t)a->n);
    for (int l = 0; l < a->n; l++) {
        uint64_t salt = 0x9e3779b97f4a7c15ULL * (uint64_t)(l + 1); /* position matters */
        h = mix64(h ^ ((uint64_t)(uint32_t)a->choice[l] + salt));
    }
    return h;
}

static int valid_n(const struct arch *a) { return a->n >= 0 && a->n <= SPACE_MAX_LAYERS; }

/* Slot of a in the table: the one holding it, or the empty slot where it
 * would go. */
static int find_slot(const struct evalcache *c, const struct arch *a, uint64_t h)
{
    int mask = c->nslots - 1;
    int i = (int)(h & (uint64_t)mask);
    for (;;) {
        int rec = c->slots[i] - 1;
        if (rec < 0)
            return i;
        if (c->hashes[rec] == h && c->keys[rec].n == a->n &&
            memcmp(c->keys[rec].choice, a->choice, (size_t)a->n * sizeof a->choice[0]) == 0)
            return i;
        i = (i + 1) & mask;
    }
}

struct evalcache *evalcache_new(int nmetrics)
{
    if (nmetrics < 1)
        return NULL;
    struct evalcache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nmetrics = nmetrics;
    c->nslots = INITIAL_SLOTS;
    c->slots = calloc((size_t)c->nslots, sizeof *c->slots);
    if (!c->slots) {
        free(c);
        return NULL;
    }
    return c;
}

void evalcache_free(struct evalcache *c)
{
    if (!c)
        return;
    free(c->keys);
    free(c->hashes);
    free(c->metrics);
    free(c->slots);
    free(c);
}

int evalcache_nmetrics(const struct evalcache *c) { return c->nmetrics; }

int evalcache_count(const struct evalcache *c) { return c->count; }

const double *evalcache_get(const struct evalcache *c, const struct arch *a)
{
    if (!valid_n(a))
        return NULL;
    int rec = c->slots[find_slot(c, a, evalcache_hash(a))] - 1;
    return rec < 0 ? NULL : c->metrics + (size_t)rec * (size_t)c->nmetrics;
}

/* Room for at least one more record.  The metrics array is moved by hand,
 * not realloc'd, so that `pending` (the caller's metrics, which may point into
 * the old array) stays readable until it has been copied in as the new
 * record c->count.  Returns 0 or -1. */
static int reserve_record(struct evalcache *c, const double *pending)
{
    size_t m = (size_t)c->nmetrics;
    if (c->count < c->cap) {
        memcpy(c->metrics + (size_t)c->count * m, pending, m * sizeof *pending);
        return 0;
    }
    if (c->cap >= MAX_RECORDS)
        return -1;
    int cap = c->cap ? c->cap * 2 : INITIAL_SLOTS;
    struct arch *keys = realloc(c->keys, (size_t)cap * sizeof *keys);
    if (!keys)
        return -1;
    c->keys = keys;
    uint64_t *hashes = realloc(c->hashes, (size_t)cap * sizeof *hashes);
    if (!hashes)
        return -1;
    c->hashes = hashes;
    double *metrics = malloc((size_t)cap * m * sizeof *metrics);
    if (!metrics)
        return -1;
    if (c->count > 0)
        memcpy(metrics, c->metrics, (size_t)c->count * m * sizeof *metrics);
    memcpy(metrics + (size_t)c->count * m, pending, m * sizeof *pending);
    free(c->metrics);
    c->metrics = metrics;
    c->cap = cap;
    return 0;
}

/* Doubles the table if one more record would pass 70% load.  Returns 0 or -1. */
static int reserve_slot(struct evalcache *c)
{
    if ((int64_t)(c->count + 1) * 10 <= (int64_t)c->nslots * 7)
        return 0;
    int nslots = c->nslots * 2;
    int *slots = calloc((size_t)nslots, sizeof *slots);
    if (!slots)
        return -1;
    int mask = nslots - 1;
    for (int rec = 0; rec < c->count; rec++) {
        int i = (int)(c->hashes[rec] & (uint64_t)mask);
        while (slots[i])
            i = (i + 1) & mask;
        slots[i] = rec + 1;
    }
    free(c->slots);
    c->slots = slots;
    c->nslots = nslots;
    return 0;
}

int evalcache_put(struct evalcache *c, const struct arch *a, const double *metrics)
{
    if (!valid_n(a))
        return -1;
    size_t m = (size_t)c->nmetrics;
    uint64_t h = evalcache_hash(a);
    int i = find_slot(c, a, h);
    int rec = c->slots[i] - 1;
    if (rec >= 0) {
        memmove(c->metrics + (size_t)rec * m, metrics, m * sizeof *metrics);
        return 0;
    }
    if (reserve_slot(c) < 0 || reserve_record(c, metrics) < 0)
        return -1;
    rec = c->count;
    struct arch *k = &c->keys[rec];
    memset(k, 0, sizeof *k);
    k->n = a->n;
    memcpy(k->choice, a->choice, (size_t)a->n * sizeof a->choice[0]);
    c->hashes[rec] = h;
    c->count++;
    c->slots[find_slot(c, a, h)] = rec + 1;
    return 0;
}

int evalcache_at(const struct evalcache *c, int i, struct arch *a, const double **metrics)
{
    if (i < 0 || i >= c->count)
        return -1;
    if (a)
        *a = c->keys[i];
    if (metrics)
        *metrics = c->metrics + (size_t)i * (size_t)c->nmetrics;
    return 0;
}
