/* oneshot supernet: train the weight-sharing supernet with a sampler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "json.h"
#include "opts.h"
#include "progress.h"
#include "sampler.h"
#include "strbuf.h"
#include "supernet.h"
#include "supertrain.h"
#include "train.h"

struct sn_opts {
    const char *space, *sampler, *out, *resume, *data;
    int epochs, train_images, val_images, batch, seed, threads, json, repeat, pool, iterations;
    int stop_after, save_every;
    double lr, shared_lr, label_smoothing;
};

/* Per layer and choice counts as a JSON array of objects {"k3e3": n, ...}. */
static void print_counts(const struct space *s, const int64_t (*n)[SPACE_MAX_CHOICES],
                         const char *key, struct json *j)
{
    struct strbuf b;
    strbuf_init(&b);
    strbuf_add(&b, "[", 1);
    for (int l = 0; l < s->nlayers; l++) {
        strbuf_printf(&b, "%s{", l ? ", " : "");
        int first = 1;
        for (int c = 0; c < s->nchoices; c++)
            if (s->allowed[l] & (1ULL << c)) {
                strbuf_printf(&b, "%s\"%s\": %lld", first ? "" : ", ", s->choices[c].name,
                              (long long)n[l][c]);
                first = 0;
            }
        strbuf_add(&b, "}", 1);
    }
    strbuf_add(&b, "]", 1);
    json_raw(j, key, strbuf_failed(&b) ? "null" : strbuf_text(&b));
    strbuf_done(&b);
}

