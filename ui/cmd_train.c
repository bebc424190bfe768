/* oneshot train: train one architecture stand-alone on Fashion-MNIST. */
#include <stdio.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "data.h"
#include "json.h"
#include "model.h"
#include "opts.h"
#include "progress.h"
#include "train.h"

struct train_opts {
    const char *arch, *space, *data, *save, *resume;
    int epochs, train_images, val_images, batch, seed, threads, json, stop_after, eval_batch;
    double lr;
};

/* Trains, evaluating on the validation split after every epoch; saves a
 * checkpoint after every epoch (and when stopped early) if asked. */
static int run(const struct train_opts *o, struct model *m, struct trainer *t,
               const struct split *val, const struct split *test)
{
    struct err e;
    struct progress p;
    progress_init(&p, stderr);
    double t_train = 0, loss_sum = 0;
    int64_t first = t->step, loss_n = 0, correct = 0;
    char arch[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    arch_format(&m->space, &m->arch, arch, sizeof arch);
    double val_acc = -1, val_loss = 0;
    int stopped = 0;
    while (t->step < t->total) {
        double t0 = ctx_seconds();
        if (trainer_step(t, &e) < 0)
            return cli_fail(&e);
        t_train += ctx_seconds() - t0;
        loss_sum += t->loss;
        correct += t->correct;
        loss_n++;
        int epoch = (int)((t->step - 1) / t->steps_per_epoch) + 1;
        int end_of_epoch = t->step % t->steps_per_epoch == 0;
        double ips = (double)(t->step - first) * t->cfg.batch / (t_train > 0 ? t_train : 1);
        progress_update(&p, (double)t->step / (double)t->total, end_of_epoch,
                        "epoch %d/%d  loss %.4f  %.0f img/s", epoch, t->cfg.epochs,
                        loss_sum / (double)loss_n, ips);
        int stop_now = o->stop_after > 0 && t->step - first >= o->stop_after && t->step < t->total;
        if (end_of_epoch) {
            if (model_evaluate(m, val, o->eval_batch, &val_acc, &val_loss, &e))
                return cli_fail(&e);
            progress_clear(&p);
            fprintf(stderr, "epoch %d/%d: train loss %.4f, train accuracy %.4f, val accuracy %.4f, "
                            "%.0f img/s\n",
                    epoch, t->cfg.epochs, loss_sum / (double)loss_n,
                    (double)correct / ((double)loss_n * t->cfg.batch), val_acc, ips);
            loss_sum = 0;
            loss_n = 0;
            correct = 0;
        }
        if (o->save && (end_of_epoch || stop_now)) {
            struct train_state ts;
            trainer_save_state(t, &ts);
            if (model_save(m, &ts, o->save, &e))
                return cli_fail(&e);
        }
        if (stop_now) {
            stopped = 1;
            break;
        }
    }
    progress_clear(&p);
    double test_acc = -1;
    if (!stopped) {
        if (val_acc < 0 && model_evaluate(m, val, o->eval_batch, &val_acc, &val_loss, &e))
            return cli_fail(&e);
        if (model_evaluate(m, test, o->eval_batch, &test_acc, NULL, &e))
            return cli_fail(&e);
    }
    struct space *s = &m->space;
    struct cost c = arch_cost(s, &m->arch);
    double ips = (double)(t->step - first) * t->cfg.batch / (t_train > 0 ? t_train : 1);
    if (o->json) {
        struct json j;
        char blas[128];
        json_begin(&j, stdout);
        json_str(&j, "arch", arch);
        json_int(&j, "params", c.params);
        json_int(&j, "macs", c.macs);
        json_int(&j, "epochs", t->cfg.epochs);
        json_int(&j, "train_images", t->data->n);
        json_int(&j, "steps", t->step);
        json_int(&j, "seed", (int64_t)t->cfg.seed);
        json_int(&j, "threads", o->threads);
        json_num(&j, "final_loss", t->loss);
        json_num(&j, "val_accuracy", val_acc);
        if (stopped)
            json_raw(&j, "test_accuracy", "null");
        else
            json_num(&j, "test_accuracy", test_acc);
        json_num(&j, "train_images_per_s", ips);
        json_num(&j, "seconds", t_train);
        json_str(&j, "blas", ctx_blas_line(blas, sizeof blas));
        json_raw(&j, "stopped", stopped ? "true" : "false");
        json_end(&j);
    } else {
        printf("arch %s\n", arch);
        printf("params %lld, multiply-adds %lld\n", (long long)c.params, (long long)c.macs);
        if (stopped)
            printf("stopped after step %lld of %lld%s%s\n", (long long)t->step,
                   (long long)t->total, o->save ? "; resume with --resume " : "",
                   o->save ? o->save : "");
        else
            printf("val accuracy %.4f, test accuracy %.4f\n", val_acc, test_acc);
        printf("%.1f s training, %.0f images/s\n", t_train, ips);
    }
    return 0;
}

int cmd_train(int argc, char **argv)
{
    struct train_opts o = {.epochs = 3, .train_images = 50000, .val_images = 10000, .batch = 128,
                           .lr = 0.1, .eval_batch = 500};
    struct opt opts[] = {
        {"arch", OPT_STRING, &o.arch, "ARCH", "architecture to train", 0, -1, 0},
        {"epochs", OPT_INT, &o.epochs, "N", "epochs (default 3)", 1, 100000, 0},
        {"train-images", OPT_INT, &o.train_images, "N",
         "training images, the first N of the train file (default 50000)", 1, 60000, 0},
        {"val-images", OPT_INT, &o.val_images, "N",
         "validation images, the last N of the train file (default 10000)", 1, 60000, 0},
        {"batch", OPT_INT, &o.batch, "B", "batch size (default 128)", 1, 65536, 0},
        {"lr", OPT_FLOAT, &o.lr, "X", "peak learning rate (default 0.1)", 0, -1, 0},
        {"seed", OPT_INT, &o.seed, "S", "random seed (default 0)", 0, 2147483647, 0},
        {"threads", OPT_INT, &o.threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"save", OPT_STRING, &o.save, "CKPT", "save a checkpoint after every epoch", 0, -1, 0},
        {"resume", OPT_STRING, &o.resume, "CKPT", "continue from a checkpoint", 0, -1, 0},
        {"stop-after", OPT_INT, &o.stop_after, "STEPS",
         "stop (and save) after this many steps of this run", 1, 2147483647, 0},
        {"eval-batch", OPT_INT, &o.eval_batch, "B", "batch for evaluation (default 500)", 1, 65536, 0},
        {"data", OPT_STRING, &o.data, "DIR", "Fashion-MNIST directory (default " FMNIST_DIR ")", 0, -1, 0},
        {"space", OPT_STRING, &o.space, "FILE", "search space (default: built-in fmnist)", 0, -1, 0},
        {"json", OPT_FLAG, &o.json, NULL, "end with one JSON object on stdout", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "train",
                             "oneshot train --arch ARCH --epochs N [options]");
    if (status >= 0)
        return status;
    struct err e;
    if (!o.arch && !o.resume) {
        err_plain(&e, "--arch is required (or --resume CKPT)");
        return cli_usage_error(&e, "train");
    }
    if (!(o.lr > 0)) {
        err_plain(&e, "--lr must be positive");
        return cli_usage_error(&e, "train");
    }
    /* an output that cannot be written fails now, not after a whole epoch */
    if (o.save && ckpt_check_writable(o.save, &e))
        return cli_fail(&e);
    struct ctx ctx;
    cli_ctx(&ctx, o.threads);
    o.threads = ctx.threads;
    struct space s;
    struct arch a;
    if (shipped_space(&s, o.space, &e))
        return cli_fail(&e);
    if (o.arch && arch_parse(&s, o.arch, "--arch", &a, &e))
        return cli_fail(&e);

    struct cli_data data;
    if (cli_load_data(&data, o.data, &s, o.train_images, o.val_images, 1, &e))
        return cli_fail(&e);
    struct split tr = data.train, val = data.val, te = data.test;

    struct train_config cfg;
    train_config_default(&cfg);
    cfg.epochs = o.epochs;
    cfg.batch = o.batch;
    cfg.lr = (float)o.lr;
    cfg.seed = (uint64_t)o.seed;
    struct train_state ts = {0};
    struct model *m;
    int rc = 1;
    if (o.resume) {
        m = model_load(&s, o.resume, &ts, &e);
        if (m && o.arch && memcmp(&m->arch, &a, sizeof a) != 0) {
            err_set(&e, o.resume, 0, 0, "holds another architecture than --arch");
            model_free(m);
            m = NULL;
        }
        cfg.seed = ts.seed;
    } else {
        m = model_new(&s, &a, cfg.seed, &e);
    }
    if (!m)
        goto out;
    struct trainer t;
    if (trainer_init(&t, m, &tr, &cfg, &e)) {
        model_free(m);
        goto out;
    }
    if (o.resume && trainer_resume(&t, &ts, o.resume, &e)) {
        rc = cli_fail(&e);
        trainer_done(&t);
        model_free(m);
        goto done;
    }
    rc = run(&o, m, &t, &val, &te);
    trainer_done(&t);
    model_free(m);
    goto done;
out:
    rc = cli_fail(&e);
done:
    cli_data_done(&data);
    return rc;
}
