/* Unit tests of data: IDX loading (plain and gzip'd), its errors, splits and
 * batch gathering.  Fake IDX files are written into a fresh temp dir per test,
 * removed at the end of the test. */
#include "check.h"
#include "data.h"

#include <dirent.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* The tiny data set: 5 images of 2x3 pixels, 3 classes. */
#define TN 5
#define TH 2
#define TW 3
#define TPIX (TH * TW)
#define TCLASSES 3
#define TIMG_BYTES (16 + TN * TPIX) /* 46 */
#define TLAB_BYTES (8 + TN)         /* 13 */

static const uint8_t tiny_labels[TN] = {2, 0, 1, 2, 1};

/* Pixel k of tiny image i: distinct values, with 0 and 255 among them. */
static uint8_t tiny_pixel(int i, int k)
{
    if (i == TN - 1 && k == TPIX - 1)
        return 255;
    return (uint8_t)(i * 50 + k * 9);
}

/* The normalised value split_gather must produce for byte p. */
static float norm(uint8_t p, float mean, float std) { return ((float)p / 255.0f - mean) / std; }

/* A temp dir of one test. */
struct tmp {
    char dir[64];
};

static int tmp_open(struct tmp *t)
{
    snprintf(t->dir, sizeof t->dir, "/tmp/test_data.XXXXXX");
    return mkdtemp(t->dir) ? 0 : -1;
}

/* Removes every file of t and then t. */
static void tmp_close(struct tmp *t)
{
    DIR *dp = opendir(t->dir);
    if (dp) {
        struct dirent *de;
        while ((de = readdir(dp))) {
            if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
                continue;
            char p[512];
            snprintf(p, sizeof p, "%s/%s", t->dir, de->d_name);
            unlink(p);
        }
        closedir(dp);
    }
    CHECK(rmdir(t->dir) == 0);
}

/* out = t->dir/name. */
static void tmp_path(const struct tmp *t, const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/%s", t->dir, name);
}

static void put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

/* Writes len bytes to path, gzip'd when gz.  Returns 0 or -1. */
static int write_bytes(const char *path, const uint8_t *buf, size_t len, int gz)
{
    if (gz) {
        gzFile f = gzopen(path, "wb");
        if (!f)
            return -1;
        int ok = len == 0 || gzwrite(f, buf, (unsigned)len) == (int)len;
        return gzclose(f) == Z_OK && ok ? 0 : -1;
    }
    FILE *f = fopen(path, "wb");
    if (!f)
        return -1;
    int ok = fwrite(buf, 1, len, f) == len;
    return fclose(f) == 0 && ok ? 0 : -1;
}

/* Fills buf with the tiny image file (magic given); returns its length. */
static size_t tiny_images(uint8_t buf[TIMG_BYTES], uint32_t magic)
{
    put32(buf, magic);
    put32(buf + 4, TN);
    put32(buf + 8, TH);
    put32(buf + 12, TW);
    for (int i = 0; i < TN; i++)
        for (int k = 0; k < TPIX; k++)
            buf[16 + i * TPIX + k] = tiny_pixel(i, k);
    return TIMG_BYTES;
}

/* Fills buf with a label file of n labels lab (magic given); returns its length. */
static size_t label_file(uint8_t *buf, uint32_t magic, const uint8_t *lab, int n)
{
    put32(buf, magic);
    put32(buf + 4, (uint32_t)n);
    memcpy(buf + 8, lab, (size_t)n);
    return 8 + (size_t)n;
}

/* Writes the good tiny pair as t/img and t/lab (paths returned); 0 or -1. */
static int write_tiny(const struct tmp *t, int gz, char img[256], char lab[256])
{
    uint8_t ib[TIMG_BYTES], lb[TLAB_BYTES];
    tmp_path(t, gz ? "img.gz" : "img", img, 256);
    tmp_path(t, gz ? "lab.gz" : "lab", lab, 256);
    if (write_bytes(img, ib, tiny_images(ib, 0x803), gz) < 0)
        return -1;
    return write_bytes(lab, lb, label_file(lb, 0x801, tiny_labels, TN), gz);
}

