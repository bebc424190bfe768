/* experiment: an experiment described in a YAML file (oneshot.yaml(5)).
 *
 * experiment_load reads the file with libyaml, checks every key, type and
 * range, fills in the defaults and resolves relative paths against the file's
 * directory.  Errors follow err.h, one line with the position of the offending
 * value: `quick.yaml:7:11: error: supernet.epochs: 0 is out of range (1 to 100000)`.
 * experiment_write writes the resolved experiment back as YAML (a run
 * directory keeps it), which loads back to the same values from anywhere.
 *
 * Every string lives in a fixed-size array inside the struct (about 45 KB,
 * nothing allocated, plain to copy); a value longer than its array is an
 * error at its position.  experiment_done exists for symmetry and clears the
 * struct. */
#ifndef ONESHOT_EXPERIMENT_H
#define ONESHOT_EXPERIMENT_H

#include <stdint.h>
#include <stdio.h>

#include "err.h"

#define EXP_NAME_MAX 128        /* names: experiment, objective (with the NUL) */
#define EXP_PATH_MAX 1024       /* paths and names-or-paths (with the NUL) */
#define EXP_MAX_OBJECTIVES 8
#define EXP_MAX_PARAMS 32       /* entries of search.params */
#define EXP_PARAM_KEY_MAX 64
#define EXP_PARAM_VALUE_MAX 256
#define EXP_MAX_GENERATIONS 100000 /* search.generations and population at most */
#define EXP_FILE_MAX (1 << 20)  /* larger files are refused */
#define EXP_TOTAL_IMAGES 60000  /* images of the Fashion-MNIST training file */
#define EXP_MAX_SEEDS 1000      /* retrain.seeds at most */
#define EXP_MAX_TRIALS 64       /* singlepath.trials at most */
#define EXP_NAO_MAX_ROUNDS 100  /* nao.rounds at most (src/naosearch.h's bound) */
#define EXP_NAO_MAX_POOL 100000 /* nao.seed_archs, new_archs, top_k at most */
#define EXP_NAO_MAX_RERANK 100  /* nao.rerank at most */

/* A value that is a built-in name or a path (space, sampler, strategy,
 * devices), or always a path (output, dataset.path). */
struct exp_ref {
    char text[EXP_PATH_MAX];     /* as written in the file, or the default */
    char resolved[EXP_PATH_MAX]; /* is_path: absolute, relative ones joined to the
                                    file's directory ("." dropped, ".." kept);
                                    a name: the same as text */
    int is_path;                 /* 1: a file or directory; 0: a built-in name */
    int line, col;               /* 1-based position of the value; 0 0: the default */
};

/* One entry of search.params, kept as text for the strategy to interpret. */
struct exp_param {
    char key[EXP_PARAM_KEY_MAX];
    char value[EXP_PARAM_VALUE_MAX]; /* the scalar's text; a null value is "" or "~" as written */
    int quoted;                      /* 1: the value was quoted: a string even if it reads as a number */
    int key_line, key_col;           /* 1-based positions of the key and of the value */
    int line, col;
};

enum exp_direction { EXP_MAXIMIZE, EXP_MINIMIZE };

/* How a run searches: a weight-sharing supernet then a search strategy over
 * it (supernet, search, objectives), Single-Path NAS, whose training is the
 * search (singlepath), or NAO-V2, rounds of a supernet trained on the
 * architectures a controller proposes (nao). */
enum exp_method { EXP_ONESHOT, EXP_SINGLEPATH, EXP_NAO };

/* nao.bn: how NAO scores the pool: BatchNorm statistics re-estimated per
 * architecture, or each evaluation batch's own (the authors'). */
enum exp_nao_bn { EXP_NAO_BN_RECAL, EXP_NAO_BN_BATCH };
/* nao.reinit: what a round restarts: the learning rate's schedule, or the
 * supernet's weights too. */
enum exp_nao_reinit { EXP_NAO_REINIT_SCHEDULE, EXP_NAO_REINIT_WEIGHTS };

/* Which architectures retraining trains: chosen.txt's (each once), or every
 * one of pareto.csv. */
