/* evalcache: evaluated architectures and their metrics, so a search strategy
 * never evaluates the same architecture twice.
 *
 * A hash map from an architecture (its n and choice[0..n); entries past n are
 * ignored) to a record of nmetrics doubles (accuracy, latency, ... as the
 * strategy defines them).  Open addressing with linear probing over a
 * power-of-two table that doubles when it would pass 70% load.  Records are
 * also kept in insertion order, so a run can write its evaluations in the
 * order they happened.  Nothing here prints; allocation failures return -1
 * (or NULL) and leave the cache as it was. */
#ifndef ONESHOT_EVALCACHE_H
#define ONESHOT_EVALCACHE_H

#include <stdint.h>

#include "space.h"

struct evalcache;

/* An empty cache of records of nmetrics doubles each.  Returns NULL when
 * nmetrics < 1 or on out-of-memory.  Free with evalcache_free. */
struct evalcache *evalcache_new(int nmetrics);

/* Frees c and everything it holds; c may be NULL. */
void evalcache_free(struct evalcache *c);

/* The number of metrics per record, as given to evalcache_new. */
int evalcache_nmetrics(const struct evalcache *c);

/* The metrics recorded for a (nmetrics values), or NULL when a has none (or
 * a->n is outside [0, SPACE_MAX_LAYERS]).  The pointer stays valid until the
 * next evalcache_put or evalcache_free. */
const double *evalcache_get(const struct evalcache *c, const struct arch *a);

/* Records a copy of metrics[0..nmetrics) for a (metrics may point into the
 * cache, e.g. come from evalcache_get).  A new architecture is
 * appended to the insertion order; an architecture already present has its
 * record replaced and keeps its place.  Returns 0; -1 on out-of-memory or
 * when a->n is outside [0, SPACE_MAX_LAYERS] (the cache is then unchanged). */
int evalcache_put(struct evalcache *c, const struct arch *a, const double *metrics);

/* The number of architectures recorded. */
int evalcache_count(const struct evalcache *c);

/* The i-th architecture recorded (0-based, insertion order) into *a and its
 * metrics into *metrics (valid as for evalcache_get); either output may be
 * NULL.  Returns 0, or -1 when i is outside [0, evalcache_count). */
int evalcache_at(const struct evalcache *c, int i, struct arch *a, const double **metrics);

/* The 64-bit hash of a (of n and choice[0..n)) that the cache uses; exposed
 * for tests.  a->n must lie in [0, SPACE_MAX_LAYERS]. */
uint64_t evalcache_hash(const struct arch *a);

#endif
