/* latency: lookup tables of per-layer latency, measured on the host or
 * evaluated from a roofline device model, and their YAML files. */
#define _GNU_SOURCE /* sched_setaffinity, CPU_SET */
#include "latency.h"

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
#include "rank.h"
#include "rng.h"
#include "yamldoc.h"

#define LATENCY_FILE_MAX (1 << 20) /* larger files are refused */
/* the build's networks draw from their own stream next to the input data's */
#define STREAM_NETWORKS (RNG_STREAM_BENCH + 16)

static const char *const op_names[LATENCY_NOPS + 1] = {"conv", "pointwise", "depthwise", "pool",
                                                       "fc",   "elementwise", NULL};

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

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
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

/* ---- predictions ---- */

double latency_layer(const struct latency_table *t, int l, int c)
{
    if (l < 0 || l >= t->space.nlayers || c < 0 || c >= t->space.nchoices)
        return NAN;
    if (!(t->space.allowed[l] & (1ULL << c)))
        return NAN;
    return t->space.choices[c].skip ? 0 : t->ms[l][c];
}

double latency_fixed(const struct latency_table *t)
{
    return t->stem_ms + t->head_ms + t->overhead_ms;
}

double latency_predict(const struct latency_table *t, const struct arch *a)
{
    double ms = latency_fixed(t);
    for (int l = 0; l < a->n; l++)
        ms += latency_layer(t, l, a->choice[l]);
    return ms;
}

void latency_agreement(struct latency_agreement *g, const double *pred, const double *meas,
                       int n)
{
    memset(g, 0, sizeof *g);
    g->n = n;
    if (n <= 0)
        return;
    int in5 = 0, in10 = 0;
    double se = 0, ape = 0;
    for (int i = 0; i < n; i++) {
        double d = pred[i] - meas[i];
        in5 += fabs(d) <= 0.05 * meas[i];
        in10 += fabs(d) <= 0.10 * meas[i];
        se += d * d;
        ape += fabs(d) / meas[i];
    }
    g->within_5pct = (double)in5 / n;
    g->within_10pct = (double)in10 / n;
    g->rmse_ms = sqrt(se / n);
    g->mean_abs_pct = 100 * ape / n;
    g->kendall_tau = n >= 2 ? kendall_tau(pred, meas, n) : 0;
}

/* ---- device models ---- */

double latency_op_ms(const struct latency_device *d, enum latency_op kind, double flops,
                     double bytes)
{
    double compute_s = flops / (d->peak_gflops * 1e9 * d->efficiency[kind]);
    double memory_s = bytes / (d->bandwidth_gbs * 1e9);
    return d->dispatch_us * 1e-3 + 1e3 * (compute_s > memory_s ? compute_s : memory_s);
}

/* One block of layer l with choice c, op by op (BN and activations fused). */
static double device_block_ms(const struct latency_device *d, const struct space *s, int l,
                              int c)
{
    const struct choice *ch = &s->choices[c];
    struct layer_shape sh = space_layer_shape(s, l);
    double b = d->bytes_per_value, m = (double)sh.cin * ch->e, kk = (double)ch->k * ch->k;
    double pin = (double)sh.h_in * sh.w_in, pout = (double)sh.h_out * sh.w_out;
    double cin = sh.cin, cout = sh.cout, ms = 0;
    if (ch->e != 1)
        ms += latency_op_ms(d, LATENCY_OP_POINTWISE, 2 * cin * m * pin,
                            b * (cin * pin + m * pin + cin * m + m));
    ms += latency_op_ms(d, LATENCY_OP_DEPTHWISE, 2 * m * kk * pout,
                        b * (m * pin + m * pout + m * kk + m));
    if (ch->se) {
        double r = space_se_hidden((int)m);
        ms += latency_op_ms(d, LATENCY_OP_POOL, m * pout, b * (m * pout + m));
        ms += latency_op_ms(d, LATENCY_OP_FC, 2 * m * r, b * (m + m * r + 2 * r));
        ms += latency_op_ms(d, LATENCY_OP_FC, 2 * r * m, b * (r + r * m + 2 * m));
        ms += latency_op_ms(d, LATENCY_OP_ELEMENTWISE, m * pout, b * (2 * m * pout + m));
    }
    ms += latency_op_ms(d, LATENCY_OP_POINTWISE, 2 * m * cout * pout,
                        b * (m * pout + cout * pout + m * cout + cout));
    if (sh.stride == 1 && sh.cin == sh.cout)
        ms += latency_op_ms(d, LATENCY_OP_ELEMENTWISE, cout * pout, b * 3 * cout * pout);
    return ms;
}

