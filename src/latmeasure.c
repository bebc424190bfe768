/* latmeasure: latency measured on this machine: a table built by timing
 * each layer inside whole networks, and architectures timed end to end. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include "latmeasure.h"

#include <math.h>
#include <omp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bn.h"
#include "conv.h"
#include "fc.h"
#include "model.h"
#include "pool.h"
#include "rng.h"

/* the build's networks draw from their own stream next to the input data's */
#define STREAM_NETWORKS (RNG_STREAM_BENCH + 16)

/* ---- small helpers ---- */

static double now_ms(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec * 1e-6;
}

/* The clock of a measurement: with one thread, the thread's CPU time, so
 * that time spent waiting while other jobs have the core does not count;
 * otherwise (or when asked) the wall clock. */
static clockid_t clock_of(const struct latency_opts *o, int threads)
{
    return o->cpu_time && threads == 1 ? CLOCK_THREAD_CPUTIME_ID : CLOCK_MONOTONIC;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* The p-th percentile (0 the minimum, 50 the median) of v[0..n), linear
 * between neighbours (reorders v); NAN for n == 0. */
static double percentile(double *v, int n, double p)
{
    if (n <= 0)
        return NAN;
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    double at = p / 100 * (n - 1);
    int i = (int)at;
    return i + 1 < n ? v[i] + (at - i) * (v[i + 1] - v[i]) : v[n - 1];
}

static double median(double *v, int n)
{
    return percentile(v, n, 50);
}

void latency_opts_default(struct latency_opts *o)
{
    o->batch = 1;
    o->warmup = 10;
    o->repeats = 31;
    o->rounds = 5;
    o->passes = 2;
    o->cpu_time = 1;
    o->pin = 1;
    o->seed = 0;
    o->percentile = 50;
}

/* ---- measuring on the host ---- */

/* Threads pinned one per CPU of the process's set, and how to undo it. */
struct pinning {
    int threads;
    cpu_set_t *saved; /* [threads] */
    int *pinned;      /* [threads] 1: saved[t] must be restored */
};

static void pin_threads(struct pinning *p, int threads)
{
    memset(p, 0, sizeof *p);
    cpu_set_t allowed;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return;
    int cpus[CPU_SETSIZE], ncpu = 0;
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &allowed))
            cpus[ncpu++] = i;
    p->saved = calloc((size_t)threads, sizeof *p->saved);
    p->pinned = calloc((size_t)threads, sizeof *p->pinned);
    if (!ncpu || !p->saved || !p->pinned) {
        free(p->saved);
        free(p->pinned);
        p->saved = NULL;
        p->pinned = NULL;
        return;
    }
    p->threads = threads;
    /* the kernels' OpenMP team keeps its threads between regions, so pinning
     * each member once pins every later region of the same size */
#pragma omp parallel num_threads(threads)
    {
        int t = omp_get_thread_num();
        cpu_set_t one;
        CPU_ZERO(&one);
        CPU_SET(cpus[t % ncpu], &one);
        if (sched_getaffinity(0, sizeof p->saved[t], &p->saved[t]) == 0)
            p->pinned[t] = sched_setaffinity(0, sizeof one, &one) == 0;
    }
}

static void unpin_threads(struct pinning *p)
{
    if (p->threads > 0) {
#pragma omp parallel num_threads(p->threads)
        {
            int t = omp_get_thread_num();
            if (p->pinned[t])
                sched_setaffinity(0, sizeof p->saved[t], &p->saved[t]);
        }
    }
    free(p->saved);
    free(p->pinned);
    memset(p, 0, sizeof *p);
}

