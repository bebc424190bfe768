/* latency: lookup tables of per-layer latency and their YAML files: the
 * prediction of an architecture as the fixed part plus its layers' entries,
 * the agreement of predictions with measurements, and the reading (a table,
 * or a device model evaluated by src/latmodel.c) and writing of files. */
#include "latency.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "atomic.h"
#include "latmodel.h"
#include "rank.h"
#include "yamldoc.h"

#define LATENCY_FILE_MAX (1 << 20) /* larger files are refused */

/* the keys of a device model's efficiency, in the order of enum latency_op */
static const char *const op_names[LATENCY_NOPS + 1] = {"conv", "pointwise", "depthwise", "pool",
                                                       "fc",   "elementwise", NULL};

/* ---- small helpers ---- */

static void copy(char *dst, size_t size, const char *src)
{
    snprintf(dst, size, "%s", src ? src : "");
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
    struct atomic a;
    if (atomic_begin(&a, path, e))
        return -1;
    FILE *f = atomic_stdio(&a, e);
    int rc = f ? write_table(t, f) : -1;
    if (f && rc)
        err_set(e, path, 0, 0, "cannot write %s: %s", a.tmp, strerror(errno ? errno : EIO));
    return atomic_end(&a, rc, e);
}
