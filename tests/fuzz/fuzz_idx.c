/* Fuzzes IDX data files, raw and gzip'd: dataset_load_idx (src/data.c),
 * and what reads a loaded set, dataset_split and split_gather.
 *
 * Input: a flags byte, the length of the image file (2 bytes, little-endian),
 * the image file's bytes, then the label file's bytes.  Flags bit 0 (1):
 * the harness gzips the image file before writing it, bit 1 (2) the label
 * file, so that the IDX reader sees fuzzed contents inside a valid gzip
 * stream; otherwise the bytes are written as they are (a gzip stream among
 * them is read as one, damaged or not).  The classes are 1 + flags / 4.  A
 * set that loads must have labels below its classes and split and gather;
 * one that does not is refused with `images: error: ...` or
 * `labels: error: ...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "data.h"
#include "fuzz.h"

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    return 0;
}

/* Writes data to fuzz_dir()/name, gzip'd when gz. */
static void write_file(const char *name, const uint8_t *data, size_t size, int gz, char *path,
                       size_t cap)
{
    if (!gz) {
        fuzz_write(name, data, size, path, cap);
        return;
    }
    uLong bound = compressBound((uLong)size) + 32;
    uint8_t *out = malloc(bound);
    if (!out)
        fuzz_fail("out of memory");
    z_stream z;
    memset(&z, 0, sizeof z);
    /* windowBits 15 + 16: a gzip header and trailer, as gzip(1) writes */
    if (deflateInit2(&z, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        fuzz_fail("deflateInit2");
    z.next_in = (Bytef *)data;
    z.avail_in = (uInt)size;
    z.next_out = out;
    z.avail_out = (uInt)bound;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        fuzz_fail("deflate");
    fuzz_write(name, out, z.total_out, path, cap);
    deflateEnd(&z);
    free(out);
}

static void check_error(const struct err *e, const char *images, const char *labels)
{
    size_t n = strlen(images);
    if (strncmp(e->msg, images, n) == 0 && e->msg[n] == ':')
        fuzz_check_error(e, images);
    else
        fuzz_check_error(e, labels);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    int flags = data[0], classes = 1 + flags / 4;
    size_t ilen = (size_t)data[1] | (size_t)data[2] << 8;
    data += 3;
    size -= 3;
    if (ilen > size)
        ilen = size;
    char images[256], labels[256];
    write_file("images", data, ilen, flags & 1, images, sizeof images);
    write_file("labels", data + ilen, size - ilen, flags & 2, labels, sizeof labels);

    struct dataset d;
    struct err e;
    if (dataset_load_idx(&d, images, labels, classes, &e)) {
        check_error(&e, images, labels);
        if (d.pixels || d.labels || d.n)
            fuzz_fail("a refused set is not left empty");
        return 0;
    }
    if (d.n < 0 || d.c != 1 || d.h < 1 || d.w < 1 || d.classes != classes)
        fuzz_fail("loaded %d images of %dx%dx%d, %d classes", d.n, d.c, d.h, d.w, d.classes);
    for (int i = 0; i < d.n; i++)
        if (d.labels[i] >= classes)
            fuzz_fail("label %d of image %d, %d classes", d.labels[i], i, classes);
    struct split tr, va;
    int nval = d.n / 3;
    if (dataset_split(&d, d.n - nval, nval, &tr, &va, &e))
        fuzz_fail("%d images do not split into %d and %d: %s", d.n, d.n - nval, nval, e.msg);
    /* (no images: no buffer, whose size the header alone would set) */
    int n = tr.n < 64 ? tr.n : 64;
    size_t pix = (size_t)d.c * d.h * d.w;
    float *x = n ? malloc(pix * (size_t)n * sizeof *x) : NULL;
    int *y = n ? malloc((size_t)n * sizeof *y) : NULL, idx[64];
    if (x && y) {
        for (int i = 0; i < n; i++)
            idx[i] = tr.n - 1 - i;
        split_gather(&tr, idx, n, FMNIST_MEAN, FMNIST_STD, x, y);
        for (int i = 0; i < n; i++)
            if (y[i] != d.labels[tr.n - 1 - i])
                fuzz_fail("gathered label %d is %d, not %d", i, y[i], d.labels[tr.n - 1 - i]);
    }
    free(x);
    free(y);
    dataset_done(&d);
    return 0;
}