int cmd_supernet(int argc, char **argv)
{
    struct sn_opts o = {.sampler = "fair", .epochs = 1, .train_images = 50000, .val_images = 10000,
                        .batch = 128, .lr = 0.1, .repeat = 1, .iterations = 1, .shared_lr = 1};
    struct opt opts[] = {
        {"space", OPT_STRING, &o.space, "NAME", "search space (default fmnist)", 0, -1, 0},
        {"sampler", OPT_STRING, &o.sampler, "NAME", "uniform, fair or proportional (default fair)", 0, -1, 0},
        {"epochs", OPT_INT, &o.epochs, "N", "epochs over the training images (default 1)", 1, 100000, 0},
        {"train-images", OPT_INT, &o.train_images, "N", "training images (default 50000)", 1, 60000, 0},
        {"val-images", OPT_INT, &o.val_images, "N", "held-out images (default 10000)", 1, 60000, 0},
        {"batch", OPT_INT, &o.batch, "B", "batch size (default 128)", 1, 65536, 0},
        {"lr", OPT_FLOAT, &o.lr, "X", "peak learning rate (default 0.1)", 0, -1, 0},
        {"shared-lr", OPT_FLOAT, &o.shared_lr, "X", "multiplier of the learning rate of the shared stem and head, which get the sum of all paths' gradients (default 1)", 0, -1, 0},
        {"label-smoothing", OPT_FLOAT, &o.label_smoothing, "E", "label smoothing of the training loss, 0 to <1 (default 0)", 0, -1, 0},
        {"seed", OPT_INT, &o.seed, "S", "random seed (default 0)", 0, 2147483647, 0},
        {"threads", OPT_INT, &o.threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"repeat", OPT_INT, &o.repeat, "R", "proportional: steps per drawn path (default 1)", 1, 1000000, 0},
        {"pool", OPT_INT, &o.pool, "P", "proportional: draw from a pool of P random paths per iteration (default 0: the whole space)", 0, SAMPLER_MAX_POOL, 0},
        {"iterations", OPT_INT, &o.iterations, "K", "restart the cosine schedule K times (default 1)", 1, 1000, 0},
        {"out", OPT_STRING, &o.out, "CKPT", "checkpoint to write (required)", 0, -1, 0},
        {"resume", OPT_STRING, &o.resume, "CKPT", "continue a stopped run", 0, -1, 0},
        {"save-every", OPT_INT, &o.save_every, "STEPS", "also save every STEPS steps", 1, 2147483647, 0},
        {"stop-after", OPT_INT, &o.stop_after, "STEPS", "stop (and save) after STEPS steps of this run", 1, 2147483647, 0},
        {"data", OPT_STRING, &o.data, "DIR", "Fashion-MNIST directory", 0, -1, 0},
        {"json", OPT_FLAG, &o.json, NULL, "end with one JSON object on stdout", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "supernet",
                             "oneshot supernet --sampler NAME --epochs N --out CKPT [options]");
    if (status >= 0)
        return status;
    struct err e;
    if (!o.out) {
        err_plain(&e, "--out CKPT is required");
        return cli_usage_error(&e, "supernet");
    }
    if (!(o.lr > 0)) {
        err_plain(&e, "--lr must be positive");
        return cli_usage_error(&e, "supernet");
    }
    if (!(o.shared_lr > 0)) {
        err_plain(&e, "--shared-lr must be positive");
        return cli_usage_error(&e, "supernet");
    }
    if (!(o.label_smoothing >= 0 && o.label_smoothing < 1)) {
        err_plain(&e, "--label-smoothing must lie in [0, 1)");
        return cli_usage_error(&e, "supernet");
    }
    /* an output that cannot be written fails now, not after a whole epoch */
    if (ckpt_check_writable(o.out, &e))
        return cli_fail(&e);
    struct ctx ctx;
    cli_ctx(&ctx, o.threads);
    struct space s;
    struct sampler sm;
    if (shipped_space(&s, o.space, &e) ||
        sampler_init(&sm, o.sampler, &s, (uint64_t)o.seed, o.repeat, o.pool, &e))
        return cli_fail(&e);
    struct cli_data data;
    if (cli_load_data(&data, o.data, &s, o.train_images, o.val_images, 0, &e)) {
        sampler_done(&sm);
        return cli_fail(&e);
    }
    int rc = 1;
    struct supertrain_config cfg = {.epochs = o.epochs,
                                    .batch = o.batch,
                                    .lr = o.lr,
                                    .iterations = o.iterations,
                                    .seed = (uint64_t)o.seed,
                                    .train_images = o.train_images,
                                    .shared_lr = o.shared_lr,
                                    .label_smoothing = o.label_smoothing};
    struct supertrain t;
    if (supertrain_init(&t, &s, &sm, &data.train, &cfg, o.resume, &e)) {
        sampler_done(&sm);
        cli_data_done(&data);
        return cli_fail(&e);
    }
    struct progress p;
    progress_init(&p, stderr);
    int64_t first = t.step;
    int stopped = 0, spe = t.steps_per_epoch;
    double t_train = 0, loss_sum = 0, last_loss = 0;
    int64_t loss_n = 0, images = 0;
    while (t.step < t.total) {
        if (supertrain_step(&t, &e) < 0)
            goto fail;
        t_train += t.seconds;
        images += (int64_t)t.npaths * o.batch;
        loss_sum += t.loss;
        loss_n++;
        double sps = (double)(t.step - first) / (t_train > 0 ? t_train : 1);
        int end_of_epoch = t.step % spe == 0;
        progress_update(&p, (double)t.step / (double)t.total, end_of_epoch,
                        "epoch %d/%d  loss %.4f  %.1f steps/s  lr %.4f", t.epoch + 1, o.epochs,
                        loss_sum / (double)loss_n, sps, t.lr);
        if (end_of_epoch) {
            progress_clear(&p);
            fprintf(stderr, "epoch %d/%d: loss %.4f, %.2f steps/s, %.0f path-images/s\n",
                    t.epoch + 1, o.epochs, loss_sum / (double)loss_n, sps,
                    (double)images / (t_train > 0 ? t_train : 1));
            last_loss = loss_sum / (double)loss_n;
            loss_sum = 0;
            loss_n = 0;
        }
        int stop_now = o.stop_after && t.step - first >= o.stop_after && t.step < t.total;
        if (stop_now || (o.save_every && t.step % o.save_every == 0)) {
            if (supertrain_save(&t, o.out, &e))
                goto fail;
        }
        if (stop_now) {
            stopped = 1;
            break;
        }
    }
    progress_clear(&p);
    if (loss_n)
        last_loss = loss_sum / (double)loss_n;
    if (supertrain_save(&t, o.out, &e))
        goto fail;
    struct supernet *sn = t.sn;
    if (o.json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "space", s.name);
        json_str(&j, "sampler", sampler_name(&sm));
        json_int(&j, "steps", t.step);
        json_int(&j, "total_steps", t.total);
        json_num(&j, "loss", last_loss);
        json_num(&j, "seconds", t_train);
        json_num(&j, "steps_per_s", (double)(t.step - first) / (t_train > 0 ? t_train : 1));
        json_num(&j, "path_images_per_s", (double)images / (t_train > 0 ? t_train : 1));
        json_raw(&j, "stopped", stopped ? "true" : "false");
        /* path-trainings (paths through a choice) and optimiser updates
         * (steps that touched it) differ where a step's paths share a choice */
        print_counts(&s, (const int64_t(*)[SPACE_MAX_CHOICES])sm.st.counts, "choice_trainings",
                     &j);
        print_counts(&s, (const int64_t(*)[SPACE_MAX_CHOICES])sn->updates, "choice_updates", &j);
        json_end(&j);
    } else {
        printf("supernet of %s trained with the %s sampler: %lld of %lld steps, loss %.4f\n",
               s.name, sampler_name(&sm), (long long)t.step, (long long)t.total, last_loss);
        printf("saved to %s\n", o.out);
    }
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&e);
done:
    supertrain_done(&t);
    sampler_done(&sm);
    cli_data_done(&data);
    return rc;
}
