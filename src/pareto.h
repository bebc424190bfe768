/* pareto: the multi-objective search primitives of the search strategies
 * (plain NSGA-II, MoGA's weighted NSGA-II, FairNAS's NSGA-II-based evolution).
 *
 * Points are the rows of a row-major matrix f of n points x m objectives:
 * point i is f[i*m .. i*m + m).  maximize[j] != 0 says that bigger is better
 * for objective j (MoGA's accuracy and, unusually, its parameter count);
 * maximize == NULL means every objective is minimised.  Internally every
 * comparison is made as a minimisation.  Values must be finite: a NaN or an
 * infinity in f is rejected (-1) by the functions that take f, except
 * pareto_dominates, which is a plain predicate (a NaN compares as neither
 * better nor worse).
 *
 * Plain NSGA-II (Deb, Pratap, Agarwal, Meyarivan 2002): fast non-dominated
 * sort, crowding distance inside each front, environmental selection by
 * (front, crowding descending) and a binary tournament on the same order.
 *
 * Weighted NSGA-II (Chu, Zhang and Xu, "MoGA: Searching Beyond MobileNetV3",
 * ICASSP 2020, arXiv 1908.01314).  The paper says only that it "replaces
 * traditional multi-objective optimization with a weighted fitness
 * strategy"; how the weights enter the sort or the crowding is not
 * published, and the authors' repository (xiaomi-automl/MoGA) holds the
 * searched models, not the search.  Three readings are possible, all ours:
 *   (a) weighted crowding distance: the usual non-dominated sort, then each
 *       objective's crowding term multiplied by its weight before summing;
 *   (b) a weighted-sum tie-break inside a front on min-max normalised
 *       objectives, w_acc*acc_n - w_lat*lat_n + w_par*par_n;
 *   (c) a MnasNet-style scalar fitness acc * (lat/target)^w, as a check.
 * Our choice, documented here: (a) is the weighted NSGA-II (nsga2_select with
 * weights).  The fronts are never weighted: weights only decide which points
 * of the last, partly admitted front survive, so a heavily weighted objective
 * keeps its spread.  Only the ratios of the weights matter: nsga2_select
 * divides them by their largest, so equal weights (any value) become exactly
 * 1.0 and the selection is plain NSGA-II bit for bit, so that a weighting
 * is a refinement of NSGA-II and not another algorithm.
 * For (b), pareto_weighted_sum computes the scalar (higher is better, with
 * the maximised objectives' signs flipped explicitly) and nsga2_truncate
 * selects by (front, that scalar); (b) replaces crowding and so does not
 * reduce to plain NSGA-II.  (c) needs a latency target and belongs to the
 * strategy, not here.
 *
 * Weights: an array of m finite values >= 0 (NULL = all 1).  A weight of 0
 * removes the objective from the crowding distance, its boundary points
 * included.
 *
 * Determinism: every tie is broken by the point index, so the same input
 * gives the same output on every platform; the only randomness is the
 * caller's struct rng in nsga2_tournament.  No function allocates memory that
 * outlives the call; none prints. */
#ifndef ONESHOT_PARETO_H
#define ONESHOT_PARETO_H

struct rng;

/* 1 if point a dominates point b (a is no worse in all m objectives and
 * strictly better in at least one), else 0.  a and b hold m values each;
 * maximize holds m flags or is NULL (all minimised).  Equal points do not
 * dominate each other. */
int pareto_dominates(const double *a, const double *b, const int *maximize, int m);

/* Fast non-dominated sort (Deb et al. 2002) of the n x m points f: rank[i]
 * (n entries, written) is the index of point i's front, 0 = non-dominated,
 * 1 = non-dominated once front 0 is removed, and so on.  Equal points share a
 * front.  O(m n^2) time, O(n + number of dominating pairs) memory.  Returns
 * the number of fronts (0 when n == 0); -1 on out-of-memory or bad arguments
 * (n < 0, m < 1, a non-finite value). */
int pareto_sort(const double *f, int n, int m, const int *maximize, int *rank);

