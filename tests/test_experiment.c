/* Tests of src/experiment.c: the YAML experiment file, its defaults, its
 * errors (exact text and position), relative paths and the written-back form.
 * The methods' own sections (singlepath:, nao:, retrain:) are tested in
 * tests/test_expmethods.c; tests/expfixture.h is what both share. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "data.h"
#include "experiment.h"
#include "expfixture.h"

static void test_defaults(void)
{
    struct err e;
    /* an empty file (comments only) is every default */
    if (!CHECK(load_text("my-exp.yaml", "# nothing set\n", &e) == 0))
        printf("  %s\n", e.msg);
    char want[256];
    CHECK_STR(x.name, "my-exp");
    CHECK_STR(x.dir, dir);
    CHECK_STR(x.file, path);
    CHECK_EQ_INT(x.seed, 0);
    CHECK_EQ_INT(x.threads, 0);
    CHECK_STR(x.output.text, "runs/my-exp");
    join(want, sizeof want, "runs/my-exp");
    CHECK_STR(x.output.resolved, want);
    CHECK_EQ_INT(x.output.is_path, 1);
    CHECK_EQ_INT(x.output.line, 0);
    CHECK_STR(x.dataset.path.resolved, FMNIST_DIR);
    CHECK_EQ_INT(x.dataset.train_images, 50000);
    CHECK_EQ_INT(x.dataset.val_images, 10000);
    CHECK_STR(x.space.text, "fmnist");
    CHECK_STR(x.space.resolved, "fmnist");
    CHECK_EQ_INT(x.space.is_path, 0);
    CHECK_STR(x.supernet.sampler.resolved, "fair");
    CHECK_EQ_INT(x.supernet.sampler.is_path, 0);
    CHECK_EQ_INT(x.supernet.epochs, 1);
    CHECK_EQ_INT(x.supernet.batch, 128);
    CHECK_NEAR(x.supernet.lr, 0.1, 0);
    CHECK_EQ_INT(x.supernet.repeat, 1);
    CHECK_EQ_INT(x.supernet.pool, 0);
    CHECK_EQ_INT(x.supernet.iterations, 1);
    CHECK_EQ_INT(x.supernet.bn_recalibration, 2000);
    CHECK_STR(x.supernet.from.text, ""); /* new weights */
    CHECK_STR(x.search.strategy.resolved, "random");
    CHECK_EQ_INT(x.search.strategy.is_path, 0);
    CHECK_EQ_INT(x.search.generations, 10);
    CHECK_EQ_INT(x.search.population, 20);
    CHECK_EQ_INT(x.search.nparams, 0);
    CHECK_EQ_INT(x.nobjectives, 1);
    CHECK_STR(x.objectives[0].name, "accuracy");
    CHECK_EQ_INT(x.objectives[0].direction, EXP_MAXIMIZE);
    CHECK_NEAR(x.objectives[0].weight, 1.0, 0);
    CHECK_STR(x.objectives[0].device.resolved, "host");
    CHECK_STR(x.latency.device.resolved, "host");
    CHECK_EQ_INT(x.latency.device.is_path, 0);
    CHECK_EQ_INT(x.retrain.epochs, 0); /* off */
    CHECK_EQ_INT(x.retrain.images, 50000);
    CHECK_EQ_INT(x.retrain.seeds, 1);
    CHECK_EQ_INT(x.retrain.which, EXP_RETRAIN_CHOSEN);

    /* {} , a bare document and empty sections are the defaults too; the name
     * loses .yml; a later name: sets output's default */
    CHECK(load_text("b.yml", "{}\n", &e) == 0);
    CHECK_STR(x.name, "b");
    CHECK(load_text("c.yaml", "---\n", &e) == 0);
    CHECK_EQ_INT(x.supernet.epochs, 1);
    CHECK(load_text("d.yaml", "supernet:\nsearch: ~\ndataset: {}\noutput: out\nname: zz\n", &e) == 0);
    CHECK_EQ_INT(x.supernet.batch, 128);
    CHECK_STR(x.name, "zz");
    join(want, sizeof want, "out");
    CHECK_STR(x.output.resolved, want);
    CHECK(load_text("f.yaml", "name: later\n", &e) == 0);
    join(want, sizeof want, "runs/later");
    CHECK_STR(x.output.resolved, want);
    experiment_done(&x);
    CHECK_EQ_INT(x.nobjectives, 0);
}

