-- MoGA's weighted NSGA-II (Chu, Zhang and Xu, "MoGA: Searching Beyond
-- MobileNetV3", ICASSP 2020, arXiv 1908.01314) over the experiment's
-- objectives, weighted by their `weight`.
--
-- The paper says only that it "replaces traditional multi-objective
-- optimization with a weighted fitness strategy"; how the weights enter the
-- sort or the crowding is not published and no implementation is public
-- (the authors' repository, xiaomi-automl/MoGA, holds only the searched
-- models).  Our choice, option (a) of src/pareto.h: the usual fast
-- non-dominated sort, and a crowding distance in which each objective's term
-- is multiplied by its weight (divided by the largest weight).  The weighted
-- crowding is used both by the binary tournament that picks parents and by
-- the environmental selection that cuts the last admitted front, so a
-- heavily weighted objective keeps its spread.  Only the ratios of the
-- weights matter, and equal weights give plain NSGA-II exactly, generation
-- for generation (tests/test_luaevolution.c checks it against nsga2.lua).
--
-- Everything else is nsga2.lua: generation 1 is `population` distinct random
-- architectures; each later generation makes up to `population` offspring
-- (binary tournament, uniform crossover with probability `crossover`, point
-- mutation of each layer with probability `mutation`, a child the run has
-- already proposed drawn again up to `tries` times), and parents plus
-- offspring are cut back to `population` by oneshot.select with the weights.
-- This file is nsga2.lua, loaded with oneshot.strategy, with `weighted`
-- defaulting to true.
--
-- MoGA maximises the parameter count (more capacity at the same mobile-GPU
-- latency): to follow the paper, give the params objective
-- `direction: maximize` in the experiment; nothing here flips it.

local moga = oneshot.strategy("nsga2")
moga.name = "moga"
moga.about = "MoGA's weighted NSGA-II (Chu et al. 2020): crowding weighted by the objectives' weights"
moga.params.weighted = true -- false: plain NSGA-II
return moga