/* The non-dominated points (front 0 of pareto_sort) of the n x m points f:
 * their indices into idx (room for n), in index order.  Returns how many
 * (0 when n == 0); -1 on out-of-memory or bad arguments, as pareto_sort.
 * The one definition of "the front" that the strategies (oneshot.pareto),
 * the run's pareto.csv and the TUI share. */
int pareto_front(const double *f, int n, int m, const int *maximize, int *idx);

/* Orders the count indices idx of points of f (m objectives) by objective j,
 * best first (larger first when maximize[j]), ties by index: a stable order
 * for tables and files. */
void pareto_order(const double *f, int m, const int *maximize, int j, int *idx, int count);

/* Crowding distance of each of the n x m points f inside its front, the
 * points with equal rank[i] forming one front (rank comes from pareto_sort,
 * but any integer labels work).  crowd (n entries) is written.  For a front
 * of s points:
 *   - s <= 2: every point gets +infinity;
 *   - otherwise, for each objective j with weight w_j > 0 and positive range
 *     R_j = max - min over the front: the front is sorted by f[., j] (ties by
 *     index); the first and last point get +infinity, and each other point
 *     adds w_j * ((next - previous) / R_j).  An objective with zero range has
 *     no extremes and adds nothing (Deb's formula would divide by zero).
 * Terms are added objective by objective, j = 0 .. m-1, so weights == NULL and
 * weights of all 1.0 give the same values bit for bit.  Crowding does not
 * depend on the directions of the objectives.  Returns 0; -1 on
 * out-of-memory or bad arguments (n < 0, m < 1, a non-finite value, a
 * negative or non-finite weight). */
int pareto_crowding(const double *f, int n, int m, const int *rank, const double *weights,
                    double *crowd);

/* MoGA option (b): score[i] = sum_j w_j * g_ij with g_ij the min-max
 * normalised value of objective j over the n points, oriented so that higher
 * is better: (f - min) / (max - min) for a maximised objective, (max - f) /
 * (max - min) for a minimised one, 0 when max == min.  score (n entries) is
 * written and lies in [0, sum w].  weights NULL = all 1.  Returns 0; -1 on
 * bad arguments (n < 0, m < 1, a non-finite value, a bad weight). */
int pareto_weighted_sum(const double *f, int n, int m, const int *maximize, const double *weights,
                        double *score);

/* Picks k of n points in the order (rank ascending, key descending, index
 * ascending) and writes their indices to chosen[0..k) in that order.  key is
 * the secondary criterion: the crowding distance (NSGA-II) or a weighted sum
 * (MoGA option b); +infinity is allowed, NaN is not.  Whole fronts are taken
 * first and only the last admitted front is cut.  Returns 0; -1 on
 * out-of-memory or bad arguments (n < 0, k < 0, k > n, a NaN key). */
int nsga2_truncate(const int *rank, const double *key, int n, int k, int *chosen);

/* NSGA-II environmental selection of k of the n x m points f (typically the
 * union of parents and offspring): pareto_sort, pareto_crowding with the
 * weights scaled by their largest, then nsga2_truncate.  weights == NULL is
 * plain NSGA-II; weights of m equal positive values give exactly the same
 * selection; unequal weights are MoGA's weighted NSGA-II, option (a).
 * chosen (k entries) receives the distinct indices of the survivors, best
 * first.  For the next tournament, rank and crowd the survivors again with
 * pareto_sort and pareto_crowding (their ranks are unchanged).  Returns 0;
 * -1 on out-of-memory or bad arguments (as above, plus weights that are all
 * zero). */
int nsga2_select(const double *f, int n, int m, const int *maximize, const double *weights, int k,
                 int *chosen);

/* Binary tournament (Deb's crowded-comparison operator): draws two distinct
 * indices uniformly from [0, n) with r and returns the one of lower rank, of
 * larger crowd on equal rank, the first drawn on a full tie.  n == 1 returns
 * 0 without drawing.  rank and crowd hold n entries (crowd may hold any key
 * where larger is better, e.g. a weighted sum).  Returns -1 when n < 1. */
int nsga2_tournament(const int *rank, const double *crowd, int n, struct rng *r);

#endif
