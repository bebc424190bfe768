#include "train.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loss.h"

void train_config_default(struct train_config *c)
{
    c->epochs = 3;
    c->batch = 128;
    c->lr = 0.1f;
    c->sgd.momentum = 0.9f;
    c->sgd.weight_decay = 4e-5f;
    c->sgd.nesterov = 1;
    c->seed = 0;
}

int trainer_init(struct trainer *t, struct model *m, const struct split *data,
                 const struct train_config *c, struct err *e)
{
    const struct space *s = &m->space;
    *t = (struct trainer){0};
    t->m = m;
    t->data = data;
    t->cfg = *c;
    if (batches_init(&t->b, data, s, c->batch, c->epochs, c->seed, e))
        return -1;
    t->steps_per_epoch = t->b.steps_per_epoch;
    t->total = t->b.total;
    return 0;
}

void trainer_done(struct trainer *t) { batches_done(&t->b); }

void trainer_save_state(const struct trainer *t, struct train_state *ts)
{
    memset(ts, 0, sizeof *ts);
    ts->step = t->step;
    ts->total = t->total;
    ts->seed = t->cfg.seed;
    ts->epochs = t->cfg.epochs;
    ts->batch = t->cfg.batch;
    ts->train_images = t->data->n;
    ts->momentum = t->cfg.sgd.momentum;
    ts->lr = t->cfg.lr;
    ts->weight_decay = t->cfg.sgd.weight_decay;
    ts->nesterov = t->cfg.sgd.nesterov;
}

int trainer_resume(struct trainer *t, const struct train_state *ts, const char *path,
                   struct err *e)
{
    struct train_state now;
    trainer_save_state(t, &now);
    const char *what = NULL;
    double was = 0, is = 0;
    if (ts->epochs != 0) { /* the settings were kept */
        if (ts->seed != now.seed)
            what = "--seed", was = (double)ts->seed, is = (double)now.seed;
        else if (ts->epochs != now.epochs)
            what = "--epochs", was = ts->epochs, is = now.epochs;
        else if (ts->batch != now.batch)
            what = "--batch", was = ts->batch, is = now.batch;
        else if (ts->train_images != now.train_images)
            what = "--train-images", was = ts->train_images, is = now.train_images;
    }
    if (what)
        return err_set(e, path, 0, 0,
                       "was saved by a run with %s %.10g, this one has %.10g: give the same "
                       "settings",
                       what, was, is);
    if (ts->total != t->total || ts->step < 0 || ts->step > t->total)
        return err_set(e, path, 0, 0,
                       "was saved by a run of %lld steps, this one has %lld: give the same "
                       "--epochs, --batch and --train-images",
                       (long long)ts->total, (long long)t->total);
    t->step = ts->step;
    return 0;
}

double model_train_step(struct model *m, const float *x, const int *y, float *dlogits, float lr,
                        const struct sgd *o, int *correct)
{
    struct net *n = &m->net;
    const float *logits = net_forward(n, x, 1, BN_MOMENTUM);
    double loss = softmax_xent_forward_backward(dlogits, logits, y, m->space.classes, n->N,
                                                correct);
    model_zero_grad(m);
    net_backward(n, x, dlogits);
    sgd_step(m->w, m->g, m->mom, m->nparams, o, lr);
    return loss;
}

/* The index of the first element of v[0..n) that is not finite, or n. */
static size_t first_nonfinite(const float *v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!isfinite(v[i]))
            return i;
    return n;
}

static const char *nonfinite_name(double v)
{
    return isnan(v) ? "nan" : v > 0 ? "inf" : "-inf";
}

int train_check_finite(double loss, const float *w, size_t nw, const float *stats, size_t ns,
                       int64_t step, int epoch, int epochs, double lr, struct err *e)
{
    char what[128];
    size_t i;
    if (!isfinite(loss))
        snprintf(what, sizeof what, "the loss is %s", nonfinite_name(loss));
    else if ((i = first_nonfinite(w, nw)) < nw)
        snprintf(what, sizeof what, "weight %zu of %zu is %s after the update", i + 1, nw,
                 nonfinite_name(w[i]));
    else if ((i = first_nonfinite(stats, ns)) < ns)
        snprintf(what, sizeof what, "BatchNorm statistic %zu of %zu is %s", i + 1, ns,
                 nonfinite_name(stats[i]));
    else
        return 0;
    return err_plain(e, "training diverged at step %lld (epoch %d of %d): %s; try a learning "
                        "rate below %g",
                     (long long)step, epoch, epochs, what, lr);
}