static int is_empty(const struct dataset *d)
{
    return d->n == 0 && d->c == 0 && d->h == 0 && d->w == 0 && d->classes == 0 && !d->pixels &&
           !d->labels;
}

/* Checks d holds the tiny data set. */
static void check_tiny(const struct dataset *d)
{
    CHECK_EQ_INT(d->n, TN);
    CHECK_EQ_INT(d->c, 1);
    CHECK_EQ_INT(d->h, TH);
    CHECK_EQ_INT(d->w, TW);
    CHECK_EQ_INT(d->classes, TCLASSES);
    if (!CHECK(d->pixels && d->labels))
        return;
    int bad = 0;
    for (int i = 0; i < TN; i++)
        for (int k = 0; k < TPIX; k++)
            bad += d->pixels[i * TPIX + k] != tiny_pixel(i, k);
    CHECK_EQ_INT(bad, 0);
    for (int i = 0; i < TN; i++)
        CHECK_EQ_INT(d->labels[i], tiny_labels[i]);
}

static void load_tiny(int gz)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, gz, img, lab) == 0);
    struct dataset d;
    struct err e = {{0}};
    int rc = dataset_load_idx(&d, img, lab, TCLASSES, &e);
    CHECK_EQ_INT(rc, 0);
    CHECK_STR(e.msg, "");
    if (rc == 0)
        check_tiny(&d);
    dataset_done(&d);
    CHECK(is_empty(&d));
    dataset_done(&d); /* twice is safe */
    tmp_close(&t);
}

static void test_load_plain(void) { load_tiny(0); }
static void test_load_gzip(void) { load_tiny(1); }

static void test_split_gather(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 1, img, lab) == 0);
    struct dataset d;
    struct err e;
    if (!CHECK(dataset_load_idx(&d, img, lab, TCLASSES, &e) == 0)) {
        tmp_close(&t);
        return;
    }
    struct split tr, va;
    CHECK_EQ_INT(dataset_split(&d, 2, 2, &tr, &va, &e), 0);
    CHECK(tr.d == &d && va.d == &d);
    CHECK_EQ_INT(tr.first, 0);
    CHECK_EQ_INT(tr.n, 2);
    CHECK_EQ_INT(va.first, 3);
    CHECK_EQ_INT(va.n, 2);

    /* Validation images 1, 0 are images 4, 3: x[k*2 + b]. */
    const float mean = 0.5f, std = 0.25f;
    float x[TPIX * 2];
    int y[2] = {-1, -1};
    int idx[2] = {1, 0};
    split_gather(&va, idx, 2, mean, std, x, y);
    CHECK_EQ_INT(y[0], tiny_labels[4]);
    CHECK_EQ_INT(y[1], tiny_labels[3]);
    int bad = 0;
    for (int k = 0; k < TPIX; k++) {
        bad += x[k * 2 + 0] != norm(tiny_pixel(4, k), mean, std);
        bad += x[k * 2 + 1] != norm(tiny_pixel(3, k), mean, std);
    }
    CHECK_EQ_INT(bad, 0);
    /* The ends of the scale, exactly. */
    CHECK(x[(TPIX - 1) * 2 + 0] == (1.0f - mean) / std);
    CHECK(x[0 * 2 + 1] == norm(150, mean, std));

    /* Training image 1 alone, with the Fashion-MNIST constants. */
    float x1[TPIX];
    int y1 = -1, one = 1;
    split_gather(&tr, &one, 1, FMNIST_MEAN, FMNIST_STD, x1, &y1);
    CHECK_EQ_INT(y1, tiny_labels[1]);
    bad = 0;
    for (int k = 0; k < TPIX; k++)
        bad += x1[k] != norm(tiny_pixel(1, k), FMNIST_MEAN, FMNIST_STD);
    CHECK_EQ_INT(bad, 0);
    CHECK(x1[0] == (50.0f / 255.0f - FMNIST_MEAN) / FMNIST_STD);

    dataset_done(&d);
    tmp_close(&t);
}

/* A gather of more images than one block, with several channels: every float
 * lands at ((ci*h + r)*w + col)*n + b. */
