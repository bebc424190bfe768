/* Unit tests of the latency tables (src/latency.c), the device models
 * (src/latmodel.c) and the measuring on the host (src/latmeasure.c): a table
 * measured on the tiny space, predictions as the sum of entries (skip 0), the
 * YAML round trip, device models against a naive roofline kept here, the
 * split forward against net_forward, the agreement statistics by hand, and
 * exact errors for files that do not match the space or the schema. */
#define _GNU_SOURCE /* sched_getaffinity */
#include "latency.h"
#include "latmeasure.h"

#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "ctx.h"
#include "model.h"
#include "sampler.h"

static char dir[64]; /* the mkdtemp directory */
static struct latency_table ta, tb; /* static: about 16 KB each */

static void path_in(char *out, size_t size, const char *name)
{
    snprintf(out, size, "%s/%s", dir, name);
}

static void write_text(const char *p, const char *text)
{
    FILE *f = fopen(p, "w");
    if (!f)
        return;
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *p)
{
    FILE *f = fopen(p, "rb");
    if (!f)
        return NULL;
    char *b = calloc(1 << 16, 1);
    if (b)
        fread(b, 1, (1 << 16) - 1, f);
    fclose(f);
    return b;
}

/* 1-based line of the first line of file p that starts with prefix; 0 if none. */
static int line_of(const char *p, const char *prefix)
{
    FILE *f = fopen(p, "r");
    char line[4096];
    int n = 0, found = 0;
    while (f && fgets(line, sizeof line, f)) {
        n++;
        if (strncmp(line, prefix, strlen(prefix)) == 0) {
            found = n;
            break;
        }
    }
    if (f)
        fclose(f);
    return found;
}

/* Replaces the first occurrence of from in file p by to. */
static void edit_file(const char *p, const char *from, const char *to)
{
    char *t = read_text(p);
    char *at = t ? strstr(t, from) : NULL;
    if (!at) {
        free(t);
        return;
    }
    FILE *f = fopen(p, "w");
    if (f) {
        fwrite(t, 1, (size_t)(at - t), f);
        fputs(to, f);
        fputs(at + strlen(from), f);
        fclose(f);
    }
    free(t);
}

/* Loading path for s must fail with `path` followed by want. */
#define LOAD_ERROR(p, s, want) load_error(__LINE__, p, s, want)
static void load_error(int line, const char *p, const struct space *s, const char *want_after)
{
    struct err e = {0};
    char want[1024];
    snprintf(want, sizeof want, "%s%s", p, want_after);
    if (!check_report(latency_table_load(&tb, p, s, &e) == -1, __FILE__, line, "load fails"))
        return;
    if (strcmp(e.msg, want) != 0)
        check_fail_msg(__FILE__, line, "error text:\n  got:      %s\n  expected: %s", e.msg, want);
}

static void fast_opts(struct latency_opts *o)
{
    latency_opts_default(o);
    o->warmup = 1;
    o->repeats = 3;
    o->rounds = 2;
    o->pin = 0;
}

