#include "archset.h"

#include <stdint.h>
#include <stdlib.h>

void archset_canonical(const struct space *s, const struct arch *a, struct arch *out)
{
    struct arch c = *a;
    int l0 = 0;
    for (int st = 0; st < s->nstages && l0 < a->n; st++) {
        int l1 = l0 + s->stages[st].layers < a->n ? l0 + s->stages[st].layers : a->n, k = l0;
        for (int pass = 0; pass < 2; pass++) /* the layers, then the skips */
            for (int l = l0; l < l1; l++)
                if (s->choices[a->choice[l]].skip == pass)
                    c.choice[k++] = a->choice[l];
        l0 = l1;
    }
    *out = arch_is_valid(s, &c) ? c : *a;
}

/* FNV-1a over the choices */
static uint64_t hash(const struct arch *a)
{
    uint64_t h = 1469598103934665603ULL;
    for (int l = 0; l < a->n; l++)
        h = (h ^ (uint64_t)(a->choice[l] + 1)) * 1099511628211ULL;
    return h;
}

/* The slot holding a, or the empty slot where it would go. */
static size_t find(const struct archset *set, const struct arch *a)
{
    size_t i = (size_t)hash(a) & set->mask;
    while (set->used[i] && !arch_equal(&set->slot[i], a))
        i = (i + 1) & set->mask;
    return i;
}

static int alloc_slots(struct archset *set, size_t cap, struct err *e)
{
    set->slot = malloc(cap * sizeof *set->slot);
    set->used = calloc(cap, 1);
    set->mask = cap - 1;
    if (set->slot && set->used)
        return 0;
    free(set->slot);
    free(set->used);
    set->slot = NULL;
    set->used = NULL;
    return err_plain(e, "out of memory");
}

int archset_init(struct archset *set, const struct space *s, struct err *e)
{
    set->space = s;
    set->count = 0;
    return alloc_slots(set, 64, e);
}

void archset_done(struct archset *set)
{
    free(set->slot);
    free(set->used);
    set->slot = NULL;
    set->used = NULL;
    set->count = 0;
}

int archset_add(struct archset *set, const struct arch *a, struct err *e)
{
    struct arch c;
    archset_canonical(set->space, a, &c);
    size_t i = find(set, &c);
    if (set->used[i])
        return 0;
    if (2 * (set->count + 1) > set->mask + 1) { /* at most half full: grow, then place */
        struct archset old = *set;
        if (alloc_slots(set, 2 * (old.mask + 1), e)) {
            *set = old;
            return -1;
        }
        for (size_t j = 0; j <= old.mask; j++)
            if (old.used[j]) {
                size_t k = find(set, &old.slot[j]);
                set->used[k] = 1;
                set->slot[k] = old.slot[j];
            }
        free(old.slot);
        free(old.used);
        i = find(set, &c);
    }
    set->used[i] = 1;
    set->slot[i] = c;
    set->count++;
    return 1;
}

int archset_has(const struct archset *set, const struct arch *a)
{
    struct arch c;
    archset_canonical(set->space, a, &c);
    return set->used[find(set, &c)];
}
