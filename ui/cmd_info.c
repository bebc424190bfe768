/* oneshot info: parameters and multiply-adds of an architecture, per layer. */
#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "opts.h"

int cmd_info(int argc, char **argv)
{
    const char *arch_str = NULL, *space_file = NULL;
    int as_json = 0;
    struct opt opts[] = {
        {"arch", OPT_STRING, &arch_str, "ARCH", "architecture, e.g. k3e3-k5e6-...", 0, -1, 0},
        {"space", OPT_STRING, &space_file, "FILE", "search space (default: built-in fmnist)", 0, -1, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    int status = cli_options(opts, argc, argv, "info",
                             "oneshot info --arch ARCH [--json]");
    if (status >= 0)
        return status;
    struct err e;
    if (!arch_str) {
        err_plain(&e, "--arch is required");
        return cli_usage_error(&e, "info");
    }
    struct space s;
    struct arch a;
    if (shipped_space(&s, space_file, &e) || arch_parse(&s, arch_str, "--arch", &a, &e))
        return cli_fail(&e);
    struct cost c = arch_cost(&s, &a);
    if (as_json) {
        struct json j;
        char buf[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
        arch_format(&s, &a, buf, sizeof buf);
        json_begin(&j, stdout);
        json_str(&j, "arch", buf);
        json_str(&j, "space", s.name);
        json_int(&j, "params", c.params);
        json_int(&j, "macs", c.macs);
        json_end(&j);
        return 0;
    }
    printf("space %s, %d searchable layers\n\n", s.name, s.nlayers);
    printf("%-6s %-8s %-14s %-7s %10s %12s\n", "layer", "choice", "shape", "stride", "params",
           "mult-adds");
    struct cost st = space_stem_cost(&s), hd = space_head_cost(&s);
    printf("%-6s %-8s %-14s %-7d %10lld %12lld\n", "stem", "conv", "", s.stem_stride,
           (long long)st.params, (long long)st.macs);
    for (int l = 0; l < a.n; l++) {
        struct layer_shape sh = space_layer_shape(&s, l);
        struct cost lc = space_layer_cost(&s, l, a.choice[l]);
        char shape[32];
        snprintf(shape, sizeof shape, "%dx%dx%d>%d", sh.cin, sh.h_in, sh.w_in, sh.cout);
        printf("%-6d %-8s %-14s %-7d %10lld %12lld\n", l + 1, s.choices[a.choice[l]].name, shape,
               sh.stride, (long long)lc.params, (long long)lc.macs);
    }
    printf("%-6s %-8s %-14s %-7s %10lld %12lld\n", "head", "conv+fc", "", "", (long long)hd.params,
           (long long)hd.macs);
    printf("\ntotal: %lld parameters, %lld multiply-adds\n", (long long)c.params,
           (long long)c.macs);
    return 0;
}
