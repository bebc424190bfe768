-- Random search: every generation draws `population` new architectures
-- uniformly from the space (never one evaluated before, while the space has
-- any left) and reports them; the front is kept over all generations.
-- The baseline every other strategy has to beat (Li and Talwalkar, 2019).
return {
  name = "random",
  about = "uniform random sampling of the space, the baseline",
  params = {
    tries = 100, -- draws per architecture before a repeat is accepted
  },
  run = function()
    local seen = {}
    for g = 1, oneshot.generations do
      local pop = {}
      for i = 1, oneshot.population do
        local a
        for _ = 1, oneshot.params.tries do
          a = oneshot.sample()
          if not seen[a:encode()] then break end
        end
        seen[a:encode()] = true
        oneshot.evaluate(a)
        pop[#pop + 1] = a
      end
      oneshot.report(g, pop)
    end
  end,
}
