/* rank: how well one ordering of architectures agrees with another.
 * Kendall's tau-b (ties counted as neither concordant nor discordant),
 * Spearman's rho (average ranks for ties), a bootstrap interval for tau,
 * precision at top-k, and NAO's pairwise accuracy. */
#ifndef ONESHOT_RANK_H
#define ONESHOT_RANK_H

#include <stdint.h>

/* tau-b of x against y over n pairs.  Undefined (NAN) when either side is
 * constant or n < 2: a correlation with a constant is not 0, it is nothing. */
double kendall_tau(const double *x, const double *y, int n);
/* NAO's pairwise accuracy of a predictor x against the truth y: over the
 * pairs whose y differ, the share that x orders the same way (a pair x
 * ties counts one half).  Without ties it is (tau + 1) / 2.  NAN when no
 * pair's y differ. */
double pairwise_accuracy(const double *x, const double *y, int n);
/* Pearson correlation of the average ranks of x and y; NAN when undefined,
 * as for tau. */
double spearman_rho(const double *x, const double *y, int n);
/* 95% percentile bootstrap interval of tau over `resamples` resamples of the n
 * pairs, drawn from (seed, stream), over the resamples where tau is defined;
 * lo <= hi, both NAN when tau is undefined on the pairs themselves. */
void kendall_tau_ci(const double *x, const double *y, int n, int resamples, uint64_t seed,
                    double *lo, double *hi);
/* Share of the k best by y (higher is better) that are also among the k best
 * by x.  Ties at the boundary are broken by index. */
double precision_at_k(const double *x, const double *y, int n, int k);

/* The indices of v's values that are not NaN, best (highest) first, ties by
 * index, into idx (room for n).  Returns how many, or -1 when out of
 * memory. */
int rank_order_desc(const double *v, int n, int *idx);

/* A correlation as text: "0.346" (3 decimals), or "undefined" for NAN.
 * Returns buf (n >= 16 bytes). */
const char *rank_text(double v, char *buf, int n);

#endif
