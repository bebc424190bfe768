#include "groundtruth.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "claim.h"
#include "farm.h"
#include "model.h"
#include "train.h"

/* Whether jobs i and j train the same architecture with the same seed (an
 * architecture both chosen and listed, say). */
static int same_job(const struct gt *g, int i, int j)
{
    const struct gt_job *a = &g->jobs[i], *b = &g->jobs[j];
    const struct arch *x = &g->archs[a->arch], *y = &g->archs[b->arch];
    return a->seed == b->seed && a->macs == b->macs && x->n == y->n &&
           memcmp(x->choice, y->choice, (size_t)x->n * sizeof *x->choice) == 0;
}

int gt_pending(const struct gt *g, const struct truth *done, int *order)
{
    int n = 0;
    for (int j = 0; j < g->njobs; j++) {
        char name[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
        arch_format(g->s, &g->archs[g->jobs[j].arch], name, sizeof name);
        if (truth_find(done, name, g->jobs[j].seed) >= 0)
            continue;
        int twice = 0;
        for (int k = 0; k < n && !twice; k++)
            twice = same_job(g, order[k], j);
        if (twice)
            continue;
        /* insertion by multiply-adds, largest first, stable */
        int k = n++;
        while (k > 0 && g->jobs[order[k - 1]].macs < g->jobs[j].macs) {
            order[k] = order[k - 1];
            k--;
        }
        order[k] = j;
    }
    return n;
}

/* Between two steps of a training: 0 go on, 1 give the job up, -1 error. */
typedef int (*gt_hook)(void *user, struct err *e);

/* Trains job j alone and evaluates it into row (arch, seed, costs, accuracy,
 * seconds), calling hook (may be NULL) between steps and the evaluations,
 * with a progress bar when bar.  0 trained, 1 given up (the hook said so),
 * -1 error. */
static int train_job(struct gt *g, int j, gt_hook hook, void *user, int bar,
                     struct truth_row *row, struct err *e)
{
    const struct gt_job *job = &g->jobs[j];
    const struct arch *a = &g->archs[job->arch];
    memset(row, 0, sizeof *row);
    arch_format(g->s, a, row->arch, sizeof row->arch);
    struct model *m = model_new(g->s, a, (uint64_t)job->seed, e);
    struct trainer t;
    struct train_config cfg;
    train_config_default(&cfg);
    cfg.epochs = g->epochs;
    cfg.batch = g->batch;
    cfg.lr = (float)g->lr;
    cfg.seed = (uint64_t)job->seed;
    if (!m || trainer_init(&t, m, &g->data->train, &cfg, e)) {
        model_free(m);
        return -1;
    }
    double t0 = ctx_seconds();
    int more, rc = 0;
    while ((more = trainer_step(&t, e)) > 0) {
        if (hook && (rc = hook(user, e)) != 0)
            break;
        if (bar)
            progress_update(&g->progress, (double)t.step / (double)t.total, 0,
                            "row %d: %.40s seed %d  loss %.4f", g->rows_done + 1, row->arch,
                            job->seed, t.loss);
    }
    if (more < 0)
        rc = -1;
    if (!rc && model_evaluate(m, &g->data->val, 500, &row->val_accuracy, NULL, e))
        rc = -1;
    if (!rc && hook)
        rc = hook(user, e);
    if (!rc && model_evaluate(m, &g->data->test, 500, &row->test_accuracy, NULL, e))
        rc = -1;
    if (!rc && hook)
        rc = hook(user, e);
    trainer_done(&t);
    model_free(m);
    if (rc)
        return rc;
    struct cost c = arch_cost(g->s, a);
    row->seed = job->seed;
    row->params = c.params;
    row->macs = c.macs;
    row->epochs = g->epochs;
    row->seconds = ctx_seconds() - t0;
    return 0;
}

/* The line printed for each row: "ARCH seed S: M macs, val V, test T (N s)". */
static void print_row(struct gt *g, const struct truth_row *row, const char *by)
{
    progress_clear(&g->progress);
    fprintf(stderr, "%s seed %d: %lld macs, val %.4f, test %.4f (%.0f s%s)\n", row->arch,
            row->seed, (long long)row->macs, row->val_accuracy, row->test_accuracy, row->seconds,
            by);
}

/* ---- the farm */

/* What a rank sends rank 0 for a job: the row's measured figures. */
struct gt_result {
    double val_accuracy, test_accuracy, seconds;
};

/* Rank 0: a rank's result becomes a row of the table. */
static int on_result(void *user, int rank, int task, const void *result, size_t n,
                     struct err *e)
{
    struct gt *g = user;
    struct gt_result r;
    if (n != sizeof r || task < 0 || task >= g->njobs)
        return err_plain(e, "rank %d sent a result of %zu bytes for job %d", rank, n, task);
    memcpy(&r, result, sizeof r);
    const struct gt_job *job = &g->jobs[task];
    const struct arch *a = &g->archs[job->arch];
    struct cost c = arch_cost(g->s, a);
    struct truth_row row = {0};
    arch_format(g->s, a, row.arch, sizeof row.arch);
    row.seed = job->seed;
    row.params = c.params;
    row.macs = c.macs;
    row.val_accuracy = r.val_accuracy;
    row.test_accuracy = r.test_accuracy;
    row.epochs = g->epochs;
    row.seconds = r.seconds;
    /* only if the table lacks it: whatever else writes there (a second
     * command on the same table), no row is written twice */
    int rc = truth_append_new(g->out, &row, e);
    if (rc)
        return rc < 0 ? -1 : 0;
    g->rows_done++;
    char by[32] = "";
    if (rank > 0)
        snprintf(by, sizeof by, ", rank %d", rank);
    print_row(g, &row, by);
    return 0;
}

static int poll_hook(void *user, struct err *e)
{
    return farm_poll(user, e) < 0 ? -1 : 0;
}

int gt_farm(struct gt *g, struct par *p, const int *order, int n, struct err *e)
{
    struct farm f;
    int rank0 = par_rank(p) == 0;
    if (farm_init(&f, p, order, n, on_result, g, e))
        return -1;
    struct gt_result r;
    int task, have = 0, got, rc = 0;
    while ((got = farm_next(&f, have ? &r : NULL, sizeof r, &task, e)) > 0) {
        struct truth_row row;
        if (task < 0 || task >= g->njobs) {
            rc = err_plain(e, "rank 0 handed out job %d of %d", task, g->njobs);
            break;
        }
        /* rank 0 answers the others between its own steps */
        if (train_job(g, task, rank0 && par_size(p) > 1 ? poll_hook : NULL, &f, rank0, &row,
                      e)) {
            rc = -1;
            break;
        }
        r = (struct gt_result){row.val_accuracy, row.test_accuracy, row.seconds};
        have = 1;
    }
    if (got < 0)
        rc = -1;
    progress_clear(&g->progress);
    farm_done(&f);
    return rc;
}

/* ---- workers sharing a table */

struct beat {
    struct claim *c;
    double every;
};

static int beat_hook(void *user, struct err *e)
{
    struct beat *b = user;
    return claim_beat(b->c, b->every, e);
}

static void sleep_seconds(double s)
{
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
        ;
}

/* Whether the table at path has a row of job j (reads it again). */
static int has_row(struct gt *g, int j, int *has, struct err *e)
{
    struct truth t;
    if (truth_load(&t, g->out, NULL, 0, e))
        return -1;
    char name[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    arch_format(g->s, &g->archs[g->jobs[j].arch], name, sizeof name);
    *has = truth_find(&t, name, g->jobs[j].seed) >= 0;
    truth_done(&t);
    return 0;
}

/* Claims, trains and writes job j: 1 done (or found done), 0 held by
 * another, -1 error. */
static int work_on(struct gt *g, int j, const char *dir, double stale, int *trained,
                   struct err *e)
{
    const struct gt_job *job = &g->jobs[j];
    char name[SPACE_MAX_LAYERS * CHOICE_NAME_MAX + 32];
    int k = arch_format(g->s, &g->archs[job->arch], name, sizeof name);
    snprintf(name + k, sizeof name - (size_t)k, ".seed%d", job->seed);
    struct claim c;
    int rc = claim_take(&c, dir, name, stale, e), has = 0;
    if (rc <= 0)
        return rc;
    /* the table again: another may have written the row and let the claim
     * go since this pass read it */
    if (has_row(g, j, &has, e) || has) {
        claim_release(&c);
        return has ? 1 : -1;
    }
    progress_clear(&g->progress);
    if (c.taken_from[0])
        fprintf(stderr, "%s: taking over from %s (its heartbeat %.0f s old)\n", name,
                c.taken_from, c.taken_age);
    struct beat b = {&c, stale / 4};
    struct truth_row row;
    rc = train_job(g, j, beat_hook, &b, 1, &row, e);
    if (rc == 1) {
        progress_clear(&g->progress);
        fprintf(stderr, "%s: another worker took this training over; leaving it\n", name);
        claim_release(&c);
        return 0;
    }
    if (rc == 0) {
        rc = truth_append_new(g->out, &row, e);
        if (rc == 0) {
            (*trained)++;
            g->rows_done++;
            print_row(g, &row, "");
        }
        rc = rc < 0 ? -1 : 1;
    }
    claim_release(&c);
    return rc;
}

int gt_worker(struct gt *g, const char *dir, double stale, int *trained, struct err *e)
{
    *trained = 0;
    if (mkdir(dir, 0777) != 0 && errno != EEXIST)
        return err_set(e, dir, 0, 0, "cannot create: %s", strerror(errno));
    int *order = malloc((size_t)(g->njobs > 0 ? g->njobs : 1) * sizeof *order), rc = 0;
    if (!order)
        return err_plain(e, "out of memory");
    /* each pass reads the table, then takes the largest job nobody holds */
    for (;;) {
        struct truth done;
        if (truth_load(&done, g->out, NULL, 0, e)) {
            rc = -1;
            break;
        }
        int n = gt_pending(g, &done, order), worked = 0;
        truth_done(&done);
        if (n == 0)
            break;
        for (int i = 0; i < n && !worked; i++)
            if ((worked = work_on(g, order[i], dir, stale, trained, e)) < 0)
                break;
        if (worked < 0) {
            rc = -1;
            break;
        }
        /* every job left is held by a live worker: wait for its row, or for
         * its heartbeat to stop */
        if (!worked)
            sleep_seconds(stale / 4 < 2 ? stale / 4 : 2);
    }
    progress_clear(&g->progress);
    free(order);
    return rc;
}
