#include "report.h"

#include <stdlib.h>
#include <string.h>

#include "luasearch.h"
#include "pareto.h"
#include "atomic.h"
#include "rundir.h"
#include "strbuf.h"

#define ARCH_TEXT (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

/* first,METRIC,...[,last] appended to b */
static void metrics_header(const struct luasearch *ls, struct strbuf *b, const char *first,
                           const char *last)
{
    strbuf_printf(b, "%s", first);
    for (int i = 0; i < luasearch_nmetrics(ls); i++)
        strbuf_printf(b, ",%s", luasearch_metric_name(ls, i));
    if (last)
        strbuf_printf(b, ",%s", last);
}

/* ------------------------------------------------------------ recovery */

struct reader {
    struct report *r;
    struct luasearch *ls;
    int nobj;
};

static void warn_damaged(void *ud, const char *text)
{
    struct reader *rd = ud;
    if (rd->r->warn)
        rd->r->warn(rd->r->ud, text);
}

/* A row of evaluations.csv: kept and handed to the strategy; a damaged row
 * is dropped (and said so), its architecture evaluated again when the
 * strategy asks for it. */
static int keep_evaluation(void *ud, char *line, int lineno, struct err *e)
{
    struct reader *rd = ud;
    char *comma = strchr(line, ',');
    if (!comma)
        return err_plain(e, "expected an architecture and its metrics"), RUNDIR_DAMAGED;
    *comma = 0;
    struct arch a;
    struct err why;
    if (arch_parse_at(rd->r->space, line, "", lineno, 1, &a, &why))
        return err_plain(e, "%s", why.text), RUNDIR_DAMAGED;
    double v[LUASEARCH_MAX_METRICS];
    char *p = comma + 1;
    int nm = luasearch_nmetrics(rd->ls);
    for (int i = 0; i < nm; i++) {
        char *end;
        v[i] = strtod(p, &end);
        if (end == p || (*end != ',' && *end != 0))
            return err_plain(e, "column %d: expected the value of %s", (int)(p - line) + 1,
                             luasearch_metric_name(rd->ls, i)),
                   RUNDIR_DAMAGED;
        p = *end ? end + 1 : end;
    }
    char *end;
    strtod(p, &end); /* the seconds */
    if (end == p || *end)
        return err_plain(e, "column %d: expected the seconds", (int)(p - line) + 1),
               RUNDIR_DAMAGED;
    if (luasearch_preload(rd->ls, &a, v))
        return err_plain(e, "out of memory");
    rd->r->cached++;
    return 1;
}

/* A row of generations.csv: generation,arch,front, then the objectives. */
static int keep_generation(void *ud, char *line, int lineno, struct err *e)
{
    struct reader *rd = ud;
    (void)lineno;
    char *p = line, *end;
    long g = strtol(p, &end, 10);
    if (end == p || *end != ',' || g < 1 || g > EXP_MAX_GENERATIONS)
        return err_plain(e, "expected a generation number (1 to %d)", EXP_MAX_GENERATIONS),
               RUNDIR_DAMAGED;
    p = strchr(end + 1, ',');
    if (!p || !rundir_numbers(p + 1, rd->nobj + 1))
        return err_plain(e, "expected an architecture, its front and %d objectives", rd->nobj),
               RUNDIR_DAMAGED;
    if (g > rd->r->generations_written)
        rd->r->generations_written = (int)g;
    return 1;
}

/* The second pass over generations.csv (its rows checked by the first): a
 * kill can cut a generation's block after whole rows (a write cut short), so
 * the last generation in the file is dropped, and written again when the
 * strategy's replay reports it. */
static int drop_last_generation(void *ud, char *line, int lineno, struct err *e)
{
    struct reader *rd = ud;
    (void)lineno;
    (void)e;
    return strtol(line, NULL, 10) <= rd->r->generations_written;
}

int report_open(struct report *r, const char *dir, const struct space *s, struct luasearch *ls,
                const struct objectives *o, void (*warn)(void *ud, const char *text), void *ud,
                struct err *e)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "%s", dir);
    r->space = s;
    r->warn = warn;
    r->ud = ud;
    char path[EXP_PATH_MAX + 32];
    struct strbuf head;
    strbuf_init(&head);
    struct reader rd = {r, ls, o->n};
    rundir_path(path, sizeof path, dir, "evaluations.csv");
    metrics_header(ls, &head, "arch", "seconds");
    int rc = strbuf_failed(&head)
                 ? err_plain(e, "out of memory")
                 : rundir_recover_csv(path, strbuf_text(&head), keep_evaluation, &rd,
                                      warn_damaged, e);
    if (!rc && !(r->evaluations = rundir_open_append(path, strbuf_text(&head), e)))
        rc = -1;
    rundir_path(path, sizeof path, dir, "generations.csv");
    strbuf_clear(&head);
    strbuf_printf(&head, "generation,arch,front");
    for (int j = 0; j < o->n; j++)
        strbuf_printf(&head, ",%s", o->name[j]);
    if (!rc && strbuf_failed(&head))
        rc = err_plain(e, "out of memory");
    if (!rc && rundir_recover_csv(path, strbuf_text(&head), keep_generation, &rd, warn_damaged, e))
        rc = -1;
    if (!rc && r->generations_written > 0) {
        r->generations_written--;
        if (rundir_recover_csv(path, strbuf_text(&head), drop_last_generation, &rd, NULL, e))
            rc = -1;
    }
    if (!rc && !(r->generations = rundir_open_append(path, strbuf_text(&head), e)))
        rc = -1;
    strbuf_done(&head);
    if (rc)
        report_close(r);
    return rc;
}