static void test_gather_layout(void)
{
    enum { N = 200, C = 2, H = 3, W = 4, FIRST = 20, B = 150 };
    struct dataset d = {.n = N, .c = C, .h = H, .w = W, .classes = 7};
    d.pixels = malloc((size_t)N * C * H * W);
    d.labels = malloc(N);
    float *x = malloc(sizeof(float) * C * H * W * B);
    if (!CHECK(d.pixels && d.labels && x)) {
        free(x);
        dataset_done(&d);
        return;
    }
    for (int i = 0; i < N; i++) {
        d.labels[i] = (uint8_t)(i % 7);
        for (int k = 0; k < C * H * W; k++)
            d.pixels[i * C * H * W + k] = (uint8_t)(i * 31 + k * 17);
    }
    struct split s = {.d = &d, .first = FIRST, .n = N - FIRST};
    int idx[B], y[B];
    for (int b = 0; b < B; b++)
        idx[b] = (b * 37 + 11) % (N - FIRST);
    split_gather(&s, idx, B, 0.25f, 0.5f, x, y);
    int bad = 0, badlab = 0;
    for (int b = 0; b < B; b++) {
        int img = FIRST + idx[b];
        badlab += y[b] != img % 7;
        for (int ci = 0; ci < C; ci++)
            for (int r = 0; r < H; r++)
                for (int col = 0; col < W; col++) {
                    uint8_t p = d.pixels[((img * C + ci) * H + r) * W + col];
                    bad += x[((ci * H + r) * W + col) * B + b] != norm(p, 0.25f, 0.5f);
                }
    }
    CHECK_EQ_INT(bad, 0);
    CHECK_EQ_INT(badlab, 0);
    free(x);
    dataset_done(&d);
    CHECK(is_empty(&d));
}

static void test_split_errors(void)
{
    struct dataset d = {.n = 10, .c = 1, .h = 1, .w = 1, .classes = 2};
    struct split tr, va;
    struct err e;
    CHECK_EQ_INT(dataset_split(&d, 6, 5, &tr, &va, &e), -1);
    CHECK_STR(
        e.msg,
        "error: split: 6 training + 5 validation images exceed the 10 images of the data set");
    CHECK_EQ_INT(dataset_split(&d, -1, 5, &tr, &va, &e), -1);
    CHECK_STR(e.msg, "error: split: negative image count (-1 training, 5 validation)");
    CHECK_EQ_INT(dataset_split(&d, 3, -2, &tr, &va, &e), -1);
    CHECK_EQ_INT(dataset_split(&d, 2147483647, 1, &tr, &va, &e), -1);
    /* Exactly all of it, and no validation at all. */
    CHECK_EQ_INT(dataset_split(&d, 6, 4, &tr, &va, &e), 0);
    CHECK_EQ_INT(va.first, 6);
    CHECK_EQ_INT(va.n, 4);
    CHECK_EQ_INT(dataset_split(&d, 7, 0, &tr, &va, &e), 0);
    CHECK_EQ_INT(tr.n, 7);
    CHECK_EQ_INT(va.first, 10);
    CHECK_EQ_INT(va.n, 0);
}

/* Loads img + lab expecting failure with exactly want (a format with %s for
 * the temp dir); checks d is left empty. */
static void expect_error(const struct tmp *t, const char *img, const char *lab, int classes,
                         const char *want)
{
    struct dataset d = {.n = 7, .h = 3, .classes = 1}; /* junk the load must clear */
    struct err e = {{0}};
    CHECK_EQ_INT(dataset_load_idx(&d, img, lab, classes, &e), -1);
    CHECK(is_empty(&d));
    dataset_done(&d);
    char w[1024];
    snprintf(w, sizeof w, want, t->dir);
    CHECK_STR(e.msg, w);
    CHECK(strchr(e.msg, '\n') == NULL);
}

static void test_bad_image_magic(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 0, img, lab) == 0);
    uint8_t ib[TIMG_BYTES];
    CHECK(write_bytes(img, ib, tiny_images(ib, 0x801), 0) == 0);
    expect_error(
        &t, img, lab, TCLASSES,
        "%s/img: error: bad magic 0x00000801: not an IDX image file (expected 0x00000803)");
    /* A label file given as images (gzip'd). */
    char img2[256], lab2[256];
    CHECK(write_tiny(&t, 1, img2, lab2) == 0);
    expect_error(&t, lab2, lab2, TCLASSES,
                 "%s/lab.gz: error: bad magic 0x00000801: not an IDX image file (expected "
                 "0x00000803)");
    tmp_close(&t);
}

