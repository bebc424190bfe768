-- FairNAS's search (Chu et al., "FairNAS: Rethinking Evaluation Fairness of
-- Weight Sharing Neural Architecture Search", ICCV 2021, arXiv 1907.01845):
-- the "multi-objective reinforced evolutionary search backend" it takes from
-- MoreMNAS (Chu et al., "Multi-Objective Reinforced Evolution in Mobile
-- Neural Architecture Search", arXiv 1901.01074), over the experiment's
-- objectives, with the supernet as the accuracy evaluator.
--
-- What is published (the MoreMNAS abstract; the authors' FairNAS
-- repository, xiaomi-automl/FairNAS, holds trained models, not search code):
-- a variant of NSGA-II whose crossover and mutation act on whole layers, and
-- a reinforced controller (an RL policy) that proposes mutations, mixed with
-- ordinary random mutation, to balance exploration and exploitation.  The
-- controller's design (network, reward, update rule), the mix ratio, the
-- population size and the operator probabilities are not published, so this
-- file is a documented simplification, not the paper's algorithm:
--
--   * NSGA-II as in nsga2.lua: generation 1 is `population` distinct random
--     architectures; parents are drawn by a binary tournament on (front,
--     crowding distance); parents plus offspring are cut back to
--     `population` by oneshot.select (unweighted).
--   * Each child: a tournament parent, crossed over (uniformly, layer by
--     layer) with a second one with probability `crossover`; then, with
--     probability `reinforced`, the controller's mutation, otherwise a
--     random point mutation (each layer with probability `mutation`).
--   * The controller is a table of preferences theta[layer][choice], not a
--     recurrent network.  Its mutation changes one layer, drawn uniformly
--     among those with two or more choices, to another choice drawn with
--     probability proportional to exp(theta) among the layer's choices other
--     than the current one.
--   * Reward and update: after each generation's selection, a controller
--     child earns 1 if it survived into the new population, else 0; with
--     the generation's mean reward b as baseline, each such child updates
--     its layer's preferences by REINFORCE on the distribution it was drawn
--     from: theta[c] += lr * (r - b) * ([c = chosen] - p(c)).  The children
--     are taken in the order they were made, each update seeing the ones
--     before it.
--   * A child equal to an architecture the run has already proposed is drawn
--     again (the whole recipe), at most `tries` times; when every try fails
--     the generation has fewer offspring.  Novelty is decided by what this
--     run proposed, never by oneshot.evaluated, so a resumed run replays.
--
-- All randomness comes from the run's seeded stream (oneshot.random,
-- tournaments, crossover, mutation), so a run replays exactly.

-- The first architecture make() returns that the run has not proposed yet
-- (marked proposed) with make's second result, or nil after `tries` attempts.
local function propose(seen, tries, make)
  for _ = 1, tries do
    local a, info = make()
    local key = a:encode()
    if not seen[key] then
      seen[key] = true
      return a, info
    end
  end
  return nil
end

local function check_params(p)
  for _, k in ipairs({"crossover", "mutation", "reinforced"}) do
    if p[k] < 0 or p[k] > 1 then
      error("search.params." .. k .. " must lie in [0, 1], not " .. p[k])
    end
  end
  if p.lr < 0 then
    error("search.params.lr must not be negative, not " .. p.lr)
  end
  if p.tries < 1 then
    error("search.params.tries must be at least 1, not " .. p.tries)
  end
end

-- The controller: preferences per layer and choice, a mutation drawn from
-- them, and the REINFORCE update.
local function controller(lr)
  local space = oneshot.space
  local theta, mutable = {}, {}
  for l = 1, space.layers do
    theta[l] = {}
    for _, c in ipairs(space.choices[l]) do
      theta[l][c] = 0
    end
    if #space.choices[l] >= 2 then
      mutable[#mutable + 1] = l
    end
  end
  -- The distribution over layer l's choices other than cur: {{name, p}, ...}
  -- in the space's order.
  local function options(l, cur)
    local opts, top = {}, -math.huge
    for _, c in ipairs(space.choices[l]) do
      if c ~= cur then
        opts[#opts + 1] = {name = c}
        top = math.max(top, theta[l][c])
      end
    end
    local total = 0
    for _, o in ipairs(opts) do
      o.p = math.exp(theta[l][o.name] - top)
      total = total + o.p
    end
    for _, o in ipairs(opts) do
      o.p = o.p / total
    end
    return opts
  end
  local ctl = {}
  -- a with one layer changed by the controller, and what it did (nil when
  -- no layer can change).
  function ctl.mutate(a)
    if #mutable == 0 then
      return a, nil
    end
    local l = mutable[oneshot.random(#mutable)]
    local opts = options(l, a[l])
    local u, to = oneshot.random(), opts[#opts].name
    for _, o in ipairs(opts) do
      if u < o.p then
        to = o.name
        break
      end
      u = u - o.p
    end
    return a:with(l, to), {layer = l, from = a[l], to = to}
  end
  -- actions: {{layer, from, to, key}, ...} in the order the children were
  -- made; survived[key] true for the children in the new population.
  function ctl.learn(actions, survived)
    if #actions == 0 then
      return
    end
    local b = 0
    for _, act in ipairs(actions) do
      act.r = survived[act.key] and 1 or 0
      b = b + act.r
    end
    b = b / #actions
    for _, act in ipairs(actions) do
      local adv = act.r - b
      if adv ~= 0 then
        local t = theta[act.layer]
        for _, o in ipairs(options(act.layer, act.from)) do
          local chosen = o.name == act.to and 1 or 0
          t[o.name] = t[o.name] + lr * adv * (chosen - o.p)
        end
      end
    end
  end
  return ctl
end

local function fairnas()
  local p = oneshot.params
  check_params(p)
  local ctl = controller(p.lr)
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
  for g = 2, oneshot.generations do
    local rank, crowd = oneshot.fronts(pop)
    local function make()
      local a = oneshot.tournament(pop, rank, crowd)
      if oneshot.random() < p.crossover then
        a = a:crossover(oneshot.tournament(pop, rank, crowd))
      end
      if oneshot.random() < p.reinforced then
        return ctl.mutate(a)
      end
      return a:mutate(p.mutation), nil
    end
    local union, actions = {}, {}
    for i = 1, #pop do
      union[i] = pop[i]
    end
    for _ = 1, oneshot.population do
      local child, act = propose(seen, p.tries, make)
      if not child then
        break
      end
      oneshot.evaluate(child)
      union[#union + 1] = child
      if act then
        act.key = child:encode()
        actions[#actions + 1] = act
      end
    end
    pop = oneshot.select(union, math.min(oneshot.population, #union))
    local survived = {}
    for _, a in ipairs(pop) do
      survived[a:encode()] = true
    end
    ctl.learn(actions, survived)
    oneshot.report(g, pop)
  end
end

return {
  name = "fairnas",
  about = "FairNAS's NSGA-II with a reinforced mutation controller (simplified MoreMNAS)",
  params = {
    crossover = 0.9,  -- probability that a child is a crossover of two parents
    mutation = 0.1,   -- probability that each layer mutates in a random mutation
    reinforced = 0.5, -- probability that a child's mutation is the controller's
    lr = 0.5,         -- the controller's learning rate
    tries = 100,      -- attempts at a child the run has not proposed yet
  },
  run = fairnas,
}
