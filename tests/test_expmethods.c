/* Tests of src/experiment.c's sections of the methods and phases beyond the
 * one-shot search: singlepath: (Single-Path NAS, src/experiment_method.c),
 * nao: (NAO-V2) and retrain: (the retraining phase), with the shipped
 * examples of the first two (and NAO's preset of the authors' sizes); tests/test_experiment.c tests the file's
 * general form. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "experiment.h"
#include "expfixture.h"

/* examples/singlepath.yaml: Single-Path NAS over fmnist-skip on the mobile
 * GPU model, small enough for a few minutes. */
static void test_singlepath_example(void)
{
    if (!LOAD_EXAMPLE("singlepath.yaml"))
        return;
    CHECK_STR(x.name, "singlepath");
    CHECK_EQ_INT(x.method, EXP_SINGLEPATH);
    CHECK_STR(x.space.resolved, "fmnist-skip");
    CHECK_STR(x.latency.device.resolved, "mobile-gpu");
    CHECK_EQ_INT(x.dataset.train_images, 10000);
    CHECK(x.singlepath.epochs * x.dataset.train_images <= 80000); /* a few minutes */
    CHECK_NEAR(x.singlepath.warmup_epochs, x.singlepath.epochs * 5.0 / 8.0, 0);
    CHECK_NEAR(x.singlepath.target_ms, 0, 0);
    CHECK_EQ_INT(x.retrain.epochs, 0);
}

/* The retrain section: its defaults (images follows dataset.train_images,
 * wherever that stands), its errors, and off written back as off. */