static const float *forward_parts(struct net *n, const float *x, double *ms, clockid_t clock)
{
    const struct space *s = n->s;
    const int N = n->N;
    const struct conv_dims *d = &n->stem_dims;
    size_t s0 = (size_t)d->Ho * d->Wo * N;
    double t0 = now_ms(clock);
    conv_forward(n->x0, n->col, x, n->stem.w, d);
    struct bn_state bs = {n->stem_stats, n->stem_stats + s->stem_c, n->stem_batch,
                          n->stem_batch + s->stem_c};
    bn_forward(n->a0, n->x0, n->stem.gamma, n->stem.beta, &bs, s->stem_c, s0, s->stem_act, 0, 0);
    double t1 = now_ms(clock);
    ms[0] = t1 - t0;
    const float *h = n->a0;
    for (int i = 0; i < n->nblocks; i++) {
        block_forward(&n->cache[i], h, &n->p[i], &n->st[i], &n->desc[i], N, 0, 0);
        h = n->cache[i].y;
        t0 = t1;
        t1 = now_ms(clock);
        ms[1 + i] = t1 - t0;
    }
    size_t sh = (size_t)n->last_h * n->last_w * N;
    conv1x1_forward(n->xh, h, n->head.w, n->last_c, s->head_c, sh);
    struct bn_state hs = {n->head_stats, n->head_stats + s->head_c, n->head_batch,
                          n->head_batch + s->head_c};
    bn_forward(n->ah, n->xh, n->head.gamma, n->head.beta, &hs, s->head_c, sh, s->head_act, 0, 0);
    pool_forward(n->pooled, n->ah, s->head_c, n->last_h * n->last_w, N);
    fc_forward(n->logits, n->pooled, n->head.fc_w, n->head.fc_b, s->head_c, s->classes, N);
    ms[1 + n->nblocks] = now_ms(clock) - t1;
    return n->logits;
}

const float *latency_forward_parts(struct net *n, const float *x, double *ms)
{
    return forward_parts(n, x, ms, CLOCK_MONOTONIC);
}

/* Random input of N images for s (stream RNG_STREAM_BENCH of seed). */
static float *random_input(const struct space *s, int N, uint64_t seed, struct err *e)
{
    size_t n = (size_t)s->in_c * s->in_h * s->in_w * N;
    float *x = malloc(n * sizeof *x);
    if (!x) {
        err_plain(e, "out of memory");
        return NULL;
    }
    struct rng r;
    rng_seed(&r, seed, RNG_STREAM_BENCH);
    for (size_t i = 0; i < n; i++)
        x[i] = rng_normal(&r);
    return x;
}

/* Times the inference network m: o->warmup forwards, then o->repeats timed
 * ones.  parts (may be NULL): o->percentile of the times of stem, each block
 * and head ([nblocks + 2]), from split forwards alternating with the whole
 * ones.  *whole: the same of the whole forwards.  scratch: (nblocks + 3) *
 * repeats. */
static void time_network(struct model *m, const float *x, const struct latency_opts *o,
                         clockid_t clock, double *parts, double *whole, double *scratch)
{
    struct net *n = &m->net;
    int np = n->nblocks + 2, R = o->repeats;
    double *split = scratch, *w = scratch + (size_t)np * R, ms[SPACE_MAX_LAYERS + 2];
    for (int i = 0; i < o->warmup; i++)
        net_forward(n, x, 0, 0);
    for (int r = 0; r < R; r++) {
        if (parts) {
            forward_parts(n, x, ms, clock);
            for (int p = 0; p < np; p++)
                split[(size_t)p * R + r] = ms[p];
        }
        double t0 = now_ms(clock);
        net_forward(n, x, 0, 0);
        w[r] = now_ms(clock) - t0;
    }
    *whole = percentile(w, R, o->percentile);
    if (parts)
        for (int p = 0; p < np; p++)
            parts[p] = percentile(split + (size_t)p * R, R, o->percentile);
}

static int check_opts(const struct latency_opts *o, struct err *e)
{
    if (o->batch < 1 || o->repeats < 1 || o->warmup < 0 || o->rounds < 1 || o->passes < 1)
        return err_plain(e, "latency: batch, repeats, rounds and passes must be at least 1");
    if (!(o->percentile >= 0 && o->percentile <= 100))
        return err_plain(e, "latency: the percentile must be from 0 to 100");
    return 0;
}

/* A new inference network of a on N images, weights from seed. */
static struct model *network(const struct space *s, const struct arch *a, int N, uint64_t seed,
                             struct err *e)
{
    struct model *m = model_new(s, a, seed, e);
    if (m && net_reserve(&m->net, N, 0, e)) {
        model_free(m);
        return NULL;
    }
    return m;
}

