-- Lesson 10 of oneshot-tutorial(7): your strategy.  It starts as the
-- shipped random search (lua/random.lua): every generation draws
-- `population` new architectures uniformly from the space and reports
-- them.  The tutorial turns it into a local search around the best network
-- found so far; 10-solution.lua is the result.  Save, then press r in the
-- TUI: the strategy restarts with every evaluation made kept.
return {
  name = "mine",
  about = "lesson 10: random search, to be edited",
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
