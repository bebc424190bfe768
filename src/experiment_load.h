/* experiment_load: what the reader of experiment files (experiment.c)
 * shares with the reader of the methods' own sections (experiment_method.c).
 * Internal to those two files; everyone else uses src/experiment.h. */
#ifndef ONESHOT_EXPERIMENT_LOAD_H
#define ONESHOT_EXPERIMENT_LOAD_H

#include <stddef.h>

#include "experiment.h"
#include "yamldoc.h"

struct exp_reader {
    const char *dir;         /* absolute directory of the file */
    const struct yamldoc *y; /* the file */
};

/* The keys of the sections singlepath and nao (NULL-terminated; the tables
 * are experiment.c's, with the other sections'). */
extern const char *const *const exp_singlepath_keys;
extern const char *const *const exp_nao_keys;

/* "where.key" (or "key" at the top) into out. */
void exp_key_path(char *out, size_t size, const char *where, const char *key);

/* A mapping whose keys are all in keys, or nothing (*map NULL: the section
 * is left at its defaults).  0, or -1 with the error at the node. */
int exp_get_section(const struct exp_reader *c, const yaml_node_t *n, const char *path,
                    const char *const *keys, const yaml_node_t **map);

/* One of names (NULL-terminated, at least two) into *index:
 * `path: 'x' is not one of a, b`, `path: expected a or b, got a list`. */
int exp_get_choice(const struct exp_reader *c, const yaml_node_t *n, const char *path,
                   const char *const *names, int *index);

/* The sections that only one method reads, as the file gives them (their
 * keys), and values checked against the method. */
struct exp_method_keys {
    const yaml_node_t *supernet, *search, *objectives, *singlepath, *nao; /* keys */
    const yaml_node_t *which, *warmup, *trials, *calib;                   /* values */
};

/* The singlepath section into x; warmup, trials: set to the nodes of
 * singlepath.warmup_epochs and singlepath.trials when the file gives them.
 * 0 or -1. */
int exp_load_singlepath(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x,
                        const yaml_node_t **warmup, const yaml_node_t **trials);

/* The nao section into x; calib: set to the node of nao.bn_recalibration
 * when the file gives it (checked against dataset.train_images after the
 * whole file).  0 or -1. */
int exp_load_nao(const struct exp_reader *c, const yaml_node_t *n, struct experiment *x,
                 const yaml_node_t **calib);

/* A section of another method than x's is an error at its key, as is
 * retrain.which pareto with a method that finds one architecture, and NAO's
 * recalibration on more images than the training has.  0 or -1. */
int exp_check_method(const struct exp_reader *c, const struct experiment *x,
                     const struct exp_method_keys *m);

#endif