void latency_device_eval(struct latency_table *t, const struct latency_device *d,
                         const struct space *s)
{
    memset(t, 0, sizeof *t);
    t->space = *s;
    t->kind = LATENCY_MODEL;
    t->batch = 1;
    t->percentile = 50;
    copy(t->device, sizeof t->device, d->name);
    copy(t->machine, sizeof t->machine, d->hardware);
    snprintf(t->method, sizeof t->method,
             "roofline model per op, evaluated for space %s: a model, not a measurement",
             s->name);
    double b = d->bytes_per_value;
    /* stem: a dense kxk conv */
    double ho = space_out_size(s->in_h, s->stem_k, s->stem_stride);
    double wo = space_out_size(s->in_w, s->stem_k, s->stem_stride);
    double kk = (double)s->stem_k * s->stem_k, ic = s->in_c, sc = s->stem_c;
    t->stem_ms = latency_op_ms(d, LATENCY_OP_CONV, 2 * ic * sc * kk * ho * wo,
                               b * (ic * s->in_h * s->in_w + sc * ho * wo + ic * sc * kk + sc));
    /* head: pointwise conv, pool, FC */
    struct layer_shape last = space_layer_shape(s, s->nlayers - 1);
    double p = (double)last.h_out * last.w_out, lc = last.cout, hc = s->head_c, k = s->classes;
    t->head_ms = latency_op_ms(d, LATENCY_OP_POINTWISE, 2 * lc * hc * p,
                               b * (lc * p + hc * p + lc * hc + hc)) +
                 latency_op_ms(d, LATENCY_OP_POOL, hc * p, b * (hc * p + hc)) +
                 latency_op_ms(d, LATENCY_OP_FC, 2 * hc * k, b * (hc + hc * k + 2 * k));
    t->overhead_ms = d->overhead_us * 1e-3;
    for (int l = 0; l < s->nlayers; l++)
        for (int c = 0; c < s->nchoices; c++) {
            if (!(s->allowed[l] & (1ULL << c)))
                t->ms[l][c] = NAN;
            else
                t->ms[l][c] = s->choices[c].skip ? 0 : device_block_ms(d, s, l, c);
        }
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
    copy(t->device, sizeof t->device, "host");
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

/* ---- reading files ---- */

/* A string; empty is allowed (a table says "" for what it did not know). */
static int get_text(const struct yamldoc *rd, const yaml_node_t *n, const char *path, char *out,
                    size_t size)
{
    if (n->type != YAML_SCALAR_NODE)
        return yamldoc_expected(rd, n, path, "a string");
    const char *s = yamldoc_text(n);
    if (strlen(s) >= size)
        return yamldoc_fail(rd, n, "%s: too long (%zu bytes, at most %zu)", path, strlen(s),
                            size - 1);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20)
            return yamldoc_fail(rd, n, "%s: contains a control character", path);
    copy(out, size, s);
    return 0;
}

/* An optional text key. */
static int opt_text(const struct yamldoc *rd, const yaml_node_t *map, const char *key, char *out,
                    size_t size)
{
    const yaml_node_t *n = yamldoc_get(rd, map, key);
    return n ? get_text(rd, n, key, out, size) : 0;
}

/* A list of exactly count whole numbers >= 0 (count 1: a plain number). */
static int get_ints(const struct yamldoc *rd, const yaml_node_t *n, const char *path, int *v,
                    int count)
{
    if (count == 1)
        return yamldoc_int(rd, n, path, 0, 1 << 30, v);
    char what[64];
    snprintf(what, sizeof what, "a list of %d whole numbers", count);
    if (n->type != YAML_SEQUENCE_NODE ||
        n->data.sequence.items.top - n->data.sequence.items.start != count)
        return yamldoc_expected(rd, n, path, what);
    for (int i = 0; i < count; i++)
        if (yamldoc_int(rd, yamldoc_node(rd, n->data.sequence.items.start[i]), path, 0, 1 << 30,
                        &v[i]))
            return -1;
    return 0;
}

