-- computed: a table built by loops and functions, with stage choices and tables
local choices = {}
for _, k in ipairs({1, 3, 13}) do
  for e = 1, 16, 5 do choices[#choices + 1] = ("k%de%d"):format(k, e) end
end
local function stage(c, n, s, own)
  return {channels = c, layers = n, stride = s, choices = own}
end
return {
  name = "computed+1.0",
  input = {channels = 3, height = 32, width = 32},
  classes = 100000,
  stem = {channels = 4096, kernel = 13, stride = 4, act = "hswish"},
  stages = {
    stage(8, 4, 1),
    stage(8, 4, 1, {"skip", "k3e6sh", {kernel = 5, expansion = 2, se = true, act = "hswish", name = "big.one"}}),
    [3] = stage(16, 24, 4, {{skip = true}, "k5e6s"}),
  },
  choices = choices,
  head = {channels = 1, act = "relu"},
}
