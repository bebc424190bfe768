/* oneshot supernet: train the weight-sharing supernet with a sampler.
 * Under mpirun the ranks share each step (src/dptrain.h): every rank holds
 * the supernet, rank 0 alone prints and writes the checkpoint. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"
#include "cli.h"
#include "json.h"
#include "opts.h"
#include "par.h"
#include "progress.h"
#include "sampler.h"
#include "strbuf.h"
#include "supernet.h"
#include "supertrain.h"
#include "train.h"

struct sn_opts {
    const char *space, *sampler, *out, *resume, *data, *split;
    int epochs, train_images, val_images, batch, seed, threads, json, repeat, pool, iterations;
    int stop_after, save_every, deterministic, emulate;
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

/* The command; p (NULL for --help) is borrowed. */
static int supernet(int argc, char **argv, struct par *p)
{
    struct sn_opts o = {.sampler = "fair", .split = "data", .epochs = 1, .train_images = 50000,
                        .val_images = 10000, .batch = 128, .lr = 0.1, .repeat = 1, .iterations = 1, .shared_lr = 1};
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
        {"threads", OPT_INT, &o.threads, "T", "threads (default: all cores; under MPI, shared by the host's ranks)", 0, 1024, 0},
        {"repeat", OPT_INT, &o.repeat, "R", "proportional: steps per drawn path (default 1)", 1, 1000000, 0},
        {"pool", OPT_INT, &o.pool, "P", "proportional: draw from a pool of P random paths per iteration (default 0: the whole space)", 0, SAMPLER_MAX_POOL, 0},
        {"iterations", OPT_INT, &o.iterations, "K", "restart the cosine schedule K times (default 1)", 1, 1000, 0},
        {"out", OPT_STRING, &o.out, "CKPT", "checkpoint to write (required)", 0, -1, 0},
        {"resume", OPT_STRING, &o.resume, "CKPT", "continue a stopped run", 0, -1, 0},
        {"save-every", OPT_INT, &o.save_every, "STEPS", "also save every STEPS steps", 1, 2147483647, 0},
        {"stop-after", OPT_INT, &o.stop_after, "STEPS", "stop (and save) after STEPS steps of this run", 1, 2147483647, 0},
        {"data", OPT_STRING, &o.data, "DIR", "Fashion-MNIST directory", 0, -1, 0},
        {"split", OPT_STRING, &o.split, "data|paths", "under mpirun: each rank takes its share of every batch (data, the default) or, for fair, of every step's paths on the whole batch (paths)", 0, -1, 0},
        {"deterministic", OPT_FLAG, &o.deterministic, NULL, "under mpirun: add the ranks' gradients in rank order, so that two runs on as many ranks are bit-identical", 0, -1, 0},
        {"emulate-ranks", OPT_INT, &o.emulate, "N", "without mpirun: compute as N ranks would, one share after another (bit-identical to a --deterministic run on N ranks)", 0, 1024, 0},
        {"json", OPT_FLAG, &o.json, NULL, "end with one JSON object on stdout", 0, -1, 0},
        {0},
    };
    int rank = p ? par_rank(p) : 0, size = p ? par_size(p) : 1;
    int status = cli_options_quiet(opts, argc, argv, "supernet",
                                   "oneshot supernet --sampler NAME --epochs N --out CKPT [options]",
                                   rank > 0);
    if (status >= 0)
        return status;
    struct err e;
    const char *bad = NULL;
    enum dp_split split = DP_SPLIT_DATA;
    int ranks = size > 1 ? size : o.emulate > 1 ? o.emulate : 1;
    if (cli_mpirun_without_mpi()) {
        err_plain(&e, "started by mpirun, but built without MPI: every rank would train the "
                      "whole supernet (build with make MPI=1)");
        return cli_fail(&e);
    }
    if (!o.out)
        bad = "--out CKPT is required";
    else if (!(o.lr > 0))
        bad = "--lr must be positive";
    else if (!(o.shared_lr > 0))
        bad = "--shared-lr must be positive";
    else if (!(o.label_smoothing >= 0 && o.label_smoothing < 1))
        bad = "--label-smoothing must lie in [0, 1)";
    else if (dp_split_parse(o.split, &split))
        bad = "--split is data or paths";
    else if (size > 1 && o.emulate > 1)
        bad = "--emulate-ranks is for one process, not under mpirun";
    else if (split == DP_SPLIT_PATHS && ranks > 1 && strcmp(o.sampler, "fair") != 0)
        bad = "--split paths shares out a step's paths, and only the fair sampler draws more "
              "than one";
    if (bad) {
        err_plain(&e, "%s", bad);
        return rank ? 2 : cli_usage_error(&e, "supernet");
    }
    /* an output that cannot be written fails now, not after a whole epoch */
    if (cli_settle(p, rank == 0 && ckpt_check_writable(o.out, &e), &e))
        return 1;
    struct ctx ctx;
    cli_ctx(&ctx, cli_rank_threads(o.threads, p ? par_local_size(p) : 1, rank));
    struct space s;
    struct sampler sm;
    int failed = shipped_space(&s, o.space, &e) ||
                 sampler_init(&sm, o.sampler, &s, (uint64_t)o.seed, o.repeat, o.pool, &e);
    if (cli_settle(p, failed, &e))
        return 1;
    struct cli_data data;
    failed = cli_load_data(&data, o.data, &s, o.train_images, o.val_images, 0, &e) != 0;
    if (cli_settle(p, failed, &e)) {
        if (!failed)
            cli_data_done(&data);
        sampler_done(&sm);
        return 1;
    }
    int rc = 1;
    struct supertrain_config cfg = {.epochs = o.epochs,
                                    .batch = o.batch,
                                    .lr = o.lr,
                                    .iterations = o.iterations,
                                    .seed = (uint64_t)o.seed,
                                    .train_images = o.train_images,
                                    .shared_lr = o.shared_lr,
                                    .label_smoothing = o.label_smoothing,
                                    .dp = {.par = p,
                                           .emulate = o.emulate,
                                           .split = split,
                                           .deterministic = o.deterministic}};
    struct supertrain t;
    failed = supertrain_init(&t, &s, &sm, &data.train, &cfg, o.resume, &e) != 0;
    if (cli_settle(p, failed, &e)) {
        if (!failed)
            supertrain_done(&t);
        sampler_done(&sm);
        cli_data_done(&data);
        return 1;
    }
    int talk = rank == 0; /* rank 0 alone shows progress */
    struct progress pr;
    progress_init(&pr, stderr);
    int64_t first = t.step;
    int stopped = 0, spe = t.steps_per_epoch;
    double t_train = 0, loss_sum = 0, last_loss = 0, t_sum = 0, floats = 0;
    int64_t loss_n = 0, images = 0;
    while (t.step < t.total) {
        if (supertrain_step(&t, &e) < 0)
            goto fail;
        t_train += t.seconds;
        t_sum += t.dp.sum_seconds;
        floats += (double)t.dp.floats;
        images += (int64_t)t.npaths * o.batch;
        loss_sum += t.loss;
        loss_n++;
        double sps = (double)(t.step - first) / (t_train > 0 ? t_train : 1);
        int end_of_epoch = t.step % spe == 0;
        if (talk)
            progress_update(&pr, (double)t.step / (double)t.total, end_of_epoch,
                            "epoch %d/%d  loss %.4f  %.1f steps/s  lr %.4f", t.epoch + 1,
                            o.epochs, loss_sum / (double)loss_n, sps, t.lr);
        if (end_of_epoch && talk) {
            progress_clear(&pr);
            fprintf(stderr, "epoch %d/%d: loss %.4f, %.2f steps/s, %.0f path-images/s\n",
                    t.epoch + 1, o.epochs, loss_sum / (double)loss_n, sps,
                    (double)images / (t_train > 0 ? t_train : 1));
        }
        if (end_of_epoch) {
            last_loss = loss_sum / (double)loss_n;
            loss_sum = 0;
            loss_n = 0;
        }
        int stop_now = o.stop_after && t.step - first >= o.stop_after && t.step < t.total;
        if (rank == 0 && (stop_now || (o.save_every && t.step % o.save_every == 0))) {
            if (supertrain_save(&t, o.out, &e))
                goto fail;
        }
        if (stop_now) {
            stopped = 1;
            break;
        }
    }
    if (talk)
        progress_clear(&pr);
    if (loss_n)
        last_loss = loss_sum / (double)loss_n;
    if (rank == 0 && supertrain_save(&t, o.out, &e))
        goto fail;
    if (rank > 0) {
        rc = 0;
        goto done;
    }
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
        json_int(&j, "ranks", t.dp.ranks);
        json_str(&j, "split", dp_split_name(split));
        /* what the ranks add up each step, and the time it took */
        json_num(&j, "allreduce_floats", t.step > first ? floats / (double)(t.step - first) : 0);
        json_num(&j, "allreduce_seconds", t_sum);
        /* path-trainings (paths through a choice) and optimiser updates
         * (steps that touched it) differ where a step's paths share a choice */
        print_counts(&s, (const int64_t(*)[SPACE_MAX_CHOICES])sm.st.counts, "choice_trainings",
                     &j);
        print_counts(&s, (const int64_t(*)[SPACE_MAX_CHOICES])sn->updates, "choice_updates", &j);
        json_end(&j);
    } else {
        printf("supernet of %s trained with the %s sampler: %lld of %lld steps, loss %.4f",
               s.name, sampler_name(&sm), (long long)t.step, (long long)t.total, last_loss);
        if (t.dp.ranks > 1)
            printf(", on %d ranks%s (split by %s)", t.dp.ranks, size > 1 ? "" : " emulated",
                   dp_split_name(split));
        printf("\n");
        printf("saved to %s\n", o.out);
    }
    rc = 0;
    goto done;
fail:
    /* a divergence is met by every rank alike (they hold the same numbers):
     * rank 0 says so and all end together; any other error is this rank's
     * alone and ends the job */
    if (rank == 0 || !t.diverged)
        rc = cli_fail(&e);
    else
        rc = 1;
    if (size > 1 && !t.diverged)
        par_abort(p, rc);
done:
    supertrain_done(&t);
    sampler_done(&sm);
    cli_data_done(&data);
    return rc;
}

int cmd_supernet(int argc, char **argv)
{
    struct err e;
    struct par *p = NULL;
    if (cli_wants_par(argc, argv, NULL) && !(p = par_new(NULL, NULL, &e)))
        return cli_fail(&e);
    int rc = supernet(argc, argv, p);
    par_free(p);
    return rc;
}
