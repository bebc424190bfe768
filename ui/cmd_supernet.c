/* oneshot supernet: train the weight-sharing supernet with a sampler. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "json.h"
#include "opts.h"
#include "progress.h"
#include "sampler.h"
#include "supernet.h"
#include "train.h"

#define RUN_MAGIC 0x534e5255u /* "URNS" */

/* What a supernet checkpoint carries besides the weights: the run's settings
 * (a resume must match them) and where it stands.  Followed by the sampler's
 * pool, if any. */
struct run_state {
    uint32_t magic, version;
    int32_t sampler, repeat, pool, iterations, epochs, batch, train_images, seed;
    float lr;
    int64_t step, total;
    struct sampler_state sampler_state;
};

struct sn_opts {
    const char *space, *sampler, *out, *resume, *data;
    int epochs, train_images, val_images, batch, seed, threads, json, repeat, pool, iterations;
    int stop_after, save_every;
    double lr;
};

static int save(const struct sn_opts *o, const struct supernet *sn, const struct sampler *sm,
                const struct run_state *rs, struct err *e)
{
    size_t pool_bytes = sm->pool_archs ? (size_t)sm->pool * sizeof(struct arch) : 0;
    size_t n = sizeof *rs + pool_bytes;
    char *blob = malloc(n);
    if (!blob)
        return err_plain(e, "out of memory");
    struct run_state st = *rs;
    st.sampler_state = sm->st;
    memcpy(blob, &st, sizeof st);
    if (pool_bytes)
        memcpy(blob + sizeof st, sm->pool_archs, pool_bytes);
    int rc = supernet_save(sn, blob, n, o->out, e);
    free(blob);
    return rc;
}

static void print_updates(const struct supernet *sn, struct json *j)
{
    const struct space *s = &sn->space;
    size_t cap = 64 + (size_t)s->nlayers * s->nchoices * 32, used = 0;
    char *buf = malloc(cap);
    if (!buf)
        return;
    used += (size_t)snprintf(buf + used, cap - used, "[");
    for (int l = 0; l < s->nlayers; l++) {
        used += (size_t)snprintf(buf + used, cap - used, "%s{", l ? ", " : "");
        int first = 1;
        for (int c = 0; c < s->nchoices; c++)
            if (s->allowed[l] & (1ULL << c)) {
                used += (size_t)snprintf(buf + used, cap - used, "%s\"%s\": %lld",
                                         first ? "" : ", ", s->choices[c].name,
                                         (long long)sn->updates[l][c]);
                first = 0;
            }
        used += (size_t)snprintf(buf + used, cap - used, "}");
    }
    snprintf(buf + used, cap - used, "]");
    json_raw(j, "choice_updates", buf);
    free(buf);
}

