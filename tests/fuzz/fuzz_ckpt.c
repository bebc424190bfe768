/* Fuzzes checkpoints: ckpt_load (src/ckpt.c) and what reads them,
 * model_load (src/model.c), supernet_load (src/supernet.c) and a resumed
 * supernet training, supertrain_init (src/supertrain.c), followed by one
 * training step from the state it restored.
 *
 * Input: the file, for the micro space (tests/fuzz/ckpt/micro.lua).  Most
 * changes to a checkpoint only break its checksums, so each input is read
 * twice: as it is, and with its checksums made right again (when its
 * sections can be walked), which lets changes reach the readers of the
 * sections.  The training settings are those of the seeds
 * (tests/fuzz/ckpt/make-seeds.sh), and the three samplers are tried in turn
 * (a checkpoint matches one).  Whatever is refused is refused with
 * `c.ckpt: error: ...`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "ckpt.h"
#include "data.h"
#include "fuzz.h"
#include "luaspace.h"
#include "model.h"
#include "sampler.h"
#include "space.h"
#include "supertrain.h"

#ifndef FUZZ_TOP
#define FUZZ_TOP "."
#endif

#define IMAGES 8

static struct space micro;
static struct dataset images;
static struct split train;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    fuzz_setup();
    struct err e;
    if (luaspace_load(&micro, FUZZ_TOP "/tests/fuzz/ckpt/micro.lua", &e))
        fuzz_fail("%s", e.msg);
    images.n = IMAGES;
    images.c = micro.in_c;
    images.h = micro.in_h;
    images.w = micro.in_w;
    images.classes = micro.classes;
    images.pixels = calloc((size_t)IMAGES * micro.in_c * micro.in_h * micro.in_w, 1);
    images.labels = calloc(IMAGES, 1);
    if (!images.pixels || !images.labels)
        fuzz_fail("out of memory");
    for (int i = 0; i < IMAGES; i++)
        images.labels[i] = (uint8_t)(i % micro.classes);
    train = (struct split){&images, 0, IMAGES};
    return 0;
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

/* Makes the checksums of the checkpoint in b[0..n) right where its layout
 * (ckpt.h) can be followed; returns 1 if it changed anything. */
static int fix_checksums(uint8_t *b, size_t n)
{
    if (n < 20)
        return 0;
    uint32_t count = get_u32(b + 16);
    size_t pos = 20;
    int changed = 0;
    for (uint32_t i = 0; i < count; i++) {
        if (n - pos < 4)
            return changed;
        size_t len = get_u32(b + pos);
        if (len > n || n - pos - 4 < len + 12)
            return changed;
        pos += 4 + len;
        uint64_t size = get_u32(b + pos) | (uint64_t)get_u32(b + pos + 4) << 32;
        if (size > n - pos - 12)
            return changed;
        uint32_t crc = (uint32_t)crc32(0, b + pos + 12, (uInt)size);
        changed |= get_u32(b + pos + 8) != crc;
        put_u32(b + pos + 8, crc);
        pos += 12 + size;
    }
    if (n - pos < 4)
        return changed;
    uint32_t crc = (uint32_t)crc32(0, b, (uInt)pos);
    changed |= get_u32(b + pos) != crc;
    put_u32(b + pos, crc);
    return changed;
}

/* The samplers a run may have used, with the seeds' settings. */
static const struct {
    const char *name;
    int repeat, pool;
} samplers[] = {{"fair", 1, 0}, {"uniform", 1, 0}, {"proportional", 2, 3}};

static void read_all(const char *path)
{
    struct err e;
    for (uint32_t kind = CKPT_KIND_NET; kind <= CKPT_KIND_SUPERNET; kind++) {
        struct ckpt c;
        if (ckpt_load(&c, path, kind, &e)) {
            fuzz_check_error(&e, path);
            continue;
        }
        for (int i = 0; i < c.n; i++)
            if (ckpt_get(&c, c.sections[i].name) != &c.sections[i])
                fuzz_fail("section %d is not found by its name", i);
        ckpt_done(&c);
    }

    struct train_state ts;
    struct model *m = model_load(&micro, path, &ts, &e);
    if (!m)
        fuzz_check_error(&e, path);
    else if (ts.step < 0 || ts.total < 0 || ts.step > ts.total)
        fuzz_fail("a network resumes at step %lld of %lld", (long long)ts.step,
                  (long long)ts.total);
    model_free(m);

    struct supertrain_config cfg = {.epochs = 1, .batch = 4, .lr = 0.1, .iterations = 1,
                                    .seed = 0, .train_images = IMAGES, .shared_lr = 1,
                                    .label_smoothing = 0};
    for (size_t k = 0; k < sizeof samplers / sizeof *samplers; k++) {
        struct sampler sm;
        struct supertrain t;
        if (sampler_init(&sm, samplers[k].name, &micro, cfg.seed, samplers[k].repeat,
                         samplers[k].pool, &e))
            fuzz_fail("%s", e.msg);
        if (supertrain_init(&t, &micro, &sm, &train, &cfg, path, &e) == 0) {
            if (supertrain_step(&t, &e) < 0)
                fuzz_fail("a step after resuming failed: %s", e.msg);
            supertrain_done(&t);
        } else {
            fuzz_check_error(&e, path);
        }
        sampler_done(&sm);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char path[256];
    fuzz_write("c.ckpt", data, size, path, sizeof path);
    read_all(path);
    uint8_t *fixed = malloc(size ? size : 1);
    if (!fixed)
        return 0;
    memcpy(fixed, data, size);
    if (fix_checksums(fixed, size)) {
        fuzz_write("c.ckpt", fixed, size, path, sizeof path);
        read_all(path);
    }
    free(fixed);
    return 0;
}
