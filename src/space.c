#include "space.h"

#include <stdio.h>
#include <string.h>

#include "dwconv.h"

int space_out_size(int h, int k, int stride)
{
    int pad = k / 2;
    return (h + 2 * pad - k) / stride + 1;
}

static void add_choice(struct space *s, int k, int e, int se, int skip)
{
    struct choice *c = &s->choices[s->nchoices++];
    memset(c, 0, sizeof *c);
    c->k = k;
    c->e = e;
    c->se = se;
    c->skip = skip;
    c->act = ACT_RELU;
    if (skip)
        snprintf(c->name, sizeof c->name, "skip");
    else
        snprintf(c->name, sizeof c->name, "k%de%d%s", k, e, se ? "s" : "");
}

/* The frame the built-in spaces share: Fashion-MNIST input (1x28x28, 10
 * classes), a 3x3 stride-2 ReLU stem of stem_c channels, the given stages and
 * a ReLU head of head_c channels.  No choices yet. */
static void fashion_frame(struct space *s, int stem_c, const struct stage *stages, int nstages,
                          int head_c)
{
    memset(s, 0, sizeof *s);
    s->in_c = 1;
    s->in_h = s->in_w = 28;
    s->classes = 10;
    s->stem_c = stem_c;
    s->stem_k = 3;
    s->stem_stride = 2;
    s->stem_act = ACT_RELU;
    s->nstages = nstages;
    memcpy(s->stages, stages, (size_t)nstages * sizeof *stages);
    s->head_c = head_c;
    s->head_act = ACT_RELU;
}

void space_fmnist_variant(struct space *s, int with_se, int with_skip)
{
    static const struct stage stages[] = {{16, 2, 1}, {24, 3, 2}, {40, 3, 2}, {64, 4, 1}};
    fashion_frame(s, 16, stages, 4, 128);
    snprintf(s->name, sizeof s->name, "fmnist%s%s", with_se ? "-se" : "", with_skip ? "-skip" : "");
    for (int se = 0; se <= with_se; se++)
        for (int k = 3; k <= 7; k += 2)
            for (int e = 3; e <= 6; e += 3)
                add_choice(s, k, e, se, 0);
    if (with_skip)
        add_choice(s, 0, 0, 0, 1);
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        s->allowed[l] = (s->nchoices >= 64 ? ~0ULL : (1ULL << s->nchoices) - 1);
    struct err e;
    space_finish(s, &e); /* cannot fail for this fixed description */
}

void space_default_fmnist(struct space *s) { space_fmnist_variant(s, 0, 0); }

void space_tiny(struct space *s)
{
    static const struct stage stages[] = {{16, 2, 2}, {32, 2, 2}};
    fashion_frame(s, 8, stages, 2, 64);
    snprintf(s->name, sizeof s->name, "tiny");
    add_choice(s, 3, 2, 0, 0);
    add_choice(s, 5, 4, 0, 0);
    add_choice(s, 7, 6, 0, 0);
    for (int l = 0; l < SPACE_MAX_LAYERS; l++)
        s->allowed[l] = 7;
    struct err e;
    space_finish(s, &e); /* cannot fail for this fixed description */
}

static const char *const builtin_names[] = {"fmnist", "fmnist-se", "fmnist-skip",
                                            "fmnist-se-skip", "tiny", NULL};

const char *const *space_builtin_names(void) { return builtin_names; }

int space_builtin(struct space *s, const char *name)
{
    if (strcmp(name, "tiny") == 0) {
        space_tiny(s);
        return 0;
    }
    for (int i = 0; i < 4; i++)
        if (strcmp(name, builtin_names[i]) == 0) {
            space_fmnist_variant(s, i & 1, i >> 1);
            return 0;
        }
    return -1;
}

