/* runner_log: a run's log lines, status file and info.txt (exp/runner_priv.h). */
#include "runner_priv.h"

#include <stdarg.h>
#include <string.h>
#include <time.h>

#include "atomic.h"
#include "rundir.h"

/* ------------------------------------------------------------- log and status */

void runner_set_status(struct runner *r, const char *fmt, ...)
{
    char buf[ERR_MAX + 64], path[EXP_PATH_MAX + 16];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf - 1, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    if ((size_t)n > sizeof buf - 2)
        n = (int)sizeof buf - 2;
    buf[n++] = '\n';
    rundir_path(path, sizeof path, r->dir, "status");
    struct err ignored;
    atomic_save(path, buf, (size_t)n, &ignored); /* best effort: the run's files matter more */
}

void runner_set_phase(struct runner *r, enum runner_phase p)
{
    r->phase = p;
    if (p == RUNNER_TRAIN || p == RUNNER_SINGLEPATH || p == RUNNER_SEARCH ||
        p == RUNNER_RETRAIN || p == RUNNER_DONE)
        runner_set_status(r, "%s", runner_phase_name(p));
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

void runner_info_append(struct runner *r, const char *fmt, ...)
{
    char path[EXP_PATH_MAX + 16];
    rundir_path(path, sizeof path, r->dir, "info.txt");
    FILE *f = fopen(path, "a");
    if (!f)
        return;
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fclose(f);
}

void runner_now_text(char *buf, size_t n)
{
    time_t t = time(NULL);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(buf, n, "%Y-%m-%d %H:%M:%S UTC", &tm);
}