static void test_build_tiny(void)
{
    struct space s;
    struct ctx c;
    struct err e;
    struct latency_opts o;
    space_tiny(&s);
    ctx_init(&c, 1);
    fast_opts(&o);
    if (!CHECK(latency_build(&ta, &s, &o, &c, NULL, NULL, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK(ta.kind == LATENCY_TABLE);
    CHECK_EQ_INT(ta.batch, 1);
    CHECK_EQ_INT(ta.threads, 1);
    CHECK_STR(ta.device, "host");
    CHECK_EQ_INT(ta.cpu_time, 1); /* one thread: its CPU clock */
    CHECK(strstr(ta.method, "thread CPU time") != NULL);
    CHECK(strlen(ta.date) == 20 && ta.date[19] == 'Z');
    CHECK(strstr(ta.blas, "OpenBLAS") != NULL);
    CHECK(ta.stem_ms > 0 && ta.head_ms > 0 && isfinite(ta.overhead_ms));
    /* every (layer, choice) measured, and a bigger block of the same layer is slower */
    for (int l = 0; l < s.nlayers; l++) {
        for (int ch = 0; ch < s.nchoices; ch++)
            CHECK(latency_layer(&ta, l, ch) > 0);
        CHECK(latency_layer(&ta, l, space_find_choice(&s, "k7e6")) >
              latency_layer(&ta, l, space_find_choice(&s, "k3e2")));
    }
    /* the measurement of whole networks: positive, larger for a larger network */
    struct arch a[2];
    double ms[2];
    CHECK(arch_parse(&s, "k3e2-k3e2-k3e2-k3e2", "t", &a[0], &e) == 0);
    CHECK(arch_parse(&s, "k7e6-k7e6-k7e6-k7e6", "t", &a[1], &e) == 0);
    if (CHECK(latency_measure(ms, &s, a, 2, &o, &c, NULL, NULL, &e) == 0))
        CHECK(ms[0] > 0 && ms[1] > ms[0]);
    /* bad options are refused */
    o.percentile = 101;
    CHECK(latency_build(&tb, &s, &o, &c, NULL, NULL, &e) == -1);
    CHECK_STR(e.msg, "error: latency: the percentile must be from 0 to 100");
    o.percentile = 50;
    o.passes = 0;
    CHECK(latency_measure(ms, &s, a, 2, &o, &c, NULL, NULL, &e) == -1);
    o.passes = 1;
    o.repeats = 0;
    CHECK(latency_build(&tb, &s, &o, &c, NULL, NULL, &e) == -1);
    CHECK(latency_measure(ms, &s, a, 2, &o, &c, NULL, NULL, &e) == -1);
}

/* Progress: called once per network, ending at total. */
static int calls, last_done, last_total;
static void count_progress(void *user, int done, int total)
{
    (void)user;
    calls++;
    last_done = done;
    last_total = total;
}

static void test_build_progress_and_pinning(void)
{
    struct space s;
    struct ctx c;
    struct err e;
    struct latency_opts o;
    space_tiny(&s);
    ctx_init(&c, 2);
    fast_opts(&o);
    o.rounds = 1;
    o.pin = 1;
    calls = 0;
    cpu_set_t before, after;
    CHECK(sched_getaffinity(0, sizeof before, &before) == 0);
    CHECK(latency_build(&tb, &s, &o, &c, count_progress, NULL, &e) == 0);
    /* tiny: 3 choices per layer, one network per choice per round */
    CHECK_EQ_INT(calls, 3);
    CHECK_EQ_INT(last_done, 3);
    CHECK_EQ_INT(last_total, 3);
    CHECK_EQ_INT(tb.threads, 2);
    CHECK_EQ_INT(tb.cpu_time, 0); /* more threads: the wall clock */
    /* the pinning is undone: this thread may run where it could before */
    CHECK(sched_getaffinity(0, sizeof after, &after) == 0);
    CHECK(CPU_EQUAL(&before, &after));
    ctx_init(&c, 1);
}

static void test_predict_is_sum(void)
{
    struct space s;
    space_fmnist_variant(&s, 1, 1);
    /* entries chosen so that every sum is exact in binary */
    memset(&tb, 0, sizeof tb);
    tb.space = s;
    tb.stem_ms = 0.5;
    tb.head_ms = 0.25;
    tb.overhead_ms = 0.125;
    for (int l = 0; l < s.nlayers; l++)
        for (int c = 0; c < s.nchoices; c++)
            tb.ms[l][c] = s.choices[c].skip ? 0 : (l + 1) * 2 + c * 0.0625;
    struct arch a;
    struct err e;
    CHECK(arch_parse(&s, "k3e3s-skip-k5e3-k3e3s-skip-k3e3-k3e3-skip-k7e3s-k3e3-skip-k3e3s", "t",
                     &a, &e) == 0);
    double want = 0.875;
    for (int l = 0; l < a.n; l++)
        if (!s.choices[a.choice[l]].skip)
            want += (l + 1) * 2 + a.choice[l] * 0.0625;
    CHECK_NEAR(latency_predict(&tb, &a), want, 0);
    CHECK_NEAR(latency_fixed(&tb), 0.875, 0);
    /* a skip is 0 whatever the table says, a choice not allowed is NAN */
    int skip = space_find_choice(&s, "skip");
    tb.ms[1][skip] = 99;
    CHECK_NEAR(latency_layer(&tb, 1, skip), 0, 0);
    CHECK_NEAR(latency_predict(&tb, &a), want, 0);
    CHECK(isnan(latency_layer(&tb, 2, skip))); /* layer 3 changes shape */
    CHECK(isnan(latency_layer(&tb, s.nlayers, 0)));
    /* random architectures: the prediction is the fixed part plus the layers */
    struct rng r;
    rng_seed(&r, 3, 1);
    for (int i = 0; i < 50; i++) {
        arch_random(&s, &r, &a);
        double sum = latency_fixed(&tb);
        for (int l = 0; l < a.n; l++)
            sum += latency_layer(&tb, l, a.choice[l]);
        CHECK_NEAR(latency_predict(&tb, &a), sum, 1e-12);
    }
}

static void test_round_trip(void)
{
    char p[128], q[128];
    struct err e;
    struct space s;
    space_tiny(&s);
    path_in(p, sizeof p, "tiny.yaml");
    path_in(q, sizeof q, "tiny2.yaml");
    if (!CHECK(latency_table_save(&ta, p, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.tmp", p);
    CHECK(access(tmp, F_OK) != 0); /* renamed into place */
    if (!CHECK(latency_table_load(&tb, p, &s, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_STR(tb.file, p);
    CHECK(tb.kind == LATENCY_TABLE);
    CHECK_EQ_INT(tb.batch, ta.batch);
    CHECK_EQ_INT(tb.threads, ta.threads);
    CHECK_NEAR(tb.percentile, 50, 0); /* the default: the median */
    CHECK_NEAR(tb.percentile, ta.percentile, 0);
    CHECK_EQ_INT(tb.cpu_time, ta.cpu_time);
    CHECK_STR(tb.device, ta.device);
    CHECK_STR(tb.machine, ta.machine);
    CHECK_STR(tb.blas, ta.blas);
    CHECK_STR(tb.date, ta.date);
    CHECK_STR(tb.method, ta.method);
    CHECK_NEAR(tb.stem_ms, ta.stem_ms, 1e-5 * ta.stem_ms);
    CHECK_NEAR(tb.head_ms, ta.head_ms, 1e-5 * ta.head_ms);
    CHECK_NEAR(tb.overhead_ms, ta.overhead_ms, 1e-5 * fabs(ta.overhead_ms));
    for (int l = 0; l < s.nlayers; l++)
        for (int c = 0; c < s.nchoices; c++)
            CHECK_NEAR(tb.ms[l][c], ta.ms[l][c], 1e-5 * ta.ms[l][c]);
    /* written again, the file is the same byte for byte */
    CHECK(latency_table_save(&tb, q, &e) == 0);
    char *x = read_text(p), *y = read_text(q);
    CHECK(x && y && strcmp(x, y) == 0);
    free(x);
    free(y);
    char name[SPACE_NAME_MAX];
    CHECK(latency_file_space(p, name, sizeof name, &e) == 0);
    CHECK_STR(name, "tiny");
    /* a table of a larger space serves a smaller one with the same shapes */
    struct space big, small;
    space_fmnist_variant(&big, 1, 1);
    space_default_fmnist(&small);
    memset(&ta, 0, sizeof ta);
    ta.space = big;
    ta.batch = 1;
    for (int l = 0; l < big.nlayers; l++)
        for (int c = 0; c < big.nchoices; c++)
            ta.ms[l][c] = big.choices[c].skip ? 0 : 0.001 * (l * 100 + c + 1);
    CHECK(latency_table_save(&ta, p, &e) == 0);
    if (!CHECK(latency_table_load(&tb, p, &small, &e) == 0))
        printf("  %s\n", e.msg);
    for (int l = 0; l < small.nlayers; l++)
        for (int c = 0; c < small.nchoices; c++) {
            int cb = space_find_choice(&big, small.choices[c].name);
            CHECK_NEAR(latency_layer(&tb, l, c), latency_layer(&ta, l, cb), 1e-9);
        }
}

/* Text that YAML reads as a line break or does not let stand in a file
 * (DEL, C1 controls, U+0085, U+2028, U+2029, U+FEFF, U+FFFE) is written
 * escaped, so the table loads back (found by tests/fuzz/fuzz_experiment in
 * the experiment writer, which shares yamldoc_put_quoted). */
static void test_round_trip_odd_text(void)
{
    char p[128];
    struct err e;
    struct space s;
    space_tiny(&s);
    memset(&ta, 0, sizeof ta);
    ta.space = s;
    ta.batch = 1;
    for (int l = 0; l < s.nlayers; l++)
        for (int c = 0; c < s.nchoices; c++)
            ta.ms[l][c] = 0.5;
    static const char odd[] = "a\x7f b\xc2\x85 c\xc2\x9f d\xe2\x80\xa8 e\xe2\x80\xa9 "
                              "f\xef\xbb\xbf g\xef\xbf\xbe \xc3\xa9\"\\";
    snprintf(ta.device, sizeof ta.device, "%s", odd);
    snprintf(ta.method, sizeof ta.method, "%s", odd);
    path_in(p, sizeof p, "odd.yaml");
    CHECK(latency_table_save(&ta, p, &e) == 0);
    char *text = read_text(p);
    CHECK(text && strstr(text, "device: \"a\\x7F b\\x85 c\\x9F d\\u2028 e\\u2029 f\\uFEFF "
                                "g\\uFFFE \xc3\xa9\\\"\\\\\"\n"));
    free(text);
    if (!CHECK(latency_table_load(&tb, p, &s, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_STR(tb.device, odd);
    CHECK_STR(tb.method, odd);
}

static void test_mismatch_errors(void)
{
    char p[128], want[512];
    struct space tiny, fm, se;
    space_tiny(&tiny);
    space_default_fmnist(&fm);
    space_fmnist_variant(&se, 1, 0);
    path_in(p, sizeof p, "t.yaml");
    /* a table of tiny for fmnist: the stem differs */
    memset(&ta, 0, sizeof ta);
    ta.space = tiny;
    ta.batch = 1;
    for (int l = 0; l < tiny.nlayers; l++)
        for (int c = 0; c < tiny.nchoices; c++)
            ta.ms[l][c] = 0.01;
    struct err e;
    CHECK(latency_table_save(&ta, p, &e) == 0);
    snprintf(want, sizeof want,
             ":%d:9: error: space.stem: [8, 3, 2] in the table, [16, 3, 2] in space fmnist (the "
             "table is for space tiny)",
             line_of(p, "  stem:"));
    LOAD_ERROR(p, &fm, want);
    /* same fixed part, another layer count */
    tiny.stem_c = 16;
    tiny.head_c = 128;
    ta.space = tiny;
    CHECK(latency_table_save(&ta, p, &e) == 0);
    snprintf(want, sizeof want,
             ":%d:3: error: layers: the table has 4 layers, space fmnist has 12 (the table is "
             "for space tiny)",
             line_of(p, "layers:") + 1);
    LOAD_ERROR(p, &fm, want);
    /* a table of fmnist for fmnist-se: no SE entries */
    memset(&ta, 0, sizeof ta);
    ta.space = fm;
    ta.batch = 1;
    for (int l = 0; l < fm.nlayers; l++)
        for (int c = 0; c < fm.nchoices; c++)
            ta.ms[l][c] = 0.01;
    CHECK(latency_table_save(&ta, p, &e) == 0);
    snprintf(want, sizeof want,
             ":%d:9: error: layer 1: no entry for 'k3e3s' of space fmnist-se (the table is for "
             "space fmnist)",
             line_of(p, "  - shape") + 1);
    LOAD_ERROR(p, &se, want);
    /* a layer's shape edited by hand */
    edit_file(p, "[24, 24, 1, 7, 7]", "[24, 24, 1, 8, 8]");
    snprintf(want, sizeof want,
             ":%d:12: error: layer 4: 24x8x8>24 stride 1 in the table, 24x7x7>24 stride 1 in "
             "space fmnist (the table is for space fmnist)",
             line_of(p, "  - shape: [24, 24, 1, 8, 8]"));
    LOAD_ERROR(p, &fm, want);
    /* schema errors */
    write_text(p, "kind: table\nbatch: 1\nspace: {name: x}\nfixd: {}\nlayers: []\n");
    LOAD_ERROR(p, &fm, ":4:1: error: unknown key 'fixd' (did you mean 'fixed'?)");
    write_text(p, "kind: table\nbatch: 1\npercentile: -1\nspace: {}\nfixed: {}\nlayers: []\n");
    LOAD_ERROR(p, &fm, ":3:13: error: percentile: -1 is out of range (at least 0, at most 100)");
    write_text(p, "kind: table\nbatch: 1\nclock: sundial\nspace: {}\nfixed: {}\nlayers: []\n");
    LOAD_ERROR(p, &fm, ":3:8: error: clock: 'sundial' is neither cpu nor wall");
    write_text(p, "kind: tabel\n");
    LOAD_ERROR(p, &fm, ":1:7: error: kind: expected table or model, got 'tabel'");
    write_text(p, "kind: table\nbatch: 1\n");
    LOAD_ERROR(p, &fm, ":1:1: error: missing key 'space'");
    write_text(p, "kind: [table\n");
    LOAD_ERROR(p, &fm, ":2:1: error: did not find expected ',' or ']'");
    path_in(p, sizeof p, "none.yaml");
    LOAD_ERROR(p, &fm, ": error: cannot open: No such file or directory");
}

/* The roofline of one op, written out again. */
static double op_ref(double dispatch_us, double gflops, double eff, double gbs, double flops,
                     double bytes)
{
    double c = flops / (gflops * 1e9 * eff), m = bytes / (gbs * 1e9);
    return dispatch_us / 1000 + 1000 * (c > m ? c : m);
}

static const char model_text[] = "kind: model\n"
                                 "device: toy\n"
                                 "hardware: \"a toy\"\n"
                                 "peak_gflops: 10\n"
                                 "bandwidth_gbs: 2\n"
                                 "bytes_per_value: 4\n"
                                 "dispatch_us: 5\n"
                                 "overhead_us: 100\n"
                                 "efficiency: {conv: 0.5, pointwise: 0.5, depthwise: 0.25,\n"
                                 "             pool: 0.1, fc: 0.1, elementwise: 0.1}\n";

static void test_device_model(void)
{
    char p[128];
    struct err e;
    struct space s;
    space_tiny(&s);
    path_in(p, sizeof p, "toy.yaml");
    write_text(p, model_text);
    if (!CHECK(latency_table_load(&ta, p, &s, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK(ta.kind == LATENCY_MODEL);
    CHECK_STR(ta.device, "toy");
    CHECK_STR(ta.machine, "a toy");
    CHECK_NEAR(ta.overhead_ms, 0.1, 1e-12);
    /* tiny's layer 2 (16 -> 16, 7x7, stride 1: a residual) with k5e4: m = 64 */
    int c = space_find_choice(&s, "k5e4");
    double m = 64, P = 49, b = 4;
    double want = op_ref(5, 10, 0.5, 2, 2 * 16 * m * P, b * (16 * P + m * P + 16 * m + m)) +
                  op_ref(5, 10, 0.25, 2, 2 * m * 25 * P, b * (m * P + m * P + m * 25 + m)) +
                  op_ref(5, 10, 0.5, 2, 2 * m * 16 * P, b * (m * P + 16 * P + m * 16 + 16)) +
                  op_ref(5, 10, 0.1, 2, 16 * P, b * 3 * 16 * P);
    CHECK_NEAR(latency_layer(&ta, 1, c), want, 1e-12);
    /* the stem: 3x3 conv 1 -> 8 channels, 28x28 -> 14x14 */
    CHECK_NEAR(ta.stem_ms,
               op_ref(5, 10, 0.5, 2, 2 * 8 * 9 * 196.0, b * (784 + 8 * 196 + 72 + 8)), 1e-12);
    /* a model table saved and loaded gives the same predictions and stays a model */
    char q[128];
    path_in(q, sizeof q, "toy-table.yaml");
    CHECK(latency_table_save(&ta, q, &e) == 0);
    CHECK(latency_table_load(&tb, q, &s, &e) == 0);
    CHECK(tb.kind == LATENCY_MODEL);
    struct arch a;
    CHECK(arch_parse(&s, "k3e2-k5e4-k7e6-k3e2", "t", &a, &e) == 0);
    CHECK_NEAR(latency_predict(&tb, &a), latency_predict(&ta, &a), 1e-5);
    char name[SPACE_NAME_MAX] = "x";
    CHECK(latency_file_space(p, name, sizeof name, &e) == 0);
    CHECK_STR(name, "");
    /* SE adds four kernels: on a dispatch-bound device it costs more than
     * doubling the kernel size */
    struct space se;
    space_fmnist_variant(&se, 1, 0);
    CHECK(latency_table_load(&ta, p, &se, &e) == 0);
    int k3 = space_find_choice(&se, "k3e3"), k3s = space_find_choice(&se, "k3e3s");
    CHECK(latency_layer(&ta, 5, k3s) > latency_layer(&ta, 5, k3));
    /* model errors */
    edit_file(p, "peak_gflops", "peak_gflop");
    LOAD_ERROR(p, &s, ":4:1: error: unknown key 'peak_gflop' (did you mean 'peak_gflops'?)");
    write_text(p, model_text);
    edit_file(p, "depthwise: 0.25", "depthwise: 1.5");
    LOAD_ERROR(p, &s, ":9:52: error: efficiency.depthwise: 1.5 is out of range (greater than 0, "
                      "at most 1)");
    write_text(p, model_text);
    edit_file(p, "elementwise: 0.1}", "}");
    LOAD_ERROR(p, &s, ":9:13: error: efficiency: missing key 'elementwise'");
    write_text(p, model_text);
    edit_file(p, "dispatch_us: 5", "dispatch_us: fast");
    LOAD_ERROR(p, &s, ":7:14: error: dispatch_us: expected a number, got 'fast'");
}

/* The shipped models load for every built-in space and are labelled models. */
static void test_shipped_devices(void)
{
    char src[512], p[600];
    snprintf(src, sizeof src, "%s", __FILE__);
    char *slash = strrchr(src, '/');
    if (slash)
        *slash = 0;
    else
        snprintf(src, sizeof src, ".");
    const char *const devs[] = {"mobile-gpu", "mobile-cpu"};
    for (int d = 0; d < 2; d++) {
        snprintf(p, sizeof p, "%s/../devices/%s.yaml", src, devs[d]);
        for (const char *const *n = space_builtin_names(); *n; n++) {
            struct space s;
            struct err e;
            CHECK(space_builtin(&s, *n) == 0);
            if (!CHECK(latency_table_load(&ta, p, &s, &e) == 0)) {
                printf("  %s\n", e.msg);
                continue;
            }
            CHECK(ta.kind == LATENCY_MODEL);
            CHECK_STR(ta.device, devs[d]);
            CHECK(strstr(ta.method, "a model, not a measurement") != NULL);
            CHECK(ta.stem_ms > 0 && ta.head_ms > 0);
        }
        char *text = read_text(p);
        CHECK(text && strstr(text, "A MODEL, NOT A MEASUREMENT") != NULL);
        free(text);
    }
}

static void test_forward_parts(void)
{
    struct space s;
    struct err e;
    struct arch a;
    space_fmnist_variant(&s, 1, 1);
    CHECK(arch_parse(&s, "k3e3s-skip-k5e3-k3e3s-skip-k3e3-k3e3-skip-k7e3s-k3e3-skip-k3e3s", "t",
                     &a, &e) == 0);
    struct model *m = model_new(&s, &a, 5, &e);
    if (!CHECK(m != NULL))
        return;
    const int N = 3;
    CHECK(net_reserve(&m->net, N, 0, &e) == 0);
    size_t nx = (size_t)s.in_c * s.in_h * s.in_w * N;
    float *x = malloc(nx * sizeof *x), *want = malloc((size_t)s.classes * N * sizeof *want);
    struct rng r;
    rng_seed(&r, 1, 2);
    for (size_t i = 0; i < nx; i++)
        x[i] = rng_normal(&r);
    memcpy(want, net_forward(&m->net, x, 0, 0), (size_t)s.classes * N * sizeof *want);
    double ms[SPACE_MAX_LAYERS + 2];
    for (int i = 0; i < SPACE_MAX_LAYERS + 2; i++)
        ms[i] = -1;
    const float *got = latency_forward_parts(&m->net, x, ms);
    CHECK(memcmp(got, want, (size_t)s.classes * N * sizeof *want) == 0);
    CHECK_EQ_INT(m->net.nblocks, 8);
    for (int i = 0; i < m->net.nblocks + 2; i++)
        CHECK(ms[i] >= 0);
    CHECK(ms[m->net.nblocks + 2] == -1); /* nothing written past the head */
    free(x);
    free(want);
    model_free(m);
}

static void test_agreement(void)
{
    const double meas[] = {1.0, 2.0, 4.0, 10.0};
    const double pred[] = {1.04, 2.3, 3.7, 10.0};
    struct latency_agreement g;
    latency_agreement(&g, pred, meas, 4);
    CHECK_EQ_INT(g.n, 4);
    /* errors 4%, 15%, 7.5%, 0% */
    CHECK_NEAR(g.within_5pct, 0.5, 1e-12);
    CHECK_NEAR(g.within_10pct, 0.75, 1e-12);
    CHECK_NEAR(g.rmse_ms, sqrt((0.04 * 0.04 + 0.09 + 0.09 + 0) / 4), 1e-12);
    CHECK_NEAR(g.mean_abs_pct, (4 + 15 + 7.5 + 0) / 4, 1e-9);
    CHECK_NEAR(g.kendall_tau, 1, 1e-12);
    const double rev[] = {4, 3, 2, 1};
    latency_agreement(&g, rev, meas, 4);
    CHECK_NEAR(g.kendall_tau, -1, 1e-12);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-latency-XXXXXX");
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 2;
    }
    RUN(test_build_tiny);
    RUN(test_build_progress_and_pinning);
    RUN(test_predict_is_sum);
    RUN(test_round_trip);
    RUN(test_round_trip_odd_text);
    RUN(test_mismatch_errors);
    RUN(test_device_model);
    RUN(test_shipped_devices);
    RUN(test_forward_parts);
    RUN(test_agreement);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd) != 0)
        fprintf(stderr, "could not remove %s\n", dir);
    return check_done();
}