enum exp_retrain_which { EXP_RETRAIN_CHOSEN, EXP_RETRAIN_PARETO };

struct exp_objective {
    char name[EXP_NAME_MAX];     /* accuracy, latency, params, macs or a Lua-computed name */
    enum exp_direction direction;
    double weight;               /* > 0 */
    struct exp_ref device;       /* like latency.device; [latency.device] */
    int line, col;               /* the list item (its first key); 0 0: the default objective */
    int name_line, name_col;     /* the name's value */
};

struct experiment {
    char file[EXP_PATH_MAX];  /* the path experiment_load was given */
    char dir[EXP_PATH_MAX];   /* absolute directory of that file */
    char name[EXP_NAME_MAX];  /* [file name without .yaml / .yml] */
    enum exp_method method;   /* [EXP_ONESHOT] */
    uint64_t seed;            /* 0 .. INT64_MAX [0] */
    int threads;              /* 0 .. 1024, 0 = all cores [0] */
    struct exp_ref output;    /* always a path [runs/NAME] */
    struct {
        struct exp_ref path;  /* always a path [FMNIST_DIR] */
        int train_images;     /* 1 .. 60000 [50000] */
        int val_images;       /* 1 .. 60000 [10000]; train + val <= 60000 */
    } dataset;
    struct exp_ref space;     /* fmnist, fmnist-se, fmnist-skip, fmnist-se-skip, tiny,
                                 or a path (has a '/' or ends in .lua) [fmnist] */
    struct {
        struct exp_ref sampler; /* uniform, fair, proportional or a .lua path [fair] */
        int epochs;             /* 1 .. 100000 [1] */
        int batch;              /* 1 .. 65536 [128] */
        double lr;              /* > 0 [0.1] */
        int repeat;             /* 1 .. 1000000 [1] */
        int pool;               /* 0 .. 4096 [0] */
        int iterations;         /* 1 .. 1000 [1] */
        int bn_recalibration;   /* images, 0 .. 60000, 0 = off [2000] */
        double shared_lr;       /* multiplier of lr for the shared stem and head, > 0 [1] */
        double label_smoothing; /* 0 .. 0.99 [0] */
        struct exp_ref from;    /* a supernet checkpoint to start from, always a path;
                                   text "" = new weights [none] */
    } supernet;
    struct {
        struct exp_ref strategy; /* a name, or a path (has a '/' or ends in .lua) [random] */
        int generations;         /* 1 .. 100000 [10] */
        int population;          /* 2 .. 100000 [20] */
        int nparams;
        struct exp_param params[EXP_MAX_PARAMS]; /* in file order */
        struct exp_ref metrics;  /* a Lua file of metrics, always a path; text "" = none [none] */
    } search;
    int nobjectives;          /* 1 .. EXP_MAX_OBJECTIVES [accuracy maximize 1] */
    struct exp_objective objectives[EXP_MAX_OBJECTIVES];
    struct {
        struct exp_ref device; /* host, mobile-gpu, mobile-cpu, or a path to a
                                  table (has a '/' or a '.') [host] */
    } latency;
    struct {                  /* method singlepath (src/singlepath.h's settings) */
        int epochs;             /* 1 .. 100000 [8] */
        int batch;              /* 1 .. 65536 [128] */
        double lr;              /* per 256 images, > 0 and at most 1000 [0.016] */
        double lambda;          /* of lambda ln R, 0 .. 1e9 [20] */
        double warmup_epochs;   /* 0 .. epochs [5/8 of epochs] */
        double keep;            /* warm-up keep probability, > 0 and at most 1 [0.6] */
        double label_smoothing; /* 0 .. 0.99 [0.1] */
        int bn_recalibration;   /* images, 0 .. 60000, 0 = off [2000]: of the proxy
                                   accuracy's BatchNorm recalibration */
        double target_ms;       /* lambda tuned for this latency, > 0; 0 = none [0]: then
                                   lambda is the first trial's (> 0) */
        int trials;             /* the tuning's budget, 1 .. EXP_MAX_TRIALS [8] */
        int target_line, target_col; /* position of target_ms (0 0: not given) */
    } singlepath;
    struct {                  /* method nao (src/naosearch.h's settings, and the re-rank) */
        int rounds;             /* supernet phases, 1 .. EXP_NAO_MAX_ROUNDS [3] */
        int seed_archs;         /* round 1's random architectures, 2 .. EXP_NAO_MAX_POOL [40] */
        int new_archs;          /* generated a round, 1 .. EXP_NAO_MAX_POOL [20] */
        int top_k;              /* generation moves the top_k best, 1 .. EXP_NAO_MAX_POOL [20] */
        int max_eta;            /* generation's largest step, 1 .. 100000 [50] */
        int epochs_per_round;   /* supernet epochs a round, 1 .. 100000 [4] */
        int controller_epochs;  /* a round's controller epochs, 0 .. 1000000 [300] */
        int batch;              /* supernet batch, 1 .. 65536 [128] */
        double lr;              /* the supernet's peak learning rate, > 0, at most 1000 [0.1] */
        enum exp_nao_bn bn;     /* [EXP_NAO_BN_RECAL] */
        int bn_recalibration;   /* recal: training images of the re-estimate, 1 .. 60000 [500] */
        int eval_batch;         /* images a forward pass of the scoring, 1 .. 65536 [500] */
        enum exp_nao_reinit reinit; /* [EXP_NAO_REINIT_SCHEDULE] */
        int rerank;             /* the best trained alone to re-rank them, 0 .. EXP_NAO_MAX_RERANK
                                   [5] */
        int rerank_epochs;      /* epochs of each, 1 .. 100000 [1] */
    } nao;
    struct {                  /* the search checked: its picks trained stand-alone */
        int epochs;           /* 0 .. 100000, 0 = off [0] */
        int images;           /* training images, the first of the training file,
                                 1 .. 60000; images + dataset.val_images <= 60000,
                                 at least a batch when on [dataset.train_images] */
        int seeds;            /* trainings of each, seeded seed, seed + 1, ...:
                                 1 .. EXP_MAX_SEEDS [1] */
        enum exp_retrain_which which; /* [EXP_RETRAIN_CHOSEN]; singlepath, nao: chosen */
    } retrain;
};

