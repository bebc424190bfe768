-- A supernet sampler written in Lua (oneshot-lua(7)): each step trains one
-- path made of the choice each layer has trained least so far, ties broken
-- at random.  Over a run it gives every choice about the same number of
-- updates, like FairNAS's strict fairness, but with one path per step
-- instead of one per choice: compare the two on the TUI's fairness panel.
return {
  name = "least-trained",
  next = function(step, counts)
    local names = {}
    for l = 1, oneshot.space.layers do
      local best, ties = nil, 0
      for _, c in ipairs(oneshot.space.choices[l]) do
        local n = counts[l][c]
        if best == nil or n < counts[l][best] then
          best, ties = c, 1
        elseif n == counts[l][best] then
          ties = ties + 1
          if oneshot.random(ties) == 1 then best = c end
        end
      end
      names[l] = best
    end
    return {oneshot.arch(table.concat(names, "-"))}
  end,
}
