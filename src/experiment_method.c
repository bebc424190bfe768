/* experiment_method: the sections of an experiment file that one method
 * alone reads (singlepath, nao), and the check that a file holds only its
 * method's sections (src/experiment.h).  experiment.c reads the rest. */
#include "experiment.h"

#include <string.h>

#include "experiment_load.h"
#include "yamldoc.h"

static const char *const nao_bn_names[] = {"recal", "batch", NULL};          /* enum exp_nao_bn */
static const char *const nao_reinit_names[] = {"schedule", "weights", NULL}; /* enum exp_nao_reinit */

/* warmup, trials: set to the nodes of singlepath.warmup_epochs and
 * singlepath.trials when the file gives them (checked against epochs and
 * target_ms after the section, as lambda and the warm-up are when lambda is
 * tuned) */
int exp_load_singlepath(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x,
                        const yaml_node_t **warmup, const yaml_node_t **trials)
{
    const yaml_node_t *map, *k, *v, *lambda = NULL, *target = NULL;
    const char *key;
    if (exp_get_section(c, n, "singlepath", exp_singlepath_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        char path[96];
        exp_key_path(path, sizeof path, "singlepath", key);
        int rc = 0;
        if (!strcmp(key, "epochs")) {
            rc = yamldoc_int(c->y, v, path, 1, 100000, &x->singlepath.epochs);
        } else if (!strcmp(key, "batch")) {
            rc = yamldoc_int(c->y, v, path, 1, 65536, &x->singlepath.batch);
        } else if (!strcmp(key, "lr")) {
            rc = yamldoc_number(c->y, v, path, 0, 1000, 1, &x->singlepath.lr);
        } else if (!strcmp(key, "lambda")) {
            rc = yamldoc_number(c->y, v, path, 0, 1e9, 0, &x->singlepath.lambda);
            lambda = v;
        } else if (!strcmp(key, "warmup_epochs")) {
            rc = yamldoc_number(c->y, v, path, 0, 100000, 0, &x->singlepath.warmup_epochs);
            *warmup = v;
        } else if (!strcmp(key, "keep")) {
            rc = yamldoc_number(c->y, v, path, 0, 1, 1, &x->singlepath.keep);
        } else if (!strcmp(key, "label_smoothing")) {
            rc = yamldoc_number(c->y, v, path, 0, 0.99, 0, &x->singlepath.label_smoothing);
        } else if (!strcmp(key, "bn_recalibration")) {
            rc = yamldoc_int(c->y, v, path, 0, EXP_TOTAL_IMAGES, &x->singlepath.bn_recalibration);
        } else if (!strcmp(key, "target_ms")) {
            rc = yamldoc_number(c->y, v, path, 0, 1e6, 1, &x->singlepath.target_ms);
            x->singlepath.target_line = (int)v->start_mark.line + 1;
            x->singlepath.target_col = (int)v->start_mark.column + 1;
            target = v;
        } else if (!strcmp(key, "trials")) {
            rc = yamldoc_int(c->y, v, path, 1, EXP_MAX_TRIALS, &x->singlepath.trials);
            *trials = v;
        }
        if (rc)
            return -1;
    }
    if (*warmup && x->singlepath.warmup_epochs > x->singlepath.epochs)
        return yamldoc_fail(c->y, *warmup,
                            "singlepath.warmup_epochs: %g is more than the %d epochs (singlepath."
                            "epochs)",
                            x->singlepath.warmup_epochs, x->singlepath.epochs);
    if (*trials && x->singlepath.target_ms == 0)
        return yamldoc_fail(c->y, *trials,
                            "singlepath.trials: the budget of lambda's tuning goes with "
                            "singlepath.target_ms");
    if (!target)
        return 0;
    /* tuned: lambda is the first trial's, and every trial forks from the
     * warm-up's end (src/sptune.h) */
    if (x->singlepath.lambda == 0)
        return yamldoc_fail(c->y, lambda,
                            "singlepath.lambda: with target_ms it is the first trial's lambda, "
                            "which must be greater than 0");
    if (x->singlepath.warmup_epochs >= x->singlepath.epochs && *warmup)
        return yamldoc_fail(c->y, *warmup,
                            "singlepath.warmup_epochs: with target_ms the warm-up must leave "
                            "epochs for the trials (singlepath.epochs: %d)",
                            x->singlepath.epochs);
    return 0;
}

/* The nao section: whole numbers from a table, the learning rate, and two
 * choices. */
int exp_load_nao(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x,
                 const yaml_node_t **calib)
{
    const struct {
        const char *key;
        int lo, hi, *v;
    } ints[] = {{"rounds", 1, EXP_NAO_MAX_ROUNDS, &x->nao.rounds},
                {"seed_archs", 2, EXP_NAO_MAX_POOL, &x->nao.seed_archs},
                {"new_archs", 1, EXP_NAO_MAX_POOL, &x->nao.new_archs},
                {"top_k", 1, EXP_NAO_MAX_POOL, &x->nao.top_k},
                {"max_eta", 1, 100000, &x->nao.max_eta},
                {"epochs_per_round", 1, 100000, &x->nao.epochs_per_round},
                {"controller_epochs", 0, 1000000, &x->nao.controller_epochs},
                {"batch", 1, 65536, &x->nao.batch},
                {"bn_recalibration", 1, EXP_TOTAL_IMAGES, &x->nao.bn_recalibration},
                {"eval_batch", 1, 65536, &x->nao.eval_batch},
                {"rerank", 0, EXP_NAO_MAX_RERANK, &x->nao.rerank},
                {"rerank_epochs", 1, 100000, &x->nao.rerank_epochs}};
    const yaml_node_t *map, *k, *v;
    const char *key;
    if (exp_get_section(c, n, "nao", exp_nao_keys, &map))
        return -1;
    if (!map)
        return 0;
    YAMLDOC_FOR_PAIRS(c->y, map, k, v, key)
    {
        char path[96];
        exp_key_path(path, sizeof path, "nao", key);
        int rc = 0, i = 0;
        for (size_t j = 0; j < sizeof ints / sizeof ints[0]; j++)
            if (!strcmp(key, ints[j].key))
                rc = yamldoc_int(c->y, v, path, ints[j].lo, ints[j].hi, ints[j].v);
        if (!strcmp(key, "lr")) {
            rc = yamldoc_number(c->y, v, path, 0, 1000, 1, &x->nao.lr);
        } else if (!strcmp(key, "bn")) {
            rc = exp_get_choice(c, v, path, nao_bn_names, &i);
            x->nao.bn = rc ? EXP_NAO_BN_RECAL : (enum exp_nao_bn)i;
        } else if (!strcmp(key, "reinit")) {
            rc = exp_get_choice(c, v, path, nao_reinit_names, &i);
            x->nao.reinit = rc ? EXP_NAO_REINIT_SCHEDULE : (enum exp_nao_reinit)i;
        } else if (!strcmp(key, "bn_recalibration")) {
            *calib = v;
        }
        if (rc)
            return -1;
    }
    long pool = x->nao.seed_archs + (long)(x->nao.rounds - 1) * x->nao.new_archs;
    if (pool > EXP_NAO_MAX_POOL)
        return yamldoc_fail(c->y, map,
                            "nao: seed_archs + (rounds - 1) new_archs is a pool of %ld "
                            "architectures, more than %d",
                            pool, EXP_NAO_MAX_POOL);
    return 0;
}


/* The sections that only one method reads, as the file gives them (their
 * keys), and the values checked against the method. */

/* A section of another method is an error at its key, as is a retrain.which
 * of pareto with Single-Path NAS or NAO (they pick one architecture). */
int exp_check_method(const struct exp_reader *c, const struct experiment *x,
                     const struct exp_method_keys *m)
{
    static const char *const what[] = {
        "this experiment trains a supernet",
        "Single-Path NAS trains no supernet and searches by its own loss",
        "NAO trains its supernet on the architectures its controller proposes"};
    const yaml_node_t *key[5] = {m->supernet, m->search, m->objectives, m->singlepath, m->nao};
    const char *names[5] = {"supernet", "search", "objectives", "singlepath", "nao"};
    /* the sections each method reads: oneshot the first three, singlepath
     * and nao their own */
    const int reads[3][5] = {{1, 1, 1, 0, 0}, {0, 0, 0, 1, 0}, {0, 0, 0, 0, 1}};
    for (int i = 0; i < 5; i++) {
        if (!key[i] || reads[x->method][i])
            continue;
        if (i >= 3)
            return yamldoc_fail(c->y, key[i],
                                "%s: only read with method: %s (%s; remove the section or set "
                                "the method)",
                                names[i], names[i], what[x->method]);
        return yamldoc_fail(c->y, key[i],
                            "%s: not read by method: %s (%s; remove the section or set method: "
                            "oneshot)",
                            names[i], exp_method_name(x->method), what[x->method]);
    }
    if (x->method == EXP_NAO && x->nao.bn == EXP_NAO_BN_RECAL &&
        x->nao.bn_recalibration > x->dataset.train_images) {
        if (m->calib)
            return yamldoc_fail(c->y, m->calib,
                                "nao.bn_recalibration: %d images, more than the %d of "
                                "dataset.train_images",
                                x->nao.bn_recalibration, x->dataset.train_images);
        return yamldoc_fail(c->y, m->nao ? m->nao : yamldoc_root(c->y),
                            "nao.bn_recalibration: its default of %d images is more than the "
                            "%d of dataset.train_images: set it",
                            x->nao.bn_recalibration, x->dataset.train_images);
    }
    if (x->method != EXP_ONESHOT && x->retrain.which == EXP_RETRAIN_PARETO)
        return yamldoc_fail(c->y, m->which,
                            "retrain.which: pareto: method %s finds one architecture, "
                            "chosen.txt's (write chosen)",
                            exp_method_name(x->method));
    return 0;
}


const char *exp_nao_bn_name(enum exp_nao_bn b)
{
    return nao_bn_names[b == EXP_NAO_BN_BATCH];
}

const char *exp_nao_reinit_name(enum exp_nao_reinit r)
{
    return nao_reinit_names[r == EXP_NAO_REINIT_WEIGHTS];
}
