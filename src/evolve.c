#include "evolve.h"

/* Allowed choices of layer l other than `cur`, in index order, into out;
 * returns how many. */
static int other_choices(const struct space *s, int l, int cur, int *out)
{
    int n = 0;
    for (int c = 0; c < s->nchoices; c++)
        if (c != cur && (s->allowed[l] & (1ULL << c)))
            out[n++] = c;
    return n;
}

/* Uniform double in [0, 1) from 53 random bits. */
static double uniform53(struct rng *r)
{
    return (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0);
}

void arch_mutate(const struct space *s, struct arch *a, double rate, struct rng *r)
{
    if (!(rate > 0.0))
        return;
    int others[SPACE_MAX_CHOICES];
    for (int l = 0; l < a->n; l++) {
        int m = other_choices(s, l, a->choice[l], others);
        if (m == 0)
            continue;
        if (rate >= 1.0 || uniform53(r) < rate)
            a->choice[l] = others[rng_below(r, (uint64_t)m)];
    }
}

int arch_mutate_one(const struct space *s, struct arch *a, struct rng *r)
{
    int layers[SPACE_MAX_LAYERS], nl = 0;
    int others[SPACE_MAX_CHOICES];
    for (int l = 0; l < a->n; l++)
        if (other_choices(s, l, a->choice[l], others) > 0)
            layers[nl++] = l;
    if (nl == 0)
        return -1;
    int l = layers[rng_below(r, (uint64_t)nl)];
    int m = other_choices(s, l, a->choice[l], others);
    a->choice[l] = others[rng_below(r, (uint64_t)m)];
    return l;
}

void arch_crossover(const struct space *s, const struct arch *a, const struct arch *b,
                    struct arch *child, struct rng *r)
{
    (void)s;
    int n = a->n;
    uint64_t bits = 0;
    for (int l = 0; l < n; l++) {
        if (l % 64 == 0)
            bits = rng_u64(r);
        int from_b = (int)(bits & 1);
        bits >>= 1;
        child->choice[l] = from_b ? b->choice[l] : a->choice[l];
    }
    child->n = n;
}

int arch_distance(const struct arch *a, const struct arch *b)
{
    int n = a->n < b->n ? a->n : b->n;
    int d = a->n > b->n ? a->n - b->n : b->n - a->n;
    for (int l = 0; l < n; l++)
        d += a->choice[l] != b->choice[l];
    return d;
}

int arch_equal(const struct arch *a, const struct arch *b)
{
    if (a->n != b->n)
        return 0;
    for (int l = 0; l < a->n; l++)
        if (a->choice[l] != b->choice[l])
            return 0;
    return 1;
}
