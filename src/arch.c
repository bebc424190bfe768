#include "arch.h"

#include <stdio.h>
#include <string.h>

/* ------------------------------------------------------------ strings */

static void list_choices(const struct space *s, uint64_t mask, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int c = 0; c < s->nchoices && used < n; c++)
        if (mask & (1ULL << c)) {
            int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", s->choices[c].name);
            if (w < 0)
                break;
            used += (size_t)w;
        }
}

/* The token p[0..len) fit for a one-line message: control characters shown
 * as '?', at most 32 bytes (then "...", not cutting a UTF-8 character). */
static const char *shown_token(const char *p, size_t len, char *buf, size_t n)
{
    size_t k = len > 32 ? 32 : len, j = 0;
    while (k < len && k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
        k--;
    for (size_t i = 0; i < k && j + 1 < n; i++)
        buf[j++] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
    if (k < len && j + 4 < n) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = 0;
    return buf;
}

int arch_parse(const struct space *s, const char *str, const char *src, struct arch *a,
               struct err *e)
{
    return arch_parse_at(s, str, src, 1, 1, a, e);
}

int arch_parse_at(const struct space *s, const char *str, const char *src, int line, int col0,
                  struct arch *a, struct err *e)
{
    const char *p = str;
    int l = 0;
    memset(a, 0, sizeof *a);
    for (;;) {
        const char *end = strchr(p, '-');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int col = (int)(p - str) + col0;
        char tok[CHOICE_NAME_MAX];
        if (l >= s->nlayers)
            return err_set(e, src, line, col, "too many layers: the space %s has %d", s->name,
                           s->nlayers);
        if (len == 0)
            return err_set(e, src, line, col, "layer %d: empty choice", l + 1);
        int c = -1;
        if (len < sizeof tok) {
            memcpy(tok, p, len);
            tok[len] = 0;
            c = space_find_choice(s, tok);
        } else {
            snprintf(tok, sizeof tok, "%.*s", (int)sizeof tok - 1, p);
        }
        char list[512], shown[40];
        if (c < 0) {
            list_choices(s, s->allowed[l], list, sizeof list);
            return err_set(e, src, line, col, "layer %d: unknown choice '%s' (choices here: %s)",
                           l + 1, shown_token(p, len, shown, sizeof shown), list);
        }
        if (!(s->allowed[l] & (1ULL << c))) {
            struct layer_shape sh = space_layer_shape(s, l);
            list_choices(s, s->allowed[l], list, sizeof list);
            return err_set(e, src, line, col,
                           "layer %d: '%s' is not allowed here (%d->%d channels, stride %d; "
                           "choices here: %s)",
                           l + 1, tok, sh.cin, sh.cout, sh.stride, list);
        }
        a->choice[l++] = c;
        if (!end)
            break;
        p = end + 1;
    }
    if (l != s->nlayers)
        return err_set(e, src, line, (int)strlen(str) + col0,
                       "%d layers given, the space %s has %d", l, s->name, s->nlayers);
    a->n = l;
    return 0;
}

int arch_is_valid(const struct space *s, const struct arch *a)
{
    if (a->n != s->nlayers)
        return 0;
    for (int l = 0; l < s->nlayers; l++) {
        int c = a->choice[l];
        if (c < 0 || c >= s->nchoices || !(s->allowed[l] & (1ULL << c)))
            return 0;
    }
    return 1;
}

int arch_format(const struct space *s, const struct arch *a, char *buf, int n)
{
    int used = 0;
    if (n > 0)
        buf[0] = 0;
    for (int l = 0; l < a->n; l++) {
        int w = snprintf(buf + (used < n ? used : n), (size_t)(used < n ? n - used : 0), "%s%s",
                         l ? "-" : "", s->choices[a->choice[l]].name);
        used += w;
    }
    return used;
}

/* ------------------------------------------------------------ cost */

struct cost arch_cost(const struct space *s, const struct arch *a)
{
    struct cost t = space_stem_cost(s), h = space_head_cost(s);
    t.params += h.params;
    t.macs += h.macs;
    for (int l = 0; l < a->n; l++) {
        struct cost c = space_layer_cost(s, l, a->choice[l]);
        t.params += c.params;
        t.macs += c.macs;
    }
    return t;
}

/* ------------------------------------------------------------ drawing and variation */

void arch_random(const struct space *s, struct rng *r, struct arch *a)
{
    int list[SPACE_MAX_CHOICES];
    a->n = s->nlayers;
    for (int l = 0; l < s->nlayers; l++) {
        int n = space_allowed(s, l, list);
        a->choice[l] = list[rng_below(r, (uint64_t)n)];
    }
}

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

/* Costs add up layer by layer, so the extremes are taken layer by layer. */
void arch_extreme(const struct space *s, int largest, struct arch *a)
{
    a->n = s->nlayers;
    for (int l = 0; l < s->nlayers; l++) {
        int best = -1;
        for (int c = 0; c < s->nchoices; c++) {
            if (!(s->allowed[l] & (1ULL << c)))
                continue;
            struct cost x = space_layer_cost(s, l, c);
            if (best >= 0) {
                struct cost b = space_layer_cost(s, l, best);
                int better = largest ? (x.macs > b.macs || (x.macs == b.macs && x.params > b.params))
                                     : (x.macs < b.macs || (x.macs == b.macs && x.params < b.params));
                if (!better)
                    continue;
            }
            best = c;
        }
        a->choice[l] = best;
    }
}