static void test_retrain(void)
{
    struct err e;
    if (!CHECK(load_text("rt.yaml", "retrain: {epochs: 3}\ndataset: {train_images: 700}\n", &e) ==
               0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(x.retrain.epochs, 3);
    CHECK_EQ_INT(x.retrain.images, 700);
    CHECK_EQ_INT(x.retrain.seeds, 1);
    CHECK_EQ_INT(x.retrain.which, EXP_RETRAIN_CHOSEN);
    CHECK(load_text("rt.yaml", "retrain:\n", &e) == 0);
    CHECK_EQ_INT(x.retrain.epochs, 0);
    CHECK(load_text("rt.yaml", "retrain: {epochs: 0, images: 1, which: chosen}\n", &e) == 0);
    CHECK_EQ_INT(x.retrain.images, 1); /* off: fewer than a batch is no matter */
    CHECK_STR(exp_retrain_which_name(EXP_RETRAIN_CHOSEN), "chosen");
    CHECK_STR(exp_retrain_which_name(EXP_RETRAIN_PARETO), "pareto");
    LOAD_ERROR("retrain:\n  epochs: -1\n",
               ":2:11: error: retrain.epochs: -1 is out of range (0 to 100000)");
    LOAD_ERROR("retrain:\n  epochs: two\n",
               ":2:11: error: retrain.epochs: expected a whole number, got 'two'");
    LOAD_ERROR("retrain:\n  seeds: 0\n",
               ":2:10: error: retrain.seeds: 0 is out of range (1 to 1000)");
    LOAD_ERROR("retrain:\n  images: 0\n",
               ":2:11: error: retrain.images: 0 is out of range (1 to 60000)");
    LOAD_ERROR("retrain:\n  which: best\n",
               ":2:10: error: retrain.which: 'best' is not one of chosen, pareto");
    LOAD_ERROR("retrain:\n  which: [chosen]\n",
               ":2:10: error: retrain.which: expected chosen or pareto, got a list");
    LOAD_ERROR("retrain:\n  epoch: 1\n",
               ":2:3: error: unknown key 'epoch' in retrain (did you mean 'epochs'?)");
    LOAD_ERROR("which: pareto\n", ":1:1: error: unknown key 'which' (it belongs in retrain)");
    LOAD_ERROR("retrain: 1\n", ":1:10: error: retrain: expected a mapping, got '1'");
    LOAD_ERROR("retrain:\n  images: 55000\ndataset:\n  val_images: 5001\n",
               ":2:11: error: retrain.images: 55000 plus the 5001 of dataset.val_images is more "
               "than the 60000 images of the training set");
    LOAD_ERROR("retrain: {epochs: 1, images: 100}\nsupernet: {batch: 128}\n",
               ":1:30: error: retrain.images: 100 is fewer than a batch (supernet.batch: 128)");
    /* more images than the supernet's: the validation images stay apart */
    CHECK(load_text("rt.yaml", "dataset: {train_images: 1000, val_images: 5000}\n"
                               "retrain: {epochs: 1, images: 55000}\n",
                               &e) == 0);
    CHECK_EQ_INT(x.retrain.images, 55000);
    char out[256];
    snprintf(out, sizeof out, "%s/rt-saved.yaml", dir);
    if (CHECK(experiment_save(&x, out, &e) == 0) && CHECK(experiment_load(&y, out, &e) == 0)) {
        CHECK_EQ_INT(y.retrain.epochs, 1);
        CHECK_EQ_INT(y.retrain.images, 55000);
        CHECK_EQ_INT(y.retrain.seeds, 1);
        CHECK_EQ_INT(y.retrain.which, EXP_RETRAIN_CHOSEN);
    }
    unlink(out);
    snprintf(path, sizeof path, "%s/rt.yaml", dir);
    unlink(path);
}

/* method: singlepath and its section: defaults (warmup_epochs follows epochs
 * wherever it stands), the values, the errors (the other method's sections
 * among them) and the written-back form, which holds only the method's
 * sections. */
static void test_singlepath(void)
{
    struct err e;
    CHECK(load_text("sp.yaml", "seed: 1\n", &e) == 0);
    CHECK_EQ_INT(x.method, EXP_ONESHOT);
    CHECK_EQ_INT(x.singlepath.epochs, 8);
    CHECK_EQ_INT(x.singlepath.batch, 128);
    CHECK_NEAR(x.singlepath.lr, 0.016, 0);
    CHECK_NEAR(x.singlepath.lambda, 20, 0);
    CHECK_NEAR(x.singlepath.warmup_epochs, 5, 0);
    CHECK_NEAR(x.singlepath.keep, 0.6, 0);
    CHECK_NEAR(x.singlepath.label_smoothing, 0.1, 0);
    CHECK_EQ_INT(x.singlepath.bn_recalibration, 2000);
    CHECK_NEAR(x.singlepath.target_ms, 0, 0);
    CHECK_EQ_INT(x.singlepath.trials, 8);
    CHECK_EQ_INT(experiment_batch(&x), 128);
    CHECK_STR(exp_method_name(EXP_ONESHOT), "oneshot");
    CHECK_STR(exp_method_name(EXP_SINGLEPATH), "singlepath");
    if (!CHECK(load_text("sp.yaml", "method: singlepath\nsinglepath: {epochs: 4, batch: 64}\n",
                         &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_EQ_INT(x.method, EXP_SINGLEPATH);
    CHECK_NEAR(x.singlepath.warmup_epochs, 2.5, 0); /* 5/8 of the epochs */
    CHECK_EQ_INT(experiment_batch(&x), 64);
    CHECK(load_text("sp.yaml", "method: singlepath\n", &e) == 0);
    CHECK_NEAR(x.singlepath.warmup_epochs, 5, 0);
    const char *text = "singlepath:\n"
                       "  epochs: 3\n"
                       "  batch: 32\n"
                       "  lr: 0.032\n"
                       "  lambda: 0.5\n"
                       "  warmup_epochs: 1.5\n"
                       "  keep: 1\n"
                       "  label_smoothing: 0\n"
                       "  bn_recalibration: 0\n"
                       "  target_ms: 1.25\n"
                       "  trials: 5\n"
                       "method: singlepath\n"
                       "space: fmnist-skip\n"
                       "latency: {device: mobile-gpu}\n"
                       "retrain: {epochs: 1, images: 32}\n";
    if (!CHECK(load_text("sp.yaml", text, &e) == 0))
        printf("  %s\n", e.msg);
    for (int pass = 0; pass < 2; pass++) {
        const struct experiment *z = pass ? &y : &x;
        CHECK_EQ_INT(z->method, EXP_SINGLEPATH);
        CHECK_EQ_INT(z->singlepath.epochs, 3);
        CHECK_EQ_INT(z->singlepath.batch, 32);
        CHECK_NEAR(z->singlepath.lr, 0.032, 0);
        CHECK_NEAR(z->singlepath.lambda, 0.5, 0);
        CHECK_NEAR(z->singlepath.warmup_epochs, 1.5, 0);
        CHECK_NEAR(z->singlepath.keep, 1, 0);
        CHECK_NEAR(z->singlepath.label_smoothing, 0, 0);
        CHECK_EQ_INT(z->singlepath.bn_recalibration, 0);
        CHECK_NEAR(z->singlepath.target_ms, 1.25, 0);
        CHECK_EQ_INT(z->singlepath.trials, 5);
        CHECK_EQ_INT(z->retrain.images, 32); /* a batch of singlepath.batch */
        if (pass)
            break;
        CHECK_EQ_INT(x.singlepath.target_line, 10);
        CHECK_EQ_INT(x.singlepath.target_col, 14);
        char out[256];
        snprintf(out, sizeof out, "%s/sp-saved.yaml", dir);
        if (!CHECK(experiment_save(&x, out, &e) == 0) || !CHECK(experiment_load(&y, out, &e) == 0))
            printf("  %s\n", e.msg);
        /* only the method's sections are written: they load back */
        FILE *f = fopen(out, "r");
        char saved[4096] = "";
        if (CHECK(f != NULL)) {
            saved[fread(saved, 1, sizeof saved - 1, f)] = 0;
            fclose(f);
        }
        CHECK(strstr(saved, "method: singlepath\n") != NULL);
        CHECK(strstr(saved, "  target_ms: 1.25\n  trials: 5\n") != NULL);
        CHECK(strstr(saved, "supernet:") == NULL && strstr(saved, "search:") == NULL &&
              strstr(saved, "objectives:") == NULL);
        unlink(out);
    }
    /* no target: neither it nor trials is written; the oneshot method writes
     * no singlepath section */
    CHECK(load_text("sp.yaml", "method: singlepath\n", &e) == 0);
    char out[256];
    snprintf(out, sizeof out, "%s/sp-saved.yaml", dir);
    CHECK(experiment_save(&x, out, &e) == 0 && experiment_load(&y, out, &e) == 0);
    CHECK_NEAR(y.singlepath.target_ms, 0, 0);
    CHECK_NEAR(y.singlepath.warmup_epochs, 5, 0);
    CHECK(load_text("sp.yaml", "seed: 2\n", &e) == 0);
    CHECK(experiment_save(&x, out, &e) == 0 && experiment_load(&y, out, &e) == 0);
    CHECK_EQ_INT(y.method, EXP_ONESHOT);
    unlink(out);

    LOAD_ERROR("method: sgd\n",
               ":1:9: error: method: 'sgd' is not one of oneshot, singlepath, nao");
    LOAD_ERROR("method: [oneshot]\n",
               ":1:9: error: method: expected oneshot, singlepath or nao, got a list");
    LOAD_ERROR("singlepath:\n  epochs: 2\n",
               ":1:1: error: singlepath: only read with method: singlepath (this experiment "
               "trains a supernet; remove the section or set the method)");
    LOAD_ERROR("supernet: {epochs: 2}\nmethod: singlepath\n",
               ":1:1: error: supernet: not read by method: singlepath (Single-Path NAS trains no "
               "supernet and searches by its own loss; remove the section or set method: "
               "oneshot)");
    LOAD_ERROR("method: singlepath\nobjectives:\n  - {name: accuracy, direction: maximize}\n",
               ":2:1: error: objectives: not read by method: singlepath (Single-Path NAS trains "
               "no supernet and searches by its own loss; remove the section or set method: "
               "oneshot)");
    LOAD_ERROR("method: singlepath\nretrain:\n  epochs: 1\n  which: pareto\n",
               ":4:10: error: retrain.which: pareto: method singlepath finds one architecture, "
               "chosen.txt's (write chosen)");
    LOAD_ERROR("method: singlepath\nsinglepath: {warmup_epochs: 3, epochs: 2}\n",
               ":2:29: error: singlepath.warmup_epochs: 3 is more than the 2 epochs "
               "(singlepath.epochs)");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  trials: 4\n",
               ":3:11: error: singlepath.trials: the budget of lambda's tuning goes with "
               "singlepath.target_ms");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  trials: 65\n  target_ms: 1\n",
               ":3:11: error: singlepath.trials: 65 is out of range (1 to 64)");
    LOAD_ERROR("method: singlepath\nsinglepath: {target_ms: 1, lambda: 0}\n",
               ":2:36: error: singlepath.lambda: with target_ms it is the first trial's lambda, "
               "which must be greater than 0");
    LOAD_ERROR("method: singlepath\nsinglepath: {target_ms: 1, epochs: 2, warmup_epochs: 2}\n",
               ":2:54: error: singlepath.warmup_epochs: with target_ms the warm-up must leave "
               "epochs for the trials (singlepath.epochs: 2)");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  bn_recalibration: -1\n",
               ":3:21: error: singlepath.bn_recalibration: -1 is out of range (0 to 60000)");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  keep: 0\n",
               ":3:9: error: singlepath.keep: 0 is out of range (greater than 0, at most 1)");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  lambda: -1\n",
               ":3:11: error: singlepath.lambda: -1 is out of range (at least 0, at most 1e+09)");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  target_ms: 0\n",
               ":3:14: error: singlepath.target_ms: 0 is out of range (greater than 0, at most "
               "1e+06)");
    LOAD_ERROR("method: singlepath\nsinglepath:\n  lamda: 1\n",
               ":3:3: error: unknown key 'lamda' in singlepath (did you mean 'lambda'?)");
    LOAD_ERROR("lambda: 1\n", ":1:1: error: unknown key 'lambda' (it belongs in singlepath)");
    LOAD_ERROR("method: singlepath\nsinglepath: {batch: 128}\nretrain: {epochs: 1, images: 100}\n",
               ":3:30: error: retrain.images: 100 is fewer than a batch (singlepath.batch: 128)");
    snprintf(path, sizeof path, "%s/sp.yaml", dir);
    unlink(path);
}

