-- Enqueues a batch (the part of it in one partition) in one atomic step: the jobs take consecutive arrival numbers in
-- batch order, and each is appended to its line, so every line stays in seq order and a line's jobs keep the batch's
-- order. A line that was empty has a new head: it joins the back of ready (the round-robin of lines), as in
-- enqueue.lua.
-- KEYS[1] the partition's seq counter, KEYS[2] ready list, KEYS[3..] the batch's lines (each once)
-- ARGV[1] partitions, ARGV[2] this partition: the n-th job of partition p gets seq n * partitions + p
-- ARGV then pairs, one per job in batch order: the index of its line in KEYS (3..), then its envelope JSON without
--   seq, starting with '{' (seq is spliced in as the first field)
-- Returns: the first job's arrival number (job i of this part, from 0, has seq (first + i) * partitions + partition)
local partitions = tonumber(ARGV[1])
local partition = tonumber(ARGV[2])
local count = (#ARGV - 2) / 2
local last = redis.call('INCRBY', KEYS[1], count)
local first = last - count + 1
for i = 1, count do
  local line = KEYS[tonumber(ARGV[2 * i + 1])]
  local seq = (first + i - 1) * partitions + partition
  local envelope = '{"seq":' .. seq .. ',' .. string.sub(ARGV[2 * i + 2], 2)
  if redis.call('LPUSH', line, envelope) == 1 then
    redis.call('LPUSH', KEYS[2], envelope)
  end
end
return first