/* Formats ints as "[a, b, c]". */
static const char *int_list(char *buf, size_t size, const int *v, int n)
{
    size_t k = 0;
    buf[k++] = '[';
    for (int i = 0; i < n && k < size; i++)
        k += (size_t)snprintf(buf + k, size - k, "%s%d", i ? ", " : "", v[i]);
    if (k < size - 1) {
        buf[k++] = ']';
        buf[k] = 0;
    }
    return buf;
}

/* A list of ints in the file that must equal want. */
static int match_ints(const struct yamldoc *rd, const yaml_node_t *n, const char *path,
                      const int *want, int count, const struct space *s, const char *table_space)
{
    int got[8];
    if (get_ints(rd, n, path, got, count))
        return -1;
    if (memcmp(got, want, (size_t)count * sizeof *got) != 0) {
        char a[64], b[64];
        if (count == 1)
            return yamldoc_fail(rd, n,
                                "%s: %d in the table, %d in space %s (the table is for space %s)",
                                path, got[0], want[0], s->name, table_space);
        return yamldoc_fail(rd, n,
                            "%s: %s in the table, %s in space %s (the table is for space %s)", path,
                            int_list(a, sizeof a, got, count), int_list(b, sizeof b, want, count),
                            s->name, table_space);
    }
    return 0;
}

static const char *const table_keys[] = {
    "kind",   "origin", "device", "machine", "blas",  "threads", "batch", "percentile",
    "clock",  "date",   "method", "note",    "space", "fixed",   "layers", NULL};
static const char *const table_required[] = {"kind", "batch", "space", "fixed", "layers", NULL};
static const char *const space_keys[] = {"name", "input", "classes", "stem", "head", NULL};
static const char *const fixed_keys[] = {"stem", "head", "overhead", NULL};
static const char *const layer_keys[] = {"shape", "ms", NULL};
static const char *const model_keys[] = {"kind",          "device",          "hardware",
                                         "note",          "peak_gflops",     "bandwidth_gbs",
                                         "bytes_per_value", "dispatch_us",   "overhead_us",
                                         "efficiency",    NULL};
static const char *const model_required[] = {"kind",           "device",      "peak_gflops",
                                             "bandwidth_gbs",  "bytes_per_value", "dispatch_us",
                                             "overhead_us",    "efficiency",  NULL};

static int read_table(const struct yamldoc *rd, const yaml_node_t *root, const struct space *s,
                      struct latency_table *t)
{
    if (yamldoc_check_keys(rd, root, table_keys, table_required, ""))
        return -1;
    memset(t, 0, sizeof *t);
    t->space = *s;
    t->kind = LATENCY_TABLE;
    const yaml_node_t *n;
    char origin[32] = "measured";
    if (opt_text(rd, root, "origin", origin, sizeof origin))
        return -1;
    if (strcmp(origin, "measured") == 0)
        t->kind = LATENCY_TABLE;
    else if (strcmp(origin, "model") == 0)
        t->kind = LATENCY_MODEL;
    else
        return yamldoc_fail(rd, yamldoc_get(rd, root, "origin"),
                            "origin: '%.40s' is neither measured nor model", origin);
    if (opt_text(rd, root, "device", t->device, sizeof t->device) ||
        opt_text(rd, root, "machine", t->machine, sizeof t->machine) ||
        opt_text(rd, root, "blas", t->blas, sizeof t->blas) ||
        opt_text(rd, root, "date", t->date, sizeof t->date) ||
        opt_text(rd, root, "method", t->method, sizeof t->method))
        return -1;
    if ((n = yamldoc_get(rd, root, "threads")) &&
        yamldoc_int(rd, n, "threads", 0, 1024, &t->threads))
        return -1;
    if (yamldoc_int(rd, yamldoc_get(rd, root, "batch"), "batch", 1, 65536, &t->batch))
        return -1;
    t->percentile = 50;
    if ((n = yamldoc_get(rd, root, "percentile")) &&
        yamldoc_number(rd, n, "percentile", 0, 100, 0, &t->percentile))
        return -1;
    char clock[16] = "wall";
    if (opt_text(rd, root, "clock", clock, sizeof clock))
        return -1;
    if (strcmp(clock, "cpu") != 0 && strcmp(clock, "wall") != 0)
        return yamldoc_fail(rd, yamldoc_get(rd, root, "clock"),
                            "clock: '%s' is neither cpu nor wall", clock);
    t->cpu_time = strcmp(clock, "cpu") == 0;

