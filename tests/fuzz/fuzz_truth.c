/* Fuzzes ground-truth tables: truth_load and what reads its rows,
 * truth_average and truth_find (src/truth.c).
 *
 * Input: the CSV file.  It is loaded without a space, then for each of the
 * spaces whose tables ship (tiny, fmnist-skip).  A table that loads has
 * every field in its range (the seconds finite), finds each of its rows and
 * gives their averages (means of accuracies in [0, 1]); one that does not is
 * refused with `truth.csv:line:col: error: ...`. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"
#include "space.h"
#include "truth.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

static void load(const char *path, const struct space *s)
{
    struct truth t;
    struct err e;
    if (truth_load(&t, path, s, 0, &e)) {
        fuzz_check_error(&e, path);
        return;
    }
    for (int i = 0; i < t.n; i++) {
        const struct truth_row *r = &t.rows[i];
        if (!(r->val_accuracy >= 0 && r->val_accuracy <= 1) ||
            !(r->test_accuracy >= 0 && r->test_accuracy <= 1) || r->seed < 0 || r->epochs < 1 ||
            !(r->seconds >= 0 && isfinite(r->seconds)))
            fuzz_fail("line %d: a row out of range (seed %d, accuracy %g %g, epochs %d, %g s)",
                      r->line, r->seed, r->val_accuracy, r->test_accuracy, r->epochs, r->seconds);
        int j = truth_find(&t, t.rows[i].arch, t.rows[i].seed);
        if (j < 0 || j > i)
            fuzz_fail("row %d is not found (%d)", i, j);
    }
    if (s) {
        int n = t.n > 0 ? t.n : 1;
        struct arch *archs = malloc((size_t)n * sizeof *archs);
        double *acc = malloc((size_t)n * sizeof *acc);
        int *seeds = malloc((size_t)n * sizeof *seeds);
        if (archs && acc && seeds) {
            int k = truth_average(&t, s, t.n % 2, archs, acc, seeds);
            if (k < 0 || k > t.n || (t.n > 0 && k == 0))
                fuzz_fail("%d rows average to %d architectures", t.n, k);
            for (int i = 0; i < k; i++)
                if (!(acc[i] >= 0 && acc[i] <= 1) || seeds[i] < 1)
                    fuzz_fail("architecture %d: accuracy %g over %d seeds", i, acc[i], seeds[i]);
        }
        free(archs);
        free(acc);
        free(seeds);
    }
    truth_done(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct space tiny, skip;
    char path[256];
    if (!tiny.nlayers) {
        space_tiny(&tiny);
        space_fmnist_variant(&skip, 0, 1);
    }
    fuzz_write("truth.csv", data, size, path, sizeof path);
    load(path, NULL);
    load(path, &tiny);
    load(path, &skip);
    return 0;
}
