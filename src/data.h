/* data: image classification data sets in IDX form (MNIST, Fashion-MNIST).
 *
 * Images stay as bytes (a 60,000-image set is 47 MB) and are normalised per
 * batch when a batch is gathered.  Batches are laid out channels-outermost with
 * the batch innermost (C x H x W x N), the layout of every tensor of the
 * engine, so a 1x1 convolution of a whole batch is one sgemm. */
#ifndef ONESHOT_DATA_H
#define ONESHOT_DATA_H

#include <stdint.h>

#include "err.h"

#define FMNIST_DIR "/usr/share/datasets/fashion-mnist"
#define FMNIST_MEAN 0.2860f
#define FMNIST_STD 0.3530f

#define DATA_PATH_MAX 1024

struct dataset {
    char path[DATA_PATH_MAX];        /* the image file it came from (for errors) */
    char labels_path[DATA_PATH_MAX]; /* and its label file */
    int n;           /* images */
    int c, h, w;     /* channels (1 for IDX), rows, columns */
    int classes;     /* labels are < classes */
    uint8_t *pixels; /* [n][c][h][w], owned */
    uint8_t *labels; /* [n], owned */
};

/* A contiguous range of a data set: images first .. first+n-1 (borrowed). */
struct split {
    const struct dataset *d;
    int first, n;
};

/* Loads a gzip'd (or plain) IDX image file and its label file.  Checks the
 * magic numbers (0x00000803 images, 0x00000801 labels), that the counts agree,
 * that the file holds exactly the bytes its header announces (no truncation,
 * no trailing bytes) and that every label is < classes.  Errors name the file:
 * `path: error: truncated: expected 47040016 bytes, found 1000`.
 * On error d is left empty (dataset_done is still safe). Returns 0 or -1. */
int dataset_load_idx(struct dataset *d, const char *images, const char *labels, int classes,
                     struct err *e);

/* Loads Fashion-MNIST from dir (NULL: FMNIST_DIR): train-images-idx3-ubyte.gz,
 * train-labels-idx1-ubyte.gz, t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz.
 * test may be NULL to skip the test set.  On error both are left empty.
 * Returns 0 or -1. */
int fmnist_load(const char *dir, struct dataset *train, struct dataset *test, struct err *e);

/* Checks that d fits a network taking c x h x w images of `classes` classes
 * (a search space's input): the same channels, height and width, and every
 * label < classes.  `space` names the space in the error, which names both
 * shapes: `d->path: error: images are 1x32x32 but the space fmnist takes
 * 1x28x28`.  0, or -1 with e filled. */
int dataset_check_fits(const struct dataset *d, int c, int h, int w, int classes,
                       const char *space, struct err *e);

/* Frees what d owns; d may be zeroed or already done. */
void dataset_done(struct dataset *d);

/* Splits the training file: train = first n_train images (n_train <= total -
 * n_val), val = the last n_val images.  Returns 0, or -1 when they don't fit. */
int dataset_split(const struct dataset *d, int n_train, int n_val, struct split *train,
                  struct split *val, struct err *e);

/* Gathers images idx[0..n) of s (indices relative to s->first, each in
 * [0, s->n), not checked) into x, laid out [c][h][w][n] (batch innermost),
 * normalised as (p/255 - mean) / std, and their labels into y[n].  x holds
 * c*h*w*n floats. */
void split_gather(const struct split *s, const int *idx, int n, float mean, float std, float *x,
                  int *y);

#endif
