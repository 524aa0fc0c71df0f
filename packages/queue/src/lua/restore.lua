-- Puts jobs Redis lost back into their line at their seq place (the reconciler's repair); O(line length), and it
-- runs only when something was missing. A line that was empty gets its new head into the front of ready. If the
-- line's head is still waiting in ready, a restored job with a lower seq takes its place. If the head has started
-- (a worker holds it, or it waits out a retry) it stays the head: the restored jobs follow it, out of order, which
-- complete.lua counts.
-- KEYS[1] the line, KEYS[2] ready list
-- ARGV envelopes to restore (each has "seq":N as its first field)
-- Returns: jobs restored (a job the line already has, by id, is skipped)
local function seq_of(envelope)
  return tonumber(string.match(envelope, '^{"seq":(%d+),')) or 0
end
local function id_of(envelope)
  return string.match(envelope, '"id":"(%x+)"') or envelope
end
local items = redis.call('LRANGE', KEYS[1], 0, -1)
local head = items[#items]
local seen = {}
for _, envelope in ipairs(items) do
  seen[id_of(envelope)] = true
end
local added = 0
for _, envelope in ipairs(ARGV) do
  if not seen[id_of(envelope)] then
    table.insert(items, envelope)
    seen[id_of(envelope)] = true
    added = added + 1
  end
end
if added == 0 then
  return 0
end
local started = head ~= nil and redis.call('LREM', KEYS[2], 1, head) == 0
local line = {}
for _, envelope in ipairs(items) do
  if not (started and envelope == head) then
    table.insert(line, envelope)
  end
end
-- Left is newest: highest seq first, the head at the right.
table.sort(line, function(a, b) return seq_of(a) > seq_of(b) end)
if started then
  table.insert(line, head)
end
redis.call('DEL', KEYS[1])
for i = 1, #line, 1000 do
  redis.call('RPUSH', KEYS[1], unpack(line, i, math.min(i + 999, #line)))
end
if not started then
  redis.call('RPUSH', KEYS[2], line[#line])
end
return added
