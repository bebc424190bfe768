-- what the sandbox refuses or stops
local t = setmetatable({}, {__index = function() return 1 end})
local ok = pcall(function() return io.open("/etc/passwd") end)
local s = string.rep("x", 1000, ",") .. load("return 1")()
local n = 0
while n < 100000 do n = n + 1 end
error({})
