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
    const char *pos[2];
    int npos = 0, help = 0;
    struct err e;
    if (opts_parse(opts, argc, argv, pos, 2, &npos, &help, &e))
        return cli_usage_error(&e, "tui");
    if (help) {
        opts_print_help(usage, opts);
        return 0;
    }
    if (resume && (npos || out)) {
        err_plain(&e, "--resume DIR takes no experiment file and no --out: the run directory "
                      "has both");
        return cli_usage_error(&e, "tui");
    }
    if (npos > 1) {
        err_plain(&e, "one experiment file, please");
        return cli_usage_error(&e, "tui");
    }
    char quick[4096];
    const char *path = resume ? resume : npos ? pos[0] : NULL;
    if (!path) {
        if (cli_find_data("examples", "quick.yaml", quick, sizeof quick, &e))
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
