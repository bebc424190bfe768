#include "naockpt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ckpt.h"

/* The sizes a checkpoint must match, as stored (little-endian int32 on the
 * machines oneshot builds for, as every checkpoint's payload). */
enum { NAO_CKPT_VERSION = 1 };
struct nao_sizes {
    int32_t version, vocab, layers, embed, hidden;
};

/* The space's choices as one string, "k3e3 k3e6 ... skip". */
static void choice_list(const struct space *s, char *buf, size_t cap)
{
    size_t k = 0;
    buf[0] = 0;
    for (int c = 0; c < s->nchoices && k + CHOICE_NAME_MAX + 1 < cap; c++)
        k += (size_t)snprintf(buf + k, cap - k, "%s%s", c ? " " : "", s->choices[c].name);
}

int naockpt_save(const struct nao *n, const char *path, struct err *e)
{
    char choices[SPACE_MAX_CHOICES * (CHOICE_NAME_MAX + 1) + 1];
    choice_list(&n->space, choices, sizeof choices);
    struct nao_sizes sz = {NAO_CKPT_VERSION, n->V, n->L, n->E, n->H};
    int64_t done = n->epochs_done;
    struct ckpt c;
    ckpt_init(&c, CKPT_KIND_NAO);
    int rc = ckpt_put(&c, "space", n->space.name, strlen(n->space.name), e);
    if (!rc)
        rc = ckpt_put(&c, "choices", choices, strlen(choices), e);
    if (!rc)
        rc = ckpt_put(&c, "sizes", &sz, sizeof sz, e);
    if (!rc)
        rc = ckpt_put(&c, "epochs_done", &done, sizeof done, e);
    if (!rc)
        rc = ckpt_put(&c, "weights", n->w, n->nparams * sizeof *n->w, e);
    if (!rc)
        rc = ckpt_save(&c, path, e);
    ckpt_done(&c);
    return rc;
}

/* 0 if section `name` of c holds exactly the string want, else an error
 * saying what the file holds instead. */
static int check_text(const struct ckpt *c, const char *path, const char *name, const char *what,
                      const char *want, struct err *e)
{
    const struct ckpt_section *s = ckpt_get(c, name);
    if (s && s->size == strlen(want) && memcmp(s->data, want, s->size) == 0)
        return 0;
    return err_set(e, path, 0, 0, "holds a NAO controller of %s '%.*s', not of '%s'", what,
                   s ? (int)(s->size < 200 ? s->size : 200) : 1, s ? (const char *)s->data : "?",
                   want);
}

int naockpt_load(struct nao *n, const char *path, struct err *e)
{
    struct ckpt c;
    if (ckpt_load(&c, path, CKPT_KIND_NAO, e))
        return -1;
    char choices[SPACE_MAX_CHOICES * (CHOICE_NAME_MAX + 1) + 1];
    choice_list(&n->space, choices, sizeof choices);
    struct nao_sizes sz;
    int64_t done;
    double *wts = malloc(n->nparams * sizeof *wts);
    int rc = -1;
    if (!wts) {
        err_plain(e, "out of memory");
        goto out;
    }
    if (check_text(&c, path, "space", "space", n->space.name, e) ||
        check_text(&c, path, "choices", "choices", choices, e) ||
        ckpt_get_exact(&c, path, "sizes", &sz, sizeof sz, e))
        goto out;
    if (sz.version != NAO_CKPT_VERSION) {
        err_set(e, path, 0, 0, "was written by another version of oneshot's NAO controller");
        goto out;
    }
    if (sz.vocab != n->V || sz.layers != n->L || sz.embed != n->E || sz.hidden != n->H) {
        err_set(e, path, 0, 0, "holds a NAO controller of embedding %d and hidden size %d "
                "(vocabulary %d, %d layers), not %d and %d", sz.embed, sz.hidden, sz.vocab,
                sz.layers, n->E, n->H);
        goto out;
    }
    if (ckpt_get_exact(&c, path, "epochs_done", &done, sizeof done, e) ||
        ckpt_get_exact(&c, path, "weights", wts, n->nparams * sizeof *wts, e))
        goto out;
    if (done < 0 || done > (int64_t)1 << 40) {
        err_set(e, path, 0, 0, "is damaged: %lld epochs trained", (long long)done);
        goto out;
    }
    for (size_t i = 0; i < n->nparams; i++)
        if (!isfinite(wts[i])) {
            err_set(e, path, 0, 0, "is damaged: weight %zu of %zu is not a finite number", i + 1,
                    n->nparams);
            goto out;
        }
    nao_train_end(n);
    memcpy(n->w, wts, n->nparams * sizeof *wts);
    n->epochs_done = (long)done;
    rc = 0;
out:
    free(wts);
    ckpt_done(&c);
    return rc;
}
