#include "sptune.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic.h"
#include "ctx.h"
#include "strbuf.h"

#define TRIALS_FILE "trials.csv"
#define WARMUP_FILE "warmup.ckpt"
#define WARMUP_PART_FILE "warmup-part.ckpt"
#define TRIAL_FILE "trial.ckpt"
#define SETTINGS_PREFIX "# oneshot singlepath tuning:"
#define COLUMNS "lambda,predicted_ms,val_accuracy,seconds,arch,decisions"
#define ARCH_TEXT (SPACE_MAX_LAYERS * CHOICE_NAME_MAX)
#define DEC_TEXT (SPACE_MAX_LAYERS * (SK_NDEC + 1) + 1)

void sptune_config_default(struct sptune_config *c)
{
    c->target_ms = 0;
    c->trials = 8;
    c->tolerance = 0.05;
    c->lambda0 = 20;
    c->growth = 10;
    c->lambda_min = 0.01;
    c->lambda_max = 1e6;
    c->eval_batch = 256;
}

const char *sptune_end_text(enum sptune_end end)
{
    switch (end) {
    case SPTUNE_GOING:
        return "tuning";
    case SPTUNE_MET:
        return "the target is met";
    case SPTUNE_BUDGET:
        return "the trials ran out";
    case SPTUNE_JUMP:
        return "the latency jumps over the target's band between two lambdas";
    case SPTUNE_TOO_FAST:
        return "the target is below what the largest lambda reaches";
    case SPTUNE_TOO_SLOW:
        return "even lambda 0 gives a faster network than the target";
    }
    return "?";
}

/* ---- the plan ---- */

static int within(double R, const struct sptune_config *c)
{
    return fabs(R - c->target_ms) <= c->tolerance * c->target_ms;
}

int sptune_plan(const struct sptune_trial *t, int n, const struct sptune_config *c,
                double *lambda, enum sptune_end *end)
{
    double T = c->target_ms;
    for (int i = 0; i < n; i++)
        if (within(t[i].predicted_ms, c)) {
            *end = SPTUNE_MET;
            return 0;
        }
    if (n >= c->trials || n >= SPTUNE_MAX_TRIALS) {
        *end = SPTUNE_BUDGET;
        return 0;
    }
    if (n == 0) {
        *lambda = c->lambda0;
        return 1;
    }
    /* hi: the smallest feasible lambda; lo: the largest too slow one below it
     * (every lambda tried below hi is too slow, by hi's definition) */
    double hi = INFINITY, lo = -1, largest = 0;
    int tried0 = 0;
    for (int i = 0; i < n; i++) {
        if (t[i].predicted_ms <= T && t[i].lambda < hi)
            hi = t[i].lambda;
        if (t[i].lambda > largest)
            largest = t[i].lambda;
        tried0 |= t[i].lambda == 0;
    }
    for (int i = 0; i < n; i++)
        if (t[i].predicted_ms > T && t[i].lambda < hi && t[i].lambda > lo)
            lo = t[i].lambda;
    if (hi == INFINITY) { /* all too slow: up */
        if (largest >= c->lambda_max) {
            *end = SPTUNE_TOO_FAST;
            return 0;
        }
        *lambda = fmin(largest * c->growth, c->lambda_max);
        return 1;
    }
    if (lo < 0) { /* all feasible: down, to lambda_min, then 0 */
        if (hi > c->lambda_min) {
            *lambda = fmax(hi / c->growth, c->lambda_min);
            return 1;
        }
        if (!tried0) {
            *lambda = 0;
            return 1;
        }
        *end = SPTUNE_TOO_SLOW;
        return 0;
    }
    if (lo == 0 || hi / lo < SPTUNE_MIN_RATIO) {
        *end = SPTUNE_JUMP;
        return 0;
    }
    *lambda = exp(0.5 * (log(lo) + log(hi)));
    return 1;
}

int sptune_choose(const struct sptune_trial *t, int n, const struct sptune_config *c)
{
    for (int i = 0; i < n; i++)
        if (within(t[i].predicted_ms, c))
            return i;
    int best = -1;
    for (int i = 0; i < n; i++) {
        if (t[i].predicted_ms > c->target_ms)
            continue;
        if (best < 0 || t[i].val_accuracy > t[best].val_accuracy ||
            (t[i].val_accuracy == t[best].val_accuracy &&
             t[i].predicted_ms > t[best].predicted_ms))
            best = i;
    }
    if (best >= 0)
        return best;
    for (int i = 0; i < n; i++)
        if (best < 0 || t[i].predicted_ms < t[best].predicted_ms ||
            (t[i].predicted_ms == t[best].predicted_ms &&
             t[i].val_accuracy > t[best].val_accuracy))
            best = i;
    return best;
}

