-- fmnist-skip: the fmnist space with depth search.
--
-- The network of spaces/fmnist.lua with a seventh choice, `skip`: the layer is
-- left out (an identity).  A layer can only be skipped where it keeps its
-- shape, so skip is offered at 9 of the 12 layers (not at the first layer of
-- the stages that change channels: layers 3, 6 and 9); 6^3 * 7^9
-- architectures, from 3 MBConv layers to 12.
-- Equal to the built-in `--space fmnist-skip`; its ground-truth table is
-- spaces/fmnist-skip.truth.csv.
return {
  name = "fmnist-skip",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {channels = 16, kernel = 3, stride = 2, act = "relu"},
  stages = {
    {channels = 16, layers = 2, stride = 1},
    {channels = 24, layers = 3, stride = 2},
    {channels = 40, layers = 3, stride = 2},
    {channels = 64, layers = 4, stride = 1},
  },
  choices = {"k3e3", "k3e6", "k5e3", "k5e6", "k7e3", "k7e6", "skip"},
  head = {channels = 128, act = "relu"},
}
