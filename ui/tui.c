#include "tui.h"

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <langinfo.h>
#include <locale.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "chart.h"
#include "ctx.h"
#include "runner.h"
#include "progress.h"
#include "tui_export.h"
#include "tui_nao.h"
#include "tui_panels.h"
#include "tui_state.h"

/* The signal that asked us to stop (SIGINT, SIGTERM, SIGHUP), 0 when none:
 * the one flag the house rules allow. */
static volatile sig_atomic_t tui_signal;

/* What a crash handler and an atexit handler need to give the terminal
 * back.  Neither can be handed a pointer, so this is the one other piece of
 * static state: written once before curses starts, its `active` cleared
 * after endwin; nothing else reads or writes it. */
static struct {
    volatile sig_atomic_t active;
    int tty_fd, out_fd, err_fd; /* curses' terminal; the original stdout, stderr */
    struct termios modes;       /* the terminal's modes before curses */
    char reset[256];            /* terminfo: leave the alternate screen, show the cursor */
    size_t nreset;
} restore;

static void on_signal(int sig)
{
    tui_signal = sig;
}

/* Async-signal-safe: modes, reset sequence, the original stderr back. */
static void restore_raw(void)
{
    if (!restore.active)
        return;
    restore.active = 0;
    tcsetattr(restore.tty_fd, TCSANOW, &restore.modes);
    if (write(restore.tty_fd, restore.reset, restore.nreset) < 0) {
        /* nothing more can be done in a dying process */
    }
    dup2(restore.out_fd, STDOUT_FILENO);
    dup2(restore.err_fd, STDERR_FILENO);
}

static void on_crash(int sig)
{
    restore_raw();
    static const char msg[] = "oneshot: crashed; the terminal was restored\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* as above */
    }
    signal(sig, SIG_DFL);
    raise(sig);
}

static void at_exit(void)
{
    if (!restore.active)
        return;
    endwin(); /* exit() outside a signal: curses can still reset properly */
    restore_raw();
}

/* ------------------------------------------------------------ the terminal */

struct tty {
    FILE *tty;         /* curses' output: a dup of the original stdout */
    SCREEN *screen;
    int capture;       /* read end of the pipe on fds 1 and 2 */
    char partial[TUI_LOG_WIDTH];
    int npartial;
    int unicode, colors;
    attr_t attr[CHART_NSTYLES];
};

static void set_styles(struct tty *t)
{
    const char *no_color = getenv("NO_COLOR");
    t->colors = has_colors() && !(no_color && *no_color);
    static const attr_t plain[CHART_NSTYLES] = {
        [CHART_LABEL] = A_BOLD,    [CHART_SERIES1] = A_BOLD, [CHART_FRONT] = A_BOLD,
        [CHART_BEST] = A_BOLD,     [CHART_SELECTED] = A_REVERSE, [CHART_DIM] = A_DIM,
        [CHART_TRAINED] = A_BOLD,
        [CHART_WARN] = A_BOLD,     [CHART_ERROR] = A_BOLD,   [CHART_FOCUS] = A_BOLD,
        [CHART_BAR] = A_REVERSE,   [CHART_HEAT0 + 6] = A_BOLD, [CHART_HEAT0 + 7] = A_BOLD};
    memcpy(t->attr, plain, sizeof plain);
    if (!t->colors)
        return;
    start_color();
    use_default_colors();
    struct {
        int style, fg, bg;
        attr_t extra;
    } map[] = {
        {CHART_AXIS, COLOR_CYAN, -1, 0},        {CHART_LABEL, -1, -1, A_BOLD},
        {CHART_SERIES1, COLOR_GREEN, -1, A_BOLD}, {CHART_SERIES2, COLOR_YELLOW, -1, 0},
        {CHART_POINT, COLOR_CYAN, -1, 0},       {CHART_FRONT, COLOR_RED, -1, A_BOLD},
        {CHART_BEST, COLOR_YELLOW, -1, A_BOLD}, {CHART_SELECTED, COLOR_BLACK, COLOR_WHITE, A_BOLD},
        {CHART_TRAINED, COLOR_GREEN, -1, A_BOLD},
        {CHART_DIM, -1, -1, A_DIM},             {CHART_WARN, COLOR_YELLOW, -1, 0},
        {CHART_ERROR, COLOR_RED, -1, A_BOLD},   {CHART_FOCUS, COLOR_CYAN, -1, A_BOLD},
        {CHART_BAR, COLOR_BLACK, COLOR_CYAN, 0},
    };
    int pair = 1;
    for (size_t i = 0; i < sizeof map / sizeof map[0]; i++) {
        if (map[i].fg < 0 && map[i].bg < 0) {
            t->attr[map[i].style] = map[i].extra;
            continue;
        }
        init_pair((short)pair, (short)map[i].fg, (short)map[i].bg);
        t->attr[map[i].style] = COLOR_PAIR(pair) | map[i].extra;
        pair++;
    }
    /* the heat ramp: dark blue to yellow on 256 colours, eight steps of
     * blue, cyan, green, yellow otherwise */
    static const short ramp256[CHART_HEAT_LEVELS] = {17, 19, 26, 31, 36, 71, 148, 226};
    static const short ramp8[CHART_HEAT_LEVELS] = {COLOR_BLUE,  COLOR_BLUE,   COLOR_CYAN,
                                                   COLOR_CYAN,  COLOR_GREEN,  COLOR_GREEN,
                                                   COLOR_YELLOW, COLOR_YELLOW};
    for (int l = 0; l < CHART_HEAT_LEVELS; l++) {
        init_pair((short)pair, COLORS >= 256 ? ramp256[l] : ramp8[l], -1);
        t->attr[CHART_HEAT0 + l] = COLOR_PAIR(pair) | (COLORS < 256 && l % 2 ? A_BOLD : 0);
        pair++;
    }
}

