return {
  name = "bad",
  input = {channels = 1, height = 28, width = 28},
  classes = 10,
  stem = {chanels = 16, kernel = 3, stride = 2},
  stages = {{channels = 16, layers = 2, stride = 0}, nil, {channels = 1}},
  choices = {"k3e3", "k4e3", "k3e3", [[skip]], {kernel = 3, expansion = 3, name = "k3e6"}},
  head = {channels = 128, act = "gelu"},
  extra = true,
}
