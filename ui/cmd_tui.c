/* oneshot tui: the interactive workbench on an experiment (ui/tui.h), or
 * with --explore the browser of a search space (ui/tui_explore.h).
 * `oneshot` without a command opens the workbench on the quick experiment. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "opts.h"
#include "tui.h"
#include "tui_explore.h"

int cmd_tui(int argc, char **argv)
{
    const char *out = NULL, *resume = NULL;
    struct explore_opts x = {.train_images = 10000, .val_images = 2000, .calib_images = 1000,
                             .epochs = 3};
    struct opt opts[] = {
        {"out", OPT_STRING, &out, "DIR", "run directory (default: the experiment's output)", 0, -1, 0},
        {"resume", OPT_STRING, &resume, "DIR", "continue the stopped or killed run in DIR", 0, -1, 0},
        {"explore", OPT_STRING, &x.space, "SPACE", "browse a search space (a built-in name or a space file) instead of running an experiment", 0, -1, 0},
        {"supernet", OPT_STRING, &x.supernet, "CKPT", "--explore: a supernet checkpoint of the space, for the accuracy it lends each architecture", 0, -1, 0},
        {"lut", OPT_STRING, &x.lut, "FILE", "--explore: a latency table to show beside the mobile-GPU and mobile-CPU models", 0, -1, 0},
        {"device", OPT_STRING, &x.device, "DEVICE", "--explore: a device to show beside them (host: timed first)", 0, -1, 0},
        {"train-images", OPT_INT, &x.train_images, "N", "--explore: training images of t and of BN recalibration (default 10000)", 1, 60000, 0},
        {"val-images", OPT_INT, &x.val_images, "N", "--explore: validation images (default 2000)", 1, 60000, 0},
        {"calib-images", OPT_INT, &x.calib_images, "N", "--explore: BN recalibration images, 0 for none (default 1000)", 0, 60000, 0},
        {"epochs", OPT_INT, &x.epochs, "N", "--explore: epochs of a stand-alone training with t (default 3)", 1, 100000, 0},
        {"threads", OPT_INT, &x.threads, "T", "--explore: threads of the supernet's evaluations (default: all cores)", 0, 1024, 0},
        {"data", OPT_STRING, &x.data, "DIR", "--explore: Fashion-MNIST directory", 0, -1, 0},
        {0},
    };
    const char *usage = "oneshot tui [EXPERIMENT.yaml] [--out DIR]\n       oneshot tui --resume DIR\n"
                        "       oneshot tui --explore SPACE [--supernet CKPT] [--lut FILE | --device D]";
    const char *experiment;
    struct err e;
    int status = cli_experiment_args(opts, argc, argv, "tui", usage, &resume, &out, &experiment);
    if (status >= 0)
        return status;
    for (int i = 3; !x.space && opts[i].name; i++) /* the options after --explore */
        if (opts[i].seen) {
            err_plain(&e, "--%s goes with --explore SPACE", opts[i].name);
            return cli_usage_error(&e, "tui");
        }
    if (x.space && (experiment || resume || out)) {
        err_plain(&e, "--explore SPACE takes no experiment, --out or --resume");
        return cli_usage_error(&e, "tui");
    }
    if (x.lut && x.device) {
        err_plain(&e, "--lut and --device: give one");
        return cli_usage_error(&e, "tui");
    }
    if (x.space && x.train_images + x.val_images > 60000) {
        err_plain(&e, "--train-images and --val-images add up to more than the 60000 training images");
        return cli_usage_error(&e, "tui");
    }
    char quick[4096];
    const char *path = resume ? resume : experiment;
    if (!path && !x.space) {
        if (shipped_find("examples", "quick.yaml", quick, sizeof quick, &e))
            return cli_fail(&e);
        path = quick;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        if (x.space)
            err_plain(&e, "the explorer needs a terminal (standard %s is not one): without one, "
                          "`oneshot space`, `oneshot info` and `oneshot latency predict` tell "
                          "the same",
                      isatty(STDIN_FILENO) ? "output" : "input");
        else
            err_plain(&e, "the workbench needs a terminal (standard %s is not one): for a headless "
                          "run use `oneshot run %s`",
                      isatty(STDIN_FILENO) ? "output" : "input",
                      resume ? "--resume DIR" : "EXPERIMENT.yaml");
        return cli_fail(&e);
    }
    if (x.space)
        return tui_explore_main(&x);
    return tui_main(path, out, resume != NULL);
}