int cmd_supernet(int argc, char **argv)
{
    struct sn_opts o = {.sampler = "fair", .epochs = 1, .train_images = 50000, .val_images = 10000,
                        .batch = 128, .lr = 0.1, .repeat = 1, .iterations = 1};
    struct opt opts[] = {
        {"space", OPT_STRING, &o.space, "NAME", "search space (default fmnist)", 0, -1, 0},
        {"sampler", OPT_STRING, &o.sampler, "NAME", "uniform, fair or proportional (default fair)", 0, -1, 0},
        {"epochs", OPT_INT, &o.epochs, "N", "epochs over the training images (default 1)", 1, 100000, 0},
        {"train-images", OPT_INT, &o.train_images, "N", "training images (default 50000)", 1, 60000, 0},
        {"val-images", OPT_INT, &o.val_images, "N", "held-out images (default 10000)", 1, 60000, 0},
        {"batch", OPT_INT, &o.batch, "B", "batch size (default 128)", 1, 65536, 0},
        {"lr", OPT_FLOAT, &o.lr, "X", "peak learning rate (default 0.1)", 0, -1, 0},
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
    struct ctx ctx;
    cli_ctx(&ctx, o.threads);
    struct space s;
    struct sampler sm;
    if (cli_space(&s, o.space, &e) ||
        sampler_init(&sm, o.sampler, &s, (uint64_t)o.seed, o.repeat, o.pool, &e))
        return cli_fail(&e);
    struct cli_data data;
    if (cli_load_data(&data, o.data, o.train_images, o.val_images, 0, &e)) {
        sampler_done(&sm);
        return cli_fail(&e);
    }
    int spe = data.train.n / o.batch, rc = 1;
    struct run_state rs = {.magic = RUN_MAGIC,
                           .version = 1,
                           .sampler = (int32_t)sm.kind,
                           .repeat = o.repeat,
                           .pool = o.pool,
                           .iterations = o.iterations,
                           .epochs = o.epochs,
                           .batch = o.batch,
                           .train_images = o.train_images,
                           .seed = o.seed,
                           .lr = (float)o.lr,
                           .total = (int64_t)spe * o.epochs};
    struct supernet *sn = NULL;
    int *perm = NULL, *y = NULL;
    float *x = NULL, *dl = NULL;
    if (spe < 1) {
        err_plain(&e, "%d training images are fewer than one batch of %d", data.train.n, o.batch);
        goto fail;
    }
    if (o.resume) {
        void *blob = NULL;
        size_t n = 0;
        sn = supernet_load(&s, o.resume, &blob, &n, &e);
        if (!sn)
            goto fail;
        struct run_state saved;
        size_t pool_bytes = sm.pool_archs ? (size_t)sm.pool * sizeof(struct arch) : 0;
        int ok = n == sizeof saved + pool_bytes;
        if (ok) {
            memcpy(&saved, blob, sizeof saved);
            ok = saved.magic == RUN_MAGIC && saved.sampler == rs.sampler &&
                 saved.repeat == rs.repeat && saved.pool == rs.pool &&
                 saved.iterations == rs.iterations && saved.epochs == rs.epochs &&
                 saved.batch == rs.batch && saved.train_images == rs.train_images &&
                 saved.seed == rs.seed && saved.lr == rs.lr;
        }
        if (!ok) {
            free(blob);
            err_set(&e, o.resume, 0, 0,
                    "was saved by a run with other settings: give the same --sampler, --epochs, "
                    "--batch, --train-images, --seed, --lr, --repeat, --pool and --iterations");
            goto fail;
        }
        rs.step = saved.step;
        sampler_restore(&sm, &saved.sampler_state,
                        pool_bytes ? (const struct arch *)((char *)blob + sizeof saved) : NULL);
        free(blob);
    } else {
        sn = supernet_new(&s, (uint64_t)o.seed, &e);
        if (!sn)
            goto fail;
    }
    size_t px = (size_t)s.in_c * s.in_h * s.in_w;
    perm = malloc((size_t)data.train.n * sizeof *perm);
    y = malloc((size_t)o.batch * sizeof *y);
    x = malloc(px * o.batch * sizeof *x);
    dl = malloc((size_t)s.classes * o.batch * sizeof *dl);
    if (!perm || !y || !x || !dl) {
        err_plain(&e, "out of memory");
        goto fail;
    }
    struct train_config cfg;
    train_config_default(&cfg);
    struct progress p;
    progress_init(&p, stderr);
    struct arch paths[SUPERNET_MAX_PATHS];
    int64_t first = rs.step, it_len = rs.total / o.iterations;
    int perm_epoch = -1, stopped = 0;
    double t_train = 0, loss_sum = 0, last_loss = 0;
    int64_t loss_n = 0, images = 0;
    while (rs.step < rs.total) {
        int epoch = (int)(rs.step / spe), b = (int)(rs.step % spe);
        if (epoch != perm_epoch) {
            train_epoch_order((uint64_t)o.seed, epoch, perm, data.train.n);
            perm_epoch = epoch;
        }
        int iteration = (int)(rs.step / it_len);
        if (iteration >= o.iterations)
            iteration = o.iterations - 1;
        int64_t it_start = (int64_t)iteration * it_len;
        int64_t it_steps = iteration == o.iterations - 1 ? rs.total - it_start : it_len;
        float lr = cosine_lr((float)o.lr, (long)(rs.step - it_start), (long)it_steps);
        double t0 = now_seconds();
        split_gather(&data.train, perm + (size_t)b * o.batch, o.batch, FMNIST_MEAN, FMNIST_STD, x,
                     y);
        int np = sampler_next(&sm, iteration, paths);
        e.msg[0] = 0;
        double loss =
            supernet_train_step(sn, paths, np, x, y, o.batch, dl, lr, &cfg.sgd, NULL, &e);
        if (e.msg[0])
            goto fail;
        t_train += now_seconds() - t0;
        images += (int64_t)np * o.batch;
        rs.step++;
        loss_sum += loss;
        loss_n++;
        last_loss = loss;
        double sps = (double)(rs.step - first) / (t_train > 0 ? t_train : 1);
        int end_of_epoch = rs.step % spe == 0;
        progress_update(&p, (double)rs.step / (double)rs.total, end_of_epoch,
                        "epoch %d/%d  loss %.4f  %.1f steps/s  lr %.4f", epoch + 1, o.epochs,
                        loss_sum / (double)loss_n, sps, lr);
        if (end_of_epoch) {
            progress_clear(&p);
            fprintf(stderr, "epoch %d/%d: loss %.4f, %.2f steps/s, %.0f path-images/s\n",
                    epoch + 1, o.epochs, loss_sum / (double)loss_n, sps,
                    (double)images / (t_train > 0 ? t_train : 1));
            last_loss = loss_sum / (double)loss_n;
            loss_sum = 0;
            loss_n = 0;
        }
        int stop_now = o.stop_after && rs.step - first >= o.stop_after && rs.step < rs.total;
        if (stop_now || (o.save_every && rs.step % o.save_every == 0)) {
            if (save(&o, sn, &sm, &rs, &e))
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
    if (save(&o, sn, &sm, &rs, &e))
        goto fail;
    if (o.json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "space", s.name);
        json_str(&j, "sampler", sampler_name(&sm));
        json_int(&j, "steps", rs.step);
        json_int(&j, "total_steps", rs.total);
        json_num(&j, "loss", last_loss);
        json_num(&j, "seconds", t_train);
        json_num(&j, "steps_per_s", (double)(rs.step - first) / (t_train > 0 ? t_train : 1));
        json_num(&j, "path_images_per_s", (double)images / (t_train > 0 ? t_train : 1));
        json_raw(&j, "stopped", stopped ? "true" : "false");
        print_updates(sn, &j);
        json_end(&j);
    } else {
        printf("supernet of %s trained with the %s sampler: %lld of %lld steps, loss %.4f\n",
               s.name, sampler_name(&sm), (long long)rs.step, (long long)rs.total, last_loss);
        printf("saved to %s\n", o.out);
    }
    rc = 0;
    goto done;
fail:
    rc = cli_fail(&e);
done:
    free(perm);
    free(y);
    free(x);
    free(dl);
    supernet_free(sn);
    sampler_done(&sm);
    cli_data_done(&data);
    return rc;
}
