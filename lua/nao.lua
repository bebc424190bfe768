-- NAO, Neural Architecture Optimization (Luo, Tian, Qin, Chen and Liu,
-- NeurIPS 2018), with NAO-V2's controller (Luo et al., arXiv 1909.10815), as
-- a search strategy over the supernet the experiment trained beforehand.
--
-- What this is and is not.  NAO-V2 alternates: each round it trains the
-- supernet on that round's new architectures only, drawn in proportion to
-- their size, then scores the pool with it, then trains the controller and
-- generates.  A strategy cannot train the supernet: it scores architectures
-- through the experiment's supernet, trained before the search and fixed
-- during it (oneshot.evaluate).  So this is NAO's search (encoder, predictor,
-- decoder, gradient steps in the embedding space) without V2's per-round
-- retraining; `method: nao` (src/naosearch.c) runs the whole NAO-V2 loop.
--
-- The controller is the engine's (src/nao.h, through oneshot.nao): an LSTM
-- encoder of an architecture's tokens to an embedding, a predictor
-- f = sigmoid(w . e + b) of the normalised score from the embedding, and an
-- attention decoder back to an architecture, trained together on
-- trade_off * MSE + (1 - trade_off) * NLL with Adam (lr) in batches of
-- `batch`; its weights persist across rounds and Adam restarts each round.
--
-- The loop.  Generation 1: `population` distinct random architectures (the
-- seed pool), evaluated.  Each later generation is a round:
--   1. the controller trains `epochs` epochs on the whole pool against the
--      pool's fitness (below);
--   2. the top_k of the pool by fitness are encoded, their embeddings moved
--      along the predictor's gradient by eta = 1, 2, ... up to max_eta and
--      decoded, until `population` architectures are found that are not in
--      the pool (c:generate, in canonical form: within a stage a skip may
--      sit anywhere, so [A, skip, B] and [A, B, skip] are one network);
--   3. if fewer were found, random architectures not yet proposed fill the
--      round up to `population` (drawn up to `tries` times each; a nearly
--      exhausted space gives a shorter round);
--   4. the controller predicts every new architecture before it is scored;
--      they are evaluated and join the pool, and the log gets the round's
--      controller loss and the predictor's Kendall tau and pairwise accuracy
--      on these held-out architectures against their fitness (a line of
--      examples/nao-strategy.yaml's run):
--        nao: round 1: loss 0.2584 (mse 0.02356, nll 1.198), 12 decoded
--             (eta <= 6), 0 random; held-out tau 0.242, pairwise accuracy
--             0.621 on 12
--   5. the generation's population is the best `population` of the pool by
--      fitness (ties by age), reported.
-- The run evaluates generations * population architectures, each once.
--
-- Fitness (aging.lua's): with one objective, that objective (negated when
-- minimised); with several, the weighted sum of the objectives min-max
-- normalised over the pool, each oriented so that higher is better.  NAO
-- predicts one number; the scalarisation is ours.
--
-- Sizes: NAO-V2 uses embeddings and hidden states of 64, batches of 100,
-- 1,000 epochs a round and the top 100; the defaults here are smaller so
-- that a round takes seconds on two cores at these pool sizes (a few hundred
-- architectures), and every one is a parameter.

local aging = oneshot.strategy("aging")

-- The indices of the pool, best first by s (ties: the older first).
local function ranked(s)
  local idx = {}
  for i = 1, #s do
    idx[i] = i
  end
  table.sort(idx, function(a, b)
    if s[a] ~= s[b] then
      return s[a] > s[b]
    end
    return a < b
  end)
  return idx
end

local function best(pool, s, k)
  local idx, out = ranked(s), {}
  for i = 1, math.min(k, #idx) do
    out[i] = pool[idx[i]]
  end
  return out
end

local function check_params(p)
  local function at_least(name, lo)
    if p[name] < lo then
      error("search.params." .. name .. " must be at least " .. lo .. ", not " .. p[name])
    end
  end
  at_least("top_k", 1)
  at_least("max_eta", 1)
  at_least("epochs", 0)
  at_least("tries", 1)
end

local function figure(x)
  return x and string.format("%.3f", x) or "undefined"
end

local function nao()
  local p = oneshot.params
  check_params(p)
  local c <close> = oneshot.nao.new {
    embed = p.embed, hidden = p.hidden, batch = p.batch, lr = p.lr,
    trade_off = p.trade_off, epochs = p.epochs, seed = oneshot.seed,
  }
  local seen, pool = {}, {}
  local function random()
    return aging.propose(seen, p.tries, function()
      return oneshot.nao.canonical(oneshot.sample())
    end)
  end
  for _ = 1, oneshot.population do
    local a = random()
    if not a then
      break
    end
    oneshot.evaluate(a)
    pool[#pool + 1] = a
  end
  local s = aging.fitness(pool)
  oneshot.report(1, best(pool, s, oneshot.population))
  for g = 2, oneshot.generations do
    local loss = c:train(pool, s)
    local new, eta = c:generate(best(pool, s, p.top_k), oneshot.population, pool, p.max_eta)
    local decoded = #new
    for _, a in ipairs(new) do
      seen[a:encode()] = true
    end
    while #new < oneshot.population do
      local a = random()
      if not a then
        break
      end
      new[#new + 1] = a
    end
    local predicted = c:predict(new)
    local first = #pool + 1
    for _, a in ipairs(new) do
      oneshot.evaluate(a)
      pool[#pool + 1] = a
    end
    s = aging.fitness(pool)
    local actual = {}
    for i = first, #pool do
      actual[#actual + 1] = s[i]
    end
    local tau, pairwise = oneshot.nao.tau(predicted, actual)
    oneshot.log(string.format(
      "nao: round %d: loss %.4g (mse %.4g, nll %.4g), %d decoded (eta <= %d), %d random; " ..
      "held-out tau %s, pairwise accuracy %s on %d",
      g - 1, loss.loss, loss.mse, loss.nll, decoded, eta, #new - decoded, figure(tau),
      figure(pairwise), #new))
    oneshot.report(g, best(pool, s, oneshot.population))
  end
end

return {
  name = "nao",
  about = "NAO (Luo et al. 2018) with NAO-V2's controller, over the trained supernet",
  params = {
    top_k = 20,      -- the best of the pool whose embeddings are moved
    max_eta = 50,    -- the largest step along the predictor's gradient
    epochs = 100,    -- controller epochs a round
    embed = 32,      -- token embedding size (NAO-V2: 64)
    hidden = 32,     -- LSTM hidden size and embedding size (NAO-V2: 64)
    batch = 20,      -- architectures per controller step (NAO-V2: 100)
    lr = 0.001,      -- Adam's learning rate
    trade_off = 0.8, -- weight of the predictor's loss; the decoder's is 1 - it
    tries = 100,     -- draws per random architecture before giving up
  },
  run = nao,
}