/* Fills x with the defaults of an experiment named name whose file lives in
 * the absolute directory dir (relative defaults resolve against it). */
void experiment_defaults(struct experiment *x, const char *name, const char *dir);

/* Loads the experiment file at path.  Returns 0, or -1 with e filled in
 * (`path: error: cannot open: No such file or directory`, or an error at the
 * value's line and column); on error x holds the defaults or part of the file. */
int experiment_load(struct experiment *x, const char *path, struct err *e);

/* Clears x (nothing is owned). */
void experiment_done(struct experiment *x);

/* Writes the resolved experiment as YAML: every key, paths absolute, the text
 * of a path as written kept in a comment.  Returns 0, or -1 when writing
 * failed (errno tells why). */
int experiment_write(const struct experiment *x, FILE *f);

/* experiment_write to a file (written to path.tmp, then renamed).  Errors name
 * the path.  Returns 0 or -1. */
int experiment_save(const struct experiment *x, const char *path, struct err *e);

/* The name of the metric objective j stands for: its name, except for a
 * latency objective on another device than latency.device, which is
 * "latency@DEVICE" (DEVICE as written, a path without its directories).
 * out holds n bytes. */
void experiment_objective_metric(const struct experiment *x, int j, char *out, size_t n);

/* The batch of the run's trainings: supernet.batch, singlepath.batch or
 * nao.batch (the method's), which retraining uses too. */
int experiment_batch(const struct experiment *x);

/* "oneshot", "singlepath" or "nao". */
const char *exp_method_name(enum exp_method m);

/* "maximize" or "minimize". */
const char *exp_direction_name(enum exp_direction d);

/* "chosen" or "pareto". */
const char *exp_retrain_which_name(enum exp_retrain_which w);

/* "recal" or "batch"; "schedule" or "weights". */
const char *exp_nao_bn_name(enum exp_nao_bn b);
const char *exp_nao_reinit_name(enum exp_nao_reinit r);

#endif