static const char full[] =
    "# a full experiment\n"
    "name: quick\n"
    "seed: 7\n"
    "threads: 2\n"
    "output: runs/quick\n"
    "dataset:\n"
    "  path: /usr/share/datasets/fashion-mnist\n"
    "  train_images: 10000\n"
    "  val_images: 5000\n"
    "space: ../spaces/fmnist.lua\n"
    "supernet:\n"
    "  sampler: proportional\n"
    "  epochs: 3\n"
    "  batch: 256\n"
    "  lr: 0.05\n"
    "  repeat: 4\n"
    "  pool: 100\n"
    "  iterations: 5\n"
    "  bn_recalibration: 0\n"
    "  from: ../ckpt/sn.ckpt\n"
    "search:\n"
    "  strategy: ../lua/nsga2.lua\n"
    "  generations: 12\n"
    "  population: 30\n"
    "  params: {mutation: 0.1, crossover: \"0.5\", style: 'a b', empty: }\n"
    "objectives:\n"
    "  - name: accuracy\n"
    "    direction: maximize\n"
    "  - name: latency\n"
    "    direction: minimize\n"
    "    weight: 0.5\n"
    "    device: mobile-gpu\n"
    "  - {name: params, direction: minimize, weight: 2}\n"
    "latency:\n"
    "  device: tables/pixel4.csv\n"
    "retrain:\n"
    "  epochs: 2\n"
    "  images: 20000\n"
    "  seeds: 3\n"
    "  which: pareto\n";