/* Appends a terminfo capability to the crash reset sequence. */
static void add_reset(const char *cap)
{
    char *s = tigetstr((char *)cap);
    if (!s || s == (char *)-1)
        return;
    size_t l = strlen(s);
    if (restore.nreset + l < sizeof restore.reset) {
        memcpy(restore.reset + restore.nreset, s, l);
        restore.nreset += l;
    }
}

/* Takes the screen: curses on a copy of the terminal, fds 1 and 2 into a
 * pipe the UI reads.  0, or -1 with e filled (nothing changed). */
static int term_start(struct tty *t, struct err *e)
{
    memset(t, 0, sizeof *t);
    t->capture = -1;
    t->unicode = strcmp(nl_langinfo(CODESET), "UTF-8") == 0;
    int tty = dup(STDOUT_FILENO), out = dup(STDOUT_FILENO), errfd = dup(STDERR_FILENO);
    int p[2] = {-1, -1};
    if (tty < 0 || out < 0 || errfd < 0 || pipe(p) != 0) {
        int saved = errno;
        close(tty), close(out), close(errfd);
        return err_plain(e, "cannot set up the terminal: %s", strerror(saved));
    }
    fcntl(p[0], F_SETFL, O_NONBLOCK);
    fcntl(p[0], F_SETFD, FD_CLOEXEC);
    fcntl(p[1], F_SETFD, FD_CLOEXEC);
    fcntl(tty, F_SETFD, FD_CLOEXEC);
    fcntl(out, F_SETFD, FD_CLOEXEC);
    fcntl(errfd, F_SETFD, FD_CLOEXEC);
    tcgetattr(tty, &restore.modes);
    t->tty = fdopen(tty, "w");
    if (t->tty)
        t->screen = newterm(NULL, t->tty, stdin);
    if (!t->screen) {
        const char *term = getenv("TERM");
        if (t->tty)
            fclose(t->tty);
        else
            close(tty);
        close(out), close(errfd), close(p[0]), close(p[1]);
        return err_plain(e, "cannot start the terminal UI (TERM=%s): use `oneshot run` instead",
                         term ? term : "unset");
    }
    restore.tty_fd = tty;
    restore.out_fd = out;
    restore.err_fd = errfd;
    restore.nreset = 0;
    add_reset("sgr0");
    add_reset("rmcup");
    add_reset("cnorm");
    add_reset("rmkx");
    restore.active = 1;
    fflush(stdout);
    fflush(stderr);
    dup2(p[1], STDOUT_FILENO);
    dup2(p[1], STDERR_FILENO);
    close(p[1]);
    setvbuf(stdout, NULL, _IOLBF, 0);
    t->capture = p[0];
    cbreak();
    noecho();
    nonl();
    keypad(stdscr, TRUE);
    curs_set(0);
    set_escdelay(25);
    timeout(TUI_TICK_MS);
    set_styles(t);
    static const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (int i = 0; i < 5; i++)
        signal(crash[i], on_crash);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGHUP, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

/* Gives the terminal back as it was. */
static void term_stop(struct tty *t)
{
    if (!restore.active)
        return;
    endwin();
    delscreen(t->screen);
    fflush(stdout);
    fflush(stderr);
    restore.active = 0;
    dup2(restore.out_fd, STDOUT_FILENO);
    dup2(restore.err_fd, STDERR_FILENO);
    close(restore.out_fd);
    close(restore.err_fd);
    fclose(t->tty);
    static const int crash[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
    for (int i = 0; i < 5; i++)
        signal(crash[i], SIG_DFL);
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    signal(SIGHUP, SIG_DFL);
}

/* Hands what was written to fds 1 and 2 to line(ud, text), line by line. */
static void term_drain(struct tty *t, void (*line)(void *ud, const char *text), void *ud)
{
    char buf[4096];
    ssize_t n;
    while (t->capture >= 0 && (n = read(t->capture, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < n; i++) {
            if (buf[i] == '\n' || t->npartial == (int)sizeof t->partial - 1) {
                t->partial[t->npartial] = 0;
                line(ud, t->partial);
                t->npartial = 0;
                if (buf[i] == '\n')
                    continue;
            }
            if (buf[i] != '\r')
                t->partial[t->npartial++] = buf[i];
        }
    }
}

static void log_line(void *ud, const char *text)
{
    tui_state_log(ud, -1, "%s", text);
}

/* Moves what was written to fds 1 and 2 into the log. */
static void term_capture(struct tty *t, struct tui_state *s)
{
    term_drain(t, log_line, s);
}

/* Copies grid g to the screen, runs of one style at a time. */
static void term_blit(struct tty *t, const struct chart_grid *g)
{
    char run[4096];
    for (int y = 0; y < g->h; y++) {
        int x = 0;
        while (x < g->w) {
            int style = g->cells[y * g->w + x].style, x0 = x;
            size_t used = 0;
            while (x < g->w && g->cells[y * g->w + x].style == style && used + 5 < sizeof run) {
                char b[5];
                int l = chart_utf8(g->cells[y * g->w + x].ch, b);
                memcpy(run + used, b, (size_t)l);
                used += (size_t)l;
                x++;
            }
            run[used] = 0;
            attrset(t->attr[style < CHART_NSTYLES ? style : 0]);
            mvaddstr(y, x0, run);
        }
    }
    attrset(A_NORMAL);
}

/* ------------------------------------------------------------ the workbench */

/* ABOUT: what the focused panel shows (? once); HELP: the keys (? again) */
enum dialog { DIALOG_NONE, DIALOG_ABOUT, DIALOG_HELP, DIALOG_QUIT };

struct tui {
    struct tty term;
    struct tui_state *s;
    struct tui_view view;
    int focus;                      /* enum tui_panel */
    enum tui_panel order[TUI_NPANELS]; /* the panels on the screen, in Tab's order */
    int npanels;
    enum dialog dialog;
    int quitting;
    int interrupted;                /* a signal: exit status 130 */
    int w, h;
    struct chart_grid screen;       /* the frame being composed */
    struct chart_rect panel[TUI_NPANELS];
    int too_small;
    uint64_t drawn_version;
    double drawn_at;
    int dirty;
    char message[256];              /* shown in the key bar for a while */
    double message_at;
};

static void message(struct tui *t, int level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* A message in the key bar and in the log. */
static void message(struct tui *t, int level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(t->message, sizeof t->message, fmt, ap);
    va_end(ap);
    t->message_at = ctx_seconds();
    tui_state_log(t->s, level, "%s", t->message);
    t->dirty = 1;
}

static void layout(struct tui *t)
{
    getmaxyx(stdscr, t->h, t->w);
    chart_grid_done(&t->screen);
    if (chart_grid_init(&t->screen, t->w, t->h, t->term.unicode)) {
        t->too_small = 1;
        return;
    }
    t->too_small = t->w < 60 || t->h < 16;
    int avail = t->h - 2, ha = avail * 2 / 5;
    t->dirty = 1;
    if (t->s->singlepath) {
        /* the decisions need a row per layer: the lower row is the taller */
        ha = avail * 9 / 28 < 7 ? 7 : avail * 9 / 28;
        int hb = avail - ha, w0 = t->w / 2;
        int d = t->w * 40 / 100, a = t->w * 32 / 100, l = t->w - d - a;
        t->panel[TUI_SP_LOSS] = (struct chart_rect){0, 1, w0, ha};
        t->panel[TUI_SP_RUNTIME] = (struct chart_rect){w0, 1, t->w - w0, ha};
        t->panel[TUI_SP_DECISIONS] = (struct chart_rect){0, 1 + ha, d, hb};
        t->panel[TUI_SP_ARCH] = (struct chart_rect){d, 1 + ha, a, hb};
        t->panel[TUI_LOG] = (struct chart_rect){d + a, 1 + ha, l, hb};
        return;
    }
    if (t->s->nao) { /* the pool and the candidates wide, the predictor and the log beside */
        int hb = avail - avail / 2, w0 = t->w * 62 / 100;
        t->panel[TUI_NAO_POOL] = (struct chart_rect){0, 1, w0, avail / 2};
        t->panel[TUI_NAO_TAU] = (struct chart_rect){w0, 1, t->w - w0, avail / 2};
        t->panel[TUI_NAO_CANDIDATES] = (struct chart_rect){0, 1 + avail / 2, w0, hb};
        t->panel[TUI_LOG] = (struct chart_rect){w0, 1 + avail / 2, t->w - w0, hb};
        return;
    }
    if (ha < 10 && avail - 10 >= 8)
        ha = 10;
    int hb = avail - ha;
    int w0 = t->w / 3, w1 = t->w / 3, w2 = t->w - w0 - w1;
    t->panel[TUI_SUPERNET] = (struct chart_rect){0, 1, w0, ha};
    t->panel[TUI_RANKING] = (struct chart_rect){w0, 1, w1, ha};
    t->panel[TUI_PARETO] = (struct chart_rect){w0 + w1, 1, w2, ha};
    int f = t->w * 28 / 100, a = t->w * 38 / 100, l = t->w - f - a;
    t->panel[TUI_FAIRNESS] = (struct chart_rect){0, 1 + ha, f, hb};
    t->panel[TUI_ARCH] = (struct chart_rect){f, 1 + ha, a, hb};
    t->panel[TUI_LOG] = (struct chart_rect){f + a, 1 + ha, l, hb};
    t->dirty = 1;
}

/* A box with a title on its top edge. */
static void frame(struct tui *t, struct chart_rect r, const char *title, int style)
{
    tui_box(&t->screen, r, title, style);
}

static void status_bar(struct tui *t)
{
    const struct tui_state *s = t->s;
    struct chart_grid *g = &t->screen;
    for (int x = 0; x < g->w; x++)
        chart_put(g, x, 0, ' ', CHART_BAR);
    char buf[1024];
    const char *what;
    if (t->quitting)
        what = "stopping: saving";
    else if (s->running && s->paused)
        what = s->held ? "PAUSED" : "pausing";
    else if (!s->running && s->rc < 0)
        what = "FAILED (r reloads)";
    else
        what = runner_phase_name(s->phase);
    int used = snprintf(buf, sizeof buf, " oneshot  %s  %s", s->name, what);
    if (s->total > 0)
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  step %lld/%lld  epoch %d/%d",
                         (long long)s->step, (long long)s->total, s->epoch + 1, s->epochs);
    if (s->singlepath && s->sp.tuning && s->sp.trial > 0)
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  trial %d/%d lambda %g",
                         s->sp.trial, s->sp.trials, s->sp.lambda);
    else if (s->singlepath && s->total > 0 && (s->sp.warm || s->step == 0))
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  warm-up");
    else if (s->singlepath && s->total > 0)
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  lambda %g", s->lambda);
    if (s->nao && s->phase == RUNNER_NAO) {
        char nao[160];
        tui_nao_status(s, nao, sizeof nao);
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  %s", nao);
    }
    if (!s->singlepath && !s->nao && (s->phase >= RUNNER_SEARCH || s->nev > 0))
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  gen %d/%d  %lld evaluated",
                         s->generation, s->generations, (long long)s->nevals);
    if (s->phase == RUNNER_RETRAIN && s->retrainings > 0)
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  retrain %d/%d step %lld/%lld",
                         s->retrained + 1 > s->retrainings ? s->retrainings : s->retrained + 1,
                         s->retrainings, (long long)s->rstep, (long long)s->rtotal);
    if (s->solo_running)
        used += snprintf(buf + used, sizeof buf - (size_t)used, "  stand-alone %lld/%lld",
                         (long long)s->solo_step, (long long)s->solo_total);
    chart_text(g, 0, 0, buf, g->w, CHART_BAR);
    int l = (int)strlen(s->dir);
    if (used + l + 4 < g->w)
        chart_text(g, g->w - l - 1, 0, s->dir, l, CHART_BAR);
}

