/* Tests of src/truth.c: ground-truth tables, their errors, and rows that a
 * kill cut short. */
#include <stdio.h>
#include <stdlib.h>
#include <dirent.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "check.h"
#include "truth.h"

static char dir[64], path[128];

static void write_file(const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static void load_error(const char *text, const char *want_after_path)
{
    struct truth t;
    struct err e;
    struct space s;
    space_default_fmnist(&s);
    write_file(text);
    char want[512];
    snprintf(want, sizeof want, "%s%s", path, want_after_path);
    if (CHECK(truth_load(&t, path, &s, 0, &e) == -1))
        CHECK_STR(e.msg, want);
    CHECK(t.rows == NULL && t.n == 0);
}

#define K3 "k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3-k3e3"

static void test_round_trip(void)
{
    unlink(path);
    const char *comments[] = {"made by: test", "second"};
    struct err e;
    CHECK(truth_create(path, comments, 2, &e) == 0);
    CHECK(truth_create(path, comments, 2, &e) == 0); /* exists: left alone */
    struct truth_row r = {K3, 1, 149642, 3524800, 0.9137, 0.904, 3, 230.1, 0};
    CHECK(truth_append(path, &r, &e) == 0);
    r.seed = 2;
    CHECK(truth_append(path, &r, &e) == 0);
    struct truth t;
    CHECK(truth_load(&t, path, NULL, 0, &e) == 0);
    CHECK_EQ_INT(t.n, 2);
    CHECK_STR(t.rows[0].arch, K3);
    CHECK_EQ_INT(t.rows[1].seed, 2);
    CHECK_EQ_INT(t.rows[0].macs, 3524800);
    CHECK_NEAR(t.rows[0].test_accuracy, 0.904, 1e-12);
    CHECK_EQ_INT(t.rows[0].line, 4);
    CHECK_EQ_INT(truth_find(&t, K3, 2), 1);
    CHECK_EQ_INT(truth_find(&t, K3, 3), -1);
    truth_done(&t);
}

static void test_torn_row(void)
{
    write_file(TRUTH_HEADER "\n" K3 ",0,149642,3524800,0.9,0.9,3,1.0\n" K3 ",1,1496");
    struct truth t;
    struct err e;
    CHECK(truth_load(&t, path, NULL, 0, &e) == 0);
    CHECK_EQ_INT(t.n, 1); /* the cut row is not a row */
    truth_done(&t);
    struct truth_row r = {K3, 1, 149642, 3524800, 0.5, 0.5, 3, 2.0, 0};
    CHECK(truth_append(path, &r, &e) == 0);
    CHECK(truth_load(&t, path, NULL, 0, &e) == 0);
    CHECK_EQ_INT(t.n, 2);
    if (t.n == 2)
        CHECK_NEAR(t.rows[1].val_accuracy, 0.5, 1e-12);
    truth_done(&t);
}

/* Processes sharing a table (groundtruth --worker): six append the same
 * 80 rows at once with truth_append_new, in the same order; the table
 * then holds each row once, whole (truth_load refuses a second row of an
 * architecture and seed, and a torn one would not parse). */
static void test_concurrent_appends(void)
{
    unlink(path);
    const char *comments[] = {"made by: test"};
    struct err e;
    CHECK(truth_create(path, comments, 1, &e) == 0);
    enum { PROCS = 6, ROWS = 80 };
    pid_t pids[PROCS];
    for (int k = 0; k < PROCS; k++) {
        pids[k] = fork();
        if (pids[k] == 0) {
            int bad = 0;
            for (int i = 0; i < ROWS; i++) {
                struct truth_row r = {K3, i, 149642, 3524800, 0.5, 0.5,
                                      3, 1.0, 0};
                bad |= truth_append_new(path, &r, &e) < 0;
            }
            _exit(bad);
        }
    }
    for (int k = 0; k < PROCS; k++) {
        int st = -1;
        waitpid(pids[k], &st, 0);
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    }
    struct truth t;
    if (CHECK(truth_load(&t, path, NULL, 0, &e) == 0)) {
        CHECK_EQ_INT(t.n, ROWS);
        truth_done(&t);
    }
    struct truth_row r = {K3, 3, 149642, 3524800, 0.5, 0.5, 3, 1.0, 0};
    CHECK_EQ_INT(truth_append_new(path, &r, &e), 1); /* there already */
    r.seed = ROWS;
    CHECK_EQ_INT(truth_append_new(path, &r, &e), 0);
    /* a table there already is kept as it is, and no temporary file is left */
    CHECK(truth_create(path, comments, 1, &e) == 0);
    CHECK(truth_load(&t, path, NULL, 0, &e) == 0);
    CHECK_EQ_INT(t.n, ROWS + 1);
    truth_done(&t);
    DIR *d = opendir(dir);
    int files = 0;
    for (struct dirent *de; d && (de = readdir(d));)
        files += de->d_name[0] != '.';
    if (d)
        closedir(d);
    CHECK_EQ_INT(files, 1);
}

static void test_errors(void)
{
    load_error("arch,seed\n", ":1:1: error: expected the header '" TRUTH_HEADER "'");
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5\n",
               ":2:1: error: expected 8 fields (" TRUTH_HEADER "), found 5");
    load_error("# c\n" TRUTH_HEADER "\n" K3 ",0,1,2,1.5,0.5,3,1\n",
               ":3:67: error: accuracy '1.5' is not a number in [0, 1]");
    load_error(TRUTH_HEADER "\nk9e9,0,1,2,0.5,0.5,3,1\n",
               ":2:1: error: 'k9e9' is not an architecture of the space fmnist");
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,0,1\n",
               ":2:75: error: epochs '0' is not a whole number >= 1");
    /* found by tests/fuzz/fuzz_truth: seconds that are no number were taken */
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3,inf\n",
               ":2:77: error: seconds 'inf' is not a number >= 0");
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3,1e999\n",
               ":2:77: error: seconds '1e999' is not a number >= 0");
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3,nan\n",
               ":2:77: error: seconds 'nan' is not a number >= 0");
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3,-0.5\n",
               ":2:77: error: seconds '-0.5' is not a number >= 0");
    /* and numbers too large for their field were taken as others */
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3000000000,1\n",
               ":2:75: error: epochs '3000000000' is not a whole number >= 1");
    load_error(TRUTH_HEADER "\n" K3 ",0,9223372036854775808,2,0.5,0.5,3,1\n",
               ":2:63: error: params '9223372036854775808' is not a whole number");
    load_error(TRUTH_HEADER "\n" K3 ",0,1,-9223372036854775809,0.5,0.5,3,1\n",
               ":2:65: error: macs '-9223372036854775809' is not a whole number");
    /* a second row of one architecture and seed */
    load_error(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3,1\n" K3 ",1,1,2,0.6,0.6,3,1\n# c\n" K3
                            ",0,1,2,0.7,0.7,3,1\n",
               ":5:1: error: " K3 " with seed 0 is already on line 2 (one row per architecture "
               "and seed)");
    struct truth t;
    struct err e;
    unlink(path);
    CHECK(truth_load(&t, path, NULL, 1, &e) == 0 && t.n == 0);
    CHECK(truth_load(&t, path, NULL, 0, &e) == -1);
    char want[256];
    snprintf(want, sizeof want, "%s: error: cannot open: No such file or directory", path);
    CHECK_STR(e.msg, want);
}

