/* naogen: new architectures from NAO's controller (src/nao.h), NAO-V2's
 * generation: the encoder outputs of good architectures moved along the
 * predictor's gradient and decoded into candidates that the pool does not
 * hold yet.
 *
 * Moving an embedding.  For eta = 1, 2, ... each encoder output moves to
 * o'_t = normalize(o_t + eta df/do_t), df/do_t being the closed form of
 * src/nao.h (nao_outputs_grad, the same vector for every t); the embedding
 * becomes normalize(mean o'_t), and the decoder decodes from it with
 * attention over the o'_t (nao_decode), masked to valid architectures.
 * Nothing here is random.
 *
 * Canonical form.  Within a stage, [A, skip, B] and [A, B, skip] are the same
 * network: generation compares architectures in the canonical form of
 * src/archset.h (each stage's skips at its end) and returns them in it.
 *
 * Errors as the controller's: 0 (or a count) on success, -1 with a struct
 * err filled. */
#ifndef ONESHOT_NAOGEN_H
#define ONESHOT_NAOGEN_H

#include "arch.h"
#include "err.h"
#include "nao.h"

/* Each of count architectures moved by eta along the predictor's gradient
 * and decoded greedily (one step of naogen_generate, without de-duplication
 * or canonical form) into out[count].  Errors: count < 0, a non-finite eta,
 * an architecture not of the space, out of memory. */
int naogen_move(struct nao *n, const struct arch *archs, int count, double eta, struct arch *out,
                struct err *e);

/* New architectures from the top_k of a pool of npool architectures by acc
 * (higher is better, ties by index; a NaN is an error): for eta = 1 ..
 * max_eta, each of them (in rank order) moved by eta along the predictor's
 * gradient and decoded (see above); a decoded architecture is kept, in
 * canonical form, when its canonical form is neither the canonical form of
 * a pool architecture nor already kept.  Stops when want are kept or eta
 * passes max_eta.  out holds want entries; returns how many were kept
 * (0..want), or -1.  *last_eta (may be NULL) gets the last eta tried (0
 * when none was).  NAO-V2: top_k 100, max_eta 50. */
int naogen_generate(struct nao *n, const struct arch *pool, const double *acc, int npool,
                    int top_k, int want, int max_eta, struct arch *out, int *last_eta,
                    struct err *e);

#endif
