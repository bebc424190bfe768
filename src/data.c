#include "data.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define IDX_IMAGES 0x00000803u
#define IDX_LABELS 0x00000801u

/* Bytes asked of one gzread: it takes an unsigned and returns an int. */
#define READ_CHUNK (1u << 30)
/* First buffer of a payload; it doubles up to the announced size, so a corrupt
 * header announcing terabytes ends as `truncated`, not as an out-of-memory. */
#define FIRST_ALLOC ((size_t)1 << 20)
/* Images gathered together by split_gather (one source pointer each). */
#define GATHER_BLOCK 64

/* One IDX file read whole: its dimensions and its payload. */
struct idx {
    uint32_t dims[3]; /* images: n, rows, cols; labels: n */
    uint8_t *data;    /* the bytes after the header, owned */
    size_t size;      /* bytes of data */
};

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* Formats the error of a failed gzread of path into e.  Must be called right
 * after the failing gzread (it reads errno).  Returns -1. */
static int gz_fail(gzFile gz, const char *path, struct err *e)
{
    int errnum = Z_OK;
    const char *msg = gzerror(gz, &errnum);
    /* zlib's message reads `path: what`; the path is already in front. */
    size_t pl = strlen(path);
    if (msg && !strncmp(msg, path, pl) && !strncmp(msg + pl, ": ", 2))
        msg += pl + 2;
    if (errnum == Z_ERRNO)
        return err_set(e, path, 0, 0, "cannot read: %s", strerror(errno));
    if (errnum == Z_MEM_ERROR)
        return err_set(e, path, 0, 0, "out of memory");
    return err_set(e, path, 0, 0, "corrupt gzip data: %s", msg && *msg ? msg : "unknown error");
}

/* Reads up to len bytes of gz into buf; *got is how many came before the end
 * of the file.  Returns 0, or -1 (e set) on a read or decompression error. */
static int read_full(gzFile gz, const char *path, uint8_t *buf, size_t len, size_t *got,
                     struct err *e)
{
    *got = 0;
    while (*got < len) {
        size_t want = len - *got;
        if (want > READ_CHUNK)
            want = READ_CHUNK;
        int n = gzread(gz, buf + *got, (unsigned)want);
        if (n < 0)
            return gz_fail(gz, path, e);
        if (n == 0)
            break;
        *got += (size_t)n;
    }
    return 0;
}

/* Reads the payload of path (size bytes announced by a header of hdr bytes)
 * into a new buffer, growing it as bytes arrive.  Returns 0 with *out owned by
 * the caller, or -1 (e set, nothing allocated). */
static int read_payload(gzFile gz, const char *path, size_t hdr, size_t size, uint8_t **out,
                        struct err *e)
{
    size_t cap = size < FIRST_ALLOC ? size : FIRST_ALLOC;
    uint8_t *buf = malloc(cap ? cap : 1);
    if (!buf)
        return err_set(e, path, 0, 0, "out of memory");
    size_t have = 0;
    for (;;) {
        size_t n;
        if (read_full(gz, path, buf + have, cap - have, &n, e) < 0) {
            free(buf);
            return -1;
        }
        have += n;
        if (have < cap || have == size)
            break;
        size_t grown = cap > size / 2 ? size : cap * 2;
        uint8_t *p = realloc(buf, grown);
        if (!p) {
            free(buf);
            return err_set(e, path, 0, 0, "out of memory");
        }
        buf = p;
        cap = grown;
    }
    if (have < size) {
        free(buf);
        return err_set(e, path, 0, 0, "truncated: expected %zu bytes, found %zu", hdr + size,
                       hdr + have);
    }
    *out = buf;
    return 0;
}

/* Counts the bytes of gz left after the payload and checks the gzip stream
 * ended cleanly.  Returns 0, or -1 (e set). */
static int check_end(gzFile gz, const char *path, size_t expected, struct err *e)
{
    uint8_t scratch[4096];
    size_t extra = 0;
    for (;;) {
        size_t n;
        if (read_full(gz, path, scratch, sizeof scratch, &n, e) < 0)
            return -1;
        extra += n;
        if (n < sizeof scratch)
            break;
    }
    if (extra)
        return err_set(e, path, 0, 0, "trailing bytes: expected %zu bytes, found %zu", expected,
                       expected + extra);
    int errnum = Z_OK;
    gzerror(gz, &errnum);
    if (errnum == Z_BUF_ERROR)
        return err_set(e, path, 0, 0, "truncated: the gzip stream ends early");
    return 0;
}

