/* runner_log: a run's log lines, status file and info.txt (exp/runner_priv.h). */
#include "runner_priv.h"

#include <stdarg.h>
#include <string.h>

#include "atomic.h"
#include "rundir.h"

/* ------------------------------------------------------------- log and status */

void runner_set_phase(struct runner *r, enum runner_phase p)
{
    r->phase = p;
    if (p != RUNNER_SETUP && p != RUNNER_STOPPED && p != RUNNER_FAILED)
        rundir_status(r->dir, "%s", runner_phase_name(p));
    if (r->ev && r->ev->phase)
        r->ev->phase(r->ev->ud, r);
}

/* A line for the front end's log.  Lines of runner_open (before a front end
 * listens) are kept and handed over when runner_run starts, so a TUI that
 * takes the screen after runner_open still shows them. */
void runner_emit(struct runner *r, const char *text)
{
    if (r->ev && r->ev->log) {
        r->ev->log(r->ev->ud, text);
    } else if (r->phase == RUNNER_SETUP && !r->flushed) {
        size_t used = strlen(r->early), len = strlen(text);
        if (used + len + 2 < sizeof r->early) {
            memcpy(r->early + used, text, len);
            r->early[used + len] = '\n';
            r->early[used + len + 1] = 0;
        }
    } else {
        fprintf(stderr, "%s\n", text);
    }
}

/* Hands the lines kept by runner_emit to the front end (or stderr). */
void runner_flush_early(struct runner *r)
{
    r->flushed = 1;
    char *p = r->early;
    while (*p) {
        char *nl = strchr(p, '\n');
        *nl = 0;
        runner_emit(r, p);
        p = nl + 1;
    }
    r->early[0] = 0;
}

void runner_logf(struct runner *r, const char *fmt, ...)
{
    char buf[ERR_MAX + 256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    runner_emit(r, buf);
}

/* The engine's log (the context's sink): warnings and errors reach the
 * front end's log. */
void runner_log_sink(void *user, enum log_level level, const char *msg)
{
    static const char *const tag[] = {"debug", "info", "warning", "error"};
    if (level == LOG_DEBUG)
        return;
    runner_logf(user, "%s: %s", tag[level], msg);
}

void runner_emit_cb(void *ud, const char *text) { runner_emit(ud, text); }
void runner_note_cb(void *ud, const char *text) { runner_logf(ud, "%s", text); }

