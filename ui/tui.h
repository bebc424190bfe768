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

#endif
