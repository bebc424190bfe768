/* fuzz: what oneshot's libFuzzer harnesses share.
 *
 * Each harness (tests/fuzz/fuzz_NAME.c) feeds one parser of oneshot with the
 * bytes libFuzzer gives it and checks what comes back: no crash, no leak, no
 * sanitizer report (the build sees to those), and an error in the one grammar
 * of err.h naming the file it was read from.  A broken promise is reported
 * with fuzz_fail, which aborts: libFuzzer keeps the input as a crash.
 *
 * Most parsers read files, so the input is written to a file first, in a
 * directory of the process's own (under /dev/shm when there is one) that is
 * removed at exit.  The harnesses run single-threaded (one kernel thread, one
 * BLAS thread). */
#ifndef ONESHOT_FUZZ_H
#define ONESHOT_FUZZ_H

#include <stddef.h>
#include <stdint.h>

#include "err.h"

/* libFuzzer's entry points (declared here for -Wmissing-prototypes). */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* Prints "fuzz: <message>" to stderr and aborts.  Never returns. */
void fuzz_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

/* The harness's private directory (made on first use, removed at exit). */
const char *fuzz_dir(void);

/* Writes data[0..size) to the file name in fuzz_dir(); its path goes to path
 * (cap bytes).  Fails (aborts) only when the file cannot be written. */
void fuzz_write(const char *name, const void *data, size_t size, char *path, size_t cap);

/* Checks that e, the error of a parser that read file, reads
 * `file: error: ...`, `file:LINE: error: ...` or `file:LINE:COL: error: ...`
 * with LINE and COL >= 1 and a message after it, all on one line; or is
 * `error: out of memory`.  Fails (aborts) otherwise, naming what it got. */
void fuzz_check_error(const struct err *e, const char *file);

/* The single-threaded setup every harness makes once (kernel and BLAS threads). */
void fuzz_setup(void);

#endif
