/* tui: the interactive workbench, a curses front end of a run (exp/runner.h).
 *
 * This module owns the terminal: it alone calls initscr's counterpart
 * (newterm) and endwin, installs the signal handlers and redirects the
 * process's standard output and error into the log panel while curses has
 * the screen.  The run works in a worker thread (ui/tui_state.h); the UI
 * thread reads keys with a timeout of TUI_TICK_MS (the tick: the screen is
 * redrawn when the snapshot changed and at least twice a second) and never
 * waits on the run.  The panels (ui/tui_panels.h) draw into plain grids that
 * this module frames and copies to the screen.
 *
 * The terminal is given back in every way out: a normal quit, an error, a
 * signal (SIGINT, SIGTERM, SIGHUP stop the run, which saves the supernet,
 * then quit), exit() from anywhere (atexit), and a crash (SIGSEGV, SIGBUS,
 * SIGFPE, SIGILL, SIGABRT restore the terminal's modes before the default
 * action).  NO_COLOR (set and not empty) turns colours off; a locale whose
 * codeset is not UTF-8 gets ASCII only. */
#ifndef ONESHOT_TUI_H
#define ONESHOT_TUI_H

#define TUI_TICK_MS 100

/* Runs the workbench on the experiment file `path` (a new run directory:
 * out, or the experiment's output) or, with resume = 1, on the run
 * directory `path`.  Standard input and output must be a terminal (the
 * caller checks).  The experiment is loaded and checked before the screen
 * is taken, so its errors print as `oneshot run`'s do.  Returns the exit
 * status: 0 (the user quit, or the run is done), 1 (an error; printed on
 * standard error once the terminal is restored), 130 (stopped by a
 * signal). */
int tui_main(const char *path, const char *out, int resume);

/* The terminal for another full-screen front end (the space explorer,
 * ui/tui_explore.h), taken and given back as the workbench's is: standard
 * output and error captured, every way out restoring the terminal, keys read
 * with a timeout of TUI_TICK_MS. */
struct tui_term;
struct chart_grid;
struct err;
/* Takes the screen (standard input and output must be a terminal).  The
 * terminal, or NULL with e filled (nothing changed). */
struct tui_term *tui_term_open(struct err *e);
/* Gives the screen back; NULL is a no-op. */
void tui_term_close(struct tui_term *t);
/* The screen's size and whether it draws Unicode. */
void tui_term_size(const struct tui_term *t, int *w, int *h, int *unicode);
/* Shows grid g (the size of the screen) as it is. */
void tui_term_show(struct tui_term *t, const struct chart_grid *g);
/* The next key as panels see them (ui/tui_panels.h: a character or a
 * TUI_KEY_*), TUI_KEY_RESIZE when the screen changed size or asks to be
 * redrawn, TUI_KEY_SIGNAL after SIGINT, SIGTERM or SIGHUP, 0 when the tick
 * passed without one. */
int tui_term_key(struct tui_term *t);
/* Hands each line written to standard output or error since the last call
 * to line(ud, text). */
void tui_term_drain(struct tui_term *t, void (*line)(void *ud, const char *text), void *ud);

#endif