static void check_full(const struct experiment *z, const char *where)
{
    char want[256];
    CHECK_STR(z->name, "quick");
    CHECK_EQ_INT(z->seed, 7);
    CHECK_EQ_INT(z->threads, 2);
    snprintf(want, sizeof want, "%s/runs/quick", where);
    CHECK_STR(z->output.resolved, want);
    CHECK_STR(z->dataset.path.resolved, "/usr/share/datasets/fashion-mnist");
    CHECK_EQ_INT(z->dataset.train_images, 10000);
    CHECK_EQ_INT(z->dataset.val_images, 5000);
    snprintf(want, sizeof want, "%s/../spaces/fmnist.lua", where);
    CHECK_STR(z->space.resolved, want);
    CHECK_EQ_INT(z->space.is_path, 1);
    CHECK_STR(z->supernet.sampler.resolved, "proportional");
    CHECK_EQ_INT(z->supernet.epochs, 3);
    CHECK_EQ_INT(z->supernet.batch, 256);
    CHECK_NEAR(z->supernet.lr, 0.05, 0);
    CHECK_EQ_INT(z->supernet.repeat, 4);
    CHECK_EQ_INT(z->supernet.pool, 100);
    CHECK_EQ_INT(z->supernet.iterations, 5);
    CHECK_EQ_INT(z->supernet.bn_recalibration, 0);
    snprintf(want, sizeof want, "%s/../ckpt/sn.ckpt", where);
    CHECK_STR(z->supernet.from.resolved, want);
    snprintf(want, sizeof want, "%s/../lua/nsga2.lua", where);
    CHECK_STR(z->search.strategy.resolved, want);
    CHECK_EQ_INT(z->search.strategy.is_path, 1);
    CHECK_EQ_INT(z->search.generations, 12);
    CHECK_EQ_INT(z->search.population, 30);
    if (CHECK(z->search.nparams == 4)) {
        CHECK_STR(z->search.params[0].key, "mutation");
        CHECK_STR(z->search.params[0].value, "0.1");
        CHECK_EQ_INT(z->search.params[0].quoted, 0);
        CHECK_STR(z->search.params[1].key, "crossover");
        CHECK_STR(z->search.params[1].value, "0.5");
        CHECK_EQ_INT(z->search.params[1].quoted, 1);
        CHECK_STR(z->search.params[2].value, "a b");
        CHECK_EQ_INT(z->search.params[2].quoted, 1);
        CHECK_STR(z->search.params[3].key, "empty");
        CHECK_STR(z->search.params[3].value, "");
        CHECK_EQ_INT(z->search.params[3].quoted, 0);
    }
    if (CHECK(z->nobjectives == 3)) {
        CHECK_STR(z->objectives[0].name, "accuracy");
        CHECK_EQ_INT(z->objectives[0].direction, EXP_MAXIMIZE);
        CHECK_NEAR(z->objectives[0].weight, 1, 0);
        /* no device of its own: the experiment's latency.device */
        CHECK_STR(z->objectives[0].device.resolved, z->latency.device.resolved);
        CHECK_EQ_INT(z->objectives[0].device.is_path, 1);
        CHECK_STR(z->objectives[1].name, "latency");
        CHECK_EQ_INT(z->objectives[1].direction, EXP_MINIMIZE);
        CHECK_NEAR(z->objectives[1].weight, 0.5, 0);
        CHECK_STR(z->objectives[1].device.resolved, "mobile-gpu");
        CHECK_EQ_INT(z->objectives[1].device.is_path, 0);
        CHECK_STR(z->objectives[2].name, "params");
        CHECK_EQ_INT(z->objectives[2].direction, EXP_MINIMIZE);
        CHECK_NEAR(z->objectives[2].weight, 2, 0);
    }
    snprintf(want, sizeof want, "%s/tables/pixel4.csv", where);
    CHECK_STR(z->latency.device.resolved, want);
    CHECK_EQ_INT(z->latency.device.is_path, 1);
    CHECK_EQ_INT(z->retrain.epochs, 2);
    CHECK_EQ_INT(z->retrain.images, 20000);
    CHECK_EQ_INT(z->retrain.seeds, 3);
    CHECK_EQ_INT(z->retrain.which, EXP_RETRAIN_PARETO);
}

static void test_full(void)
{
    struct err e;
    if (!CHECK(load_text("full.yaml", full, &e) == 0))
        printf("  %s\n", e.msg);
    check_full(&x, dir);
    /* texts as written and positions */
    CHECK_STR(x.output.text, "runs/quick");
    CHECK_STR(x.space.text, "../spaces/fmnist.lua");
    CHECK_EQ_INT(x.space.line, 10);
    CHECK_EQ_INT(x.space.col, 8);
    CHECK_STR(x.latency.device.text, "tables/pixel4.csv");
    CHECK_STR(x.supernet.from.text, "../ckpt/sn.ckpt");
    CHECK_EQ_INT(x.supernet.from.line, 20);
    CHECK_EQ_INT(x.search.params[1].key_line, 25);
    CHECK_EQ_INT(x.search.params[1].key_col, 27);
    CHECK_EQ_INT(x.search.params[1].line, 25);
    CHECK_EQ_INT(x.search.params[1].col, 38);
    CHECK_EQ_INT(x.objectives[1].line, 29);
    CHECK_EQ_INT(x.objectives[1].col, 5);
    CHECK_EQ_INT(x.objectives[1].name_line, 29);
    CHECK_EQ_INT(x.objectives[1].name_col, 11);
    CHECK_EQ_INT(x.objectives[2].line, 33);
    CHECK_EQ_INT(x.objectives[2].col, 5);
    CHECK_STR(exp_direction_name(x.objectives[1].direction), "minimize");
}

