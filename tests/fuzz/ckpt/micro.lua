-- The space of the checkpoint harness (tests/fuzz/fuzz_ckpt.c loads this
-- file): small enough that its checkpoints are a few kilobytes, with a
-- skip, squeeze-and-excitation and the smallest kernel.  The seeds are
-- checkpoints of it made by oneshot (tests/fuzz/ckpt/make-seeds.sh).
return {
    name = "micro",
    input = {channels = 1, height = 28, width = 28},
    classes = 10,
    stem = {channels = 2, kernel = 1, stride = 4},
    stages = {
        {channels = 2, layers = 2, stride = 1},
    },
    choices = {"k1e1", "k3e2s", "skip"},
    head = {channels = 4},
}