int space_finish(struct space *s, struct err *e)
{
    const char *f = s->name[0] ? s->name : "space";
    if (s->in_c < 1 || s->in_h < 1 || s->in_w < 1)
        return err_set(e, f, 0, 0, "input shape must be positive");
    if (s->classes < 2)
        return err_set(e, f, 0, 0, "need at least 2 classes, got %d", s->classes);
    if (s->stem_c < 1 || s->stem_k < 1 || s->stem_k % 2 == 0 || s->stem_stride < 1)
        return err_set(e, f, 0, 0, "stem needs channels >= 1, an odd kernel and a stride >= 1");
    if (s->head_c < 1)
        return err_set(e, f, 0, 0, "head channels must be >= 1");
    if (s->nstages < 1 || s->nstages > SPACE_MAX_STAGES)
        return err_set(e, f, 0, 0, "need 1 to %d stages, got %d", SPACE_MAX_STAGES, s->nstages);
    if (s->nchoices < 1 || s->nchoices > SPACE_MAX_CHOICES)
        return err_set(e, f, 0, 0, "need 1 to %d choices, got %d", SPACE_MAX_CHOICES, s->nchoices);
    int n = 0;
    for (int i = 0; i < s->nstages; i++) {
        const struct stage *st = &s->stages[i];
        if (st->cout < 1 || st->layers < 1 || st->stride < 1)
            return err_set(e, f, 0, 0, "stage %d needs channels, layers and stride >= 1", i + 1);
        n += st->layers;
    }
    if (n > SPACE_MAX_LAYERS)
        return err_set(e, f, 0, 0, "%d searchable layers, at most %d", n, SPACE_MAX_LAYERS);
    for (int c = 0; c < s->nchoices; c++) {
        const struct choice *ch = &s->choices[c];
        if (!ch->skip && (ch->k < 1 || ch->k % 2 == 0 || ch->e < 1))
            return err_set(e, f, 0, 0, "choice '%s' needs an odd kernel and an expansion >= 1",
                           ch->name);
        if (!ch->skip && ch->k > DW_MAX_K)
            return err_set(e, f, 0, 0, "choice '%s': kernel %d is larger than the largest, %d",
                           ch->name, ch->k, DW_MAX_K);
        for (int d = 0; d < c; d++)
            if (strcmp(ch->name, s->choices[d].name) == 0)
                return err_set(e, f, 0, 0, "choice '%s' is listed twice", ch->name);
    }
    s->nlayers = n;
    for (int l = 0; l < n; l++) {
        struct layer_shape sh = space_layer_shape(s, l);
        int keeps = sh.stride == 1 && sh.cin == sh.cout;
        for (int c = 0; c < s->nchoices; c++)
            if (s->choices[c].skip && !keeps)
                s->allowed[l] &= ~(1ULL << c);
        if (!(s->allowed[l] & ((s->nchoices >= 64 ? ~0ULL : (1ULL << s->nchoices) - 1))))
            return err_set(e, f, 0, 0, "layer %d has no allowed choice", l + 1);
    }
    for (int l = n; l < SPACE_MAX_LAYERS; l++)
        s->allowed[l] = 0;
    return 0;
}

struct layer_shape space_layer_shape(const struct space *s, int l)
{
    struct layer_shape sh = {0};
    int h = space_out_size(s->in_h, s->stem_k, s->stem_stride);
    int w = space_out_size(s->in_w, s->stem_k, s->stem_stride);
    int cin = s->stem_c, i = 0;
    for (int st = 0; st < s->nstages; st++) {
        for (int j = 0; j < s->stages[st].layers; j++, i++) {
            int stride = j == 0 ? s->stages[st].stride : 1;
            /* every choice of a layer has the same output shape: odd k, pad k/2 */
            int ho = space_out_size(h, 3, stride), wo = space_out_size(w, 3, stride);
            if (i == l) {
                sh.cin = cin;
                sh.cout = s->stages[st].cout;
                sh.stride = stride;
                sh.h_in = h;
                sh.w_in = w;
                sh.h_out = ho;
                sh.w_out = wo;
                return sh;
            }
            cin = s->stages[st].cout;
            h = ho;
            w = wo;
        }
    }
    return sh;
}

int space_find_choice(const struct space *s, const char *token)
{
    for (int c = 0; c < s->nchoices; c++)
        if (strcmp(s->choices[c].name, token) == 0)
            return c;
    return -1;
}

static void list_choices(const struct space *s, uint64_t mask, char *buf, size_t n)
{
    size_t used = 0;
    buf[0] = 0;
    for (int c = 0; c < s->nchoices && used < n; c++)
        if (mask & (1ULL << c)) {
            int w = snprintf(buf + used, n - used, "%s%s", used ? " " : "", s->choices[c].name);
            if (w < 0)
                break;
            used += (size_t)w;
        }
}

/* The token p[0..len) fit for a one-line message: control characters shown
 * as '?', at most 32 bytes (then "...", not cutting a UTF-8 character). */
static const char *shown_token(const char *p, size_t len, char *buf, size_t n)
{
    size_t k = len > 32 ? 32 : len, j = 0;
    while (k < len && k > 0 && ((unsigned char)p[k] & 0xc0) == 0x80)
        k--;
    for (size_t i = 0; i < k && j + 1 < n; i++)
        buf[j++] = (unsigned char)p[i] < 0x20 || p[i] == 0x7f ? '?' : p[i];
    if (k < len && j + 4 < n) {
        memcpy(buf + j, "...", 3);
        j += 3;
    }
    buf[j] = 0;
    return buf;
}

int arch_parse(const struct space *s, const char *str, const char *src, struct arch *a,
               struct err *e)
{
    return arch_parse_at(s, str, src, 1, 1, a, e);
}

