/* experiment_write and experiment_save: an experiment written back as YAML
 * (src/experiment.h), every key of its method resolved, so that it loads
 * back to the same values from anywhere.  experiment.c reads. */
#include "experiment.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "atomic.h"
#include "yamldoc.h"

/* Text that reads back as the same plain scalar wherever a value may stand. */
static int plain_safe(const char *s)
{
    if (!*s)
        return 1;
    size_t n = strlen(s);
    if (s[0] == ' ' || s[n - 1] == ' ' || ((s[0] == '-' || s[0] == '?') && (n == 1 || s[1] == ' ')))
        return 0;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++)
        if (*p < 0x20 || *p >= 0x7f || strchr(":#,[]{}&*!|>'\"%@`", *p))
            return 0; /* (beyond ASCII: quoted, which escapes what must be) */
    return 1;
}

/* The shortest %g form that reads back as exactly v. */
static void put_double(FILE *f, double v)
{
    char buf[32];
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, sizeof buf, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    fputs(buf, f);
}

static void put_ref(FILE *f, const char *indent, const char *key, const struct exp_ref *r)
{
    fprintf(f, "%s%s: ", indent, key);
    yamldoc_put_quoted(f, r->resolved);
    if (strcmp(r->text, r->resolved) != 0) {
        fprintf(f, "  # as written: ");
        yamldoc_put_comment(f, r->text);
    }
    fputc('\n', f);
}

static void write_oneshot(const struct experiment *x, FILE *f);
static void write_singlepath(const struct experiment *x, FILE *f);
static void write_nao(const struct experiment *x, FILE *f);

int experiment_write(const struct experiment *x, FILE *f)
{
    fprintf(f, "# oneshot experiment, resolved: every key, paths absolute (oneshot.yaml(5)).\n");
    if (x->file[0]) {
        fprintf(f, "# from: ");
        yamldoc_put_comment(f, x->file);
        fputc('\n', f);
    }
    fprintf(f, "name: ");
    yamldoc_put_quoted(f, x->name);
    fprintf(f, "\nmethod: %s\nseed: %llu\nthreads: %d\n", exp_method_name(x->method),
            (unsigned long long)x->seed, x->threads);
    put_ref(f, "", "output", &x->output);
    fprintf(f, "dataset:\n");
    put_ref(f, "  ", "path", &x->dataset.path);
    fprintf(f, "  train_images: %d\n  val_images: %d\n", x->dataset.train_images,
            x->dataset.val_images);
    put_ref(f, "", "space", &x->space);
    if (x->method == EXP_SINGLEPATH)
        write_singlepath(x, f);
    else if (x->method == EXP_NAO)
        write_nao(x, f);
    else
        write_oneshot(x, f);
    fprintf(f, "latency:\n");
    put_ref(f, "  ", "device", &x->latency.device);
    fprintf(f, "retrain:\n  epochs: %d\n  images: %d\n  seeds: %d\n  which: %s\n",
            x->retrain.epochs, x->retrain.images, x->retrain.seeds,
            exp_retrain_which_name(x->retrain.which));
    return fflush(f) == 0 && !ferror(f) ? 0 : -1;
}

/* The sections only method singlepath reads. */
static void write_singlepath(const struct experiment *x, FILE *f)
{
    const struct {
        const char *key;
        double v;
    } num[] = {{"lr", x->singlepath.lr},
               {"lambda", x->singlepath.lambda},
               {"warmup_epochs", x->singlepath.warmup_epochs},
               {"keep", x->singlepath.keep},
               {"label_smoothing", x->singlepath.label_smoothing}};
    fprintf(f, "singlepath:\n  epochs: %d\n  batch: %d\n  bn_recalibration: %d\n",
            x->singlepath.epochs, x->singlepath.batch, x->singlepath.bn_recalibration);
    for (size_t i = 0; i < sizeof num / sizeof num[0]; i++) {
        fprintf(f, "  %s: ", num[i].key);
        put_double(f, num[i].v);
        fputc('\n', f);
    }
    if (x->singlepath.target_ms > 0) {
        fprintf(f, "  target_ms: ");
        put_double(f, x->singlepath.target_ms);
        fprintf(f, "\n  trials: %d\n", x->singlepath.trials);
    }
}