static void test_relative_paths(void)
{
    struct err e;
    char sub[128], want[256], cwd[512];
    snprintf(sub, sizeof sub, "%s/sub", dir);
    mkdir(sub, 0700);
    snprintf(path, sizeof path, "%s/sub/r.yaml", dir);
    write_text(path, "output: ./a//b/./c/\n"
                     "space: my-space.lua\n"
                     "dataset: {path: /abs/data}\n"
                     "supernet: {sampler: ../samplers/mine.lua}\n"
                     "search: {strategy: evolution}\n"
                     "latency: {device: ../pixel4.csv}\n"
                     "objectives: [{name: latency, direction: minimize, device: t/d.lua}]\n");
    /* loaded by a relative path: resolved against the current directory */
    if (!CHECK(getcwd(cwd, sizeof cwd) != NULL) || !CHECK(chdir(dir) == 0))
        return;
    int rc = experiment_load(&x, "sub/r.yaml", &e);
    CHECK(chdir(cwd) == 0);
    if (!CHECK(rc == 0))
        printf("  %s\n", e.msg);
    CHECK_STR(x.dir, sub);
    CHECK_STR(x.file, "sub/r.yaml");
    CHECK_STR(x.name, "r");
    snprintf(want, sizeof want, "%s/a/b/c", sub);
    CHECK_STR(x.output.resolved, want);
    CHECK_STR(x.output.text, "./a//b/./c/");
    snprintf(want, sizeof want, "%s/my-space.lua", sub);
    CHECK_STR(x.space.resolved, want);
    CHECK_EQ_INT(x.space.is_path, 1);
    CHECK_STR(x.dataset.path.resolved, "/abs/data");
    snprintf(want, sizeof want, "%s/../samplers/mine.lua", sub);
    CHECK_STR(x.supernet.sampler.resolved, want);
    CHECK_EQ_INT(x.supernet.sampler.is_path, 1);
    CHECK_STR(x.search.strategy.resolved, "evolution"); /* a name: left as it is */
    CHECK_EQ_INT(x.search.strategy.is_path, 0);
    snprintf(want, sizeof want, "%s/../pixel4.csv", sub);
    CHECK_STR(x.latency.device.resolved, want);
    snprintf(want, sizeof want, "%s/t/d.lua", sub);
    CHECK_STR(x.objectives[0].device.resolved, want);

    /* "." and the file in the current directory */
    snprintf(path, sizeof path, "%s/sub/dot.yaml", dir);
    write_text(path, "output: .\n");
    if (!CHECK(chdir(sub) == 0))
        return;
    rc = experiment_load(&x, "dot.yaml", &e);
    CHECK(chdir(cwd) == 0);
    CHECK(rc == 0);
    CHECK_STR(x.output.resolved, sub);
    unlink(path);
    snprintf(path, sizeof path, "%s/sub/r.yaml", dir);
    unlink(path);
    rmdir(sub);
}

/* Written back, the experiment loads to the same values from another
 * directory (every path is absolute). */