static void key_bar(struct tui *t)
{
    struct chart_grid *g = &t->screen;
    int y = g->h - 1;
    for (int x = 0; x < g->w; x++)
        chart_put(g, x, y, ' ', CHART_BAR);
    if (t->message[0] && ctx_seconds() - t->message_at < 4) {
        chart_text(g, 1, y, t->message, g->w - 2, CHART_BAR);
        return;
    }
    t->message[0] = 0;
    static const char *const keys[][2] = {
        {"q", "quit"},   {"?", "help"},   {"spc", "pause"}, {"s", "step"},  {"tab", "focus"},
        {"arrows", "select"}, {"x/y", "axes"}, {"1-8 +/-", "weights"}, {"r", "reload"},
        {"t", "train"},  {"w", "save"},   {"e", "svg"}};
    /* a Single-Path run: no selection, axes, weights or files to reload */
    static const char *const sp_keys[][2] = {{"q", "quit"},       {"?", "help"},
                                             {"spc", "pause"},    {"s", "step"},
                                             {"tab", "focus"},    {"arrows", "scroll"},
                                             {"t", "train it"},   {"w", "save"},
                                             {"e", "svg"}};
    int own = t->s->singlepath || t->s->nao; /* (NAO's keys are Single-Path's) */
    const char *const(*k)[2] = own ? sp_keys : keys;
    size_t nk = own ? sizeof sp_keys / sizeof sp_keys[0] : sizeof keys / sizeof keys[0];
    int x = 1;
    for (size_t i = 0; i < nk; i++) {
        int need = (int)(strlen(k[i][0]) + strlen(k[i][1])) + 2;
        if (x + need > g->w)
            break;
        x += chart_text(g, x, y, k[i][0], -1, CHART_BAR) + 1;
        x += chart_text(g, x, y, k[i][1], -1, CHART_BAR) + 1;
    }
}

