/* se: squeeze-and-excitation on C channels of P positions (C x P x N layout):
 * pool -> fc C->R (bias) -> act -> fc R->C (bias) -> hard-sigmoid -> scale x.
 * A forward/backward pair; conventions as in conv.h. */
#ifndef ONESHOT_SE_H
#define ONESHOT_SE_H

#include "act.h"

struct se_dims {
    int C, R, P, N;
    enum act act; /* hidden activation (ReLU in the fmnist spaces) */
};

/* Small per-sample vectors the backward reads. */
struct se_cache {
    float *pooled; /* [C][N] */
    float *h;      /* [R][N] pre-activation */
    float *a;      /* [R][N] act(h) */
    float *z;      /* [C][N] pre-hard-sigmoid */
    float *s;      /* [C][N] the channel scales */
};

/* Floats of cache needed for d, and of scratch for the backward. */
long se_cache_floats(const struct se_dims *d);
long se_scratch_floats(const struct se_dims *d);
/* Points the cache's fields into mem (se_cache_floats(d) floats). */
void se_cache_bind(struct se_cache *k, float *mem, const struct se_dims *d);

/* y[C][P][N] = x * s; y must not alias x. */
void se_forward(float *y, struct se_cache *k, const float *x, const float *w1, const float *b1,
                const float *w2, const float *b2, const struct se_dims *d);
/* dx written; dw1, db1, dw2, db2 accumulated.  scratch: se_scratch_floats(d). */
void se_backward(float *dx, float *dw1, float *db1, float *dw2, float *db2, float *scratch,
                 const float *dy, const float *x, const struct se_cache *k, const float *w1,
                 const float *w2, const struct se_dims *d);

#endif
