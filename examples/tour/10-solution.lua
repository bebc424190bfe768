-- Lesson 10 of oneshot-tutorial(7), the edit done: 10-mine.lua turned into
-- a local search.  The first network is drawn at random, as before; every
-- later one by changing one layer of the most accurate network seen so far
-- (a:mutate_one), or at random when half the tries found only neighbours
-- already seen.
return {
  name = "mine",
  about = "lesson 10: a local search around the most accurate network",
  params = {
    tries = 100, -- draws per architecture before a repeat is accepted
  },
  run = function()
    local seen = {}
    local best, best_acc = nil, -1
    for g = 1, oneshot.generations do
      local pop = {}
      for i = 1, oneshot.population do
        local a
        for t = 1, oneshot.params.tries do
          -- half the tries a neighbour of the best, the rest random draws
          if best and t <= oneshot.params.tries / 2 then
            a = best:mutate_one()
          else
            a = oneshot.sample()
          end
          if not seen[a:encode()] then break end
        end
        seen[a:encode()] = true
        local acc = oneshot.evaluate(a).accuracy
        pop[#pop + 1] = a
        if acc > best_acc then best, best_acc = a, acc end
      end
      oneshot.report(g, pop)
    end
  end,
}