/* The section only method nao reads. */
static void write_nao(const struct experiment *x, FILE *f)
{
    fprintf(f,
            "nao:\n  rounds: %d\n  seed_archs: %d\n  new_archs: %d\n  top_k: %d\n  max_eta: %d\n"
            "  epochs_per_round: %d\n  controller_epochs: %d\n  batch: %d\n  lr: ",
            x->nao.rounds, x->nao.seed_archs, x->nao.new_archs, x->nao.top_k, x->nao.max_eta,
            x->nao.epochs_per_round, x->nao.controller_epochs, x->nao.batch);
    put_double(f, x->nao.lr);
    fprintf(f,
            "\n  bn: %s\n  bn_recalibration: %d\n  eval_batch: %d\n  reinit: %s\n  rerank: %d\n"
            "  rerank_epochs: %d\n",
            exp_nao_bn_name(x->nao.bn), x->nao.bn_recalibration, x->nao.eval_batch,
            exp_nao_reinit_name(x->nao.reinit), x->nao.rerank, x->nao.rerank_epochs);
}

/* The sections only method oneshot reads. */
static void write_oneshot(const struct experiment *x, FILE *f)
{
    fprintf(f, "supernet:\n");
    put_ref(f, "  ", "sampler", &x->supernet.sampler);
    fprintf(f, "  epochs: %d\n  batch: %d\n  lr: ", x->supernet.epochs, x->supernet.batch);
    put_double(f, x->supernet.lr);
    fprintf(f, "\n  repeat: %d\n  pool: %d\n  iterations: %d\n  bn_recalibration: %d\n",
            x->supernet.repeat, x->supernet.pool, x->supernet.iterations,
            x->supernet.bn_recalibration);
    fprintf(f, "  shared_lr: ");
    put_double(f, x->supernet.shared_lr);
    fprintf(f, "\n  label_smoothing: ");
    put_double(f, x->supernet.label_smoothing);
    fprintf(f, "\n");
    if (x->supernet.from.text[0])
        put_ref(f, "  ", "from", &x->supernet.from);
    fprintf(f, "search:\n");
    put_ref(f, "  ", "strategy", &x->search.strategy);
    if (x->search.metrics.text[0])
        put_ref(f, "  ", "metrics", &x->search.metrics);
    fprintf(f, "  generations: %d\n  population: %d\n", x->search.generations,
            x->search.population);
    if (x->search.nparams == 0)
        fprintf(f, "  params: {}\n");
    else
        fprintf(f, "  params:\n");
    for (int i = 0; i < x->search.nparams; i++) {
        const struct exp_param *p = &x->search.params[i];
        fprintf(f, "    ");
        yamldoc_put_quoted(f, p->key);
        fprintf(f, ":");
        if (p->quoted || !plain_safe(p->value)) {
            fputc(' ', f);
            yamldoc_put_quoted(f, p->value);
        } else if (p->value[0]) {
            fprintf(f, " %s", p->value);
        }
        fputc('\n', f);
    }
    fprintf(f, "objectives:\n");
    for (int i = 0; i < x->nobjectives; i++) {
        const struct exp_objective *o = &x->objectives[i];
        fprintf(f, "  - name: ");
        yamldoc_put_quoted(f, o->name);
        fprintf(f, "\n    direction: %s\n    weight: ", exp_direction_name(o->direction));
        put_double(f, o->weight);
        fputc('\n', f);
        put_ref(f, "    ", "device", &o->device);
    }
}

int experiment_save(const struct experiment *x, const char *path, struct err *e)
{
    if (strlen(path) >= EXP_PATH_MAX)
        return err_set(e, path, 0, 0, "the path is too long (at most %d bytes)", EXP_PATH_MAX - 1);
    struct atomic a;
    if (atomic_begin(&a, path, e))
        return -1;
    FILE *f = atomic_stdio(&a, e);
    int rc = f ? experiment_write(x, f) : -1;
    if (f && rc)
        err_set(e, path, 0, 0, "cannot write %s: %s", a.tmp, strerror(errno ? errno : EIO));
    return atomic_end(&a, rc, e);
}