static void test_bad_label_magic(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 1, img, lab) == 0);
    uint8_t lb[TLAB_BYTES];
    CHECK(write_bytes(lab, lb, label_file(lb, 0x12345678, tiny_labels, TN), 1) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/lab.gz: error: bad magic 0x12345678: not an IDX label file (expected "
                 "0x00000801)");
    tmp_close(&t);
}

static void test_truncated(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 0, img, lab) == 0);
    uint8_t ib[TIMG_BYTES];
    tiny_images(ib, 0x803);

    /* Plain and gzip'd files cut inside the pixels. */
    CHECK(write_bytes(img, ib, 40, 0) == 0);
    expect_error(&t, img, lab, TCLASSES, "%s/img: error: truncated: expected 46 bytes, found 40");
    char gimg[256];
    tmp_path(&t, "gimg.gz", gimg, sizeof gimg);
    CHECK(write_bytes(gimg, ib, 17, 1) == 0);
    expect_error(&t, gimg, lab, TCLASSES,
                 "%s/gimg.gz: error: truncated: expected 46 bytes, found 17");
    /* Cut inside the header; an empty file. */
    CHECK(write_bytes(img, ib, 10, 0) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/img: error: truncated: expected a 16-byte IDX image header, found 10 bytes");
    CHECK(write_bytes(img, ib, 0, 0) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/img: error: truncated: expected a 16-byte IDX image header, found 0 bytes");
    /* Labels cut short. */
    CHECK(write_bytes(img, ib, TIMG_BYTES, 0) == 0);
    uint8_t lb[TLAB_BYTES];
    CHECK(write_bytes(lab, lb, label_file(lb, 0x801, tiny_labels, TN) - 2, 0) == 0);
    expect_error(&t, img, lab, TCLASSES, "%s/lab: error: truncated: expected 13 bytes, found 11");
    /* A header announcing far more than the file holds. */
    put32(ib + 4, 2000000000);
    CHECK(write_bytes(img, ib, TIMG_BYTES, 0) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/img: error: truncated: expected 12000000016 bytes, found 46");
    tmp_close(&t);
}

/* A gzip file whose compressed stream is cut: its trailer only (the bytes are
 * all there but unchecked), or in the middle of the data. */
static void test_truncated_gzip_stream(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 1, img, lab) == 0);
    FILE *f = fopen(img, "rb");
    uint8_t gz[4096];
    size_t len = f ? fread(gz, 1, sizeof gz, f) : 0;
    if (f)
        fclose(f);
    if (!CHECK(len > 30)) {
        tmp_close(&t);
        return;
    }
    CHECK(write_bytes(img, gz, len - 8, 0) == 0); /* no CRC and length */
    expect_error(&t, img, lab, TCLASSES, "%s/img.gz: error: truncated: the gzip stream ends early");
    CHECK(write_bytes(img, gz, len / 2, 0) == 0);
    struct dataset d;
    struct err e;
    CHECK_EQ_INT(dataset_load_idx(&d, img, lab, TCLASSES, &e), -1);
    CHECK(is_empty(&d));
    char want[512];
    snprintf(want, sizeof want, "%s: error: truncated: ", img);
    CHECK(strncmp(e.msg, want, strlen(want)) == 0);
    tmp_close(&t);
}

static void test_corrupt_gzip(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 1, img, lab) == 0);
    FILE *f = fopen(img, "rb");
    uint8_t gz[4096];
    size_t len = f ? fread(gz, 1, sizeof gz, f) : 0;
    if (f)
        fclose(f);
    if (!CHECK(len > 30)) {
        tmp_close(&t);
        return;
    }
    gz[len - 2] ^= 0xff; /* the stored length of the data */
    CHECK(write_bytes(img, gz, len, 0) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/img.gz: error: corrupt gzip data: incorrect length check");
    tmp_close(&t);
}