    /* the space: the fixed part's shapes */
    const yaml_node_t *sp = yamldoc_get(rd, root, "space");
    char tname[SPACE_NAME_MAX] = "?";
    if (yamldoc_check_keys(rd, sp, space_keys, space_keys, "space") ||
        get_text(rd, yamldoc_get(rd, sp, "name"), "space.name", tname, sizeof tname))
        return -1;
    int in[3] = {s->in_c, s->in_h, s->in_w}, stem[3] = {s->stem_c, s->stem_k, s->stem_stride};
    if (match_ints(rd, yamldoc_get(rd, sp, "input"), "space.input", in, 3, s, tname) ||
        match_ints(rd, yamldoc_get(rd, sp, "classes"), "space.classes", &s->classes, 1, s, tname) ||
        match_ints(rd, yamldoc_get(rd, sp, "stem"), "space.stem", stem, 3, s, tname) ||
        match_ints(rd, yamldoc_get(rd, sp, "head"), "space.head", &s->head_c, 1, s, tname))
        return -1;

    const yaml_node_t *fx = yamldoc_get(rd, root, "fixed");
    if (yamldoc_check_keys(rd, fx, fixed_keys, fixed_keys, "fixed") ||
        yamldoc_number(rd, yamldoc_get(rd, fx, "stem"), "fixed.stem", 0, INFINITY, 0,
                       &t->stem_ms) ||
        yamldoc_number(rd, yamldoc_get(rd, fx, "head"), "fixed.head", 0, INFINITY, 0,
                       &t->head_ms) ||
        yamldoc_number(rd, yamldoc_get(rd, fx, "overhead"), "fixed.overhead", -INFINITY, INFINITY,
                       0, &t->overhead_ms))
        return -1;

    const yaml_node_t *ls = yamldoc_get(rd, root, "layers");
    if (ls->type != YAML_SEQUENCE_NODE)
        return yamldoc_expected(rd, ls, "layers", "a list of layers");
    int nl = (int)(ls->data.sequence.items.top - ls->data.sequence.items.start);
    if (nl != s->nlayers)
        return yamldoc_fail(
            rd, ls, "layers: the table has %d layers, space %s has %d (the table is for space %s)",
            nl, s->name, s->nlayers, tname);
    for (int l = 0; l < nl; l++) {
        const yaml_node_t *ln = yamldoc_node(rd, ls->data.sequence.items.start[l]);
        char where[48];
        snprintf(where, sizeof where, "layers[%d]", l);
        if (yamldoc_check_keys(rd, ln, layer_keys, layer_keys, where))
            return -1;
        struct layer_shape sh = space_layer_shape(s, l);
        int want[5] = {sh.cin, sh.cout, sh.stride, sh.h_in, sh.w_in}, got[5];
        const yaml_node_t *shn = yamldoc_get(rd, ln, "shape");
        char path[64];
        snprintf(path, sizeof path, "%s.shape", where);
        if (get_ints(rd, shn, path, got, 5))
            return -1;
        if (memcmp(got, want, sizeof got) != 0)
            return yamldoc_fail(
                rd, shn,
                "layer %d: %dx%dx%d>%d stride %d in the table, %dx%dx%d>%d stride %d in "
                "space %s (the table is for space %s)",
                l + 1, got[0], got[3], got[4], got[1], got[2], want[0], want[3], want[4], want[1],
                want[2], s->name, tname);
        const yaml_node_t *mn = yamldoc_get(rd, ln, "ms");
        snprintf(path, sizeof path, "%s.ms", where);
        if (yamldoc_check_keys(rd, mn, NULL, NULL, path))
            return -1;
        for (int c = 0; c < s->nchoices; c++)
            t->ms[l][c] = NAN;
        const yaml_node_t *k, *v;
        const char *name;
        YAMLDOC_FOR_PAIRS(rd, mn, k, v, name)
        {
            char vpath[128];
            snprintf(vpath, sizeof vpath, "%s.%.40s", path, name);
            double ms;
            if (yamldoc_number(rd, v, vpath, 0, INFINITY, 0, &ms))
                return -1;
            int c = space_find_choice(s, name);
            if (c < 0 || !(s->allowed[l] & (1ULL << c)))
                continue; /* a choice this space does not have here */
            if (s->choices[c].skip && ms != 0)
                return yamldoc_fail(rd, v, "%s: a skip takes 0 ms by definition", vpath);
            t->ms[l][c] = ms;
        }
        for (int c = 0; c < s->nchoices; c++)
            if ((s->allowed[l] & (1ULL << c)) && isnan(t->ms[l][c]))
                return yamldoc_fail(rd, mn,
                                    "layer %d: no entry for '%s' of space %s (the table is for "
                                    "space %s)",
                                    l + 1, s->choices[c].name, s->name, tname);
    }
    return 0;
}

