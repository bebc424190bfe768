-- tiny: a teaching space of 81 architectures.
--
-- Small enough to train every architecture (its ground-truth table,
-- spaces/tiny.truth.csv, has all 81): a 3x3 stride-2 stem to 8 channels, two
-- stages of two layers (16 and 32 channels, the first layer of each strided),
-- a head of 64 channels.  Each of the 4 layers picks k3e2, k5e4 or k7e6, so
-- size grows with the kernel and the expansion together: 3^4 = 81.
-- Equal to the built-in `--space tiny`; an architecture reads k3e2-k5e4-k7e6-k3e2.
return {
  name = "tiny",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {channels = 8, kernel = 3, stride = 2, act = "relu"},
  stages = {
    {channels = 16, layers = 2, stride = 2},   -- 7x7
    {channels = 32, layers = 2, stride = 2},   -- 4x4
  },
  choices = {"k3e2", "k5e4", "k7e6"},
  head = {channels = 64, act = "relu"},
}