/* Headers whose shape the engine cannot hold. */
static void test_bad_shape(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 0, img, lab) == 0);
    uint8_t ib[TIMG_BYTES];
    tiny_images(ib, 0x803);
    put32(ib + 4, 0x80000000u);
    CHECK(write_bytes(img, ib, TIMG_BYTES, 0) == 0);
    expect_error(&t, img, lab, TCLASSES, "%s/img: error: 2147483648 images: more than 2147483647");
    tiny_images(ib, 0x803);
    put32(ib + 12, 0xffffffffu);
    CHECK(write_bytes(img, ib, TIMG_BYTES, 0) == 0);
    expect_error(&t, img, lab, TCLASSES, "%s/img: error: 4294967295 columns: more than 2147483647");
    tiny_images(ib, 0x803);
    put32(ib + 8, 0);
    CHECK(write_bytes(img, ib, TIMG_BYTES, 0) == 0);
    expect_error(&t, img, lab, TCLASSES, "%s/img: error: bad image size: 0 rows, 3 columns");
    tiny_images(ib, 0x803);
    put32(ib + 8, 65536);
    put32(ib + 12, 65536);
    CHECK(write_bytes(img, ib, TIMG_BYTES, 0) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/img: error: bad image size: 65536 rows, 65536 columns");
    /* Out-of-range class counts are refused before any file is read. */
    expect_error(&t, img, lab, 0, "%s/lab: error: 0 classes: labels are bytes, so 1..256 classes");
    expect_error(&t, img, lab, 257,
                 "%s/lab: error: 257 classes: labels are bytes, so 1..256 classes");
    tmp_close(&t);
}

static void test_trailing_bytes(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 0, img, lab) == 0);
    uint8_t ib[TIMG_BYTES + 3] = {0};
    tiny_images(ib, 0x803);
    CHECK(write_bytes(img, ib, sizeof ib, 0) == 0);
    expect_error(&t, img, lab, TCLASSES,
                 "%s/img: error: trailing bytes: expected 46 bytes, found 49");
    /* Gzip'd labels with a byte too many. */
    char gimg[256], glab[256];
    CHECK(write_tiny(&t, 1, gimg, glab) == 0);
    uint8_t lb[TLAB_BYTES + 1];
    label_file(lb, 0x801, tiny_labels, TN);
    lb[TLAB_BYTES] = 0;
    CHECK(write_bytes(glab, lb, sizeof lb, 1) == 0);
    expect_error(&t, gimg, glab, TCLASSES,
                 "%s/lab.gz: error: trailing bytes: expected 13 bytes, found 14");
    tmp_close(&t);
}

static void test_count_mismatch(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 0, img, lab) == 0);
    uint8_t lb[TLAB_BYTES];
    CHECK(write_bytes(lab, lb, label_file(lb, 0x801, tiny_labels, TN - 1), 0) == 0);
    char want[1024];
    snprintf(want, sizeof want, "%%s/lab: error: 4 labels, but %s holds 5 images", img);
    expect_error(&t, img, lab, TCLASSES, want);
    tmp_close(&t);
}

static void test_label_range(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256];
    CHECK(write_tiny(&t, 1, img, lab) == 0);
    const uint8_t bad[TN] = {0, 1, 3, 7, 255};
    uint8_t lb[TLAB_BYTES];
    CHECK(write_bytes(lab, lb, label_file(lb, 0x801, bad, TN), 1) == 0);
    /* A label equal to the class count is the first out of range. */
    expect_error(&t, img, lab, TCLASSES,
                 "%s/lab.gz: error: label 3 at index 2 is out of range 0..2");
    expect_error(&t, img, lab, 4, "%s/lab.gz: error: label 7 at index 3 is out of range 0..3");
    /* With 8 classes, 7 is fine and 255 is the first bad one. */
    expect_error(&t, img, lab, 8, "%s/lab.gz: error: label 255 at index 4 is out of range 0..7");
    tmp_close(&t);
}