/* Reads the IDX file path whole: checks its magic (IDX_IMAGES with 3
 * dimensions or IDX_LABELS with 1), that its shape fits an int, and that it
 * holds exactly the bytes its header announces.  Returns 0 with x filled
 * (x->data owned by the caller), or -1 (e set, nothing allocated). */
static int read_idx(const char *path, uint32_t magic, struct idx *x, struct err *e)
{
    const char *what = magic == IDX_IMAGES ? "image" : "label";
    int ndims = magic == IDX_IMAGES ? 3 : 1;
    size_t hdr = 4 + 4 * (size_t)ndims;
    memset(x, 0, sizeof *x);

    errno = 0;
    gzFile gz = gzopen(path, "rb");
    if (!gz)
        return err_set(e, path, 0, 0, "cannot open: %s", errno ? strerror(errno) : "out of memory");

    uint8_t head[16];
    size_t got;
    uint32_t m;
    uint64_t size = 1;
    if (read_full(gz, path, head, hdr, &got, e) < 0)
        goto fail;
    /* The magic first: a short file of the wrong kind is of the wrong kind. */
    m = got >= 4 ? be32(head) : magic;
    if (m != magic) {
        err_set(e, path, 0, 0, "bad magic 0x%08x: not an IDX %s file (expected 0x%08x)", m, what,
                magic);
        goto fail;
    }
    if (got < hdr) {
        err_set(e, path, 0, 0, "truncated: expected a %zu-byte IDX %s header, found %zu bytes", hdr,
                what, got);
        goto fail;
    }
    static const char *const dim_names[2][3] = {{"images", "rows", "columns"}, {"labels"}};
    for (int i = 0; i < ndims; i++) {
        x->dims[i] = be32(head + 4 + 4 * i);
        if (x->dims[i] > INT_MAX) {
            err_set(e, path, 0, 0, "%u %s: more than %d", x->dims[i],
                    dim_names[magic == IDX_LABELS][i], INT_MAX);
            goto fail;
        }
        size *= x->dims[i];
    }
    if (ndims == 3) {
        if (x->dims[1] == 0 || x->dims[2] == 0 || (uint64_t)x->dims[1] * x->dims[2] > INT_MAX) {
            err_set(e, path, 0, 0, "bad image size: %u rows, %u columns", x->dims[1], x->dims[2]);
            goto fail;
        }
    }
    if (size > SIZE_MAX - hdr) {
        err_set(e, path, 0, 0, "announces %llu bytes, more than this machine can hold",
                (unsigned long long)size);
        goto fail;
    }
    if (read_payload(gz, path, hdr, (size_t)size, &x->data, e) < 0)
        goto fail;
    x->size = (size_t)size;
    if (check_end(gz, path, hdr + x->size, e) < 0)
        goto fail;
    gzclose(gz);
    return 0;

fail:
    free(x->data);
    memset(x, 0, sizeof *x);
    gzclose(gz);
    return -1;
}

int dataset_load_idx(struct dataset *d, const char *images, const char *labels, int classes,
                     struct err *e)
{
    memset(d, 0, sizeof *d);
    if (classes < 1 || classes > 256)
        return err_set(e, labels, 0, 0, "%d classes: labels are bytes, so 1..256 classes", classes);
    struct idx im, lb;
    if (read_idx(images, IDX_IMAGES, &im, e) < 0)
        return -1;
    if (read_idx(labels, IDX_LABELS, &lb, e) < 0) {
        free(im.data);
        return -1;
    }
    if (lb.dims[0] != im.dims[0]) {
        err_set(e, labels, 0, 0, "%u labels, but %s holds %u images", lb.dims[0], images,
                im.dims[0]);
        goto fail;
    }
    for (size_t i = 0; i < lb.size; i++) {
        if (lb.data[i] >= classes) {
            err_set(e, labels, 0, 0, "label %d at index %zu is out of range 0..%d", lb.data[i], i,
                    classes - 1);
            goto fail;
        }
    }
    snprintf(d->path, sizeof d->path, "%s", images);
    snprintf(d->labels_path, sizeof d->labels_path, "%s", labels);
    d->n = (int)im.dims[0];
    d->c = 1;
    d->h = (int)im.dims[1];
    d->w = (int)im.dims[2];
    d->classes = classes;
    d->pixels = im.data;
    d->labels = lb.data;
    return 0;

fail:
    free(im.data);
    free(lb.data);
    return -1;
}

