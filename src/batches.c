#include "batches.h"

#include <stdlib.h>
#include <string.h>

#include "rng.h"

void batches_epoch_order(uint64_t seed, int epoch, int *perm, int n) {
  struct rng r;
  rng_seed(&r, seed, RNG_STREAM_BATCHES + 16 * (uint64_t)epoch);
  for (int i = 0; i < n; i++)
    perm[i] = i;
  rng_shuffle(&r, perm, (size_t)n);
}

int batches_init(struct batches *b, const struct split *data,
                 const struct space *s, int batch, int epochs, uint64_t seed,
                 struct err *e) {
  memset(b, 0, sizeof *b);
  b->data = data;
  b->batch = batch;
  b->epochs = epochs;
  b->seed = seed;
  b->perm_epoch = -1;
  if (batch < 1 || epochs < 1)
    return err_plain(e, "batch and epochs must be at least 1");
  if (dataset_check_fits(data->d, s->in_c, s->in_h, s->in_w, s->classes,
                         s->name, e))
    return -1;
  b->steps_per_epoch = data->n / batch;
  if (b->steps_per_epoch < 1)
    return err_plain(e, "%d training images are fewer than one batch of %d",
                     data->n, batch);
  b->total = (int64_t)b->steps_per_epoch * epochs;
  size_t px = (size_t)s->in_c * s->in_h * s->in_w;
  b->perm = malloc((size_t)data->n * sizeof *b->perm);
  b->x = malloc(px * (size_t)batch * sizeof *b->x);
  b->y = malloc((size_t)batch * sizeof *b->y);
  b->dlogits = malloc((size_t)s->classes * (size_t)batch * sizeof *b->dlogits);
  if (!b->perm || !b->x || !b->y || !b->dlogits) {
    batches_done(b);
    return err_plain(e, "out of memory");
  }
  return 0;
}

void batches_done(struct batches *b) {
  free(b->perm);
  free(b->x);
  free(b->y);
  free(b->dlogits);
  b->perm = NULL;
  b->x = NULL;
  b->y = NULL;
  b->dlogits = NULL;
}

int batches_gather_part(struct batches *b, int64_t step, int part, int parts,
                        int *n) {
  int epoch = (int)(step / b->steps_per_epoch),
      k = (int)(step % b->steps_per_epoch);
  if (b->perm_epoch != epoch) {
    batches_epoch_order(b->seed, epoch, b->perm, b->data->n);
    b->perm_epoch = epoch;
  }
  int lo = (int)((int64_t)part * b->batch / parts),
      hi = (int)((int64_t)(part + 1) * b->batch / parts);
  split_gather(b->data, b->perm + (size_t)k * b->batch + lo, hi - lo, b->x,
               b->y);
  *n = hi - lo;
  return epoch;
}

int batches_gather(struct batches *b, int64_t step) {
  int n;
  return batches_gather_part(b, step, 0, 1, &n);
}