/* Data that does not fit a space is refused, with both shapes named. */
static void test_fits_space(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256], want[600];
    CHECK(write_tiny(&t, 1, img, lab) == 0);
    struct dataset d;
    struct err e = {{0}};
    if (!CHECK(dataset_load_idx(&d, img, lab, TCLASSES, &e) == 0)) {
        tmp_close(&t);
        return;
    }
    CHECK_EQ_INT(dataset_check_fits(&d, 1, TH, TW, TCLASSES, "s", &e), 0);
    CHECK_EQ_INT(dataset_check_fits(&d, 1, TH + 1, TW, TCLASSES, "s", &e), -1);
    snprintf(want, sizeof want, "%s: error: images are 1x%dx%d but the space s takes 1x%dx%d", img,
             TH, TW, TH + 1, TW);
    CHECK_STR(e.msg, want);
    CHECK_EQ_INT(dataset_check_fits(&d, 3, TH, TW, TCLASSES, "s", &e), -1);
    CHECK_EQ_INT(dataset_check_fits(&d, 1, TH, TW - 1, TCLASSES, "s", &e), -1);
    /* the largest label is what counts, not the loader's class count */
    int top = 0;
    for (int i = 0; i < TN; i++)
        top = tiny_labels[i] > top ? tiny_labels[i] : top;
    CHECK_EQ_INT(dataset_check_fits(&d, 1, TH, TW, top + 1, "s", &e), 0);
    CHECK_EQ_INT(dataset_check_fits(&d, 1, TH, TW, top, "two", &e), -1);
    snprintf(want, sizeof want,
             "%s: error: labels go up to %d but the space two has %d classes (labels 0 to %d)", lab,
             top, top, top - 1);
    CHECK_STR(e.msg, want);
    dataset_done(&d);
    tmp_close(&t);
}

static void test_missing_file(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    char img[256], lab[256], none[256], want[512];
    CHECK(write_tiny(&t, 0, img, lab) == 0);
    tmp_path(&t, "nothing.gz", none, sizeof none);
    snprintf(want, sizeof want, "%%s/nothing.gz: error: cannot open: %s", strerror(ENOENT));
    expect_error(&t, none, lab, TCLASSES, want);
    expect_error(&t, img, none, TCLASSES, want);
    /* A directory is not a file. */
    snprintf(want, sizeof want, "%%s: error: cannot read: %s", strerror(EISDIR));
    expect_error(&t, t.dir, lab, TCLASSES, want);
    tmp_close(&t);
}

/* fmnist_load on fake files: the four names, a trailing slash, no test set,
 * a missing test set (the training set is then left empty too). */
static void test_fmnist_fake(void)
{
    struct tmp t;
    if (!CHECK(tmp_open(&t) == 0))
        return;
    const uint8_t lab_train[TN] = {9, 0, 5, 3, 9};
    char p[256];
    uint8_t ib[TIMG_BYTES], lb[TLAB_BYTES];
    tiny_images(ib, 0x803);
    tmp_path(&t, "train-images-idx3-ubyte.gz", p, sizeof p);
    CHECK(write_bytes(p, ib, TIMG_BYTES, 1) == 0);
    tmp_path(&t, "train-labels-idx1-ubyte.gz", p, sizeof p);
    CHECK(write_bytes(p, lb, label_file(lb, 0x801, lab_train, TN), 1) == 0);

    struct dataset tr, te;
    struct err e;
    CHECK_EQ_INT(fmnist_load(t.dir, &tr, NULL, &e), 0);
    CHECK_EQ_INT(tr.n, TN);
    CHECK_EQ_INT(tr.classes, 10);
    CHECK(tr.labels && tr.labels[0] == 9 && tr.labels[2] == 5);
    dataset_done(&tr);

    char want[512];
    snprintf(want, sizeof want, "%s/t10k-images-idx3-ubyte.gz: error: cannot open: %s", t.dir,
             strerror(ENOENT));
    te.n = 3;
    CHECK_EQ_INT(fmnist_load(t.dir, &tr, &te, &e), -1);
    CHECK_STR(e.msg, want);
    CHECK(is_empty(&tr) && is_empty(&te));

    tmp_path(&t, "t10k-images-idx3-ubyte.gz", p, sizeof p);
    CHECK(write_bytes(p, ib, TIMG_BYTES, 1) == 0);
    tmp_path(&t, "t10k-labels-idx1-ubyte.gz", p, sizeof p);
    CHECK(write_bytes(p, lb, label_file(lb, 0x801, tiny_labels, TN), 1) == 0);
    char slash[128];
    snprintf(slash, sizeof slash, "%s/", t.dir);
    CHECK_EQ_INT(fmnist_load(slash, &tr, &te, &e), 0);
    CHECK_EQ_INT(tr.n, TN);
    CHECK_EQ_INT(te.n, TN);
    CHECK_EQ_INT(te.classes, 10);
    CHECK(te.labels && te.labels[0] == tiny_labels[0]);
    dataset_done(&tr);
    dataset_done(&te);

    CHECK_EQ_INT(fmnist_load("/nonexistent/fmnist", &tr, &te, &e), -1);
    snprintf(want, sizeof want,
             "/nonexistent/fmnist/train-images-idx3-ubyte.gz: error: cannot open: %s",
             strerror(ENOENT));
    CHECK_STR(e.msg, want);
    CHECK(is_empty(&tr) && is_empty(&te));
    tmp_close(&t);
}