/* ---- files ---- */

static int path_of(const struct sptune *tn, const char *name, char *out, size_t n)
{
    return snprintf(out, n, "%s/%s", tn->dir, name) >= (int)n ? -1 : 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

void sptune_format_decisions(const struct sptune *tn, const struct sptune_trial *t, char *buf,
                             int n)
{
    struct strbuf b;
    strbuf_init(&b);
    for (int l = 0; l < tn->space->nlayers; l++) {
        char layer[SK_NDEC + 2];
        int k = 0;
        if (l)
            layer[k++] = '-';
        for (int j = 0; j < SK_NDEC; j++)
            layer[k++] = !((tn->grid.dec[l] >> j) & 1) ? '.' : (t->on[l] >> j) & 1 ? '1' : '0';
        strbuf_add(&b, layer, (size_t)k);
    }
    snprintf(buf, (size_t)n, "%s", strbuf_failed(&b) ? "" : strbuf_text(&b));
    strbuf_done(&b);
}

/* The tuner's settings as trials.csv's first line keeps them (without '\n'). */
static void settings_line(const struct sptune *tn, struct strbuf *b)
{
    const struct sptune_config *c = &tn->tc;
    const char *key[] = {"target_ms", "tolerance", "lambda0", "growth", "lambda_min",
                         "lambda_max"};
    double v[] = {c->target_ms, c->tolerance, c->lambda0, c->growth, c->lambda_min,
                  c->lambda_max};
    strbuf_printf(b, SETTINGS_PREFIX " space=%s val_images=%d", tn->space->name, tn->val->n);
    for (int i = 0; i < 6; i++) {
        strbuf_printf(b, " %s=", key[i]);
        strbuf_double(b, v[i]);
    }
}

/* Where the settings line `got` of path first differs from `want`. */
static int settings_differ(const char *path, const char *got, const char *want, struct err *e)
{
    const char *g = got, *w = want;
    for (;;) {
        size_t gl = strcspn(g, " "), wl = strcspn(w, " ");
        if (gl != wl || memcmp(g, w, gl)) {
            const char *eq = memchr(w, '=', wl);
            if (!eq || strncmp(g, w, (size_t)(eq - w + 1)))
                return err_set(e, path, 1, (int)(g - got) + 1,
                               "holds the trials of another kind of tuning (its first line "
                               "reads '%s'); tune in another directory",
                               got);
            return err_set(e, path, 1, (int)(g - got) + 1,
                           "holds the trials of a tuning with %.*s, this one has %.*s: tune in "
                           "another directory, or with the same settings",
                           (int)gl, g, (int)wl, w);
        }
        if (!g[gl] || !w[wl])
            break;
        g += gl + 1;
        w += wl + 1;
    }
    return err_set(e, path, 1, 1, "holds the trials of another tuning");
}

/* The decisions of a row ("10.1.-...") into t->on; col: of the field. */
static int parse_decisions(const struct sptune *tn, const char *s, const char *path, int line,
                           int col, struct sptune_trial *t, struct err *e)
{
    const char *p = s;
    for (int l = 0; l < tn->space->nlayers; l++) {
        if (l && *p++ != '-')
            return err_set(e, path, line, col + (int)(p - s) - 1,
                           "decisions: layers are joined by '-'");
        t->on[l] = 0;
        for (int j = 0; j < SK_NDEC; j++, p++) {
            int has = (tn->grid.dec[l] >> j) & 1;
            if (has ? (*p != '0' && *p != '1') : *p != '.')
                return err_set(e, path, line, col + (int)(p - s),
                               "decisions: layer %d, decision %d: '%c' where '%s' belongs", l + 1,
                               j + 1, *p ? *p : ' ', has ? "0' or '1" : ".");
            if (*p == '1')
                t->on[l] |= 1u << j;
        }
    }
    if (*p)
        return err_set(e, path, line, col + (int)(p - s), "decisions: more layers than %d",
                       tn->space->nlayers);
    return 0;
}

/* One row of trials.csv (a line without its '\n', NUL-terminated) into t. */
static int parse_row(const struct sptune *tn, char *row, const char *path, int line,
                     struct sptune_trial *t, struct err *e)
{
    static const char *const name[] = {"lambda", "predicted_ms", "val_accuracy", "seconds",
                                       "arch", "decisions"};
    char *field[6];
    int col[6];
    char *p = row;
    for (int k = 0; k < 6; k++) {
        field[k] = p;
        col[k] = (int)(p - row) + 1;
        char *comma = strchr(p, ',');
        if (k < 5 && !comma)
            return err_set(e, path, line, (int)strlen(row) + 1, "a row has 6 fields (%s), this "
                           "one %d", COLUMNS, k + 1);
        if (k == 5 && comma)
            return err_set(e, path, line, (int)(comma - row) + 1, "a row has 6 fields (%s)",
                           COLUMNS);
        if (comma) {
            *comma = 0;
            p = comma + 1;
        }
    }
    memset(t, 0, sizeof *t);
    double *num[] = {&t->lambda, &t->predicted_ms, &t->val_accuracy, &t->seconds};
    for (int k = 0; k < 4; k++) {
        char *end;
        errno = 0;
        *num[k] = strtod(field[k], &end);
        if (!*field[k] || *end || errno || !isfinite(*num[k]) || *num[k] < 0 ||
            (k == 2 && *num[k] > 1))
            return err_set(e, path, line, col[k], "%s '%s' is not a number%s", name[k],
                           field[k], k == 2 ? " in [0, 1]" : " >= 0");
    }
    if (arch_parse_at(tn->space, field[4], path, line, col[4], &t->arch, e))
        return -1;
    return parse_decisions(tn, field[5], path, line, col[5], t, e);
}

/* Reads trials.csv (or writes its first lines when it is absent); a last
 * row cut short (no '\n': a kill while it was appended) is cut off. */
static int read_trials(struct sptune *tn, struct err *e)
{
    char path[SPTUNE_PATH_MAX + 32];
    path_of(tn, TRIALS_FILE, path, sizeof path);
    struct strbuf want;
    strbuf_init(&want);
    settings_line(tn, &want);
    if (strbuf_failed(&want)) {
        strbuf_done(&want);
        return err_plain(e, "out of memory");
    }
    FILE *f = fopen(path, "rb");
    if (!f) {
        int rc = -1;
        if (errno != ENOENT) {
            err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
        } else {
            strbuf_printf(&want, "\n" COLUMNS "\n");
            rc = strbuf_failed(&want) ? err_plain(e, "out of memory")
                                      : atomic_save(path, want.text, want.len, e);
        }
        strbuf_done(&want);
        return rc;
    }
    struct strbuf text;
    strbuf_init(&text);
    char chunk[4096];
    size_t got;
    while ((got = fread(chunk, 1, sizeof chunk, f)) > 0)
        strbuf_add(&text, chunk, got);
    int bad = ferror(f);
    fclose(f);
    int rc = -1;
    if (bad || strbuf_failed(&text)) {
        err_set(e, path, 0, 0, "cannot read: %s", bad ? strerror(errno) : "out of memory");
        goto out;
    }
    if (!text.len) {
        err_set(e, path, 0, 0, "is empty: not a trials file of oneshot singlepath");
        goto out;
    }
    char *s = text.text;
    size_t whole = text.len;
    while (whole && s[whole - 1] != '\n')
        whole--; /* a row cut short */
    s[whole] = 0;
    int line = 0;
    for (char *p = s, *nl; *p; p = nl + 1) {
        nl = strchr(p, '\n');
        *nl = 0;
        line++;
        if (line == 1) {
            if (strcmp(p, want.text)) {
                settings_differ(path, p, want.text, e);
                goto out;
            }
        } else if (line == 2) {
            if (strcmp(p, COLUMNS)) {
                err_set(e, path, 2, 1, "the columns should read '%s'", COLUMNS);
                goto out;
            }
        } else {
            if (tn->ntrials >= SPTUNE_MAX_TRIALS) {
                err_set(e, path, line, 1, "more than %d trials", SPTUNE_MAX_TRIALS);
                goto out;
            }
            if (parse_row(tn, p, path, line, &tn->trial[tn->ntrials], e))
                goto out;
            tn->ntrials++;
        }
    }
    if (line < 2) {
        err_set(e, path, 0, 0, "has no settings line and columns: not a trials file of oneshot "
                               "singlepath");
        goto out;
    }
    if (whole < text.len && truncate(path, (off_t)whole)) {
        err_set(e, path, 0, 0, "cannot cut off its last, incomplete row: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    strbuf_done(&text);
    strbuf_done(&want);
    return rc;
}

/* Appends trial t to trials.csv in one write, synced. */
static int append_trial(const struct sptune *tn, const struct sptune_trial *t, struct err *e)
{
    char path[SPTUNE_PATH_MAX + 32], arch[ARCH_TEXT], dec[DEC_TEXT];
    path_of(tn, TRIALS_FILE, path, sizeof path);
    arch_format(tn->space, &t->arch, arch, sizeof arch);
    sptune_format_decisions(tn, t, dec, sizeof dec);
    struct strbuf b;
    strbuf_init(&b);
    strbuf_double(&b, t->lambda);
    strbuf_add(&b, ",", 1);
    strbuf_double(&b, t->predicted_ms);
    strbuf_add(&b, ",", 1);
    strbuf_double(&b, t->val_accuracy);
    strbuf_printf(&b, ",%.3f,%s,%s\n", t->seconds, arch, dec);
    int rc = -1;
    if (strbuf_failed(&b)) {
        err_plain(e, "out of memory");
        goto out;
    }
    int fd = open(path, O_WRONLY | O_APPEND);
    if (fd < 0) {
        err_set(e, path, 0, 0, "cannot open: %s", strerror(errno));
        goto out;
    }
    if (write_full(fd, b.text, b.len) || fsync(fd)) {
        err_set(e, path, 0, 0, "cannot append a trial: %s", strerror(errno));
        close(fd);
        goto out;
    }
    if (close(fd)) {
        err_set(e, path, 0, 0, "cannot append a trial: %s", strerror(errno));
        goto out;
    }
    rc = 0;
out:
    strbuf_done(&b);
    return rc;
}

/* ---- the runs ---- */

void sptune_trial_read(struct sptune_trial *t, struct singlepath *sp)
{
    struct spnet_readout r;
    singlepath_readout(sp, &r);
    memset(t, 0, sizeof *t);
    t->lambda = sp->cfg.lambda;
    t->predicted_ms = r.runtime_ms;
    t->arch = r.arch;
    for (int l = 0; l < r.arch.n; l++)
        for (int j = 0; j < SK_NDEC; j++)
            if (((r.dec[l] >> j) & 1) && r.ind[l][j] >= 0.5f)
                t->on[l] |= 1u << j;
}

static void close_run(struct sptune *tn)
{
    if (tn->sp_open)
        singlepath_done(&tn->sp);
    tn->sp_open = 0;
}

/* A run just opened: the warm-up must leave steps for lambda. */
static int opened(struct sptune *tn, struct err *e)
{
    tn->sp_open = 1;
    if (tn->sp.warmup_steps >= tn->sp.total) {
        close_run(tn);
        return err_plain(e, "the warm-up takes all %lld steps of the search: lambda never acts, "
                            "so there is nothing to tune (fewer warm-up epochs, or more epochs)",
                         (long long)tn->sp.total);
    }
    return 0;
}

/* Keeps why a checkpoint was passed over (after any note before it). */
static void set_note(struct sptune *tn, const struct err *why)
{
    size_t n = strlen(tn->note);
    snprintf(tn->note + n, sizeof tn->note - n, "%s%s", n ? "; " : "", why->msg);
}

static void finish(struct sptune *tn, enum sptune_end end)
{
    close_run(tn);
    tn->phase = SPTUNE_DONE;
    tn->end = end;
    tn->chosen = sptune_choose(tn->trial, tn->ntrials, &tn->tc);
}

/* Opens the next trial at lambda from warmup.ckpt (or its own checkpoint,
 * when the one there is of this lambda).  at_open: warmup.ckpt's absence or
 * refusal is not an error while no trial depends on it. */
static int start_trial(struct sptune *tn, double lambda, int at_open, int *no_warmup,
                       struct err *e)
{
    char warm[SPTUNE_PATH_MAX + 32], part[SPTUNE_PATH_MAX + 32];
    path_of(tn, WARMUP_FILE, warm, sizeof warm);
    path_of(tn, TRIAL_FILE, part, sizeof part);
    struct sp_config c = tn->cfg;
    c.lambda = lambda;
    *no_warmup = 0;
    struct err why;
    if (exists(part) && exists(warm)) {
        if (singlepath_init(&tn->sp, tn->space, tn->lat, tn->train, &c, part, &why) == 0 &&
            tn->sp.step >= tn->sp.warmup_steps) {
            tn->resumed = 1;
            tn->warmup_reused = at_open;
            tn->phase = SPTUNE_TRIAL;
            return opened(tn, e);
        }
        if (tn->sp.net) /* taken, but from inside the warm-up: not a trial's */
            singlepath_done(&tn->sp);
        /* a trial of another lambda (one done, or planned otherwise) */
    }
    if (!exists(warm)) {
        if (tn->ntrials)
            return err_set(e, warm, 0, 0, "is missing, but %s/" TRIALS_FILE " holds %d trials "
                           "forked from it: tune in another directory", tn->dir, tn->ntrials);
        *no_warmup = 1;
        return 0;
    }
    if (singlepath_fork(&tn->sp, tn->space, tn->lat, tn->train, &c, warm, &why)) {
        if (tn->ntrials || !at_open) {
            *e = why;
            return -1;
        }
        set_note(tn, &why);
        *no_warmup = 1;
        return 0;
    }
    if (tn->sp.step != tn->sp.warmup_steps) {
        err_set(&why, warm, 0, 0, "stands at step %lld, not at the warm-up's end (%lld)",
                (long long)tn->sp.step, (long long)tn->sp.warmup_steps);
        singlepath_done(&tn->sp);
        if (tn->ntrials) {
            *e = why;
            return -1;
        }
        set_note(tn, &why);
        *no_warmup = 1;
        return 0;
    }
    tn->warmup_reused |= at_open;
    tn->phase = SPTUNE_TRIAL;
    return opened(tn, e);
}

/* The warm-up's end: saved, its partial checkpoint removed. */
static int end_warmup(struct sptune *tn, struct err *e)
{
    char warm[SPTUNE_PATH_MAX + 32], part[SPTUNE_PATH_MAX + 32];
    path_of(tn, WARMUP_FILE, warm, sizeof warm);
    path_of(tn, WARMUP_PART_FILE, part, sizeof part);
    if (singlepath_save(&tn->sp, warm, e))
        return -1;
    unlink(part);
    close_run(tn);
    tn->warmup_done = 1;
    return 0;
}

/* Opens the warm-up: from warmup-part.ckpt when it is one, else anew. */
static int start_warmup(struct sptune *tn, struct err *e)
{
    char part[SPTUNE_PATH_MAX + 32];
    path_of(tn, WARMUP_PART_FILE, part, sizeof part);
    struct sp_config c = tn->cfg;
    c.lambda = 0;
    tn->phase = SPTUNE_WARMUP;
    if (exists(part)) {
        struct err why;
        if (singlepath_init(&tn->sp, tn->space, tn->lat, tn->train, &c, part, &why) == 0) {
            if (tn->sp.step <= tn->sp.warmup_steps) {
                tn->resumed = 1;
                return opened(tn, e);
            }
            err_set(&why, part, 0, 0, "is past the warm-up");
            singlepath_done(&tn->sp);
        }
        set_note(tn, &why);
    }
    if (singlepath_init(&tn->sp, tn->space, tn->lat, tn->train, &c, NULL, e))
        return -1;
    return opened(tn, e);
}

/* What runs next, after the trials so far. */
static int next(struct sptune *tn, int at_open, struct err *e)
{
    double lambda;
    enum sptune_end end;
    int no_warmup;
    tn->resumed = 0;
    if (!sptune_plan(tn->trial, tn->ntrials, &tn->tc, &lambda, &end)) {
        /* over: at open, the trials must still be this search's */
        if (at_open && tn->ntrials) {
            if (start_trial(tn, tn->trial[0].lambda, 1, &no_warmup, e))
                return -1;
            tn->resumed = 0;
        }
        finish(tn, end);
        return 0;
    }
    if (start_trial(tn, lambda, at_open, &no_warmup, e))
        return -1;
    if (!no_warmup)
        return 0;
    if (start_warmup(tn, e))
        return -1;
    if (tn->sp.step == tn->sp.warmup_steps) /* no warm-up, or it was saved at its end */
        return end_warmup(tn, e) || next(tn, 0, e) ? -1 : 0;
    return 0;
}

int sptune_open(struct sptune *tn, const char *dir, const struct space *s,
                const struct latency_table *lat, const struct split *train,
                const struct split *val, const struct sp_config *cfg,
                const struct sptune_config *tc, struct err *e)
{
    memset(tn, 0, sizeof *tn);
    tn->space = s;
    tn->lat = lat;
    tn->train = train;
    tn->val = val;
    tn->cfg = *cfg;
    tn->cfg.lambda = 0; /* each run sets its own */
    tn->tc = *tc;
    tn->chosen = -1;
    const struct sptune_config *c = tc;
    if (!(c->target_ms > 0 && isfinite(c->target_ms)) || c->trials < 1 ||
        c->trials > SPTUNE_MAX_TRIALS || !(c->tolerance > 0 && c->tolerance < 1) ||
        !(c->lambda0 > 0) || !(c->growth > 1) || !(c->lambda_min > 0) ||
        !(c->lambda_min <= c->lambda0 && c->lambda0 <= c->lambda_max) ||
        !isfinite(c->lambda_max) || c->eval_batch < 1)
        return err_plain(e, "tuning lambda needs a positive finite target, 1 to %d trials, a "
                            "tolerance in (0, 1), a growth above 1, 0 < lambda_min <= lambda0 "
                            "<= lambda_max (finite) and an evaluation batch >= 1",
                         SPTUNE_MAX_TRIALS);
    if (sk_space_analyse(&tn->grid, s, e))
        return -1;
    if (strlen(dir) + 32 >= sizeof tn->dir)
        return err_set(e, dir, 0, 0, "the directory's path is too long");
    snprintf(tn->dir, sizeof tn->dir, "%s", dir);
    struct stat st;
    if (mkdir(dir, 0777) && errno != EEXIST)
        return err_set(e, dir, 0, 0, "cannot create the directory: %s", strerror(errno));
    if (stat(dir, &st) || !S_ISDIR(st.st_mode))
        return err_set(e, dir, 0, 0, "is not a directory");
    if (read_trials(tn, e) || next(tn, 1, e)) {
        sptune_close(tn);
        return -1;
    }
    return 0;
}

void sptune_close(struct sptune *tn)
{
    close_run(tn);
}

/* The running trial's end: read off, evaluated, appended; then the next. */
static int end_trial(struct sptune *tn, struct err *e)
{
    double t0 = ctx_seconds();
    struct sptune_trial *t = &tn->trial[tn->ntrials];
    sptune_trial_read(t, &tn->sp);
    if (singlepath_evaluate(&tn->sp, tn->val, tn->tc.eval_batch, &t->val_accuracy, NULL, e))
        return -1;
    t->seconds = tn->trial_seconds + (ctx_seconds() - t0);
    if (append_trial(tn, t, e))
        return -1;
    char part[SPTUNE_PATH_MAX + 32];
    path_of(tn, TRIAL_FILE, part, sizeof part);
    unlink(part);
    tn->ntrials++;
    tn->finished = 1;
    tn->trial_seconds = 0;
    close_run(tn);
    return next(tn, 0, e);
}

int sptune_step(struct sptune *tn, struct err *e)
{
    tn->stepped = tn->finished = tn->warmup_done = 0;
    if (tn->phase == SPTUNE_DONE)
        return 0;
    struct singlepath *sp = &tn->sp;
    if (tn->phase == SPTUNE_WARMUP) {
        if (sp->step >= sp->warmup_steps) {
            if (end_warmup(tn, e) || next(tn, 0, e))
                return -1;
        } else {
            if (singlepath_step(sp, e) < 0)
                return -1;
            tn->stepped = 1;
            tn->warmup_steps_run++;
            tn->warmup_seconds += sp->seconds;
        }
    } else if (sp->step < sp->total) {
        if (singlepath_step(sp, e) < 0)
            return -1;
        tn->stepped = 1;
        tn->trial_steps_run++;
        tn->trial_seconds += sp->seconds;
    } else if (end_trial(tn, e)) {
        return -1;
    }
    return tn->phase != SPTUNE_DONE;
}

int sptune_save(struct sptune *tn, struct err *e)
{
    if (tn->phase == SPTUNE_DONE || !tn->sp_open)
        return 0;
    char path[SPTUNE_PATH_MAX + 32];
    path_of(tn, tn->phase == SPTUNE_WARMUP ? WARMUP_PART_FILE : TRIAL_FILE, path, sizeof path);
    return singlepath_save(&tn->sp, path, e);
}

double sptune_fraction(const struct sptune *tn)
{
    if (tn->phase == SPTUNE_DONE || !tn->sp_open)
        return 1;
    const struct singlepath *sp = &tn->sp;
    double W = (double)sp->warmup_steps, trial = (double)(sp->total - sp->warmup_steps);
    double done = tn->phase == SPTUNE_WARMUP ? (double)sp->step
                                             : W + (double)(sp->step - sp->warmup_steps);
    done += tn->ntrials * trial;
    return fmin(1, done / (W + tn->tc.trials * trial));
}
