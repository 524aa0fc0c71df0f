-- Puts envelopes Redis lost back into pending at their place in seq order (the reconciler's repair).
-- Rebuilds the list, so it is O(n); it runs only when something was actually missing.
-- KEYS[1] pending list
-- ARGV envelopes to restore (each has "seq":N as its first field)
-- Returns: the pending list's new length
local function seq_of(envelope)
  return tonumber(string.match(envelope, '^{"seq":(%d+),')) or 0
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local seen = {}
for _, envelope in ipairs(items) do
  seen[envelope] = true
end
for _, envelope in ipairs(ARGV) do
  if not seen[envelope] then
    table.insert(items, envelope)
    seen[envelope] = true
  end
end
-- Left is newest: highest seq first.
table.sort(items, function(a, b) return seq_of(a) > seq_of(b) end)
redis.call('DEL', KEYS[1])
for i = 1, #items, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(items, i, math.min(i + 999, #items)))
end
return #items