int trainer_step(struct trainer *t, struct err *e)
{
    if (t->diverged)
        return err_plain(e, "training diverged at step %lld: its state is not finite and is "
                            "not trained further",
                         (long long)t->diverged);
    if (t->step >= t->total)
        return 0;
    struct net *n = &t->m->net;
    if ((n->N != t->cfg.batch || !n->training) && net_reserve(n, t->cfg.batch, 1, e))
        return -1;
    int epoch = batches_gather(&t->b, t->step);
    float lr = cosine_lr(t->cfg.lr, (long)t->step, (long)t->total);
    int correct;
    double loss = model_train_step(t->m, t->b.x, t->b.y, t->b.dlogits, lr, &t->cfg.sgd,
                                   &correct);
    if (train_check_finite(loss, t->m->w, t->m->nparams, t->m->stats, t->m->nstats,
                           t->step + 1, epoch + 1, t->cfg.epochs, t->cfg.lr, e)) {
        t->diverged = t->step + 1;
        return -1;
    }
    t->loss = loss;
    t->correct = correct;
    t->step++;
    return t->step < t->total;
}

int split_sweep(const struct split *s, const struct space *sp, int count, int batch,
                split_batch_fn fn, void *user, struct err *e)
{
    if (batch > count)
        batch = count;
    if (batch < 1)
        return err_plain(e, "nothing to evaluate");
    float *x = malloc((size_t)sp->in_c * sp->in_h * sp->in_w * batch * sizeof *x);
    int *y = malloc((size_t)batch * sizeof *y), *idx = malloc((size_t)batch * sizeof *idx);
    int rc = 0;
    if (!x || !y || !idx) {
        rc = err_plain(e, "out of memory");
        goto out;
    }
    int k = 0;
    for (int first = 0; first < count && !rc; first += batch, k++) {
        int nb = count - first < batch ? count - first : batch;
        for (int i = 0; i < nb; i++)
            idx[i] = first + i;
        split_gather(s, idx, nb, x, y);
        rc = fn(user, x, y, nb, k, e);
    }
out:
    free(x);
    free(y);
    free(idx);
    return rc;
}

/* What a sweep of a net does with each batch. */
enum sweep_mode {
    SWEEP_EVALUATE,    /* count accuracy and loss with the running statistics */
    SWEEP_RECALIBRATE, /* training mode with the momentum rule of a recalibration */
    SWEEP_BATCH_STATS  /* count accuracy and loss with the batch's own statistics */
};

struct net_sweep {
    struct net *n;
    enum sweep_mode mode;
    long right;
    double total;
};

static int net_sweep_batch(void *user, const float *x, const int *y, int nb, int k, struct err *e)
{
    struct net_sweep *w = user;
    struct net *n = w->n;
    /* any workspace for nb images serves a forward without backward */
    if (n->N != nb && net_reserve(n, nb, 0, e))
        return -1;
    if (w->mode == SWEEP_RECALIBRATE) {
        net_forward(n, x, 1, 1.0f / (float)(k + 1));
        return 0;
    }
    /* batch statistics: training mode, the running statistics left alone */
    const float *logits = w->mode == SWEEP_BATCH_STATS ? net_forward(n, x, 1, 0)
                                                       : net_forward(n, x, 0, 0);
    int correct;
    w->total += softmax_xent_forward_backward(NULL, logits, y, n->s->classes, nb, &correct) * nb;
    w->right += correct;
    return 0;
}

static int sweep(struct net *n, const struct split *s, int count, int batch, enum sweep_mode mode,
                 double *accuracy, double *loss, struct err *e)
{
    struct net_sweep w = {n, mode, 0, 0};
    int rc = split_sweep(s, n->s, count, batch, net_sweep_batch, &w, e);
    if (!rc && accuracy)
        *accuracy = (double)w.right / count;
    if (!rc && loss)
        *loss = w.total / count;
    return rc;
}

int net_evaluate(struct net *n, const struct split *s, int batch, double *accuracy, double *loss,
                 struct err *e)
{
    return sweep(n, s, s->n, batch, SWEEP_EVALUATE, accuracy, loss, e);
}

int net_evaluate_batch_stats(struct net *n, const struct split *s, int batch, double *accuracy,
                             double *loss, struct err *e)
{
    return sweep(n, s, s->n, batch, SWEEP_BATCH_STATS, accuracy, loss, e);
}

int model_evaluate(struct model *m, const struct split *s, int batch, double *accuracy,
                   double *loss, struct err *e)
{
    return net_evaluate(&m->net, s, batch, accuracy, loss, e);
}

int net_recalibrate(struct net *n, const struct split *s, int images, int batch, struct err *e)
{
    if (images > s->n)
        images = s->n;
    return sweep(n, s, images, batch, SWEEP_RECALIBRATE, NULL, NULL, e);
}
