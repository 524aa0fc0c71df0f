-- Enqueues a batch in one atomic step: the jobs take consecutive seqs in batch order, and each is appended to its
-- line, so every line stays in seq order and a line's jobs keep the batch's order. A line that was empty has a new
-- head: it joins the back of ready (the round-robin of lines), as in enqueue.lua.
-- KEYS[1] seq counter, KEYS[2] ready list, KEYS[3..] the batch's lines (each once)
-- ARGV pairs, one per job in batch order: ARGV[2i-1] the index of its line in KEYS (3..), ARGV[2i] its envelope
--   JSON without seq, starting with '{' (seq is spliced in as the first field)
-- Returns: the first job's seq (job i of the batch, from 0, has first + i)
local count = #ARGV / 2
local last = redis.call('INCRBY', KEYS[1], count)
local first = last - count + 1
for i = 1, count do
  local line = KEYS[tonumber(ARGV[2 * i - 1])]
  local envelope = '{"seq":' .. (first + i - 1) .. ',' .. string.sub(ARGV[2 * i], 2)
  if redis.call('LPUSH', line, envelope) == 1 then
    redis.call('LPUSH', KEYS[2], envelope)
  end
end
return first
