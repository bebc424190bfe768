/* oneshot space: a dry run of a search space — its size, the smallest and
 * largest architectures, and one sampled architecture drawn layer by layer. */
#include <stdio.h>

#include "cli.h"
#include "json.h"
#include "opts.h"
#include "sampler.h"

int cmd_space(int argc, char **argv)
{
    const char *file = NULL;
    int as_json = 0, seed = 0;
    struct opt opts[] = {
        {"space", OPT_STRING, &file, "FILE", "space file or built-in name (or give it first)", 0, -1, 0},
        {"seed", OPT_INT, &seed, "S", "seed of the sampled architecture (default 0)", 0, 2147483647, 0},
        {"json", OPT_FLAG, &as_json, NULL, "print one JSON object", 0, -1, 0},
        {0},
    };
    /* `oneshot space FILE [--json]`: the file may come first */
    if (argc > 0 && argv[0][0] != '-') {
        file = argv[0];
        argc--;
        argv++;
    }
    int status = cli_options(opts, argc, argv, "space", "oneshot space FILE [--json]");
    if (status >= 0)
        return status;
    struct err e;
    struct space s;
    if (shipped_space(&s, file, &e))
        return cli_fail(&e);
    struct arch lo, hi, pick;
    arch_extreme(&s, 0, &lo);
    arch_extreme(&s, 1, &hi);
    struct rng r;
    rng_seed(&r, (uint64_t)seed, RNG_STREAM_SEARCH);
    arch_random(&s, &r, &pick);
    struct cost cl = arch_cost(&s, &lo), ch = arch_cost(&s, &hi), cp = arch_cost(&s, &pick);
    char a_lo[SPACE_MAX_LAYERS * CHOICE_NAME_MAX], a_hi[sizeof a_lo], a_pick[sizeof a_lo];
    arch_format(&s, &lo, a_lo, sizeof a_lo);
    arch_format(&s, &hi, a_hi, sizeof a_hi);
    arch_format(&s, &pick, a_pick, sizeof a_pick);
    if (as_json) {
        struct json j;
        json_begin(&j, stdout);
        json_str(&j, "space", s.name);
        double count = space_count(&s);
        if (count < 9e15)
            json_int(&j, "architectures", (int64_t)count);
        else
            json_num(&j, "architectures", count);
        json_int(&j, "layers", s.nlayers);
        json_int(&j, "choices", s.nchoices);
        json_int(&j, "min_params", cl.params);
        json_int(&j, "max_params", ch.params);
        json_int(&j, "min_macs", cl.macs);
        json_int(&j, "max_macs", ch.macs);
        json_str(&j, "smallest", a_lo);
        json_str(&j, "largest", a_hi);
        json_str(&j, "sample", a_pick);
        json_end(&j);
        return 0;
    }
    printf("space %s: %.0f architectures, %d searchable layers, %d choices\n", s.name,
           space_count(&s), s.nlayers, s.nchoices);
    printf("input %dx%dx%d, %d classes; stem %d channels, k%d, stride %d; head %d channels\n",
           s.in_c, s.in_h, s.in_w, s.classes, s.stem_c, s.stem_k, s.stem_stride, s.head_c);
    printf("smallest: %s\n          %lld params, %lld multiply-adds\n", a_lo, (long long)cl.params,
           (long long)cl.macs);
    printf("largest:  %s\n          %lld params, %lld multiply-adds\n\n", a_hi,
           (long long)ch.params, (long long)ch.macs);
    printf("a sampled architecture (seed %d): %lld params, %lld multiply-adds\n", seed,
           (long long)cp.params, (long long)cp.macs);
    printf("  %-5s %-8s %-18s %-13s %9s %11s\n", "layer", "choice", "shape", "choices here",
           "params", "mult-adds");
    for (int l = 0; l < s.nlayers; l++) {
        struct layer_shape sh = space_layer_shape(&s, l);
        struct cost c = space_layer_cost(&s, l, pick.choice[l]);
        const struct choice *chc = &s.choices[pick.choice[l]];
        char shape[40], bar[24];
        snprintf(shape, sizeof shape, "%dx%dx%d>%dx%dx%d", sh.cin, sh.h_in, sh.w_in, sh.cout,
                 sh.h_out, sh.w_out);
        /* a bar as wide as the layer's share of the largest layer cost */
        int w = ch.macs > 0 ? (int)(60.0 * (double)c.macs / (double)ch.macs + 0.5) : 0;
        w = w > 20 ? 20 : w;
        for (int i = 0; i < 20; i++)
            bar[i] = i < w ? '#' : ' ';
        bar[20] = 0;
        printf("  %-5d %-8s %-18s %-13d %9lld %11lld %s\n", l + 1, chc->name, shape,
               __builtin_popcountll(s.allowed[l]), (long long)c.params, (long long)c.macs,
               chc->skip ? "(identity)" : bar);
    }
    return 0;
}