static void describe_machine(char *out, size_t size)
{
    char name[200] = "unknown CPU", line[512];
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f) {
        while (fgets(line, sizeof line, f))
            if (strncmp(line, "model name", 10) == 0) {
                const char *v = strchr(line, ':');
                if (v) {
                    v++;
                    v += strspn(v, " \t");
                    snprintf(name, sizeof name, "%.*s", (int)strcspn(v, "\n"), v);
                }
                break;
            }
        fclose(f);
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(out, size, "%s, %ld CPUs online", name, n);
}

static void describe_blas(char *out, size_t size)
{
    const char *cfg = ctx_blas_config(), *core = ctx_blas_core();
    char ver[40] = "OpenBLAS";
    if (cfg && strncmp(cfg, "OpenBLAS ", 9) == 0) {
        size_t len = strcspn(cfg + 9, " ");
        snprintf(ver, sizeof ver, "OpenBLAS %.*s", (int)(len < 16 ? len : 16), cfg + 9);
    }
    snprintf(out, size, "%s, core %s", ver, core ? core : "?");
}

int latency_build(struct latency_table *t, const struct space *s, const struct latency_opts *o,
                  const struct ctx *c, latency_progress_fn progress, void *user, struct err *e)
{
    if (check_opts(o, e))
        return -1;
    memset(t, 0, sizeof *t);
    t->space = *s;
    t->kind = LATENCY_TABLE;
    t->batch = o->batch;
    t->threads = c ? c->threads : omp_get_max_threads();
    snprintf(t->device, sizeof t->device, "host");
    describe_machine(t->machine, sizeof t->machine);
    describe_blas(t->blas, sizeof t->blas);
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(t->date, sizeof t->date, "%Y-%m-%dT%H:%M:%SZ", &tm);
    t->percentile = o->percentile;
    char stat[32] = "median";
    if (o->percentile == 0)
        snprintf(stat, sizeof stat, "minimum");
    else if (o->percentile != 50)
        snprintf(stat, sizeof stat, "percentile %g", o->percentile);
    t->cpu_time = clock_of(o, t->threads) == CLOCK_THREAD_CPUTIME_ID;
    snprintf(t->method, sizeof t->method,
             "each layer timed inside %d networks with random neighbours; %s of %d "
             "forwards after %d warm-up (%s); threads %s",
             o->rounds, stat, o->repeats, o->warmup, t->cpu_time ? "thread CPU time" : "wall clock",
             o->pin ? "pinned" : "not pinned");

    /* every layer's non-skip choices, shuffled anew each round: network j of a
     * round takes choice j (mod count) of every layer */
    int list[SPACE_MAX_LAYERS][SPACE_MAX_CHOICES], cnt[SPACE_MAX_LAYERS], skip_of[SPACE_MAX_LAYERS];
    int per_round = 1;
    for (int l = 0; l < s->nlayers; l++) {
        cnt[l] = 0;
        skip_of[l] = -1;
        for (int ch = 0; ch < s->nchoices; ch++) {
            if (!(s->allowed[l] & (1ULL << ch)))
                continue;
            if (s->choices[ch].skip)
                skip_of[l] = ch;
            else
                list[l][cnt[l]++] = ch;
        }
        per_round = cnt[l] > per_round ? cnt[l] : per_round;
    }
    int total = o->rounds * per_round, cap = total; /* samples an entry may get */
    double *samples = malloc((size_t)s->nlayers * s->nchoices * cap * sizeof *samples);
    int *nsamp = calloc((size_t)s->nlayers * s->nchoices, sizeof *nsamp);
    double *stem = malloc((size_t)total * sizeof *stem), *head = malloc((size_t)total * sizeof *head);
    double *over = malloc((size_t)total * sizeof *over);
    double *scratch = malloc((size_t)(SPACE_MAX_LAYERS + 3) * o->repeats * sizeof *scratch);
    float *x = random_input(s, o->batch, o->seed, e);
    struct pinning pin = {0};
    int rc = -1, done = 0;
    if (!samples || !nsamp || !stem || !head || !over || !scratch) {
        err_plain(e, "out of memory");
        goto out;
    }
    if (!x)
        goto out;
    if (o->pin)
        pin_threads(&pin, t->threads);
    struct rng r;
    rng_seed(&r, o->seed, STREAM_NETWORKS);
    for (int round = 0; round < o->rounds; round++) {
        for (int l = 0; l < s->nlayers; l++)
            rng_shuffle(&r, list[l], (size_t)cnt[l]);
        for (int j = 0; j < per_round; j++) {
            struct arch a = {.n = s->nlayers};
            for (int l = 0; l < s->nlayers; l++)
                a.choice[l] = cnt[l] ? list[l][j % cnt[l]] : skip_of[l];
            struct model *m = network(s, &a, o->batch, o->seed, e);
            if (!m)
                goto out;
            double parts[SPACE_MAX_LAYERS + 2], whole, sum = 0;
            time_network(m, x, o, clock_of(o, t->threads), parts, &whole, scratch);
            const struct net *n = &m->net;
            for (int i = 0; i < n->nblocks; i++) {
                int l = n->layer[i], ch = a.choice[l];
                int k = l * s->nchoices + ch;
                samples[(size_t)k * cap + nsamp[k]++] = parts[1 + i];
            }
            for (int p = 0; p < n->nblocks + 2; p++)
                sum += parts[p];
            stem[done] = parts[0];
            head[done] = parts[n->nblocks + 1];
            over[done] = whole - sum;
            model_free(m);
            done++;
            if (progress)
                progress(user, done, total);
        }
    }
    for (int l = 0; l < s->nlayers; l++)
        for (int ch = 0; ch < s->nchoices; ch++) {
            int k = l * s->nchoices + ch;
            if (!(s->allowed[l] & (1ULL << ch)))
                t->ms[l][ch] = NAN;
            else if (s->choices[ch].skip)
                t->ms[l][ch] = 0;
            else
                t->ms[l][ch] = median(samples + (size_t)k * cap, nsamp[k]);
        }
    t->stem_ms = median(stem, done);
    t->head_ms = median(head, done);
    t->overhead_ms = median(over, done);
    ctx_log(c, LOG_DEBUG, "latency: %d networks timed, fixed part %.4f ms", done,
            latency_fixed(t));
    rc = 0;
out:
    if (o->pin)
        unpin_threads(&pin);
    free(samples);
    free(nsamp);
    free(stem);
    free(head);
    free(over);
    free(scratch);
    free(x);
    return rc;
}

