/* oneshot bench: training and inference throughput of one architecture,
 * measured as bench/torch_ref.py --bench measures PyTorch: random data, 5
 * warm-up steps, then `steps` timed training steps of a batch; then one
 * forward of 1000 images after one untimed warm-up forward. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "gemm.h"
#include "json.h"
#include "model.h"
#include "opts.h"
#include "progress.h"
#include "train.h"

/* sgemm rate at 1024^3 through the engine's gemm (same threading), best of 5. */
static double sgemm_peak(void)
{
    const int n = 1024;
    float *a = malloc((size_t)n * n * sizeof *a), *b = malloc((size_t)n * n * sizeof *b);
    float *c = malloc((size_t)n * n * sizeof *c);
    double best = 0;
    if (a && b && c) {
        for (size_t i = 0; i < (size_t)n * n; i++)
            a[i] = b[i] = 1.0f / (float)(1 + i % 7);
        gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
        for (int r = 0; r < 5; r++) {
            double t0 = ctx_seconds();
            gemm(0, 0, n, n, n, 1, a, n, b, n, 0, c, n);
            double g = 2.0 * n * n * n / (ctx_seconds() - t0) / 1e9;
            best = g > best ? g : best;
        }
    }
    free(a);
    free(b);
    free(c);
    return best;
}

int cmd_bench(int argc, char **argv)
{
    const char *arch_str = NULL, *space_file = NULL;
    int batch = 128, steps = 30, threads = 0, as_json = 0, eval_images = 1000, warmup = 5;
    int peak = 0;
    struct opt opts[] = {
        {"arch", OPT_STRING, &arch_str, "ARCH", "architecture", 0, -1, 0},
        {"batch", OPT_INT, &batch, "B", "training batch (default 128)", 1, 65536, 0},
        {"steps", OPT_INT, &steps, "N", "timed training steps (default 30)", 1, 1000000, 0},
        {"warmup", OPT_INT, &warmup, "N", "untimed steps first (default 5)", 0, 1000000, 0},
        {"eval-images", OPT_INT, &eval_images, "N", "images of the timed forward (default 1000)", 1, 100000, 0},
        {"threads", OPT_INT, &threads, "T", "threads (default: all cores)", 0, 1024, 0},
        {"space", OPT_STRING, &space_file, "FILE", "search space (default: built-in fmnist)", 0, -1, 0},
        {"peak", OPT_FLAG, &peak, NULL, "also measure sgemm's peak at 1024^3", 0, -1, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "bench",
                             "oneshot bench --arch ARCH [--batch 128] [--steps N] [--threads T] [--json]");
    if (status >= 0)
        return status;
    struct err e;
    if (!arch_str) {
        err_plain(&e, "--arch is required");
        return cli_usage_error(&e, "bench");
    }
    struct ctx ctx;
    cli_ctx(&ctx, threads);
    struct space s;
    struct arch a;
    if (shipped_space(&s, space_file, &e) || arch_parse(&s, arch_str, "--arch", &a, &e))
        return cli_fail(&e);
    struct model *m = model_new(&s, &a, 0, &e);
    if (!m)
        return cli_fail(&e);
    int maxn = batch > eval_images ? batch : eval_images;
    size_t px = (size_t)s.in_c * s.in_h * s.in_w;
    float *x = malloc(px * maxn * sizeof *x), *dl = malloc((size_t)s.classes * batch * sizeof *dl);
    int *y = malloc((size_t)batch * sizeof *y);
    if (!x || !y || !dl) {
        free(x), free(y), free(dl);
        model_free(m);
        err_plain(&e, "out of memory");
        return cli_fail(&e);
    }
    struct rng r;
    rng_seed(&r, 0, RNG_STREAM_BENCH);
    for (size_t i = 0; i < px * maxn; i++)
        x[i] = rng_normal(&r);
    for (int i = 0; i < batch; i++)
        y[i] = (int)rng_below(&r, (uint64_t)s.classes);
    struct train_config cfg;
    train_config_default(&cfg);
    int rc = 0;
    if (net_reserve(&m->net, batch, 1, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    for (int i = 0; i < warmup; i++)
        model_train_step(m, x, y, dl, cfg.lr, &cfg.sgd, NULL);
    double t0 = ctx_seconds();
    for (int i = 0; i < steps; i++)
        model_train_step(m, x, y, dl, cfg.lr, &cfg.sgd, NULL);
    double train_s = ctx_seconds() - t0;
    if (net_reserve(&m->net, eval_images, 0, &e)) {
        rc = cli_fail(&e);
        goto out;
    }
    net_forward(&m->net, x, 0, 0);
    t0 = ctx_seconds();
    net_forward(&m->net, x, 0, 0);
    double eval_s = ctx_seconds() - t0;
    struct cost c = arch_cost(&s, &a);
    double tips = (double)batch * steps / train_s, eips = eval_images / eval_s;
    /* sgemm-equivalent rate: a training step costs about 3x the forward's multiply-adds */
    double gflops = 2.0 * 3.0 * (double)c.macs * tips / 1e9;
    double peak_gflops = peak ? sgemm_peak() : 0;
    char blas[128], abuf[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    arch_format(&s, &a, abuf, sizeof abuf);
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "arch", abuf);
        json_int(&j, "params", c.params);
        json_int(&j, "macs", c.macs);
        json_int(&j, "batch", batch);
        json_int(&j, "steps", steps);
        json_int(&j, "threads", ctx.threads);
        json_num(&j, "train_images_per_s", tips);
        json_num(&j, "eval_images_per_s", eips);
        json_num(&j, "train_gflops", gflops);
        if (peak)
            json_num(&j, "sgemm_peak_gflops", peak_gflops);
        json_str(&j, "blas", ctx_blas_line(blas, sizeof blas));
        json_end(&j);
    } else {
        printf("arch %s (%lld params, %lld multiply-adds)\n", abuf, (long long)c.params,
               (long long)c.macs);
        printf("train: %.0f images/s (batch %d, %d threads, %.1f GFLOP/s)\n", tips, batch,
               ctx.threads, gflops);
        printf("eval:  %.0f images/s (%d images)\n", eips, eval_images);
        printf("BLAS:  %s\n", ctx_blas_line(blas, sizeof blas));
        if (peak)
            printf("sgemm: %.1f GFLOP/s at 1024^3 (training reaches %.0f%% of it)\n", peak_gflops,
                   100 * gflops / peak_gflops);
    }
out:
    free(x);
    free(y);
    free(dl);
    model_free(m);
    return rc;
}
