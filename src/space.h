/* space: a search space described as data, and architectures over it.
 *
 * A space is a stem, stages of searchable layers (channels, layer count, stride
 * of the first layer), a choice set per layer and a head.  The engine builds any
 * space from this description; the default one (space_default_fmnist) is the
 * fmnist space of spaces/README.md.  An architecture picks one choice per searchable
 * layer and is written as tokens joined by '-': `k5e6s-k3e3-skip-...`. */
#ifndef ONESHOT_SPACE_H
#define ONESHOT_SPACE_H

#include <stdint.h>

#include "act.h"
#include "err.h"

#define SPACE_MAX_STAGES 8
#define SPACE_MAX_LAYERS 32
#define SPACE_MAX_CHOICES 48
#define SPACE_NAME_MAX 64
#define CHOICE_NAME_MAX 16

/* One candidate operation for a searchable layer. */
struct choice {
    char name[CHOICE_NAME_MAX]; /* token in an architecture string: "k5e6s", "skip" */
    int skip;                   /* 1: the layer is left out (identity) */
    int k;                      /* depthwise kernel size (odd) */
    int e;                      /* expansion ratio: m = cin * e */
    int se;                     /* 1: squeeze-and-excitation on the m channels */
    enum act act;               /* activation of expand, depthwise (and SE hidden) */
};

struct stage {
    int cout;   /* output channels of every layer of the stage */
    int layers; /* searchable layers */
    int stride; /* stride of the first layer; the rest have stride 1 */
};

struct space {
    char name[SPACE_NAME_MAX];
    int in_c, in_h, in_w; /* input image */
    int classes;
    int stem_c, stem_k, stem_stride; /* stem conv kxk, pad k/2, then BN and stem_act */
    enum act stem_act;
    int nstages;
    struct stage stages[SPACE_MAX_STAGES];
    int head_c; /* 1x1 conv to head_c, BN, head_act, global pool, FC to classes */
    enum act head_act;
    int nchoices;
    struct choice choices[SPACE_MAX_CHOICES];
    /* allowed[l] bit c: choice c may be used at layer l.  space_finish clears skip
     * where a layer changes shape. */
    uint64_t allowed[SPACE_MAX_LAYERS];
    int nlayers; /* set by space_finish */
};

/* Geometry of searchable layer l (0-based), derived from the space. */
struct layer_shape {
    int cin, cout, stride;
    int h_in, w_in, h_out, w_out;
};

/* An architecture: one choice index (into space->choices) per searchable layer. */
struct arch {
    int n;
    int choice[SPACE_MAX_LAYERS];
};

/* Validates a filled-in space, computes nlayers, and clears `skip` at layers that
 * change shape.  Errors name the space.  Returns 0 or -1. */
int space_finish(struct space *s, struct err *e);

/* The default space (spaces/README.md): fmnist, 6 choices (k3/5/7 x e3/6), no skip. */
void space_default_fmnist(struct space *s);

/* Variants of the default space: with_se adds the SE choices (12, MoGA),
 * with_skip adds `skip` where a layer keeps its shape (depth search). */
void space_fmnist_variant(struct space *s, int with_se, int with_skip);

/* A teaching space of 81 architectures: stem 8, two stages of two layers
 * (16 and 32 channels, both strided), choices k3e2, k5e4, k7e6, head 64. */
void space_tiny(struct space *s);

/* The built-in spaces by name: fmnist, fmnist-se, fmnist-skip, fmnist-se-skip,
 * tiny.  space_builtin returns 0, or -1 for a name that is none of them.
 * space_builtin_names lists them, NULL-terminated (static storage). */
int space_builtin(struct space *s, const char *name);
const char *const *space_builtin_names(void);

struct layer_shape space_layer_shape(const struct space *s, int l);

/* Output size of a stride-s conv with padding k/2: ceil(h / s) for odd k. */
int space_out_size(int h, int k, int stride);

/* Finds a choice by token; returns its index or -1. */
int space_find_choice(const struct space *s, const char *token);

/* Parses an architecture string.  Errors read `src:1:col: error: ...` naming the
 * token and its position (src names the string's origin, e.g. "--arch").
 * Returns 0 or -1. */
int arch_parse(const struct space *s, const char *str, const char *src, struct arch *a,
               struct err *e);
/* The same for a string found at line `line`, column `col` (1-based) of file
 * src: errors point into the file. */
int arch_parse_at(const struct space *s, const char *str, const char *src, int line, int col,
                  struct arch *a, struct err *e);

/* 1 when a is an architecture of s: one choice per searchable layer, each
 * allowed at its layer. */
int arch_is_valid(const struct space *s, const struct arch *a);

/* Writes the string form into buf (at most n bytes, always terminated).
 * Returns the length it needed. */
int arch_format(const struct space *s, const struct arch *a, char *buf, int n);

/* Exact counts, as PyTorch counts them: parameters include BN gamma/beta and
 * biases; multiply-adds count conv and FC weights per output element. */
struct cost {
    int64_t params;
    int64_t macs;
};
struct cost space_stem_cost(const struct space *s);
struct cost space_head_cost(const struct space *s);
struct cost space_layer_cost(const struct space *s, int l, int choice);
struct cost arch_cost(const struct space *s, const struct arch *a);

/* Hidden width of squeeze-and-excitation on m channels: max(8, m/4). */
int space_se_hidden(int m);

/* Number of architectures (product of allowed choices), as a double. */
double space_count(const struct space *s);

#endif