/* method: nao and its section: the defaults, every key read and written
 * back (only the method's sections), and the errors at their place. */
static void test_nao(void)
{
    struct err e;
    CHECK(load_text("nao.yaml", "method: nao\n", &e) == 0);
    CHECK_EQ_INT(x.method, EXP_NAO);
    CHECK_STR(exp_method_name(EXP_NAO), "nao");
    CHECK_EQ_INT(x.nao.rounds, 3);
    CHECK_EQ_INT(x.nao.seed_archs, 40);
    CHECK_EQ_INT(x.nao.new_archs, 20);
    CHECK_EQ_INT(x.nao.top_k, 20);
    CHECK_EQ_INT(x.nao.max_eta, 50);
    CHECK_EQ_INT(x.nao.epochs_per_round, 4);
    CHECK_EQ_INT(x.nao.controller_epochs, 300);
    CHECK_EQ_INT(x.nao.batch, 128);
    CHECK_NEAR(x.nao.lr, 0.1, 0);
    CHECK_EQ_INT(x.nao.bn, EXP_NAO_BN_RECAL);
    CHECK_EQ_INT(x.nao.bn_recalibration, 500);
    CHECK_EQ_INT(x.nao.eval_batch, 500);
    CHECK_EQ_INT(x.nao.reinit, EXP_NAO_REINIT_SCHEDULE);
    CHECK_EQ_INT(x.nao.rerank, 5);
    CHECK_EQ_INT(x.nao.rerank_epochs, 1);
    const char *text = "method: nao\n"
                       "nao:\n"
                       "  rounds: 2\n"
                       "  seed_archs: 12\n"
                       "  new_archs: 6\n"
                       "  top_k: 7\n"
                       "  max_eta: 9\n"
                       "  epochs_per_round: 2\n"
                       "  controller_epochs: 0\n"
                       "  batch: 48\n"
                       "  lr: 0.05\n"
                       "  bn: batch\n"
                       "  bn_recalibration: 64\n"
                       "  eval_batch: 100\n"
                       "  reinit: weights\n"
                       "  rerank: 0\n"
                       "  rerank_epochs: 3\n"
                       "retrain: {epochs: 1, images: 48}\n";
    if (!CHECK(load_text("nao.yaml", text, &e) == 0))
        printf("  %s\n", e.msg);
    char out[256];
    snprintf(out, sizeof out, "%s/nao-saved.yaml", dir);
    if (!CHECK(experiment_save(&x, out, &e) == 0) || !CHECK(experiment_load(&y, out, &e) == 0))
        printf("  %s\n", e.msg);
    for (int pass = 0; pass < 2; pass++) {
        const struct experiment *z = pass ? &y : &x;
        CHECK_EQ_INT(z->method, EXP_NAO);
        CHECK_EQ_INT(z->nao.rounds, 2);
        CHECK_EQ_INT(z->nao.seed_archs, 12);
        CHECK_EQ_INT(z->nao.new_archs, 6);
        CHECK_EQ_INT(z->nao.top_k, 7);
        CHECK_EQ_INT(z->nao.max_eta, 9);
        CHECK_EQ_INT(z->nao.epochs_per_round, 2);
        CHECK_EQ_INT(z->nao.controller_epochs, 0);
        CHECK_EQ_INT(z->nao.batch, 48);
        CHECK_NEAR(z->nao.lr, 0.05, 0);
        CHECK_EQ_INT(z->nao.bn, EXP_NAO_BN_BATCH);
        CHECK_EQ_INT(z->nao.bn_recalibration, 64);
        CHECK_EQ_INT(z->nao.eval_batch, 100);
        CHECK_EQ_INT(z->nao.reinit, EXP_NAO_REINIT_WEIGHTS);
        CHECK_EQ_INT(z->nao.rerank, 0);
        CHECK_EQ_INT(z->nao.rerank_epochs, 3);
        CHECK_EQ_INT(experiment_batch(z), 48);
    }
    FILE *f = fopen(out, "r");
    char saved[4096] = "";
    if (CHECK(f != NULL)) {
        saved[fread(saved, 1, sizeof saved - 1, f)] = 0;
        fclose(f);
    }
    CHECK(strstr(saved, "method: nao\n") != NULL);
    CHECK(strstr(saved, "  bn: batch\n") != NULL && strstr(saved, "  reinit: weights\n") != NULL);
    CHECK(strstr(saved, "supernet:") == NULL && strstr(saved, "singlepath:") == NULL &&
          strstr(saved, "objectives:") == NULL);
    unlink(out);
    /* the other methods write no nao section */
    CHECK(load_text("nao.yaml", "seed: 3\n", &e) == 0);
    CHECK(experiment_save(&x, out, &e) == 0);
    f = fopen(out, "r");
    saved[0] = 0;
    if (CHECK(f != NULL)) {
        saved[fread(saved, 1, sizeof saved - 1, f)] = 0;
        fclose(f);
    }
    CHECK(strstr(saved, "nao:") == NULL);
    unlink(out);

    LOAD_ERROR("method: nao\nnao:\n  rounds: 0\n",
               ":3:11: error: nao.rounds: 0 is out of range (1 to 100)");
    LOAD_ERROR("method: nao\nnao:\n  seed_archs: 1\n",
               ":3:15: error: nao.seed_archs: 1 is out of range (2 to 100000)");
    LOAD_ERROR("method: nao\nnao:\n  lr: 0\n",
               ":3:7: error: nao.lr: 0 is out of range (greater than 0, at most 1000)");
    LOAD_ERROR("method: nao\nnao:\n  bn: train\n",
               ":3:7: error: nao.bn: 'train' is not one of recal, batch");
    LOAD_ERROR("method: nao\nnao:\n  reinit: [weights]\n",
               ":3:11: error: nao.reinit: expected schedule or weights, got a list");
    LOAD_ERROR("method: nao\nnao:\n  rerank: 101\n",
               ":3:11: error: nao.rerank: 101 is out of range (0 to 100)");
    LOAD_ERROR("method: nao\nnao:\n  round: 2\n",
               ":3:3: error: unknown key 'round' in nao (did you mean 'rounds'?)");
    LOAD_ERROR("top_k: 2\n", ":1:1: error: unknown key 'top_k' (it belongs in nao)");
    LOAD_ERROR("nao:\n  rounds: 2\n",
               ":1:1: error: nao: only read with method: nao (this experiment trains a supernet; "
               "remove the section or set the method)");
    LOAD_ERROR("method: nao\nsupernet: {epochs: 2}\n",
               ":2:1: error: supernet: not read by method: nao (NAO trains its supernet on the "
               "architectures its controller proposes; remove the section or set method: "
               "oneshot)");
    LOAD_ERROR("method: nao\nsinglepath: {epochs: 2}\n",
               ":2:1: error: singlepath: only read with method: singlepath (NAO trains its "
               "supernet on the architectures its controller proposes; remove the section or "
               "set the method)");
    LOAD_ERROR("method: nao\nretrain:\n  epochs: 1\n  which: pareto\n",
               ":4:10: error: retrain.which: pareto: method nao finds one architecture, "
               "chosen.txt's (write chosen)");
    LOAD_ERROR("method: nao\nnao:\n  bn_recalibration: 700\ndataset: {train_images: 600}\n",
               ":3:21: error: nao.bn_recalibration: 700 images, more than the 600 of "
               "dataset.train_images");
    LOAD_ERROR("method: nao\ndataset: {train_images: 400}\n",
               ":1:1: error: nao.bn_recalibration: its default of 500 images is more than the 400 "
               "of dataset.train_images: set it");
    CHECK(load_text("nao.yaml", "method: nao\nnao: {bn: batch}\ndataset: {train_images: 400}\n",
                    &e) == 0); /* (no recalibration) */
    LOAD_ERROR("method: nao\nnao:\n  seed_archs: 100000\n  new_archs: 2\n",
               ":3:3: error: nao: seed_archs + (rounds - 1) new_archs is a pool of 100004 "
               "architectures, more than 100000");
    LOAD_ERROR("method: nao\nnao: {batch: 128}\nretrain: {epochs: 1, images: 100}\n",
               ":3:30: error: retrain.images: 100 is fewer than a batch (nao.batch: 128)");
    snprintf(path, sizeof path, "%s/nao.yaml", dir);
    unlink(path);
}