static const char *const help_text[] = {
    "space      pause or resume the run",
    "s          one training step or one evaluation (pauses)",
    "Tab S-Tab  move the focus between the panels",
    "arrows     move the selection on the Pareto plot",
    "h j k l    the same; in the log and architecture: scroll",
    "Enter      Pareto: the front as a ranked table",
    "b          select the front's best by the weights",
    "x  y       the metric on the Pareto plot's x / y axis",
    "1..8       choose an objective; + - change its weight",
    "r          reload the strategy and metrics files",
    "t          train the selection (Single-Path: the decoded one) alone",
    "w          save the supernet (Single-Path: the search) now",
    "e          export the plots as SVG (RUN_DIR/plots)",
    "PgUp PgDn  scroll the log (focus on the log)",
    "Ctrl-L     redraw the screen",
    "q          quit (asks when work is unsaved)",
    "?          what the focused panel shows; ? again: these keys",
};

static void dialog_box(struct tui *t, const char *title, const char *const *lines, int n)
{
    tui_text_box(&t->screen, title, NULL, lines, n, NULL);
}

/* The focused panel's explanation in a box over the screen's middle. */
static void about_box(struct tui *t)
{
    char title[256], head[300];
    tui_panel_title(t->focus, t->s, &t->view, title, sizeof title);
    char *gap = strstr(title, "  "); /* the panel's name, without its figures */
    if (gap)
        *gap = 0;
    snprintf(head, sizeof head, "%s: what it shows", title);
    tui_text_box(&t->screen, head, tui_panel_help(t->focus), NULL, 0,
                 "? the keys      any other key closes this");
}