void report_close(struct report *r)
{
    if (r->evaluations)
        fclose(r->evaluations);
    if (r->generations)
        fclose(r->generations);
    r->evaluations = r->generations = NULL;
}

/* ------------------------------------------------------------ rows */

int report_evaluation(struct report *r, const struct luasearch *ls, const struct arch *a,
                      const double *v, double seconds, struct err *e)
{
    char name[ARCH_TEXT], path[EXP_PATH_MAX + 32];
    arch_format(r->space, a, name, (int)sizeof name);
    rundir_path(path, sizeof path, r->dir, "evaluations.csv");
    struct strbuf row;
    strbuf_init(&row);
    strbuf_printf(&row, "%s", name);
    for (int i = 0; i < luasearch_nmetrics(ls); i++) {
        strbuf_add(&row, ",", 1);
        strbuf_double(&row, v[i]);
    }
    strbuf_printf(&row, ",%.3f\n", seconds);
    int rc = strbuf_failed(&row) ? err_plain(e, "out of memory")
                                 : rundir_append(r->evaluations, path, e, "%s", strbuf_text(&row));
    strbuf_done(&row);
    return rc;
}

/* Indices of the non-dominated evaluations (each architecture once: the
 * evaluations are distinct), best first by the first objective, into idx
 * (room for every evaluation); f gets their objective rows (room for all).
 * Returns how many, -1 when out of memory. */
static int front_of_all(const struct luasearch *ls, const struct objectives *o, int *idx,
                        double *f)
{
    int n = luasearch_count(ls), nm = luasearch_nmetrics(ls);
    for (int i = 0; i < n; i++)
        objectives_matrix(o, luasearch_at(ls, i, NULL), 1, nm, f + (size_t)i * o->n);
    int count = pareto_front(f, n, o->n, o->maximize, idx);
    if (count > 0)
        pareto_order(f, o->n, o->maximize, 0, idx, count);
    return count;
}

static int write_pareto(struct report *r, const struct luasearch *ls, const struct objectives *o,
                        struct err *e)
{
    int all = luasearch_count(ls), nm = luasearch_nmetrics(ls);
    int *idx = malloc((size_t)(all > 0 ? all : 1) * sizeof *idx);
    double *f = malloc((size_t)(all > 0 ? all : 1) * o->n * sizeof *f);
    int n = idx && f ? front_of_all(ls, o, idx, f) : -1;
    if (n < 0) {
        free(idx);
        free(f);
        return err_plain(e, "out of memory");
    }
    struct strbuf text;
    strbuf_init(&text);
    metrics_header(ls, &text, "arch", NULL);
    strbuf_add(&text, "\n", 1);
    for (int k = 0; k < n; k++) {
        struct arch a;
        char name[ARCH_TEXT];
        const double *m = luasearch_at(ls, idx[k], &a);
        arch_format(r->space, &a, name, (int)sizeof name);
        strbuf_printf(&text, "%s", name);
        for (int i = 0; i < nm; i++) {
            strbuf_add(&text, ",", 1);
            strbuf_double(&text, m[i]);
        }
        strbuf_add(&text, "\n", 1);
    }
    char path[EXP_PATH_MAX + 32];
    rundir_path(path, sizeof path, r->dir, "pareto.csv");
    int rc = strbuf_failed(&text) ? err_plain(e, "out of memory")
                                  : atomic_save(path, strbuf_text(&text), text.len, e);
    free(idx);
    free(f);
    strbuf_done(&text);
    return rc;
}

/* On the front: the best evaluation for each objective into pick[0..k), and
 * the best balanced one (the largest weighted sum of min-max normalised
 * objectives, the objectives' weights) into pick[k], or -1 when there is no
 * such sum.  Indices into ls's evaluations.  Returns how many are on the
 * front (0: pick is untouched), -1 when out of memory. */
static int pick_chosen(const struct luasearch *ls, const struct objectives *o, int *pick)
{
    int k = o->n, all = luasearch_count(ls);
    int *idx = malloc((size_t)(all > 0 ? all : 1) * sizeof *idx);
    double *fa = malloc((size_t)(all > 0 ? all : 1) * k * sizeof *fa);
    double *f = malloc((size_t)(all > 0 ? all : 1) * k * sizeof *f);
    double *score = malloc((size_t)(all > 0 ? all : 1) * sizeof *score);
    int n = idx && fa && f && score ? front_of_all(ls, o, idx, fa) : -1;
    if (n > 0) {
        for (int i = 0; i < n; i++)
            memcpy(f + (size_t)i * k, fa + (size_t)idx[i] * k, (size_t)k * sizeof *f);
        for (int j = 0; j < k; j++) {
            int best = 0;
            for (int i = 1; i < n; i++) {
                double x = f[i * k + j], y = f[best * k + j];
                if (o->maximize[j] ? x > y : x < y)
                    best = i;
            }
            pick[j] = idx[best];
        }
        pick[k] = -1;
        if (pareto_weighted_sum(f, n, k, o->maximize, o->weight, score) == 0) {
            int best = 0;
            for (int i = 1; i < n; i++)
                if (score[i] > score[best])
                    best = i;
            pick[k] = idx[best];
        }
    }
    free(idx), free(fa), free(f), free(score);
    return n;
}

