#include "standalone.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ctx.h"
#include "rundir.h"
#include "runner.h"

int standalone_begin(struct standalone *sa, const struct runner *r, const struct arch *a,
                     int epochs, struct err *e)
{
    return standalone_begin_with(sa, r, a, epochs, runner_info(r)->x->seed,
                                 runner_train_split(r), e);
}

int standalone_begin_with(struct standalone *sa, const struct runner *r, const struct arch *a,
                          int epochs, uint64_t seed, const struct split *train, struct err *e)
{
    memset(sa, 0, sizeof *sa);
    const struct runner_info *in = runner_info(r);
    snprintf(sa->dir, sizeof sa->dir, "%s", in->dir);
    sa->arch = *a;
    sa->val = runner_val_split(r);
    arch_format(in->space, a, sa->name, (int)sizeof sa->name);
    struct train_config cfg;
    train_config_default(&cfg);
    cfg.epochs = epochs;
    cfg.batch = experiment_batch(in->x);
    cfg.seed = seed;
    sa->m = model_new(in->space, a, cfg.seed, e);
    if (!sa->m)
        return -1;
    if (trainer_init(&sa->t, sa->m, train, &cfg, e)) {
        standalone_end(sa);
        return -1;
    }
    sa->started = 1;
    sa->t0 = ctx_seconds();
    return 0;
}

int standalone_step(struct standalone *sa, struct err *e) { return trainer_step(&sa->t, e); }

int standalone_evaluate(struct standalone *sa, struct err *e)
{
    if (model_evaluate(sa->m, sa->val, 256, &sa->accuracy, NULL, e))
        return -1;
    sa->seconds = ctx_seconds() - sa->t0;
    return 0;
}

int standalone_finish(struct standalone *sa, struct err *e)
{
    if (standalone_evaluate(sa, e))
        return -1;
    char path[sizeof sa->dir + 32];
    rundir_path(path, sizeof path, sa->dir, "standalone.csv");
    FILE *f = rundir_open_append(path, "arch,epochs,val_accuracy,seconds", e);
    if (!f)
        return -1;
    int rc = rundir_append(f, path, e, "%s,%d,%.6f,%.1f\n", sa->name, sa->t.cfg.epochs,
                           sa->accuracy, sa->seconds);
    if (fclose(f) != 0 && rc == 0)
        rc = err_set(e, path, 0, 0, "cannot write: %s", strerror(errno));
    return rc;
}

void standalone_end(struct standalone *sa)
{
    if (sa->started)
        trainer_done(&sa->t);
    model_free(sa->m);
    sa->m = NULL;
    sa->started = 0;
}
