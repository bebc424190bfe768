/* naockpt: NAO's controller (src/nao.h) saved and loaded, so a NAO search
 * resumes with the controller it had.
 *
 * A checkpoint of kind CKPT_KIND_NAO (src/ckpt.h: checksummed sections,
 * written atomically) holds the space's name and its choices (the
 * vocabulary), the sizes (vocabulary, layers, embedding, hidden), the count
 * of epochs trained (which names the next epoch's order of training) and
 * the weights, in double.  Adam's moments are not kept: they restart with
 * each round, and a round is not saved half-way (save between rounds). */
#ifndef ONESHOT_NAOCKPT_H
#define ONESHOT_NAOCKPT_H

#include "err.h"
#include "nao.h"

/* Writes n's weights and its count of epochs trained to path atomically.
 * 0, or -1 with e filled (path untouched). */
int naockpt_save(const struct nao *n, const char *path, struct err *e);

/* Reads what naockpt_save wrote into n, made for the same space (name and
 * choices) and sizes (embed, hidden); ends any round being trained.  A
 * mismatch, a damaged file or a non-finite weight is an error naming path,
 * and n is left as it was.  0 or -1. */
int naockpt_load(struct nao *n, const char *path, struct err *e);

#endif