/* Returns dir/name in a new string (one slash between), or NULL when out of
 * memory. */
static char *join_path(const char *dir, const char *name)
{
    size_t dl = strlen(dir);
    while (dl > 1 && dir[dl - 1] == '/')
        dl--;
    size_t nl = strlen(name);
    char *p = malloc(dl + nl + 2);
    if (!p)
        return NULL;
    memcpy(p, dir, dl);
    size_t k = dl;
    if (!(dl == 1 && dir[0] == '/'))
        p[k++] = '/';
    memcpy(p + k, name, nl + 1);
    return p;
}

/* Loads dir/images and dir/labels into d as a 10-class data set. */
static int load_pair(struct dataset *d, const char *dir, const char *images, const char *labels,
                     struct err *e)
{
    memset(d, 0, sizeof *d);
    char *ip = join_path(dir, images);
    char *lp = join_path(dir, labels);
    int rc;
    if (!ip || !lp)
        rc = err_set(e, dir, 0, 0, "out of memory");
    else
        rc = dataset_load_idx(d, ip, lp, 10, e);
    free(ip);
    free(lp);
    return rc;
}

int fmnist_load(const char *dir, struct dataset *train, struct dataset *test, struct err *e)
{
    if (!dir)
        dir = FMNIST_DIR;
    if (test)
        memset(test, 0, sizeof *test);
    if (load_pair(train, dir, "train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz", e) < 0)
        return -1;
    if (test &&
        load_pair(test, dir, "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz", e) < 0) {
        dataset_done(train);
        return -1;
    }
    return 0;
}

int dataset_check_fits(const struct dataset *d, int c, int h, int w, int classes,
                       const char *space, struct err *e)
{
    const char *file = d->path[0] ? d->path : "data";
    if (d->c != c || d->h != h || d->w != w)
        return err_set(e, file, 0, 0, "images are %dx%dx%d but the space %s takes %dx%dx%d", d->c,
                       d->h, d->w, space, c, h, w);
    int top = -1;
    for (int i = 0; i < d->n; i++)
        if (d->labels[i] > top)
            top = d->labels[i];
    if (top >= classes)
        return err_set(e, d->labels_path[0] ? d->labels_path : file, 0, 0,
                       "labels go up to %d but the space %s has %d classes (labels 0 to %d)", top,
                       space, classes, classes - 1);
    return 0;
}

void dataset_done(struct dataset *d)
{
    if (!d)
        return;
    free(d->pixels);
    free(d->labels);
    memset(d, 0, sizeof *d);
}

int dataset_split(const struct dataset *d, int n_train, int n_val, struct split *train,
                  struct split *val, struct err *e)
{
    if (n_train < 0 || n_val < 0)
        return err_plain(e, "split: negative image count (%d training, %d validation)", n_train,
                         n_val);
    if ((long long)n_train + n_val > d->n)
        return err_plain(e,
                         "split: %d training + %d validation images exceed the %d images of the "
                         "data set",
                         n_train, n_val, d->n);
    train->d = d;
    train->first = 0;
    train->n = n_train;
    val->d = d;
    val->first = d->n - n_val;
    val->n = n_val;
    return 0;
}

void split_gather(const struct split *s, const int *idx, int n, float mean, float std, float *x,
                  int *y)
{
    const struct dataset *d = s->d;
    /* Every byte value normalised once, with the same float expression a
     * per-pixel loop would use. */
    float lut[256];
    for (int p = 0; p < 256; p++)
        lut[p] = ((float)p / 255.0f - mean) / std;
    size_t pix = (size_t)d->c * (size_t)d->h * (size_t)d->w;
    /* A block of images at a time: for each pixel, the block's bytes (one hot
     * cache line per image) become a contiguous run of floats in x. */
    for (int b0 = 0; b0 < n; b0 += GATHER_BLOCK) {
        int nb = n - b0 < GATHER_BLOCK ? n - b0 : GATHER_BLOCK;
        const uint8_t *src[GATHER_BLOCK];
        for (int j = 0; j < nb; j++) {
            size_t img = (size_t)s->first + (size_t)idx[b0 + j];
            src[j] = d->pixels + img * pix;
            y[b0 + j] = d->labels[img];
        }
        for (size_t p = 0; p < pix; p++) {
            float *out = x + p * (size_t)n + (size_t)b0;
            for (int j = 0; j < nb; j++)
                out[j] = lut[src[j][p]];
        }
    }
}