static int read_model(const struct yamldoc *rd, const yaml_node_t *root, const struct space *s,
                      struct latency_table *t)
{
    if (yamldoc_check_keys(rd, root, model_keys, model_required, ""))
        return -1;
    struct latency_device d;
    memset(&d, 0, sizeof d);
    if (get_text(rd, yamldoc_get(rd, root, "device"), "device", d.name, sizeof d.name) ||
        opt_text(rd, root, "hardware", d.hardware, sizeof d.hardware) ||
        yamldoc_number(rd, yamldoc_get(rd, root, "peak_gflops"), "peak_gflops", 0, INFINITY, 1,
                       &d.peak_gflops) ||
        yamldoc_number(rd, yamldoc_get(rd, root, "bandwidth_gbs"), "bandwidth_gbs", 0, INFINITY, 1,
                       &d.bandwidth_gbs) ||
        yamldoc_number(rd, yamldoc_get(rd, root, "bytes_per_value"), "bytes_per_value", 0, 64, 1,
                       &d.bytes_per_value) ||
        yamldoc_number(rd, yamldoc_get(rd, root, "dispatch_us"), "dispatch_us", 0, INFINITY, 0,
                       &d.dispatch_us) ||
        yamldoc_number(rd, yamldoc_get(rd, root, "overhead_us"), "overhead_us", 0, INFINITY, 0,
                       &d.overhead_us))
        return -1;
    const yaml_node_t *ef = yamldoc_get(rd, root, "efficiency");
    if (yamldoc_check_keys(rd, ef, op_names, op_names, "efficiency"))
        return -1;
    for (int k = 0; k < LATENCY_NOPS; k++) {
        char path[48];
        snprintf(path, sizeof path, "efficiency.%s", op_names[k]);
        if (yamldoc_number(rd, yamldoc_get(rd, ef, op_names[k]), path, 0, 1, 1, &d.efficiency[k]))
            return -1;
    }
    latency_device_eval(t, &d, s);
    return 0;
}

/* Reads path: one document, not empty.  The caller calls yamldoc_done on y
 * when this returns 0. */
static int parse_file(struct yamldoc *y, const char *path, struct err *e)
{
    if (yamldoc_load(y, path, LATENCY_FILE_MAX, "a latency file", 0, e))
        return -1;
    if (!yamldoc_root(y)) {
        yamldoc_done(y);
        return err_set(e, path, 0, 0, "empty file: not a latency table or device model");
    }
    return 0;
}

/* The kind: key of a parsed file: 0 table, 1 model, -1 error. */
static int file_kind(const struct yamldoc *rd, const yaml_node_t *root)
{
    char buf[64];
    if (root->type != YAML_MAPPING_NODE)
        return yamldoc_fail(rd, root, "expected a mapping of keys at the top of the file, got %s",
                            yamldoc_describe(root, buf, sizeof buf));
    const yaml_node_t *k = yamldoc_get(rd, root, "kind");
    if (!k)
        return yamldoc_fail(rd, root, "missing key 'kind' (table or model)");
    if (k->type == YAML_SCALAR_NODE && strcmp(yamldoc_text(k), "table") == 0)
        return 0;
    if (k->type == YAML_SCALAR_NODE && strcmp(yamldoc_text(k), "model") == 0)
        return 1;
    return yamldoc_fail(rd, k, "kind: expected table or model, got %s",
                        yamldoc_describe(k, buf, sizeof buf));
}

int latency_table_load(struct latency_table *t, const char *path, const struct space *s,
                       struct err *e)
{
    struct yamldoc rd;
    if (parse_file(&rd, path, e))
        return -1;
    const yaml_node_t *root = yamldoc_root(&rd);
    int kind = file_kind(&rd, root), rc = -1;
    if (kind == 0)
        rc = read_table(&rd, root, s, t);
    else if (kind == 1)
        rc = read_model(&rd, root, s, t);
    yamldoc_done(&rd);
    if (rc == 0)
        copy(t->file, sizeof t->file, path);
    return rc;
}