/* examples/nao.yaml: NAO-V2 over fmnist-skip on the mobile GPU model,
 * small enough for a few minutes. */
static void test_nao_example(void)
{
    if (!LOAD_EXAMPLE("nao.yaml"))
        return;
    CHECK_STR(x.name, "nao");
    CHECK_EQ_INT(x.method, EXP_NAO);
    CHECK_STR(x.latency.device.resolved, "mobile-gpu");
    /* supernet images a run: the rounds' epochs over the training images */
    CHECK((long)x.nao.rounds * x.nao.epochs_per_round * x.dataset.train_images <= 150000);
}

/* examples/nao-authors.yaml: the preset of NAO-V2's sizes as the authors'
 * search runs them (1,000 seeds, 300 new a round from the top 100, 4
 * supernet phases of 50 epochs, 3 controller rounds of 1,000 epochs, batch
 * 64 at 0.025, one batch of 500 validation images scored with batch
 * statistics, the top 5 re-ranked for 10 epochs), whose new architectures
 * get about 117 updates each. */
static void test_nao_authors(void)
{
    if (!LOAD_EXAMPLE("nao-authors.yaml"))
        return;
    CHECK_EQ_INT(x.method, EXP_NAO);
    CHECK_STR(x.space.resolved, "fmnist-skip");
    CHECK_EQ_INT(x.nao.seed_archs, 1000);
    CHECK_EQ_INT(x.nao.new_archs, 300);
    CHECK_EQ_INT(x.nao.top_k, 100);
    CHECK_EQ_INT(x.nao.max_eta, 50);
    CHECK_EQ_INT(x.nao.rounds, 4);
    CHECK_EQ_INT(x.nao.epochs_per_round, 50);
    CHECK_EQ_INT(x.nao.controller_epochs, 1000);
    CHECK_EQ_INT(x.nao.batch, 64);
    CHECK_NEAR(x.nao.lr, 0.025, 1e-12);
    CHECK_EQ_INT(x.nao.bn, EXP_NAO_BN_BATCH);
    CHECK_EQ_INT(x.dataset.val_images, 500);
    CHECK_EQ_INT(x.nao.eval_batch, 500); /* the validation images are one batch */
    CHECK_EQ_INT(x.nao.reinit, EXP_NAO_REINIT_SCHEDULE);
    CHECK_EQ_INT(x.nao.rerank, 5);
    CHECK_EQ_INT(x.nao.rerank_epochs, 10);
    /* a round's steps (whole batches) over its 300 new architectures */
    long steps = (long)(x.dataset.train_images / x.nao.batch) * x.nao.epochs_per_round;
    double updates = (double)steps / x.nao.new_archs;
    CHECK(updates > 110 && updates < 125);
}

int main(void)
{
    if (fixture_open("expmethods"))
        return 1;
    RUN(test_singlepath_example);
    RUN(test_retrain);
    RUN(test_singlepath);
    RUN(test_nao);
    RUN(test_nao_example);
    RUN(test_nao_authors);
    fixture_close();
    return check_done();
}
