/* ctx: what the engine needs from its host, passed explicitly (no globals).
 *
 * The host (the command line, the TUI, the Lua bindings) fills a struct ctx
 * and hands a borrowed pointer to every engine call that logs or runs in
 * parallel.  The engine never prints: it calls ctx->log. */
#ifndef ONESHOT_CTX_H
#define ONESHOT_CTX_H

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

typedef void (*log_fn)(void *user, enum log_level level, const char *msg);

struct ctx {
    int threads;  /* worker threads for kernels and BLAS; >= 1 */
    log_fn log;   /* may be NULL: messages are dropped */
    void *log_user;
};

/* Fills c with `threads` workers (<= 0 means one per online core) and no log sink,
 * and applies the thread count to OpenBLAS and to the kernels' thread team. */
void ctx_init(struct ctx *c, int threads);

/* Logs a printf-style message through c->log (c may be NULL). */
void ctx_log(const struct ctx *c, enum log_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Name and description of the BLAS in use, e.g. "OpenBLAS 0.3.21 SkylakeX". */
const char *ctx_blas_core(void);
const char *ctx_blas_config(void);

/* The BLAS line of --version and of a run's info.txt, "OpenBLAS 0.3.21, core
 * SkylakeX", into buf (n bytes); returns buf. */
const char *ctx_blas_line(char *buf, int n);

/* Seconds of a monotonic wall clock (for durations). */
double ctx_seconds(void);

#endif
