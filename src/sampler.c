#include "sampler.h"

#include <stdlib.h>
#include <string.h>

static const char *const names[] = {"uniform", "fair", "proportional", NULL};

const char *const *sampler_names(void) { return names; }

const char *sampler_name(const struct sampler *sm)
{
    return sm->kind == SAMPLER_CUSTOM ? sm->custom.name : names[sm->kind];
}

static double arch_params(const struct space *s, const struct arch *a)
{
    return (double)arch_cost(s, a).params;
}

/* Draws an index from cumulative weights cum[0..n) (cum[n-1] = total). */
static int draw_cumulative(struct rng *r, const double *cum, int n)
{
    double u = (double)(rng_u64(r) >> 11) * (1.0 / 9007199254740992.0) * cum[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if (u < cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

int sampler_init(struct sampler *sm, const char *name, const struct space *s, uint64_t seed,
                 int repeat, int pool, struct err *e)
{
    memset(sm, 0, sizeof *sm);
    int k = -1;
    for (int i = 0; i < 3; i++)
        if (strcmp(name, names[i]) == 0)
            k = i;
    if (k < 0)
        return err_plain(e, "unknown sampler '%s' (known: uniform, fair, proportional)", name);
    if (repeat < 1 || pool < 0 || pool > SAMPLER_MAX_POOL)
        return err_plain(e, "sampler needs repeat >= 1 and a pool of 0 to %d", SAMPLER_MAX_POOL);
    sm->kind = (enum sampler_kind)k;
    sm->s = s;
    sm->repeat = repeat;
    sm->pool = pool;
    rng_seed(&sm->st.rng, seed, RNG_STREAM_SAMPLER);
    sm->st.pool_iteration = -1;
    if (sm->kind == SAMPLER_PROPORTIONAL) {
        /* P(a) ∝ F + sum_l p_l(c_l) is the mixture: with weight F every layer
         * uniform; with weight mean_j(p_j), layer j ∝ p_j and the rest uniform. */
        struct cost st = space_stem_cost(s), hd = space_head_cost(s);
        double acc = (double)(st.params + hd.params);
        sm->mix[0] = acc;
        for (int l = 0; l < s->nlayers; l++) {
            int list[SPACE_MAX_CHOICES], n = space_allowed(s, l, list);
            double sum = 0;
            for (int i = 0; i < n; i++) {
                sum += (double)space_layer_cost(s, l, list[i]).params;
                sm->layer_w[l][i] = sum;
            }
            acc += sum / n;
            sm->mix[l + 1] = acc;
        }
        if (pool > 0) {
            sm->pool_archs = malloc((size_t)pool * sizeof *sm->pool_archs);
            sm->pool_cum = malloc((size_t)pool * sizeof *sm->pool_cum);
            if (!sm->pool_archs || !sm->pool_cum) {
                sampler_done(sm);
                return err_plain(e, "out of memory");
            }
        }
    }
    return 0;
}

void sampler_init_custom(struct sampler *sm, const struct sampler_custom *c, const struct space *s,
                         uint64_t seed)
{
    memset(sm, 0, sizeof *sm);
    sm->kind = SAMPLER_CUSTOM;
    sm->s = s;
    sm->repeat = 1;
    sm->custom = *c;
    rng_seed(&sm->st.rng, seed, RNG_STREAM_SAMPLER);
    sm->st.pool_iteration = -1;
}

static int next_custom(struct sampler *sm, int iteration, struct arch *paths)
{
    const struct space *s = sm->s;
    int n = sm->custom.next(sm->custom.ud, iteration, sm->st.step, &sm->st.rng,
                            (const int64_t(*)[SPACE_MAX_CHOICES])sm->st.counts, paths, &sm->err);
    if (n < 0)
        return 0;
    if (n < 1 || n > SPACE_MAX_CHOICES) {
        err_plain(&sm->err, "sampler %s: %d paths in step %lld (1 to %d allowed)", sm->custom.name,
                  n, (long long)sm->st.step, SPACE_MAX_CHOICES);
        return 0;
    }
    for (int p = 0; p < n; p++) {
        if (paths[p].n != s->nlayers) {
            err_plain(&sm->err, "sampler %s: path %d of step %lld has %d layers, the space %d",
                      sm->custom.name, p + 1, (long long)sm->st.step, paths[p].n, s->nlayers);
            return 0;
        }
        for (int l = 0; l < s->nlayers; l++) {
            int c = paths[p].choice[l];
            if (c < 0 || c >= s->nchoices || !(s->allowed[l] & (1ULL << c))) {
                err_plain(&sm->err, "sampler %s: path %d of step %lld: layer %d has a choice "
                          "the space does not allow there", sm->custom.name, p + 1,
                          (long long)sm->st.step, l + 1);
                return 0;
            }
        }
    }
    for (int p = 0; p < n; p++)
        for (int l = 0; l < s->nlayers; l++)
            sm->st.counts[l][paths[p].choice[l]]++;
    return n;
}

void sampler_done(struct sampler *sm)
{
    free(sm->pool_archs);
    free(sm->pool_cum);
    sm->pool_archs = NULL;
    sm->pool_cum = NULL;
}

/* The cumulative parameter counts of archs[0..n) into cum[0..n). */
static void cumulative_params(const struct space *s, const struct arch *archs, int n, double *cum)
{
    double acc = 0;
    for (int i = 0; i < n; i++) {
        acc += arch_params(s, &archs[i]);
        cum[i] = acc;
    }
}

/* Fills the cumulative weights of the pool from its architectures. */
static void pool_weights(struct sampler *sm)
{
    cumulative_params(sm->s, sm->pool_archs, sm->pool, sm->pool_cum);
}

int sampler_restore(struct sampler *sm, const struct sampler_state *st, const struct arch *pool,
                    struct err *e)
{
    const struct space *s = sm->s;
    if (st->step < 0)
        return err_plain(e, "the sampler's step count is negative (%lld)", (long long)st->step);
    /* a step hands out at most SPACE_MAX_CHOICES paths: so many steps, and
     * counts past what they make, would overflow as they are counted on */
    if (st->step > INT64_MAX / SPACE_MAX_CHOICES - 1)
        return err_plain(e, "the sampler's step count is %lld, more than a run makes",
                         (long long)st->step);
    if (!(st->rng.s[0] | st->rng.s[1] | st->rng.s[2] | st->rng.s[3]))
        return err_plain(e, "the sampler's random state is all zero");
    for (int l = 0; l < SPACE_MAX_LAYERS; l++) {
        int64_t lo = INT64_MAX, hi = 0;
        for (int c = 0; c < SPACE_MAX_CHOICES; c++) {
            int64_t n = st->counts[l][c];
            int allowed = l < s->nlayers && c < s->nchoices && (s->allowed[l] & (1ULL << c));
            if (n < 0 || (!allowed && n != 0))
                return err_plain(e, "the sampler's count of layer %d, choice %d is %lld, "
                                 "impossible in space %s", l + 1, c + 1, (long long)n, s->name);
            if (n > st->step * SPACE_MAX_CHOICES)
                return err_plain(e, "the sampler's count of layer %d, choice %d is %lld, more "
                                 "than %lld steps make", l + 1, c + 1, (long long)n,
                                 (long long)st->step);
            if (allowed) {
                lo = n < lo ? n : lo;
                hi = n > hi ? n : hi;
            }
        }
        /* strict fairness: one layer's choices never differ by more than one */
        if (sm->kind == SAMPLER_FAIR && l < s->nlayers && hi - lo > 1)
            return err_plain(e, "the fair sampler's counts of layer %d differ by %lld (at most 1)",
                             l + 1, (long long)(hi - lo));
    }
    if (st->repeat_left < 0 || st->repeat_left > sm->repeat)
        return err_plain(e, "the sampler has %d steps left on its path, out of %d", st->repeat_left,
                         sm->repeat);
    if (st->repeat_left > 0 && !arch_is_valid(s, &st->cur))
        return err_plain(e, "the sampler's current path is not an architecture of space %s",
                         s->name);
    if (st->pool_iteration < -1)
        return err_plain(e, "the sampler's pool iteration is %d", st->pool_iteration);
    if (pool)
        for (int i = 0; i < sm->pool; i++)
            if (!arch_is_valid(s, &pool[i]))
                return err_plain(e, "the sampler's pool holds an architecture (%d of %d) that is "
                                 "not of space %s", i + 1, sm->pool, s->name);
    sm->st = *st;
    if (!sm->pool_archs)
        return 0;
    if (pool) {
        memcpy(sm->pool_archs, pool, (size_t)sm->pool * sizeof *pool);
        pool_weights(sm);
    } else {
        sm->st.pool_iteration = -1;
    }
    return 0;
}

static void draw_fair(struct sampler *sm, struct arch *paths, int m)
{
    const struct space *s = sm->s;
    struct rng *r = &sm->st.rng;
    for (int p = 0; p < m; p++)
        paths[p].n = s->nlayers;
    for (int l = 0; l < s->nlayers; l++) {
        int list[SPACE_MAX_CHOICES], seq[SPACE_MAX_CHOICES];
        int n = space_allowed(s, l, list);
        int64_t *cnt = sm->st.counts[l];
        for (int i = 0; i < n; i++) {
            seq[i] = list[i];
            cnt[list[i]]++;
        }
        for (int i = n; i < m; i++) {
            /* the least-trained choice, ties broken uniformly (reservoir) */
            int best = -1, ties = 0;
            for (int j = 0; j < n; j++) {
                int c = list[j];
                if (best < 0 || cnt[c] < cnt[best]) {
                    best = c;
                    ties = 1;
                } else if (cnt[c] == cnt[best] && rng_below(r, (uint64_t)++ties) == 0) {
                    best = c;
                }
            }
            seq[i] = best;
            cnt[best]++;
        }
        rng_shuffle(r, seq, (size_t)m);
        for (int p = 0; p < m; p++)
            paths[p].choice[l] = seq[p];
    }
}

static void draw_proportional_space(struct sampler *sm, struct arch *a)
{
    const struct space *s = sm->s;
    struct rng *r = &sm->st.rng;
    arch_random(s, r, a);
    int j = draw_cumulative(r, sm->mix, s->nlayers + 1) - 1;
    if (j >= 0) {
        int list[SPACE_MAX_CHOICES], n = space_allowed(s, j, list);
        a->choice[j] = list[draw_cumulative(r, sm->layer_w[j], n)];
    }
}

/* One path handed out: each of its choices is trained once more. */
static void count_path(struct sampler *sm, const struct arch *a)
{
    for (int l = 0; l < sm->s->nlayers; l++)
        sm->st.counts[l][a->choice[l]]++;
}

int sampler_next(struct sampler *sm, int iteration, struct arch *paths)
{
    const struct space *s = sm->s;
    sm->st.step++;
    switch (sm->kind) {
    case SAMPLER_CUSTOM:
        sm->st.step--;
        {
            int n = next_custom(sm, iteration, paths);
            sm->st.step++;
            return n;
        }
    case SAMPLER_UNIFORM:
        arch_random(s, &sm->st.rng, &paths[0]);
        count_path(sm, &paths[0]);
        return 1;
    case SAMPLER_FAIR: {
        int m = 0, list[SPACE_MAX_CHOICES];
        for (int l = 0; l < s->nlayers; l++) {
            int n = space_allowed(s, l, list);
            m = n > m ? n : m;
        }
        draw_fair(sm, paths, m);
        return m;
    }
    case SAMPLER_PROPORTIONAL:
        if (sm->pool > 0 && sm->st.pool_iteration != iteration) {
            for (int i = 0; i < sm->pool; i++)
                arch_random(s, &sm->st.rng, &sm->pool_archs[i]);
            pool_weights(sm);
            sm->st.pool_iteration = iteration;
            sm->st.repeat_left = 0;
        }
        if (sm->st.repeat_left <= 0) {
            if (sm->pool > 0)
                sm->st.cur = sm->pool_archs[draw_cumulative(&sm->st.rng, sm->pool_cum, sm->pool)];
            else
                draw_proportional_space(sm, &sm->st.cur);
            sm->st.repeat_left = sm->repeat;
        }
        sm->st.repeat_left--;
        paths[0] = sm->st.cur;
        count_path(sm, &paths[0]);
        return 1;
    }
    return 0;
}

/* ---- an explicit list ---- */

int sampler_list_init(struct sampler_list *l, const struct space *s, const struct arch *archs,
                      int n, struct err *e)
{
    memset(l, 0, sizeof *l);
    if (n < 1)
        return err_plain(e, "the proportional draw needs at least one architecture");
    for (int i = 0; i < n; i++)
        if (!arch_is_valid(s, &archs[i]))
            return err_plain(e, "the proportional draw's architecture %d of %d is not of "
                                "space %s", i + 1, n, s->name);
    l->archs = malloc((size_t)n * sizeof *l->archs);
    l->cum = malloc((size_t)n * sizeof *l->cum);
    if (!l->archs || !l->cum) {
        sampler_list_done(l);
        return err_plain(e, "out of memory");
    }
    l->s = s;
    l->n = n;
    memcpy(l->archs, archs, (size_t)n * sizeof *archs);
    cumulative_params(s, archs, n, l->cum);
    return 0;
}

void sampler_list_done(struct sampler_list *l)
{
    free(l->archs);
    free(l->cum);
    memset(l, 0, sizeof *l);
}

int sampler_list_next(const struct sampler_list *l, struct rng *r)
{
    return draw_cumulative(r, l->cum, l->n);
}

double sampler_list_prob(const struct sampler_list *l, int i)
{
    return (l->cum[i] - (i ? l->cum[i - 1] : 0)) / l->cum[l->n - 1];
}
