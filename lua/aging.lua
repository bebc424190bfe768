-- Regularized (aging) evolution (Real, Aggarwal, Huang and Le, "Regularized
-- evolution for image classifier architecture search", AAAI 2019,
-- Algorithm 1) over the experiment's objectives.
--
-- The population is a queue of `population` architectures, oldest first,
-- filled at the start with distinct random architectures.  Each cycle draws
-- `sample_size` members of the queue uniformly with replacement (a drawn
-- member stays in the queue), takes the best of them by the fitness below as
-- the parent (the first drawn wins a tie), mutates exactly one layer of it
-- (a:mutate_one), evaluates the child, appends it to the queue and removes
-- the oldest member, whatever its fitness: that is the aging.
--
-- Fitness: with one objective, that objective (negated when minimised); with
-- several, the weighted sum of the objectives min-max normalised over the
-- current queue, each oriented so that higher is better:
--   sum_j weight_j * (f_j - min_j) / (max_j - min_j)   for a maximised one,
--   sum_j weight_j * (max_j - f_j) / (max_j - min_j)   for a minimised one,
-- an objective whose values are all equal adding 0.  The paper has a single
-- objective (accuracy); the scalarisation is ours.
--
-- Reporting: the paper has no generations.  Generation 1 is the initial
-- queue; after that each `population` cycles (so every member has been
-- replaced once) count as one generation and the queue is reported.  The run
-- makes (generations - 1) * population children.
--
-- Choices of ours: a child the run has already proposed is mutated again
-- from the same parent, at most `tries` times, then replaced by a random
-- architecture the run has not proposed (again at most `tries` draws), so no
-- architecture is evaluated twice; if both fail (a small space nearly
-- exhausted) the generation ends early.  The paper lets duplicates in and
-- trains them again; our evaluations are deterministic, so a duplicate
-- would add nothing.  Novelty is decided by what this run proposed, never by
-- oneshot.evaluated, so a resumed run replays the same proposals.
--
-- The returned table also holds fitness and propose, for strategies that
-- load this file with oneshot.strategy("aging") (nao.lua).

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

-- The fitness of each member of queue (higher is better).
local function fitness(queue)
  local obj = oneshot.objectives
  local f = oneshot.scores(queue)
  local s = {}
  if #obj == 1 then
    local sign = obj[1].maximize and 1 or -1
    for i = 1, #queue do
      s[i] = sign * f[i][1]
    end
    return s
  end
  local w = oneshot.weights()
  for i = 1, #queue do
    s[i] = 0
  end
  for j = 1, #obj do
    local lo, hi = math.huge, -math.huge
    for i = 1, #queue do
      lo = math.min(lo, f[i][j])
      hi = math.max(hi, f[i][j])
    end
    if hi > lo then
      for i = 1, #queue do
        local g
        if obj[j].maximize then
          g = (f[i][j] - lo) / (hi - lo)
        else
          g = (hi - f[i][j]) / (hi - lo)
        end
        s[i] = s[i] + w[j] * g
      end
    end
  end
  return s
end

local function aging()
  local p = oneshot.params
  if p.sample_size < 1 then
    error("search.params.sample_size must be at least 1, not " .. p.sample_size)
  end
  if p.tries < 1 then
    error("search.params.tries must be at least 1, not " .. p.tries)
  end
  local seen = {}
  local queue = {} -- oldest first
  for _ = 1, oneshot.population do
    local a = propose(seen, p.tries, oneshot.sample)
    if not a then
      break
    end
    oneshot.evaluate(a)
    queue[#queue + 1] = a
  end
  oneshot.report(1, queue)
  for g = 2, oneshot.generations do
    for _ = 1, oneshot.population do
      local s = fitness(queue)
      local best = oneshot.random(#queue)
      for _ = 2, p.sample_size do
        local i = oneshot.random(#queue)
        if s[i] > s[best] then
          best = i
        end
      end
      local parent = queue[best]
      local child = propose(seen, p.tries, function()
        return parent:mutate_one()
      end) or propose(seen, p.tries, oneshot.sample)
      if not child then
        break
      end
      oneshot.evaluate(child)
      queue[#queue + 1] = child
      table.remove(queue, 1)
    end
    oneshot.report(g, queue)
  end
end

return {
  name = "aging",
  about = "regularized (aging) evolution (Real et al. 2019)",
  params = {
    sample_size = 5, -- members drawn per cycle; the best is the parent
    tries = 100,     -- attempts at a child the run has not proposed yet
  },
  run = aging,
  -- for strategies built on this one (nao.lua): the helpers above
  fitness = fitness,
  propose = propose,
}