/* The real Fashion-MNIST, when installed: 60000 + 10000 images of 28x28, ten
 * balanced classes, pixel statistics matching FMNIST_MEAN and FMNIST_STD. */
static void test_fmnist_real(void)
{
    DIR *dp = opendir(FMNIST_DIR);
    if (!dp) {
        check_skip("%s is absent (make deps installs dataset-fashion-mnist)", FMNIST_DIR);
        return;
    }
    closedir(dp);
    struct dataset tr, te;
    struct err e = {{0}};
    if (!CHECK(fmnist_load(NULL, &tr, &te, &e) == 0)) {
        printf("  %s\n", e.msg);
        return;
    }
    CHECK_EQ_INT(tr.n, 60000);
    CHECK_EQ_INT(te.n, 10000);
    CHECK_EQ_INT(tr.c, 1);
    CHECK_EQ_INT(tr.h, 28);
    CHECK_EQ_INT(tr.w, 28);
    CHECK_EQ_INT(te.h, 28);
    CHECK_EQ_INT(te.w, 28);
    CHECK_EQ_INT(tr.classes, 10);
    int count[2][10] = {{0}}, bad = 0;
    for (int i = 0; i < tr.n; i++) {
        bad += tr.labels[i] > 9;
        count[0][tr.labels[i] % 10]++;
    }
    for (int i = 0; i < te.n; i++) {
        bad += te.labels[i] > 9;
        count[1][te.labels[i] % 10]++;
    }
    CHECK_EQ_INT(bad, 0);
    for (int k = 0; k < 10; k++) {
        CHECK_EQ_INT(count[0][k], 6000);
        CHECK_EQ_INT(count[1][k], 1000);
    }
    double sum = 0, sq = 0;
    size_t np = (size_t)tr.n * 28 * 28;
    for (size_t i = 0; i < np; i++) {
        double v = tr.pixels[i] / 255.0;
        sum += v;
        sq += v * v;
    }
    double mean = sum / (double)np;
    CHECK_NEAR(mean, FMNIST_MEAN, 5e-4);
    /* The variance against std^2 (no libm: the tests link with -lz only). */
    CHECK_NEAR(sq / (double)np - mean * mean, (double)FMNIST_STD * FMNIST_STD, 4e-4);
    dataset_done(&tr);
    dataset_done(&te);
}

int main(void)
{
    RUN(test_load_plain);
    RUN(test_load_gzip);
    RUN(test_split_gather);
    RUN(test_gather_layout);
    RUN(test_split_errors);
    RUN(test_bad_image_magic);
    RUN(test_bad_label_magic);
    RUN(test_truncated);
    RUN(test_truncated_gzip_stream);
    RUN(test_corrupt_gzip);
    RUN(test_bad_shape);
    RUN(test_trailing_bytes);
    RUN(test_count_mismatch);
    RUN(test_label_range);
    RUN(test_fits_space);
    RUN(test_missing_file);
    RUN(test_fmnist_fake);
    RUN(test_fmnist_real);
    return check_done();
}
