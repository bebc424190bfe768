/* oneshot tui: the interactive workbench on an experiment (ui/tui.h).
 * `oneshot` without a command opens it on the quick experiment. */
#include <stdio.h>
#include <unistd.h>

#include "cli.h"
#include "opts.h"
#include "tui.h"

int cmd_tui(int argc, char **argv)
{
    const char *out = NULL, *resume = NULL;
    struct opt opts[] = {
        {"out", OPT_STRING, &out, "DIR", "run directory (default: the experiment's output)", 0, -1, 0},
        {"resume", OPT_STRING, &resume, "DIR", "continue the stopped or killed run in DIR", 0, -1, 0},
        {0},
    };
    const char *usage = "oneshot tui [EXPERIMENT.yaml] [--out DIR]\n       oneshot tui --resume DIR";
    const char *experiment;
    struct err e;
    int status = cli_experiment_args(opts, argc, argv, "tui", usage, &resume, &out, &experiment);
    if (status >= 0)
        return status;
    char quick[4096];
    const char *path = resume ? resume : experiment;
    if (!path) {
        if (shipped_find("examples", "quick.yaml", quick, sizeof quick, &e))
            return cli_fail(&e);
        path = quick;
    }
    if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
        err_plain(&e, "the workbench needs a terminal (standard %s is not one): for a headless "
                      "run use `oneshot run %s`",
                  isatty(STDIN_FILENO) ? "output" : "input", resume ? "--resume DIR" : "EXPERIMENT.yaml");
        return cli_fail(&e);
    }
    return tui_main(path, out, resume != NULL);
}