static void draw(struct tui *t)
{
    struct tui_state *s = t->s;
    chart_grid_clear(&t->screen);
    pthread_mutex_lock(&s->lock);
    if (t->too_small) {
        chart_text(&t->screen, 0, 0, "too small: 60x16 at least",
                   -1, CHART_PLAIN);
    } else {
        status_bar(t);
        key_bar(t);
        for (int i = 0; i < t->npanels; i++) {
            enum tui_panel p = t->order[i];
            struct chart_rect r = t->panel[p];
            char title[256];
            tui_panel_title(p, s, &t->view, title, sizeof title);
            frame(t, r, title, (int)p == t->focus ? CHART_FOCUS : CHART_AXIS);
            struct chart_grid g;
            if (chart_grid_init(&g, r.w - 2, r.h - 2, t->term.unicode) == 0) {
                tui_panel_draw(p, &g, s, &t->view);
                tui_paste(&t->screen, &g, r.x + 1, r.y + 1);
            }
            chart_grid_done(&g);
        }
    }
    if (t->too_small) {
        /* no room for a dialog: the keys still work */
    } else if (t->dialog == DIALOG_QUIT) {
        char a[160], b[200], c[160];
        int64_t unsaved = runner_unsaved_steps(s->run);
        snprintf(a, sizeof a, "%lld %s step%s not saved yet: saved before oneshot ends",
                 (long long)unsaved, s->singlepath ? "search" : "supernet",
                 unsaved == 1 ? "" : "s");
        if (s->nao)
            snprintf(a, sizeof a, "%lld step%s of this NAO round: resumed, it starts again",
                     (long long)unsaved, unsaved == 1 ? "" : "s");
        snprintf(b, sizeof b, "%s", s->solo_running ? "the stand-alone training is lost"
                                                    : "oneshot tui --resume DIR goes on later");
        snprintf(c, sizeof c, "y  quit      n  stay");
        const char *lines[] = {a, b, "", c};
        dialog_box(t, "quit?", lines, 4);
    } else if (t->dialog == DIALOG_ABOUT) {
        about_box(t);
    } else if (t->dialog == DIALOG_HELP) {
        dialog_box(t, "keys", help_text, (int)(sizeof help_text / sizeof help_text[0]));
    }
    t->drawn_version = s->version;
    pthread_mutex_unlock(&s->lock);
    erase();
    term_blit(&t->term, &t->screen);
    refresh();
    t->drawn_at = ctx_seconds();
    t->dirty = 0;
}

static void begin_quit(struct tui *t)
{
    if (t->quitting)
        return;
    t->quitting = 1;
    t->dialog = DIALOG_NONE;
    tui_state_quit(t->s);
    tui_state_log(t->s, TUI_INFO, "stopping the run: the %s is saved first",
                  t->s->singlepath ? "search" : "supernet");
    t->dirty = 1;
}