static void test_round_trip(void)
{
    struct err e;
    if (!CHECK(load_text("full.yaml", full, &e) == 0))
        return;
    char sub[128], out[256];
    snprintf(sub, sizeof sub, "%s/run", dir);
    mkdir(sub, 0700);
    snprintf(out, sizeof out, "%s/experiment.yaml", sub);
    if (!CHECK(experiment_save(&x, out, &e) == 0))
        printf("  %s\n", e.msg);
    if (!CHECK(experiment_load(&y, out, &e) == 0))
        printf("  %s\n", e.msg);
    check_full(&y, dir);
    CHECK_STR(y.name, x.name);
    /* unusual text survives too: quotes, backslashes, a number-like string,
     * a plain value with odd characters, a weight needing 17 digits */
    if (!CHECK(load_text("odd.yaml",
                         "name: 'we \"quote\" \\ it'\n"
                         "seed: 9223372036854775807\n"
                         "supernet: {lr: 0.30000000000000004}\n"
                         "search:\n"
                         "  params:\n"
                         "    \"k: 1\": \"-\"\n"
                         "    n: -1.5e3\n"
                         "    s: \"007\"\n"
                         "    t: a:b # comment\n"
                         "    u: ~\n"
                         "objectives:\n"
                         "  - {name: acc_1, direction: maximize, weight: 0.1}\n",
                         &e) == 0))
        printf("  %s\n", e.msg);
    if (!CHECK(experiment_save(&x, out, &e) == 0))
        return;
    if (!CHECK(experiment_load(&y, out, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_STR(y.name, "we \"quote\" \\ it");
    CHECK(y.seed == 9223372036854775807ull);
    CHECK(y.supernet.lr == 0.30000000000000004);
    CHECK(y.objectives[0].weight == 0.1);
    CHECK_EQ_INT(y.search.nparams, 5);
    for (int i = 0; i < 5 && i < y.search.nparams; i++) {
        CHECK_STR(y.search.params[i].key, x.search.params[i].key);
        CHECK_STR(y.search.params[i].value, x.search.params[i].value);
    }
    CHECK_EQ_INT(y.search.params[0].quoted, 1);
    CHECK_EQ_INT(y.search.params[1].quoted, 0);
    CHECK_EQ_INT(y.search.params[2].quoted, 1);
    CHECK_STR(y.search.params[3].value, "a:b");
    CHECK_STR(y.search.params[4].value, "~");
    /* the written text itself: the as-written comment, the shortest number */
    FILE *f = fopen(out, "r");
    char text[4096] = "";
    if (CHECK(f != NULL)) {
        size_t n = fread(text, 1, sizeof text - 1, f);
        text[n] = '\0';
        fclose(f);
    }
    CHECK(strstr(text, "  lr: 0.30000000000000004\n") != NULL);
    CHECK(strstr(text, "    weight: 0.1\n") != NULL);
    CHECK(strstr(text, "# as written: runs/we \"quote\" \\ it\n") != NULL);
    unlink(out);
    rmdir(sub);
}

static void test_quick_example(void)
{
    if (!LOAD_EXAMPLE("quick.yaml"))
        return;
    CHECK_STR(x.name, "quick");
    CHECK_STR(x.space.resolved, "fmnist-skip");
    CHECK_EQ_INT(x.dataset.train_images, 10000);
    CHECK_STR(x.supernet.sampler.resolved, "fair");
    CHECK_EQ_INT(x.supernet.epochs, 2);
    CHECK_STR(x.search.strategy.resolved, "random");
    CHECK_EQ_INT(x.search.generations, 5);
    CHECK_EQ_INT(x.search.population, 10);
    CHECK_STR(x.output.text, "runs/quick");
    if (CHECK(x.nobjectives == 2)) {
        CHECK_STR(x.objectives[0].name, "accuracy");
        CHECK_EQ_INT(x.objectives[0].direction, EXP_MAXIMIZE);
        CHECK_STR(x.objectives[1].name, "params");
        CHECK_EQ_INT(x.objectives[1].direction, EXP_MINIMIZE);
    }
    CHECK_EQ_INT(x.retrain.epochs, 0); /* the quick run does not retrain */
}

/* The error kinds of the brief, exactly. */
static void test_errors(void)
{
    /* unknown key, with and without a suggestion */
    LOAD_ERROR("supernet:\n  sampelr: fair\n",
               ":2:3: error: unknown key 'sampelr' in supernet (did you mean 'sampler'?)");
    LOAD_ERROR("sed: 1\n", ":1:1: error: unknown key 'sed' (did you mean 'seed'?)");
    LOAD_ERROR("search:\n  gen: 3\n",
               ":2:3: error: unknown key 'gen' in search (did you mean 'generations'?)");
    LOAD_ERROR("supernet:\n  zzz: 1\n", ":2:3: error: unknown key 'zzz' in supernet");
    LOAD_ERROR("epochs: 3\n", ":1:1: error: unknown key 'epochs' (it belongs in supernet)");
    LOAD_ERROR("epochss: 3\n",
               ":1:1: error: unknown key 'epochss' (did you mean 'epochs' in supernet?)");
    LOAD_ERROR("search:\n  threads: 3\n",
               ":2:3: error: unknown key 'threads' in search (it belongs at the top level)");
    LOAD_ERROR("objectives:\n  - name: accuracy\n    direction: maximize\n    wieght: 2\n",
               ":4:5: error: unknown key 'wieght' in objectives[0] (did you mean 'weight'?)");
    /* wrong type */
    LOAD_ERROR("supernet:\n  epochs: many\n",
               ":2:11: error: supernet.epochs: expected a whole number, got 'many'");
    LOAD_ERROR("supernet:\n  epochs: 1.5\n",
               ":2:11: error: supernet.epochs: expected a whole number, got '1.5'");
    LOAD_ERROR("supernet:\n  epochs: [1]\n",
               ":2:11: error: supernet.epochs: expected a whole number, got a list");
    LOAD_ERROR("supernet:\n  epochs:\n",
               ":2:10: error: supernet.epochs: expected a whole number, got nothing");
    LOAD_ERROR("supernet:\n  lr: fast\n", ":2:7: error: supernet.lr: expected a number, got 'fast'");
    LOAD_ERROR("supernet:\n  lr: nan\n", ":2:7: error: supernet.lr: expected a number, got 'nan'");
    LOAD_ERROR("supernet: fair\n", ":1:11: error: supernet: expected a mapping, got 'fair'");
    LOAD_ERROR("name: {a: 1}\n", ":1:7: error: name: expected a name, got a mapping");
    LOAD_ERROR("search:\n  params: {a: [1, 2]}\n",
               ":2:15: error: search.params.a: expected a number or a string, got a list");
    LOAD_ERROR("objectives: accuracy\n",
               ":1:13: error: objectives: expected a list, got 'accuracy'");
    LOAD_ERROR("objectives:\n  - accuracy\n",
               ":2:5: error: objectives[0]: expected a mapping (name, direction, weight, device), "
               "got 'accuracy'");
    /* out of range */
    LOAD_ERROR("supernet:\n  epochs: 0\n",
               ":2:11: error: supernet.epochs: 0 is out of range (1 to 100000)");
    LOAD_ERROR("supernet:\n  pool: 5000\n",
               ":2:9: error: supernet.pool: 5000 is out of range (0 to 4096)");
    LOAD_ERROR("seed: -1\n", ":1:7: error: seed: -1 is out of range (0 to 9223372036854775807)");
    LOAD_ERROR("seed: 99999999999999999999\n",
               ":1:7: error: seed: 99999999999999999999 is out of range (0 to 9223372036854775807)");
    LOAD_ERROR("search: {population: 1}\n",
               ":1:22: error: search.population: 1 is out of range (2 to 100000)");
    LOAD_ERROR("supernet:\n  lr: 0\n", ":2:7: error: supernet.lr: 0 is out of range (greater than 0)");
    LOAD_ERROR("supernet:\n  lr: 1e999\n", ":2:7: error: supernet.lr: 1e999 is too large");
    LOAD_ERROR("objectives:\n  - {name: a, direction: maximize, weight: -1}\n",
               ":2:44: error: objectives[0].weight: -1 is out of range (greater than 0)");
    LOAD_ERROR("dataset:\n  val_images: 5000\n  train_images: 55001\n",
               ":3:17: error: dataset: train_images + val_images is 60001, more than the 60000 "
               "images of the training set");
    LOAD_ERROR("dataset:\n  train_images: 60000\n",
               ":2:17: error: dataset: train_images + val_images is 70000, more than the 60000 "
               "images of the training set");
    /* wrong enum */
    LOAD_ERROR("supernet:\n  sampler: fiar\n",
               ":2:12: error: supernet.sampler: 'fiar' is not one of uniform, fair, proportional "
               "(or a .lua file)");
    LOAD_ERROR("space: fmnits\n",
               ":1:8: error: space: 'fmnits' is not one of fmnist, fmnist-se, fmnist-skip, "
               "fmnist-se-skip, tiny (or a .lua file)");
    LOAD_ERROR("latency:\n  device: gpu\n",
               ":2:11: error: latency.device: 'gpu' is not one of host, mobile-gpu, mobile-cpu "
               "(or a path to a table)");
    LOAD_ERROR("objectives:\n  - name: accuracy\n    direction: max\n",
               ":3:16: error: objectives[0].direction: 'max' is not one of maximize, minimize");
    LOAD_ERROR("search: {strategy: 'my strategy'}\n",
               ":1:20: error: search.strategy: 'my strategy' is neither a name (letters, digits, "
               "'_' and '-') nor a path (with a '/' or ending in .lua)");
    LOAD_ERROR("objectives:\n  - {name: top-1, direction: maximize}\n",
               ":2:12: error: objectives[0].name: 'top-1' is not a name (letters, digits and '_', "
               "not starting with a digit)");
    LOAD_ERROR("name: a/b\n", ":1:7: error: name: 'a/b' is not a name (no '/', not starting with '.')");
    LOAD_ERROR("output: ~/runs\n", ":1:9: error: output: '~' is not expanded; write the path in full");
    /* duplicate keys */
    LOAD_ERROR("seed: 1\nseed: 2\n", ":2:1: error: duplicate key 'seed' (first at 1:1)");
    LOAD_ERROR("supernet:\n  epochs: 1\n  batch: 2\n  epochs: 3\n",
               ":4:3: error: duplicate key 'epochs' in supernet (first at 2:3)");
    LOAD_ERROR("search: {params: {a: 1, a: 2}}\n",
               ":1:25: error: duplicate key 'a' in search.params (first at 1:19)");
    LOAD_ERROR("objectives:\n  - {name: accuracy, direction: maximize}\n"
               "  - {name: accuracy, direction: minimize}\n",
               ":3:5: error: objectives[1]: 'accuracy' is already objectives[0] (at 2:5)");
    /* YAML syntax errors: libyaml's words at its mark */
    LOAD_ERROR("supernet:\n  epochs: 1\n batch: 2\n",
               ":3:2: error: did not find expected key (while parsing a block mapping at 1:1)");
    LOAD_ERROR("seed: [1\n",
               ":2:1: error: did not find expected ',' or ']' (while parsing a flow sequence at "
               "1:7)");
    LOAD_ERROR("seed: 1: 2\n", ":1:8: error: mapping values are not allowed in this context");
    LOAD_ERROR("name: ok\nx: \"\xff\"\n", ":2:5: error: invalid leading UTF-8 octet (0xFF)");
    LOAD_ERROR("a: 1\n---\nb: 2\n",
               ":3:1: error: a second document: an experiment file holds one");
    /* objectives: a missing required key, at the list item */
    LOAD_ERROR("objectives:\n  - name: accuracy\n",
               ":2:5: error: objectives[0]: missing key 'direction'");
    LOAD_ERROR("objectives:\n  - name: accuracy\n    direction: maximize\n  - weight: 2\n"
               "    direction: minimize\n",
               ":4:5: error: objectives[1]: missing key 'name'");
    LOAD_ERROR("objectives: []\n", ":1:13: error: objectives: at least one objective is needed");
    /* not a mapping at the top */
    LOAD_ERROR("- a\n- b\n",
               ":1:1: error: expected a mapping of keys at the top of the file, got a list");
    LOAD_ERROR("hello\n",
               ":1:1: error: expected a mapping of keys at the top of the file, got 'hello'");

    /* a missing file */
    struct err e;
    char p[256], want[400];
    snprintf(p, sizeof p, "%s/nope.yaml", dir);
    CHECK(experiment_load(&x, p, &e) == -1);
    snprintf(want, sizeof want, "%s: error: cannot open: No such file or directory", p);
    CHECK_STR(e.msg, want);
    /* the longest name fits; one more byte does not */
    char text[200], name[130];
    memset(name, 'n', 127);
    name[127] = '\0';
    snprintf(text, sizeof text, "name: %s\n", name);
    CHECK(load_text("long.yaml", text, &e) == 0);
    CHECK_STR(x.name, name);
    snprintf(text, sizeof text, "name: %sn\n", name);
    CHECK(load_text("long.yaml", text, &e) == -1);
    snprintf(want, sizeof want, "%s:1:7: error: name: too long (128 bytes, at most 127)", path);
    CHECK_STR(e.msg, want);
    unlink(path);
    /* a file name that makes no name */
    CHECK(load_text(".yaml", "seed: 1\n", &e) == -1);
    snprintf(want, sizeof want,
             "%s: error: cannot make an experiment name of the file name ''; set name:", path);
    CHECK_STR(e.msg, want);
    CHECK(load_text(".yaml", "seed: 1\nname: ok\n", &e) == 0);
    unlink(path);
}

/* Text that YAML reads as a line break or does not let stand in a file
 * comes back as it was (found by tests/fuzz/fuzz_experiment: a name with
 * "\N", U+0085, written as it is, ended the line of its "# as written"
 * comment and was folded to a space in its quotes). */
static void test_round_trip_odd_text(void)
{
    struct err e;
    const char *yaml = "name: \"a\\Nb\\Lc\\Pd\\x80e\\uFEFFf\\uFFFEg\\u00e9\"\n"
                       "search:\n"
                       "  params: {k: \"x\\Ny\", n: caf\xc3\xa9}\n";
    if (!CHECK(load_text("odd-text.yaml", yaml, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_STR(x.name, "a\xc2\x85" "b\xe2\x80\xa8" "c\xe2\x80\xa9" "d\xc2\x80" "e\xef\xbb\xbf"
                      "f\xef\xbf\xbe" "g\xc3\xa9");
    char out[256];
    snprintf(out, sizeof out, "%s/odd-saved.yaml", dir);
    if (!CHECK(experiment_save(&x, out, &e) == 0))
        return;
    if (!CHECK(experiment_load(&y, out, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_STR(y.name, x.name);
    CHECK_STR(y.output.resolved, x.output.resolved);
    CHECK_EQ_INT(y.search.nparams, 2);
    CHECK_STR(y.search.params[0].value, x.search.params[0].value);
    CHECK_STR(y.search.params[1].value, "caf\xc3\xa9");
}

/* A file of exactly EXP_FILE_MAX bytes loads (its buffer grows to it); one
 * byte more is refused. */
static void test_file_size(void)
{
    char *text = malloc(EXP_FILE_MAX + 2);
    if (!CHECK(text))
        return;
    const char *body = "name: big\nseed: 7\n";
    size_t n = strlen(body);
    memcpy(text, body, n);
    memset(text + n, ' ', EXP_FILE_MAX - n - 1);
    text[n] = '#'; /* a comment of spaces fills the file */
    text[EXP_FILE_MAX - 1] = '\n';
    text[EXP_FILE_MAX] = 0;
    struct err e;
    if (!CHECK(load_text("big.yaml", text, &e) == 0))
        printf("  %s\n", e.msg);
    CHECK_STR(x.name, "big");
    CHECK_EQ_INT(x.seed, 7);
    text[EXP_FILE_MAX - 1] = ' ';
    text[EXP_FILE_MAX] = '\n';
    text[EXP_FILE_MAX + 1] = 0;
    char want[64];
    snprintf(want, sizeof want, ": error: larger than %d bytes: not an experiment file",
             EXP_FILE_MAX);
    LOAD_ERROR(text, want);
    free(text);
}

int main(void)
{
    if (fixture_open("experiment"))
        return 1;
    RUN(test_defaults);
    RUN(test_full);
    RUN(test_relative_paths);
    RUN(test_round_trip);
    RUN(test_quick_example);
    RUN(test_errors);
    RUN(test_file_size);
    RUN(test_round_trip_odd_text);
    fixture_close();
    return check_done();
}
