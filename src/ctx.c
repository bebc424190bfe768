#include "ctx.h"

#include <cblas.h>
#include <omp.h>
#include <stdarg.h>
#include <stdio.h>
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