/* a table continued must have been trained with the command's settings */
static void test_settings(void)
{
    const char *ours = "space fmnist, 4 epochs on 50000 images, batch 128, lr 0.1";
    struct err e;
    /* the same settings (another version, a comment of the user's): passes */
    write_file("# made by: oneshot groundtruth --epochs 4\n# kept by hand\n"
               "# oneshot 0.0.9, space fmnist, 4 epochs on 50000 images, batch 128, lr 0.1\n"
               TRUTH_HEADER "\n");
    CHECK(truth_check_settings(path, ours, &e) == 0);
    /* no settings line at all (a table made by hand): passes */
    write_file(TRUTH_HEADER "\n" K3 ",0,1,2,0.5,0.5,3,1\n");
    CHECK(truth_check_settings(path, ours, &e) == 0);
    /* other epochs: refused, naming the line and both */
    write_file("# made by: oneshot groundtruth --epochs 2\n"
               "# oneshot 0.1.0, space fmnist, 2 epochs on 50000 images, batch 128, lr 0.1\n"
               TRUTH_HEADER "\n");
    if (CHECK(truth_check_settings(path, ours, &e) == -1)) {
        char want[512];
        snprintf(want, sizeof want,
                 "%s:2:1: error: the table was trained with 'space fmnist, 2 epochs on 50000 "
                 "images, batch 128, lr 0.1', this command trains with '%s': continue it with "
                 "the same settings, or give another table",
                 path, ours);
        CHECK_STR(e.msg, want);
    }
    /* a comment after the rows is no settings line */
    write_file(TRUTH_HEADER "\n# oneshot 0.1.0, space tiny\n");
    CHECK(truth_check_settings(path, ours, &e) == 0);
}

int main(void)
{
    snprintf(dir, sizeof dir, "/tmp/oneshot-truth-XXXXXX");
    if (!mkdtemp(dir))
        return 1;
    snprintf(path, sizeof path, "%s/t.csv", dir);
    RUN(test_round_trip);
    RUN(test_torn_row);
    RUN(test_concurrent_appends);
    RUN(test_errors);
    RUN(test_settings);
    unlink(path);
    rmdir(dir);
    return check_done();
}
