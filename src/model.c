#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "ckpt.h"

struct model *model_new(const struct space *s, const struct arch *a, uint64_t seed,
                        struct err *e)
{
    struct model *m = calloc(1, sizeof *m);
    if (!m) {
        err_plain(e, "out of memory");
        return NULL;
    }
    m->space = *s;
    m->arch = *a;
    size_t np = net_stem_param_floats(s) + net_head_param_floats(s);
    size_t ns = net_stem_stat_floats(s) + net_head_stat_floats(s);
    for (int l = 0; l < a->n; l++) {
        np += net_layer_param_floats(s, l, a->choice[l]);
        ns += net_layer_stat_floats(s, l, a->choice[l]);
    }
    m->nparams = np;
    m->nstats = ns;
    m->w = calloc(np, sizeof(float));
    m->g = calloc(np, sizeof(float));
    m->mom = calloc(np, sizeof(float));
    m->stats = calloc(ns, sizeof(float));
    if (!m->w || !m->g || !m->mom || !m->stats) {
        model_free(m);
        err_plain(e, "out of memory");
        return NULL;
    }
    /* carve: stem, layers in order, head */
    struct wslot stem = {m->w, m->g, m->stats}, layers[SPACE_MAX_LAYERS], head;
    size_t pw = net_stem_param_floats(s), ps = net_stem_stat_floats(s);
    for (int l = 0; l < a->n; l++) {
        layers[l] = (struct wslot){m->w + pw, m->g + pw, m->stats + ps};
        pw += net_layer_param_floats(s, l, a->choice[l]);
        ps += net_layer_stat_floats(s, l, a->choice[l]);
    }
    head = (struct wslot){m->w + pw, m->g + pw, m->stats + ps};
    net_bind(&m->net, &m->space, a, stem, layers, head);
    struct rng r;
    rng_seed(&r, seed, RNG_STREAM_INIT);
    net_init_weights(&m->net, &r);
    return m;
}

void model_free(struct model *m)
{
    if (!m)
        return;
    net_done(&m->net);
    free(m->w);
    free(m->g);
    free(m->mom);
    free(m->stats);
    free(m);
}

void model_zero_grad(struct model *m) { memset(m->g, 0, m->nparams * sizeof *m->g); }

int model_save(const struct model *m, const struct train_state *ts, const char *path,
               struct err *e)
{
    char arch[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    arch_format(&m->space, &m->arch, arch, sizeof arch);
    struct ckpt c;
    ckpt_init(&c, CKPT_KIND_NET);
    int rc = ckpt_put(&c, "space", m->space.name, strlen(m->space.name), e);
    if (!rc)
        rc = ckpt_put(&c, "arch", arch, strlen(arch), e);
    if (!rc)
        rc = ckpt_put(&c, "weights", m->w, m->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "bn_stats", m->stats, m->nstats * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "momentum", m->mom, m->nparams * sizeof(float), e);
    if (!rc)
        rc = ckpt_put(&c, "train_state", ts, sizeof *ts, e);
    if (!rc)
        rc = ckpt_save(&c, path, e);
    ckpt_done(&c);
    return rc;
}

static int section_string(const struct ckpt *c, const char *path, const char *name, char *out,
                          size_t n, struct err *e)
{
    const struct ckpt_section *sec = ckpt_get(c, name);
    if (!sec || sec->size >= n)
        return err_set(e, path, 0, 0, "section '%s' is missing or too long", name);
    memcpy(out, sec->data, sec->size);
    out[sec->size] = 0;
    return 0;
}

struct model *model_load(const struct space *s, const char *path, struct train_state *ts,
                         struct err *e)
{
    struct ckpt c;
    if (ckpt_load(&c, path, CKPT_KIND_NET, e))
        return NULL;
    struct model *m = NULL;
    char name[SPACE_NAME_MAX], arch_str[SPACE_MAX_LAYERS * CHOICE_NAME_MAX];
    struct arch a;
    struct train_state st;
    if (section_string(&c, path, "space", name, sizeof name, e) ||
        section_string(&c, path, "arch", arch_str, sizeof arch_str, e))
        goto out;
    if (strcmp(name, s->name) != 0) {
        err_set(e, path, 0, 0, "holds a network of space '%s', not of '%s'", name, s->name);
        goto out;
    }
    struct err pe;
    if (arch_parse(s, arch_str, path, &a, &pe)) {
        err_set(e, path, 0, 0, "its architecture '%s' does not fit the space %s", arch_str,
                s->name);
        goto out;
    }
    m = model_new(s, &a, 0, e);
    if (!m)
        goto out;
    if (ckpt_get_exact(&c, path, "weights", m->w, m->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "bn_stats", m->stats, m->nstats * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "momentum", m->mom, m->nparams * sizeof(float), e) ||
        ckpt_get_exact(&c, path, "train_state", &st, sizeof st, e)) {
        model_free(m);
        m = NULL;
        goto out;
    }
    /* a resume takes the step as where to go on: it must be one of the run */
    if (st.step < 0 || st.total < 0 || st.step > st.total) {
        err_set(e, path, 0, 0, "is damaged: step %lld of %lld", (long long)st.step,
                (long long)st.total);
        model_free(m);
        m = NULL;
        goto out;
    }
    if (ts)
        *ts = st;
out:
    ckpt_done(&c);
    return m;
}
