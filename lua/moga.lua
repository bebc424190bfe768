-- MoGA's weighted NSGA-II (Chu, Zhang and Xu, "MoGA: Searching Beyond
-- MobileNetV3", ICASSP 2020, arXiv 1908.01314) over the experiment's
-- objectives, weighted by their `weight`.
--
-- The paper says only that it "replaces traditional multi-objective
-- optimization with a weighted fitness strategy"; how the weights enter the
-- sort or the crowding is not published and no implementation is public
-- (METHODS.md 3.3).  Our choice, option (a) of METHODS.md and of
-- src/pareto.h: the usual fast non-dominated sort, and a crowding distance
-- in which each objective's term is multiplied by its weight (divided by the
-- largest weight).  The weighted crowding is used both by the binary
-- tournament that picks parents and by the environmental selection that
-- cuts the last admitted front, so a heavily weighted objective keeps its
-- spread.  Only the ratios of the weights matter, and equal weights give
-- plain NSGA-II exactly, generation for generation (tests/test_luasearch.c
-- checks it against nsga2.lua).
--
-- Everything else is nsga2.lua: generation 1 is `population` distinct random
-- architectures; each later generation makes up to `population` offspring
-- (binary tournament, uniform crossover with probability `crossover`, point
-- mutation of each layer with probability `mutation`, a child the run has
-- already proposed drawn again up to `tries` times), and parents plus
-- offspring are cut back to `population` by oneshot.select with the weights.
-- This file is nsga2.lua with `weighted` defaulting to true: a strategy file
-- cannot load another, so the code between the BEGIN and END lines is a copy,
-- and tests/test_luasearch.c checks that the two copies are identical.
--
-- MoGA maximises the parameter count (more capacity at the same mobile-GPU
-- latency): to follow the paper, give the params objective
-- `direction: maximize` in the experiment; nothing here flips it.

-- BEGIN shared NSGA-II
-- The first architecture make() returns that the run has not proposed yet
-- (marked proposed), or nil after `tries` attempts.
local function propose(seen, tries, make)
  for _ = 1, tries do
    local a = make()
    local key = a:encode()
    if not seen[key] then
      seen[key] = true
      return a
    end
  end
  return nil
end

local function check_params(p)
  if p.crossover < 0 or p.crossover > 1 then
    error("search.params.crossover must lie in [0, 1], not " .. p.crossover)
  end
  if p.mutation < 0 or p.mutation > 1 then
    error("search.params.mutation must lie in [0, 1], not " .. p.mutation)
  end
  if p.tries < 1 then
    error("search.params.tries must be at least 1, not " .. p.tries)
  end
end

local function nsga2()
  local p = oneshot.params
  check_params(p)
  local w = nil -- plain NSGA-II
  if p.weighted then
    w = oneshot.weights()
  end
  local seen = {}
  local pop = {}
  for _ = 1, oneshot.population do
    local a = propose(seen, p.tries, oneshot.sample)
    if not a then
      break
    end
    oneshot.evaluate(a)
    pop[#pop + 1] = a
  end
  oneshot.report(1, pop)
  local function child_of(rank, crowd)
    return function()
      local a = oneshot.tournament(pop, rank, crowd)
      if oneshot.random() < p.crossover then
        a = a:crossover(oneshot.tournament(pop, rank, crowd))
      end
      return a:mutate(p.mutation)
    end
  end
  for g = 2, oneshot.generations do
    local rank, crowd = oneshot.fronts(pop, w)
    local make = child_of(rank, crowd)
    local union = {}
    for i = 1, #pop do
      union[i] = pop[i]
    end
    for _ = 1, oneshot.population do
      local child = propose(seen, p.tries, make)
      if not child then
        break
      end
      oneshot.evaluate(child)
      union[#union + 1] = child
    end
    pop = oneshot.select(union, math.min(oneshot.population, #union), w)
    oneshot.report(g, pop)
  end
end
-- END shared NSGA-II

return {
  name = "moga",
  about = "MoGA's weighted NSGA-II (Chu et al. 2020): NSGA-II with weighted crowding",
  params = {
    crossover = 0.9, -- probability that a child is a crossover of two parents
    mutation = 0.1,  -- probability that each layer of a child mutates
    tries = 100,     -- attempts at a child the run has not proposed yet
    weighted = true, -- false: plain NSGA-II (nsga2.lua)
  },
  run = nsga2,
}
