-- fmnist: the default search space (spaces/README.md), as a space file.
--
-- Fashion-MNIST (1 x 28 x 28, 10 classes).  A 3x3 stride-2 stem to 16
-- channels, then four stages of MBConv layers (12 searchable layers in all),
-- a 1x1 head to 128 channels, global pooling and a classifier.  Every layer
-- picks one of six choices: depthwise kernel 3, 5 or 7, expansion 3 or 6,
-- ReLU, no squeeze-and-excitation: 6^12 = 2,176,782,336 architectures.
--
-- Equal to the built-in `--space fmnist`; an architecture is 12 tokens such as
-- k5e6-k3e3-k7e3-k5e6-k3e6-k3e3-k5e3-k7e6-k3e6-k5e6-k5e6-k3e3.
--
-- A space file is Lua 5.4 run in a sandbox (no io, os or require); it returns
-- a table.  Choice tokens: skip, or k<kernel>e<expansion> with an optional s
-- (squeeze-and-excitation) then h (hard-swish instead of ReLU), as k5e6sh.
return {
  name = "fmnist",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {channels = 16, kernel = 3, stride = 2, act = "relu"},
  stages = {
    {channels = 16, layers = 2, stride = 1},   -- 14x14
    {channels = 24, layers = 3, stride = 2},   -- 7x7
    {channels = 40, layers = 3, stride = 2},   -- 4x4
    {channels = 64, layers = 4, stride = 1},   -- 4x4
  },
  choices = {"k3e3", "k3e6", "k5e3", "k5e6", "k7e3", "k7e6"},
  head = {channels = 128, act = "relu"},
}