int latency_file_space(const char *path, char *name, int n, struct err *e)
{
    struct yamldoc rd;
    if (parse_file(&rd, path, e))
        return -1;
    const yaml_node_t *root = yamldoc_root(&rd);
    int kind = file_kind(&rd, root), rc = -1;
    if (kind == 1) {
        name[0] = 0;
        rc = 0;
    } else if (kind == 0) {
        const yaml_node_t *sp = yamldoc_get(&rd, root, "space"), *nm = NULL;
        if (!sp)
            yamldoc_fail(&rd, root, "missing key 'space'");
        else if (sp->type != YAML_MAPPING_NODE)
            yamldoc_expected(&rd, sp, "space", "a mapping");
        else if (!(nm = yamldoc_get(&rd, sp, "name")))
            yamldoc_fail(&rd, sp, "space: missing key 'name'");
        else
            rc = get_text(&rd, nm, "space.name", name, (size_t)n);
    }
    yamldoc_done(&rd);
    return rc;
}

/* ---- writing files ---- */

static int write_table(const struct latency_table *t, FILE *f)
{
    const struct space *s = &t->space;
    fprintf(f, "# oneshot latency table: milliseconds per forward pass of %d image%s.\n",
            t->batch, t->batch == 1 ? "" : "s");
    if (t->kind == LATENCY_MODEL)
        fprintf(f, "# Evaluated from a device model: a MODEL, NOT A MEASUREMENT.\n");
    else
        fprintf(f, "# Measured; the latency of an architecture is predicted as the fixed part\n"
                   "# plus the entry of each layer's choice.\n");
    fprintf(f, "kind: table\norigin: %s\n", t->kind == LATENCY_MODEL ? "model" : "measured");
    fprintf(f, "device: ");
    yamldoc_put_quoted(f, t->device);
    fprintf(f, "\nmachine: ");
    yamldoc_put_quoted(f, t->machine);
    fprintf(f, "\nblas: ");
    yamldoc_put_quoted(f, t->blas);
    fprintf(f, "\nthreads: %d\nbatch: %d\n", t->threads, t->batch);
    fprintf(f, "percentile: %g    # of the timed forwards: 50 the median, 0 the minimum\n",
            t->percentile);
    fprintf(f, "clock: %s         # cpu: the thread's CPU time (one thread); wall: elapsed\ndate: ",
            t->cpu_time ? "cpu " : "wall");
    yamldoc_put_quoted(f, t->date);
    fprintf(f, "\nmethod: ");
    yamldoc_put_quoted(f, t->method);
    fprintf(f, "\nspace:\n  name: ");
    yamldoc_put_quoted(f, s->name);
    fprintf(f, "\n  input: [%d, %d, %d]    # channels, height, width\n", s->in_c, s->in_h,
            s->in_w);
    fprintf(f, "  classes: %d\n", s->classes);
    fprintf(f, "  stem: [%d, %d, %d]      # channels, kernel, stride\n", s->stem_c, s->stem_k,
            s->stem_stride);
    fprintf(f, "  head: %d               # channels of the head's 1x1 conv\n", s->head_c);
    fprintf(f, "fixed:\n  stem: %.6g\n  head: %.6g\n  overhead: %.6g\n", t->stem_ms, t->head_ms,
            t->overhead_ms);
    fprintf(f, "layers:   # shape: cin, cout, stride, h_in, w_in; ms: per choice\n");
    for (int l = 0; l < s->nlayers; l++) {
        struct layer_shape sh = space_layer_shape(s, l);
        fprintf(f, "  - shape: [%d, %d, %d, %d, %d]   # layer %d\n    ms: {", sh.cin, sh.cout,
                sh.stride, sh.h_in, sh.w_in, l + 1);
        int first = 1;
        for (int c = 0; c < s->nchoices; c++) {
            if (!(s->allowed[l] & (1ULL << c)))
                continue;
            fprintf(f, "%s%s: %.6g", first ? "" : ", ", s->choices[c].name,
                    s->choices[c].skip ? 0.0 : t->ms[l][c]);
            first = 0;
        }
        fprintf(f, "}\n");
    }
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

int latency_table_save(const struct latency_table *t, const char *path, struct err *e)
{
    char tmp[4096];
    if ((size_t)snprintf(tmp, sizeof tmp, "%s.tmp", path) >= sizeof tmp)
        return err_set(e, path, 0, 0, "the path is too long");
    FILE *f = yamldoc_create(tmp, e);
    if (!f)
        return -1;
    int rc = write_table(t, f);
    return yamldoc_commit(f, rc, tmp, path, e);
}