int latency_measure(double *ms, const struct space *s, const struct arch *archs, int n,
                    const struct latency_opts *o, const struct ctx *c,
                    latency_progress_fn progress, void *user, struct err *e)
{
    if (check_opts(o, e))
        return -1;
    double *scratch = malloc((size_t)(SPACE_MAX_LAYERS + 3) * o->repeats * sizeof *scratch);
    float *x = random_input(s, o->batch, o->seed, e);
    int rc = -1;
    struct pinning pin = {0};
    if (!scratch) {
        err_plain(e, "out of memory");
        goto out;
    }
    if (!x)
        goto out;
    int threads = c ? c->threads : omp_get_max_threads();
    if (o->pin)
        pin_threads(&pin, threads);
    /* passes far apart in time: a burst of the neighbours' load spoils one
     * pass of an architecture, rarely all of them */
    for (int pass = 0; pass < o->passes; pass++)
        for (int i = 0; i < n; i++) {
            struct model *m = network(s, &archs[i], o->batch, o->seed, e);
            if (!m)
                goto out;
            double t;
            time_network(m, x, o, clock_of(o, threads), NULL, &t, scratch);
            ms[i] = pass == 0 || t < ms[i] ? t : ms[i];
            model_free(m);
            if (progress)
                progress(user, pass * n + i + 1, o->passes * n);
        }
    rc = 0;
out:
    if (o->pin)
        unpin_threads(&pin);
    free(scratch);
    free(x);
    return rc;
}