/* The metrics in the order x and y cycle through: objectives first. */
static int next_axis(const struct tui_state *s, int current, int other)
{
    int order[METRICS_MAX], n = 0;
    for (int o = 0; o < s->nobj; o++)
        order[n++] = s->obj_metric[o];
    for (int m = 0; m < s->nmetrics; m++) {
        int seen = 0;
        for (int i = 0; i < n; i++)
            seen |= order[i] == m;
        if (!seen)
            order[n++] = m;
    }
    int at = 0;
    for (int i = 0; i < n; i++)
        if (order[i] == current)
            at = i;
    for (int k = 1; k <= n; k++) {
        int m = order[(at + k) % n];
        if (m != other || n < 2)
            return m;
    }
    return current;
}

static int panel_key_of(int ch)
{
    switch (ch) {
    case KEY_UP:
        return TUI_KEY_UP;
    case KEY_DOWN:
        return TUI_KEY_DOWN;
    case KEY_LEFT:
        return TUI_KEY_LEFT;
    case KEY_RIGHT:
        return TUI_KEY_RIGHT;
    case KEY_PPAGE:
        return TUI_KEY_PGUP;
    case KEY_NPAGE:
        return TUI_KEY_PGDN;
    case KEY_HOME:
        return TUI_KEY_HOME;
    case KEY_END:
        return TUI_KEY_END;
    case KEY_ENTER:
    case '\n':
    case '\r':
        return TUI_KEY_ENTER;
    default:
        return ch;
    }
}

static void set_weights(struct tui *t, double factor)
{
    struct tui_state *s = t->s;
    pthread_mutex_lock(&s->lock);
    int changed = tui_view_weight(&t->view, s, factor);
    int o = t->view.objective;
    double w = t->view.weight[o];
    pthread_mutex_unlock(&s->lock);
    if (!changed)
        return;
    if (runner_set_weights(s->run, t->view.weight, s->nobj) != 0)
        message(t, TUI_WARN, "warning: the run refused the weights");
    else
        message(t, TUI_INFO, "weight of %s: %.3g; the front is re-ranked", s->obj_name[o], w);
}

static void export_svg(struct tui *t)
{
    struct err e;
    int n = 0;
    pthread_mutex_lock(&t->s->lock);
    int rc = tui_export_svg(t->s, &t->view, &n, &e);
    pthread_mutex_unlock(&t->s->lock);
    if (rc)
        message(t, TUI_ERROR, "%s", e.msg);
    else if (n == 0)
        message(t, TUI_INFO, "nothing to plot yet");
    else
        message(t, TUI_INFO, "%d plot%s written to %s/plots", n, n == 1 ? "" : "s", t->s->dir);
}

static void train_selected(struct tui *t)
{
    struct tui_state *s = t->s;
    pthread_mutex_lock(&s->lock);
    const struct arch *sel = s->singlepath ? (s->sp.arch.n ? &s->sp.arch : NULL)
                             : s->nao     ? tui_nao_selected(s)
                                          : tui_view_selected(&t->view, s);
    struct arch a;
    if (sel)
        a = *sel;
    pthread_mutex_unlock(&s->lock);
    if (!sel) {
        message(t, TUI_INFO, s->singlepath ? "no architecture decoded yet"
                             : s->nao     ? "no architecture scored yet"
                                          : "select an architecture on the Pareto plot first");
        return;
    }
    struct err e;
    if (tui_state_train(s, &a, &e))
        message(t, TUI_WARN, "%s", e.msg);
}

static void ask_quit(struct tui *t)
{
    struct tui_state *s = t->s;
    pthread_mutex_lock(&s->lock);
    int solo = s->solo_running;
    pthread_mutex_unlock(&s->lock);
    if (runner_unsaved_steps(s->run) > 0 || solo) {
        t->dialog = DIALOG_QUIT;
        t->dirty = 1;
    } else {
        begin_quit(t);
    }
}

/* The panel dir (1 or -1) places after the focus in Tab's order. */
static enum tui_panel next_panel(const struct tui *t, int dir)
{
    int at = 0;
    for (int i = 0; i < t->npanels; i++)
        if (t->order[i] == (enum tui_panel)t->focus)
            at = i;
    return t->order[(at + dir + t->npanels) % t->npanels];
}

