-- NSGA-II (Deb, Pratap, Agarwal and Meyarivan, "A fast and elitist
-- multiobjective genetic algorithm: NSGA-II", IEEE TEC 6(2), 2002) over the
-- experiment's objectives.
--
-- Generation 1 is `population` distinct random architectures.  Every later
-- generation makes up to `population` offspring: a parent is drawn by a
-- binary tournament on (front, crowding distance) (Deb's crowded-comparison
-- operator, oneshot.tournament); with probability `crossover` a second parent
-- is drawn the same way and the child is their uniform crossover, otherwise a
-- copy of the first; then each layer mutates with probability `mutation`.
-- The parents and offspring together then go through NSGA-II's environmental
-- selection (oneshot.select: whole fronts first, the last admitted front cut
-- by crowding distance), which gives the next population; each generation's
-- population is reported.
--
-- Choices of ours, where the paper leaves room:
--   * a child equal to an architecture the run has already proposed is
--     discarded and drawn again (all the recipe above: tournaments, crossover,
--     mutation), at most `tries` times, so no architecture is proposed twice;
--     when every try fails (a small space nearly exhausted) the generation has
--     fewer offspring.  Novelty is decided by what this run proposed, never by
--     oneshot.evaluated, so a resumed run replays the same proposals.
--   * weighted = true is MoGA's weighted NSGA-II (see moga.lua): the
--     objectives' weights enter the crowding distance of the tournament and
--     of the selection (oneshot.fronts and oneshot.select with weights).
--     Equal weights give exactly plain NSGA-II.
--
-- moga.lua is this file, loaded with oneshot.strategy("nsga2"), with
-- `weighted` defaulting to true.

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

return {
  name = "nsga2",
  about = "NSGA-II (Deb et al. 2002) over the experiment's objectives",
  params = {
    crossover = 0.9, -- probability that a child is a crossover of two parents
    mutation = 0.1,  -- probability that each layer of a child mutates
    tries = 100,     -- attempts at a child the run has not proposed yet
    weighted = false, -- true: MoGA's weighted crowding (the objectives' weights)
  },
  run = nsga2,
}
