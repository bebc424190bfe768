-- A metrics file (oneshot-lua(7)): metrics computed from the engine's, which
-- objectives may name.  `reward` is MnasNet's soft-constrained objective
-- (Tan et al., CVPR 2019), accuracy * (latency / target)^w with w = -0.07,
-- a single number that trades accuracy against latency on the experiment's
-- latency device; `macs_per_param` tells compute-heavy networks from
-- memory-heavy ones.
local target_ms = 2.0
return {
  reward = function(m, a)
    return m.accuracy * (m.latency / target_ms) ^ -0.07
  end,
  macs_per_param = function(m, a)
    return m.macs / m.params
  end,
}