static void on_key(struct tui *t, int ch)
{
    struct tui_state *s = t->s;
    if (ch == KEY_RESIZE) {
        layout(t);
        clearok(curscr, TRUE);
        return;
    }
    if (ch == 12) { /* Ctrl-L */
        clearok(curscr, TRUE);
        t->dirty = 1;
        return;
    }
    if (t->dialog == DIALOG_HELP || t->dialog == DIALOG_ABOUT) {
        t->dialog = t->dialog == DIALOG_ABOUT && ch == '?' ? DIALOG_HELP : DIALOG_NONE;
        t->dirty = 1;
        return;
    }
    if (t->too_small) {
        /* no room for a dialog: the keys still work */
    } else if (t->dialog == DIALOG_QUIT) {
        if (ch == 'y' || ch == 'Y' || ch == 'q')
            begin_quit(t);
        t->dialog = DIALOG_NONE;
        t->dirty = 1;
        return;
    }
    if (t->quitting)
        return;
    t->dirty = 1;
    const char *what = s->singlepath ? "search" : "supernet";
    if ((s->singlepath || s->nao) && ch > 0 && ch < 128 &&
        (strchr("xy+=-_", ch) || (ch >= '1' && ch <= '8'))) {
        message(t, TUI_INFO, "a %s run has no objectives: no axes or weights to set",
                s->nao ? "NAO" : "Single-Path");
        return;
    }
    if (s->nao && ch == 'w') {
        message(t, TUI_INFO, "NAO saves at each round's end; a round stopped part way starts again");
        return;
    }
    switch (ch) {
    case ' ': {
        pthread_mutex_lock(&s->lock);
        int paused = !s->paused;
        pthread_mutex_unlock(&s->lock);
        tui_state_pause(s, paused);
        message(t, TUI_INFO, paused ? "paused" : "resumed");
        return;
    }
    case 's':
        tui_state_step(s);
        return;
    case '\t':
    case KEY_BTAB:
        t->focus = next_panel(t, ch == '\t' ? 1 : -1);
        return;
    case 'x':
        t->view.xaxis = next_axis(s, t->view.xaxis, t->view.yaxis);
        return;
    case 'y':
        t->view.yaxis = next_axis(s, t->view.yaxis, t->view.xaxis);
        return;
    case '+':
    case '=':
        set_weights(t, 1.25);
        return;
    case '-':
    case '_':
        set_weights(t, 1 / 1.25);
        return;
    case 'r':
        tui_state_retry(s);
        return;
    case 't':
        train_selected(t);
        return;
    case 'w':
        if (runner_unsaved_steps(s->run) == 0) {
            message(t, TUI_INFO, "the %s is saved: nothing to write", what);
        } else {
            tui_state_save(s);
            message(t, TUI_INFO, "saving the %s%s", what, s->paused ? "" : " at the next step");
        }
        return;
    case 'e':
        export_svg(t);
        return;
    case '?':
        t->dialog = tui_panel_help(t->focus) ? DIALOG_ABOUT : DIALOG_HELP;
        return;
    case 'q':
        ask_quit(t);
        return;
    default:
        break;
    }
    if (ch >= '1' && ch <= '8') {
        if (ch - '1' < s->nobj) {
            t->view.objective = ch - '1';
            message(t, TUI_INFO, "objective %d (%s): + and - change its weight", ch - '0',
                    s->obj_name[ch - '1']);
        }
        return;
    }
    int k = panel_key_of(ch);
    pthread_mutex_lock(&s->lock);
    int used = tui_panel_key(t->focus, k, s, &t->view);
    if (!used && t->focus != TUI_PARETO && !s->singlepath && !s->nao)
        used = tui_panel_key(TUI_PARETO, k, s, &t->view);
    pthread_mutex_unlock(&s->lock);
}

static void run_loop(struct tui *t)
{
    struct tui_state *s = t->s;
    layout(t);
    for (;;) {
        if (tui_signal) {
            tui_state_log(s, TUI_WARN, "signal %d: stopping", (int)tui_signal);
            tui_signal = 0;
            t->interrupted = 1;
            begin_quit(t);
        }
        term_capture(&t->term, s);
        pthread_mutex_lock(&s->lock);
        int done = s->worker_done || !s->started;
        uint64_t version = s->version;
        pthread_mutex_unlock(&s->lock);
        if (t->quitting && done)
            break;
        double now = ctx_seconds();
        if (t->dirty || version != t->drawn_version || now - t->drawn_at >= 0.5)
            draw(t);
        int ch = getch();
        if (ch != ERR)
            on_key(t, ch);
    }
}