/* chosen.txt: the picks of pick_chosen, labelled best_OBJECTIVE and
 * balanced. */
static int write_chosen(struct report *r, const struct luasearch *ls, const struct objectives *o,
                        const char *title, struct err *e)
{
    int k = o->n, pick[EXP_MAX_OBJECTIVES + 1];
    int n = pick_chosen(ls, o, pick);
    if (n < 0)
        return err_plain(e, "out of memory");
    struct strbuf text;
    strbuf_init(&text);
    strbuf_printf(&text, "# the chosen architectures of %s: label, architecture\n", title);
    char name[ARCH_TEXT];
    struct arch a;
    for (int j = 0; n > 0 && j <= k; j++) {
        if (pick[j] < 0)
            continue;
        luasearch_at(ls, pick[j], &a);
        arch_format(r->space, &a, name, (int)sizeof name);
        if (j < k)
            strbuf_printf(&text, "best_%s\t%s\n", o->name[j], name);
        else
            strbuf_printf(&text, "balanced\t%s\n", name);
    }
    char path[EXP_PATH_MAX + 32];
    rundir_path(path, sizeof path, r->dir, "chosen.txt");
    int rc = strbuf_failed(&text) ? err_plain(e, "out of memory")
                                  : atomic_save(path, strbuf_text(&text), text.len, e);
    strbuf_done(&text);
    return rc;
}

int report_picks(const struct luasearch *ls, const struct objectives *o,
                 enum exp_retrain_which which, int *idx)
{
    if (which == EXP_RETRAIN_PARETO) {
        int all = luasearch_count(ls);
        double *f = malloc((size_t)(all > 0 ? all : 1) * o->n * sizeof *f);
        int n = f ? front_of_all(ls, o, idx, f) : -1;
        free(f);
        return n;
    }
    int pick[EXP_MAX_OBJECTIVES + 1], n = 0, nfront = pick_chosen(ls, o, pick);
    if (nfront <= 0)
        return nfront;
    for (int j = 0; j <= o->n; j++) {
        int seen = pick[j] < 0;
        for (int i = 0; i < n && !seen; i++)
            seen = idx[i] == pick[j];
        if (!seen)
            idx[n++] = pick[j];
    }
    return n;
}

int report_generation(struct report *r, const struct luasearch *ls, const struct objectives *o,
                      int g, const struct arch *pop, int n, const double *m, struct err *e)
{
    if (g <= r->generations_written)
        return 0; /* a replayed generation: written by the earlier session */
    int k = o->n, nm = luasearch_nmetrics(ls);
    double *f = malloc((size_t)(n > 0 ? n : 1) * k * sizeof *f);
    int *rank = malloc((size_t)(n > 0 ? n : 1) * sizeof *rank);
    if (!f || !rank) {
        free(f);
        free(rank);
        return err_plain(e, "out of memory");
    }
    objectives_matrix(o, m, n, nm, f);
    if (n > 0 && pareto_sort(f, n, k, o->maximize, rank) < 0)
        memset(rank, 0, (size_t)n * sizeof *rank);
    struct strbuf rows;
    strbuf_init(&rows);
    for (int i = 0; i < n; i++) {
        char name[ARCH_TEXT];
        arch_format(r->space, &pop[i], name, (int)sizeof name);
        strbuf_printf(&rows, "%d,%s,%d", g, name, rank[i] + 1);
        for (int j = 0; j < k; j++) {
            strbuf_add(&rows, ",", 1);
            strbuf_double(&rows, f[i * k + j]);
        }
        strbuf_add(&rows, "\n", 1);
    }
    free(f);
    free(rank);
    char path[EXP_PATH_MAX + 32];
    rundir_path(path, sizeof path, r->dir, "generations.csv");
    /* one write per generation: a kill leaves it whole or torn, and a torn
     * one is dropped and written again on resume */
    int rc = strbuf_failed(&rows) ? err_plain(e, "out of memory")
                                  : rundir_append(r->generations, path, e, "%s",
                                                  strbuf_text(&rows));
    strbuf_done(&rows);
    if (rc)
        return -1;
    r->generations_written = g;
    return write_pareto(r, ls, o, e);
}

int report_finish(struct report *r, const struct luasearch *ls, const struct objectives *o,
                  const char *name, struct err *e)
{
    return write_pareto(r, ls, o, e) || write_chosen(r, ls, o, name, e) ? -1 : 0;
}
