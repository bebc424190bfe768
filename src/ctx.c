#include "ctx.h"

#include <cblas.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

void ctx_init(struct ctx *c, int threads)
{
    if (threads <= 0) {
        long n = sysconf(_SC_NPROCESSORS_ONLN);
        threads = n > 0 ? (int)n : 1;
    }
    c->threads = threads;
    c->log = NULL;
    c->log_user = NULL;
    /* BLAS runs single-threaded inside the kernels' one thread team (gemm.c) */
    openblas_set_num_threads(1);
    omp_set_num_threads(threads);
}

void ctx_log(const struct ctx *c, enum log_level level, const char *fmt, ...)
{
    if (!c || !c->log)
        return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    c->log(c->log_user, level, buf);
}

const char *ctx_blas_core(void) { return openblas_get_corename(); }
const char *ctx_blas_config(void) { return openblas_get_config(); }

const char *ctx_blas_line(char *buf, int n)
{
    const char *cfg = ctx_blas_config();
    const char *core = ctx_blas_core();
    char ver[32] = "OpenBLAS";
    /* the config string starts "OpenBLAS 0.3.21 ..." */
    if (cfg && strncmp(cfg, "OpenBLAS ", 9) == 0) {
        size_t len = strcspn(cfg + 9, " ");
        snprintf(ver, sizeof ver, "OpenBLAS %.*s", (int)(len < 16 ? len : 16), cfg + 9);
    }
    snprintf(buf, (size_t)n, "%s, core %s", ver, core ? core : "?");
    return buf;
}

double ctx_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}