int tui_main(const char *path, const char *out, int resume)
{
    setlocale(LC_ALL, "");
    struct tui_state *s = malloc(sizeof *s);
    struct tui *t = calloc(1, sizeof *t);
    if (!s || !t) {
        free(s), free(t);
        fprintf(stderr, "oneshot: error: out of memory\n");
        return 1;
    }
    tui_state_clear(s);
    struct err e;
    fprintf(stderr, "oneshot: loading %s\n", path);
    struct runner *r = runner_open(path, out, resume ? RUNNER_RESUME : RUNNER_NEW, &s->stop, &e);
    if (!r || tui_state_init(s, r, &e)) {
        fprintf(stderr, "oneshot: %s\n", e.msg);
        runner_close(r);
        tui_state_done(s);
        free(s), free(t);
        return 1;
    }
    atexit(at_exit);
    int status = 0;
    if (term_start(&t->term, &e)) {
        fprintf(stderr, "oneshot: %s\n", e.msg);
        status = 1;
    } else {
        t->s = s;
        static const enum tui_panel oneshot[] = {TUI_SUPERNET, TUI_RANKING, TUI_PARETO,
                                                 TUI_FAIRNESS, TUI_ARCH,    TUI_LOG};
        static const enum tui_panel sp[] = {TUI_SP_LOSS, TUI_SP_RUNTIME, TUI_SP_DECISIONS,
                                            TUI_SP_ARCH, TUI_LOG};
        static const enum tui_panel nao[] = {TUI_NAO_POOL, TUI_NAO_TAU, TUI_NAO_CANDIDATES,
                                             TUI_LOG};
        t->npanels = s->singlepath ? 5 : s->nao ? 4 : 6;
        memcpy(t->order, s->singlepath ? sp : s->nao ? nao : oneshot,
               (size_t)t->npanels * sizeof t->order[0]);
        t->focus = s->singlepath ? TUI_SP_DECISIONS : s->nao ? TUI_NAO_CANDIDATES : TUI_PARETO;
        tui_view_init(&t->view, s, t->term.unicode);
        tui_state_log(s, TUI_INFO, "run directory %s; ? explains the focused panel, ? again lists the keys", s->dir);
        if (tui_state_start(s, &e))
            tui_state_log(s, TUI_ERROR, "%s", e.msg);
        run_loop(t);
        term_capture(&t->term, s);
        term_stop(&t->term);
        close(t->term.capture);
        tui_view_done(&t->view);
        chart_grid_done(&t->screen);
    }
    int rc = s->rc;
    struct err failure = s->failure;
    tui_state_done(s);
    const char *dir = runner_info(r)->dir;
    struct runner_progress p;
    runner_progress(r, &p);
    if (status == 0) {
        if (rc == 0 && p.phase == RUNNER_DONE && runner_info(r)->x->method == EXP_SINGLEPATH)
            printf("run %s: done; chosen.txt has Single-Path NAS's architecture\n", dir);
        else if (rc == 0 && p.phase == RUNNER_DONE && runner_info(r)->x->method == EXP_NAO)
            printf("run %s: done; chosen.txt has NAO's architecture\n", dir);
        else if (rc == 0 && p.phase == RUNNER_DONE)
            printf("run %s: done, %lld architectures evaluated; chosen.txt has the picks\n", dir,
                   (long long)p.nevals);
        else if (rc < 0) {
            fprintf(stderr, "oneshot: %s\nthe run's files are kept; after fixing the cause: "
                            "oneshot tui --resume %s\n",
                    failure.msg, dir);
            status = 1;
        } else
            fprintf(stderr, "stopped; nothing is lost: continue with\n  oneshot tui --resume %s\n",
                    dir);
        if (t->interrupted && status == 0)
            status = 130;
    }
    runner_close(r);
    free(s), free(t);
    return status;
}

/* ------------------------------------------------------------ the terminal for others */

struct tui_term {
    struct tty tty;
};

struct tui_term *tui_term_open(struct err *e)
{
    setlocale(LC_ALL, "");
    struct tui_term *t = calloc(1, sizeof *t);
    if (!t) {
        err_plain(e, "out of memory");
        return NULL;
    }
    atexit(at_exit);
    if (term_start(&t->tty, e)) {
        free(t);
        return NULL;
    }
    return t;
}

void tui_term_close(struct tui_term *t)
{
    if (!t)
        return;
    term_stop(&t->tty);
    close(t->tty.capture);
    free(t);
}

void tui_term_size(const struct tui_term *t, int *w, int *h, int *unicode)
{
    getmaxyx(stdscr, *h, *w);
    *unicode = t->tty.unicode;
}

void tui_term_show(struct tui_term *t, const struct chart_grid *g)
{
    erase();
    term_blit(&t->tty, g);
    refresh();
}

int tui_term_key(struct tui_term *t)
{
    (void)t;
    if (tui_signal) {
        tui_signal = 0;
        return TUI_KEY_SIGNAL;
    }
    int ch = getch();
    if (ch == ERR)
        return 0;
    if (ch == KEY_RESIZE)
        return TUI_KEY_RESIZE;
    if (ch == 12) { /* Ctrl-L */
        clearok(curscr, TRUE);
        return TUI_KEY_RESIZE;
    }
    return panel_key_of(ch);
}

void tui_term_drain(struct tui_term *t, void (*line)(void *ud, const char *text), void *ud)
{
    term_drain(&t->tty, line, ud);
}