int arch_parse_at(const struct space *s, const char *str, const char *src, int line, int col0,
                  struct arch *a, struct err *e)
{
    const char *p = str;
    int l = 0;
    memset(a, 0, sizeof *a);
    for (;;) {
        const char *end = strchr(p, '-');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        int col = (int)(p - str) + col0;
        char tok[CHOICE_NAME_MAX];
        if (l >= s->nlayers)
            return err_set(e, src, line, col, "too many layers: the space %s has %d", s->name,
                           s->nlayers);
        if (len == 0)
            return err_set(e, src, line, col, "layer %d: empty choice", l + 1);
        int c = -1;
        if (len < sizeof tok) {
            memcpy(tok, p, len);
            tok[len] = 0;
            c = space_find_choice(s, tok);
        } else {
            snprintf(tok, sizeof tok, "%.*s", (int)sizeof tok - 1, p);
        }
        char list[512], shown[40];
        if (c < 0) {
            list_choices(s, s->allowed[l], list, sizeof list);
            return err_set(e, src, line, col, "layer %d: unknown choice '%s' (choices here: %s)",
                           l + 1, shown_token(p, len, shown, sizeof shown), list);
        }
        if (!(s->allowed[l] & (1ULL << c))) {
            struct layer_shape sh = space_layer_shape(s, l);
            list_choices(s, s->allowed[l], list, sizeof list);
            return err_set(e, src, line, col,
                           "layer %d: '%s' is not allowed here (%d->%d channels, stride %d; "
                           "choices here: %s)",
                           l + 1, tok, sh.cin, sh.cout, sh.stride, list);
        }
        a->choice[l++] = c;
        if (!end)
            break;
        p = end + 1;
    }
    if (l != s->nlayers)
        return err_set(e, src, line, (int)strlen(str) + col0,
                       "%d layers given, the space %s has %d", l, s->name, s->nlayers);
    a->n = l;
    return 0;
}

int arch_is_valid(const struct space *s, const struct arch *a)
{
    if (a->n != s->nlayers)
        return 0;
    for (int l = 0; l < s->nlayers; l++) {
        int c = a->choice[l];
        if (c < 0 || c >= s->nchoices || !(s->allowed[l] & (1ULL << c)))
            return 0;
    }
    return 1;
}

int arch_format(const struct space *s, const struct arch *a, char *buf, int n)
{
    int used = 0;
    if (n > 0)
        buf[0] = 0;
    for (int l = 0; l < a->n; l++) {
        int w = snprintf(buf + (used < n ? used : n), (size_t)(used < n ? n - used : 0), "%s%s",
                         l ? "-" : "", s->choices[a->choice[l]].name);
        used += w;
    }
    return used;
}

struct cost space_stem_cost(const struct space *s)
{
    struct cost c;
    int h = space_out_size(s->in_h, s->stem_k, s->stem_stride);
    int w = space_out_size(s->in_w, s->stem_k, s->stem_stride);
    int64_t wts = (int64_t)s->in_c * s->stem_c * s->stem_k * s->stem_k;
    c.params = wts + 2 * s->stem_c;
    c.macs = wts * h * w;
    return c;
}

struct cost space_head_cost(const struct space *s)
{
    struct cost c;
    struct layer_shape last = space_layer_shape(s, s->nlayers - 1);
    int64_t conv = (int64_t)last.cout * s->head_c;
    int64_t fc = (int64_t)s->head_c * s->classes;
    c.params = conv + 2 * s->head_c + fc + s->classes;
    c.macs = conv * last.h_out * last.w_out + fc;
    return c;
}

int space_se_hidden(int m) { return m / 4 > 8 ? m / 4 : 8; }

struct cost space_layer_cost(const struct space *s, int l, int choice)
{
    struct cost c = {0, 0};
    const struct choice *ch = &s->choices[choice];
    if (ch->skip)
        return c;
    struct layer_shape sh = space_layer_shape(s, l);
    int64_t m = (int64_t)sh.cin * ch->e;
    int64_t in_px = (int64_t)sh.h_in * sh.w_in, out_px = (int64_t)sh.h_out * sh.w_out;
    if (ch->e != 1) {
        c.params += sh.cin * m + 2 * m;
        c.macs += sh.cin * m * in_px;
    }
    c.params += m * ch->k * ch->k + 2 * m;
    c.macs += m * ch->k * ch->k * out_px;
    if (ch->se) {
        int64_t r = space_se_hidden((int)m);
        c.params += 2 * m * r + r + m;
        c.macs += 2 * m * r;
    }
    c.params += m * sh.cout + 2 * sh.cout;
    c.macs += m * sh.cout * out_px;
    return c;
}

struct cost arch_cost(const struct space *s, const struct arch *a)
{
    struct cost t = space_stem_cost(s), h = space_head_cost(s);
    t.params += h.params;
    t.macs += h.macs;
    for (int l = 0; l < a->n; l++) {
        struct cost c = space_layer_cost(s, l, a->choice[l]);
        t.params += c.params;
        t.macs += c.macs;
    }
    return t;
}

double space_count(const struct space *s)
{
    double n = 1;
    for (int l = 0; l < s->nlayers; l++)
        n *= __builtin_popcountll(s->allowed[l]);
    return n;
}
