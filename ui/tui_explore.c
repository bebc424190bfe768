#include "tui_explore.h"

#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arch.h"
#include "chart.h"
#include "cli.h"
#include "ctx.h"
#include "latency.h"
#include "model.h"
#include "pareto.h"
#include "rng.h"
#include "shipped.h"
#include "supernet.h"
#include "train.h"
#include "tui.h"
#include "tui_panels.h"

#define EX_DEVICES 3
#define EX_LOG 64
#define ARCH_TEXT_MAX (SPACE_MAX_LAYERS * (CHOICE_NAME_MAX + 1) + 1)

/* An architecture seen, with what is known of it. */
struct seen {
    struct arch a;
    struct cost c;
    double ms[EX_DEVICES];
    double acc;   /* the supernet's, BN recalibrated; NAN: no supernet */
    double alone; /* trained stand-alone; NAN: not yet */
};

/* The stand-alone training in the background: the thread writes the fields
 * below `lock` under it; the UI reads them under it. */
struct solo {
    pthread_t thread;
    int started;              /* the thread exists (to join) */
    pthread_mutex_t lock;
    int running;
    volatile int stop;
    struct arch a;
    int64_t step, total;
    int finished;             /* a result waits for the UI: acc, seconds */
    double acc, seconds;
    char error[1024];
    /* (fixed while it runs) */
    const struct space *sp;
    const struct split *train, *val;
    int epochs;
};

struct explorer {
    struct space sp;
    int ndev;
    struct latency_table *lat[EX_DEVICES]; /* owned; [0] the plot's */
    struct supernet *sn;                   /* owned, or NULL */
    struct cli_data data;
    int have_data;
    char no_data[1024];                    /* why not */
    struct supernet_eval ev;
    struct arch a;
    int layer;                             /* the one the arrows change */
    struct seen *seen;
    int nseen, cap, current;               /* current: a's index in seen */
    char log[EX_LOG][TUI_LOG_WIDTH];
    int nlog;                              /* lines written in all (the last EX_LOG kept) */
    char **picked;
    int npicked;
    struct rng rng;
    struct solo solo;
    int help;                              /* 0 none, 1 what it shows, 2 the keys */
    int evaluating;
};

