-- fmnist-se: the fmnist space with squeeze-and-excitation as a choice (MoGA).
--
-- The network of spaces/fmnist.lua; each of the 12 layers picks one of 12
-- choices: the six k{3,5,7}e{3,6} and the same six with squeeze-and-excitation
-- on the expanded channels (a trailing s: k5e6s), 12^12 architectures.
-- Equal to the built-in `--space fmnist-se`.
--
-- The choice list is computed, as a space file may: the loops below give, in
-- this order, k3e3 k3e6 k5e3 k5e6 k7e3 k7e6 k3e3s k3e6s k5e3s k5e6s k7e3s k7e6s.
local choices = {}
for _, se in ipairs({"", "s"}) do
  for _, k in ipairs({3, 5, 7}) do
    for _, e in ipairs({3, 6}) do
      choices[#choices + 1] = string.format("k%de%d%s", k, e, se)
    end
  end
end

return {
  name = "fmnist-se",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {channels = 16, kernel = 3, stride = 2, act = "relu"},
  stages = {
    {channels = 16, layers = 2, stride = 1},
    {channels = 24, layers = 3, stride = 2},
    {channels = 40, layers = 3, stride = 2},
    {channels = 64, layers = 4, stride = 1},
  },
  choices = choices,
  head = {channels = 128, act = "relu"},
}