static void ex_log(struct explorer *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void ex_log(struct explorer *x, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(x->log[x->nlog % EX_LOG], TUI_LOG_WIDTH, fmt, ap);
    va_end(ap);
    x->nlog++;
}

static void captured(void *ud, const char *text)
{
    ex_log(ud, "%s", text);
}

static const char *arch_text(const struct explorer *x, const struct arch *a, char *buf)
{
    arch_format(&x->sp, a, buf, ARCH_TEXT_MAX);
    return buf;
}

/* a's entry in seen, added (costs, latencies, the supernet's accuracy) when
 * new; -1 when out of memory or the supernet failed (logged). */
static int visit(struct explorer *x, const struct arch *a)
{
    for (int i = 0; i < x->nseen; i++)
        if (arch_equal(&x->seen[i].a, a))
            return i;
    if (x->nseen == x->cap) {
        int cap = x->cap ? x->cap * 2 : 64;
        struct seen *n = realloc(x->seen, (size_t)cap * sizeof *n);
        if (!n) {
            ex_log(x, "error: out of memory");
            return -1;
        }
        x->seen = n;
        x->cap = cap;
    }
    struct seen *s = &x->seen[x->nseen];
    s->a = *a;
    s->c = arch_cost(&x->sp, a);
    for (int d = 0; d < x->ndev; d++)
        s->ms[d] = latency_predict(x->lat[d], a);
    s->acc = NAN;
    s->alone = NAN;
    if (x->sn) {
        struct supernet_score sc;
        struct err e;
        if (supernet_evaluate(x->sn, a, &x->data.val, &x->data.train, &x->ev, &sc, &e)) {
            ex_log(x, "error: %s", e.msg);
            return -1;
        }
        s->acc = sc.acc_after;
    }
    return x->nseen++;
}

static void set_arch(struct explorer *x, const struct arch *a)
{
    x->a = *a;
    x->evaluating = x->sn != NULL;
}

/* ------------------------------------------------------------ training */

static void *solo_main(void *arg)
{
    struct solo *so = arg;
    struct ctx c;
    ctx_init(&c, 1); /* in the background: one core */
    struct err e = {0};
    struct train_config cfg;
    train_config_default(&cfg);
    cfg.epochs = so->epochs;
    double t0 = ctx_seconds(), acc = NAN;
    struct model *m = model_new(so->sp, &so->a, cfg.seed, &e);
    struct trainer t;
    int rc = -1;
    if (m && trainer_init(&t, m, so->train, &cfg, &e) == 0) {
        pthread_mutex_lock(&so->lock);
        so->total = t.total;
        pthread_mutex_unlock(&so->lock);
        while ((rc = trainer_step(&t, &e)) > 0 && !so->stop) {
            pthread_mutex_lock(&so->lock);
            so->step = t.step;
            pthread_mutex_unlock(&so->lock);
        }
        if (rc == 0 && model_evaluate(m, so->val, 500, &acc, NULL, &e))
            rc = -1;
        trainer_done(&t);
    }
    model_free(m);
    pthread_mutex_lock(&so->lock);
    so->running = 0;
    if (rc == 0) {
        so->finished = 1;
        so->acc = acc;
        so->seconds = ctx_seconds() - t0;
    } else if (!so->stop) {
        snprintf(so->error, sizeof so->error, "%s", e.msg);
    }
    pthread_mutex_unlock(&so->lock);
    return NULL;
}

static void solo_join(struct solo *so)
{
    if (!so->started)
        return;
    so->stop = 1;
    pthread_join(so->thread, NULL);
    so->started = 0;
}

static void train_current(struct explorer *x)
{
    struct solo *so = &x->solo;
    char buf[ARCH_TEXT_MAX];
    if (!x->have_data) {
        ex_log(x, "no stand-alone training: %s", x->no_data);
        return;
    }
    pthread_mutex_lock(&so->lock);
    int running = so->running;
    pthread_mutex_unlock(&so->lock);
    if (running) {
        ex_log(x, "one training at a time: %s is training", arch_text(x, &so->a, buf));
        return;
    }
    if (!isnan(x->seen[x->current].alone)) {
        ex_log(x, "%s is trained already", arch_text(x, &x->a, buf));
        return;
    }
    solo_join(so);
    so->a = x->a;
    so->step = so->total = 0;
    so->stop = 0;
    so->running = 1;
    so->error[0] = 0;
    if (pthread_create(&so->thread, NULL, solo_main, so)) {
        so->running = 0;
        ex_log(x, "error: cannot start the training thread");
        return;
    }
    so->started = 1;
    ex_log(x, "training %s stand-alone: %d epochs of %d images", arch_text(x, &x->a, buf),
           so->epochs, x->data.train.n);
}

/* A finished training's result into its entry of seen. */
static void solo_poll(struct explorer *x)
{
    struct solo *so = &x->solo;
    char buf[ARCH_TEXT_MAX];
    pthread_mutex_lock(&so->lock);
    int finished = so->finished;
    so->finished = 0;
    char error[1024];
    snprintf(error, sizeof error, "%s", so->error);
    so->error[0] = 0;
    pthread_mutex_unlock(&so->lock);
    if (error[0])
        ex_log(x, "error: stand-alone training: %s", error);
    if (!finished)
        return;
    int i = visit(x, &so->a);
    if (i < 0)
        return;
    x->seen[i].alone = so->acc;
    ex_log(x, "trained %s alone: val accuracy %.4f (%.1f s)", arch_text(x, &so->a, buf), so->acc,
           so->seconds);
}

/* ------------------------------------------------------------ drawing */

static const char about[] =
    "A search space, one network at a time: up and down pick a layer, left and right its "
    "choice. Parameters, multiply-adds and the latency on each device follow layer by layer; "
    "with a supernet, so does the accuracy it lends the network (BatchNorm recalibrated), and "
    "t trains the network alone to check it. The plot places the network (the selected mark) "
    "among those seen so far, their front highlighted. Params, MACs and latency disagree: "
    "MnasNet (Tan et al., 2019) and MoGA (Chu et al., 2020) search on latency for that reason.";

static const char *const keys[] = {
    "up down    (k j) pick a layer",
    "left right (h l) change its choice",
    "r          a random architecture",
    "s  b       the smallest, the biggest (fewest, most multiply-adds)",
    "Enter      copy the architecture to the log (printed again at the end)",
    "t          train it stand-alone in the background",
    "?          what this shows; ? again: these keys",
    "q          quit",
};

static void draw_table(struct explorer *x, struct chart_grid *g)
{
    /* the sizes and latencies of a itself; what needs the supernet or a
     * training from its entry of seen, once it has one (a picked but not
     * evaluated yet: the status bar says it is being) */
    const struct seen *s = &x->seen[x->current];
    int known = arch_equal(&s->a, &x->a);
    struct cost sum = arch_cost(&x->sp, &x->a);
    char b1[16], b2[16], b3[16], buf[ARCH_TEXT_MAX];
    tui_put(g, 0, 0, CHART_LABEL, "%s", arch_text(x, &x->a, buf));
    int at = tui_put(g, 0, 1, CHART_DIM, "%2s  %-7s  %7s %7s", "#", "choice", "params", "MACs");
    for (int d = 0; d < x->ndev; d++)
        at += tui_put(g, at, 1, CHART_DIM, " %10.10s", x->lat[d]->device);
    /* below the layers: the total, the supernet's accuracy, the stand-alone
     * result; the layers scrolled so that the picked one shows */
    int rows = g->h - 5, first = x->layer >= rows ? x->layer - rows + 1 : 0, y = 2;
    for (int l = first; l < x->sp.nlayers && y < g->h - 3; l++, y++) {
        int c = x->a.choice[l];
        struct cost lc = space_layer_cost(&x->sp, l, c);
        int sel = l == x->layer, style = sel ? CHART_SELECTED : CHART_PLAIN;
        at = tui_put(g, 0, y, style, "%2d %s%-7s%s %7s %7s", l + 1, sel ? "<" : " ",
                     x->sp.choices[c].name, sel ? ">" : " ", chart_format((double)lc.params, b1, 16),
                     chart_format((double)lc.macs, b2, 16));
        for (int d = 0; d < x->ndev; d++)
            at += tui_put(g, at, y, style, " %10s",
                          chart_format(latency_layer(x->lat[d], l, c), b3, 16));
    }
    at = tui_put(g, 0, y, CHART_LABEL, "%-12s %7s %7s", "total",
                 chart_format((double)sum.params, b1, 16), chart_format((double)sum.macs, b2, 16));
    for (int d = 0; d < x->ndev; d++)
        at += tui_put(g, at, y, CHART_LABEL, " %7.4f ms", latency_predict(x->lat[d], &x->a));
    y++;
    if (!known)
        return;
    if (x->sn)
        tui_put(g, 0, y++, CHART_SERIES1, "supernet accuracy %.2f%% (BN recalibrated on %d images)",
                s->acc * 100, x->ev.calib_images);
    struct solo *so = &x->solo;
    pthread_mutex_lock(&so->lock);
    int training = so->running && arch_equal(&so->a, &x->a);
    int64_t step = so->step, total = so->total;
    pthread_mutex_unlock(&so->lock);
    if (!isnan(s->alone))
        tui_put(g, 0, y, CHART_TRAINED, "stand-alone accuracy %.2f%% (%d epochs)", s->alone * 100,
                so->epochs);
    else if (training)
        tui_put(g, 0, y, CHART_PLAIN, "training stand-alone: step %lld/%lld", (long long)step,
                (long long)total);
    else if (x->have_data)
        tui_put(g, 0, y, CHART_DIM, "t: train it stand-alone");
}

static void draw_plot(struct explorer *x, struct chart_grid *g)
{
    int n = x->nseen;
    if (n == 0 || g->h < 6)
        return;
    double *f = malloc((size_t)n * 2 * sizeof *f);
    int *kind = malloc((size_t)n * sizeof *kind), *front = malloc((size_t)n * sizeof *front);
    double *px = malloc((size_t)n * 2 * sizeof *px);
    if (!f || !kind || !front || !px) {
        free(f), free(kind), free(front), free(px);
        return;
    }
    double *py = px + n;
    /* x: the first device's latency, down; y: the supernet's accuracy, up
     * (without one: multiply-adds, down) */
    int acc = x->sn != NULL, maximize[2] = {0, acc};
    for (int i = 0; i < n; i++) {
        px[i] = f[2 * i] = x->seen[i].ms[0];
        py[i] = f[2 * i + 1] = acc ? x->seen[i].acc * 100 : (double)x->seen[i].c.macs;
        kind[i] = CHART_POINT;
    }
    int nf = pareto_front(f, n, 2, maximize, front);
    for (int i = 0; i < nf; i++)
        kind[front[i]] = CHART_FRONT;
    for (int i = 0; i < n; i++)
        if (!isnan(x->seen[i].alone))
            kind[i] = CHART_TRAINED;
    kind[x->current] = CHART_SELECTED;
    double xlo, xhi, ylo, yhi;
    chart_range(px, n, 0.05, &xlo, &xhi);
    chart_range(py, n, 0.05, &ylo, &yhi);
    struct chart_rect r = chart_axes(g, (struct chart_rect){0, 0, g->w, g->h - 1}, xlo, xhi, ylo,
                                     yhi, 5);
    chart_scatter(g, r, xlo, xhi, ylo, yhi, px, py, kind, n);
    tui_put(g, 0, g->h - 1, CHART_DIM, "x %s [ms]  y %s", x->lat[0]->device,
            acc ? "supernet accuracy [%]" : "MACs");
    free(f), free(kind), free(front), free(px);
}

static void draw_log(struct explorer *x, struct chart_grid *g)
{
    int first = x->nlog > g->h ? x->nlog - g->h : 0;
    if (first < x->nlog - EX_LOG)
        first = x->nlog - EX_LOG;
    for (int i = first, y = 0; i < x->nlog; i++, y++) {
        const char *t = x->log[i % EX_LOG];
        tui_put(g, 0, y, strncmp(t, "error", 5) == 0 ? CHART_ERROR : CHART_PLAIN, "%s", t);
    }
}

/* Panel p drawn inside rect r of screen, framed with a title. */
static void panel(struct explorer *x, struct chart_grid *screen, struct chart_rect r,
                  const char *title, void (*draw)(struct explorer *, struct chart_grid *))
{
    tui_box(screen, r, title, CHART_AXIS);
    struct chart_grid g;
    if (r.w < 3 || r.h < 3 || chart_grid_init(&g, r.w - 2, r.h - 2, screen->unicode))
        return;
    draw(x, &g);
    tui_paste(screen, &g, r.x + 1, r.y + 1);
    chart_grid_done(&g);
}

static void draw(struct explorer *x, struct chart_grid *screen)
{
    chart_grid_clear(screen);
    int w = screen->w, h = screen->h;
    for (int i = 0; i < w; i++) {
        chart_put(screen, i, 0, ' ', CHART_BAR);
        chart_put(screen, i, h - 1, ' ', CHART_BAR);
    }
    char buf[512];
    int used = snprintf(buf, sizeof buf, " oneshot explore  %s  %.4g architectures  %d seen",
                        x->sp.name, space_count(&x->sp), x->nseen);
    if (x->evaluating)
        snprintf(buf + used, sizeof buf - (size_t)used, "  evaluating through the supernet");
    chart_text(screen, 0, 0, buf, w, CHART_BAR);
    chart_text(screen, 1, h - 1,
               "q quit  ? help  arrows pick  r random  s smallest  b biggest  Enter copy  t train",
               w - 2, CHART_BAR);
    if (w < 60 || h < 16) {
        chart_text(screen, 0, 1, "too small: 60x16 at least", w, CHART_PLAIN);
        return;
    }
    /* the table a row per layer and five more, inside its frame, as far as
     * the log keeps a line */
    int lw = 32 + 11 * x->ndev, ht = h - 2 - (h - 2) / 4, need = x->sp.nlayers + 7;
    lw = lw > w - 26 ? w - 26 : lw < w * 45 / 100 ? w * 45 / 100 : lw;
    if (ht < need)
        ht = need < h - 5 ? need : h - 5;
    char title[64];
    snprintf(title, sizeof title, "pareto  seen %d", x->nseen);
    panel(x, screen, (struct chart_rect){0, 1, lw, ht}, "architecture", draw_table);
    panel(x, screen, (struct chart_rect){lw, 1, w - lw, ht}, title, draw_plot);
    panel(x, screen, (struct chart_rect){0, 1 + ht, w, h - 2 - ht}, "log", draw_log);
    if (x->help == 1)
        tui_text_box(screen, "explore: what it shows", about, NULL, 0,
                     "? the keys      any other key closes this");
    else if (x->help == 2)
        tui_text_box(screen, "keys", NULL, keys, (int)(sizeof keys / sizeof keys[0]), NULL);
}

/* ------------------------------------------------------------ keys */

/* The next allowed choice of layer l after c in direction dir. */
static int next_choice(const struct space *s, int l, int c, int dir)
{
    int allowed[SPACE_MAX_CHOICES], n = space_allowed(s, l, allowed), at = 0;
    for (int i = 0; i < n; i++)
        if (allowed[i] == c)
            at = i;
    return allowed[(at + dir + n) % n];
}

/* 1 to quit. */
static int on_key(struct explorer *x, int key)
{
    if (x->help) {
        x->help = x->help == 1 && key == '?' ? 2 : 0;
        return 0;
    }
    struct arch a = x->a;
    char buf[ARCH_TEXT_MAX];
    switch (key) {
    case 'q':
        return 1;
    case '?':
        x->help = 1;
        return 0;
    case TUI_KEY_UP:
    case 'k':
        x->layer = (x->layer + x->sp.nlayers - 1) % x->sp.nlayers;
        return 0;
    case TUI_KEY_DOWN:
    case 'j':
        x->layer = (x->layer + 1) % x->sp.nlayers;
        return 0;
    case TUI_KEY_LEFT:
    case 'h':
    case TUI_KEY_RIGHT:
    case 'l':
        a.choice[x->layer] = next_choice(&x->sp, x->layer, a.choice[x->layer],
                                         key == TUI_KEY_LEFT || key == 'h' ? -1 : 1);
        break;
    case 'r':
        arch_random(&x->sp, &x->rng, &a);
        break;
    case 's':
    case 'b':
        arch_extreme(&x->sp, key == 'b', &a);
        break;
    case TUI_KEY_ENTER: {
        arch_text(x, &x->a, buf);
        char **p = realloc(x->picked, (size_t)(x->npicked + 1) * sizeof *p);
        if (p && (p[x->npicked] = strdup(buf)) != NULL) {
            x->picked = p;
            x->npicked++;
        } else if (p) {
            x->picked = p;
        }
        ex_log(x, "picked %s", buf);
        return 0;
    }
    case 't':
        train_current(x);
        return 0;
    default:
        return 0;
    }
    set_arch(x, &a);
    return 0;
}

/* ------------------------------------------------------------ setup */

static int add_device(struct explorer *x, const char *name, struct err *e)
{
    for (int d = 0; d < x->ndev; d++)
        if (!strcmp(x->lat[d]->device, name))
            return 0;
    struct latency_table *t = calloc(1, sizeof *t);
    if (!t)
        return err_plain(e, "out of memory");
    struct ctx c;
    cli_ctx(&c, 0);
    if (cli_latency_device(t, name, &x->sp, &c, e)) {
        free(t);
        return -1;
    }
    /* a device may call itself another name than it was asked by */
    for (int d = 0; d < x->ndev; d++)
        if (!strcmp(x->lat[d]->device, t->device)) {
            free(t);
            return 0;
        }
    x->lat[x->ndev++] = t;
    return 0;
}

static int setup(struct explorer *x, const struct explore_opts *o, struct err *e)
{
    if (shipped_space(&x->sp, o->space, e))
        return -1;
    const char *mine = o->lut ? o->lut : o->device;
    if ((mine && add_device(x, mine, e)) || add_device(x, "mobile-gpu", e) ||
        add_device(x, "mobile-cpu", e))
        return -1;
    if (cli_load_data(&x->data, o->data, &x->sp, o->train_images, o->val_images, 0, e)) {
        if (o->supernet)
            return -1;
        snprintf(x->no_data, sizeof x->no_data, "%s", e->msg);
    } else {
        x->have_data = 1;
    }
    if (o->supernet) {
        void *extra = NULL;
        size_t n = 0;
        x->sn = supernet_load(&x->sp, o->supernet, &extra, &n, e);
        free(extra);
        if (!x->sn)
            return -1;
    }
    x->ev = (struct supernet_eval){o->calib_images, 500};
    rng_seed(&x->rng, 0, RNG_STREAM_SEARCH);
    x->solo.sp = &x->sp;
    x->solo.train = &x->data.train;
    x->solo.val = &x->data.val;
    x->solo.epochs = o->epochs;
    arch_extreme(&x->sp, 0, &x->a);
    x->layer = 0;
    x->current = visit(x, &x->a);
    if (x->current < 0)
        return err_plain(e, "%s", x->log[(x->nlog - 1) % EX_LOG]);
    char buf[ARCH_TEXT_MAX];
    ex_log(x, "the smallest of %s: %s", x->sp.name, arch_text(x, &x->a, buf));
    return 0;
}

static void teardown(struct explorer *x)
{
    solo_join(&x->solo);
    supernet_free(x->sn);
    if (x->have_data)
        cli_data_done(&x->data);
    for (int d = 0; d < x->ndev; d++)
        free(x->lat[d]);
    for (int i = 0; i < x->npicked; i++)
        free(x->picked[i]);
    free(x->picked);
    free(x->seen);
}

int tui_explore_main(const struct explore_opts *o)
{
    struct explorer *x = calloc(1, sizeof *x);
    struct err e;
    if (!x) {
        fprintf(stderr, "oneshot: error: out of memory\n");
        return 1;
    }
    pthread_mutex_init(&x->solo.lock, NULL);
    struct ctx c;
    cli_ctx(&c, o->threads);
    int status = 0;
    if (setup(x, o, &e)) {
        fprintf(stderr, "oneshot: %s\n", e.msg);
        status = 1;
    }
    struct tui_term *t = status ? NULL : tui_term_open(&e);
    if (!status && !t) {
        fprintf(stderr, "oneshot: %s\n", e.msg);
        status = 1;
    }
    struct chart_grid screen = {0};
    int w = 0, h = 0, unicode = 0, dirty = 1;
    double drawn = 0;
    while (t) {
        int nw, nh;
        tui_term_size(t, &nw, &nh, &unicode);
        if (nw != w || nh != h) {
            chart_grid_done(&screen);
            w = nw, h = nh, dirty = 1;
            if (chart_grid_init(&screen, w, h, unicode))
                w = h = 0;
        }
        tui_term_drain(t, captured, x);
        solo_poll(x);
        if (w && (dirty || ctx_seconds() - drawn > 0.5)) {
            draw(x, &screen);
            tui_term_show(t, &screen);
            drawn = ctx_seconds();
            dirty = 0;
        }
        if (x->evaluating) { /* the screen says so; now the work */
            int i = visit(x, &x->a);
            if (i >= 0)
                x->current = i;
            else /* logged: back to the last one known */
                x->a = x->seen[x->current].a;
            x->evaluating = 0;
            dirty = 1;
            continue;
        }
        int key = tui_term_key(t);
        if (key == 0)
            continue;
        dirty = 1;
        if (key == TUI_KEY_SIGNAL) {
            status = 130;
            break;
        }
        if (key == TUI_KEY_RESIZE)
            continue;
        if (on_key(x, key))
            break;
        if (!x->sn) { /* no supernet: everything else is immediate */
            int i = visit(x, &x->a);
            if (i >= 0)
                x->current = i;
            else
                x->a = x->seen[x->current].a;
        }
    }
    chart_grid_done(&screen);
    tui_term_close(t);
    if (x->solo.running)
        fprintf(stderr, "oneshot: the stand-alone training was stopped\n");
    for (int i = 0; i < x->npicked; i++)
        printf("%s\n", x->picked[i]);
    teardown(x);
    pthread_mutex_destroy(&x->solo.lock);
    free(x);
    return status;
}
