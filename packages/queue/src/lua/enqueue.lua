-- Assigns the next seq and appends the job to its line, atomically, so every line is in seq order.
-- A line that was empty has a new head: it joins the back of ready (the round-robin of lines).
-- KEYS[1] the partition's seq counter, KEYS[2] the job's line, KEYS[3] ready list
-- ARGV[1] envelope JSON without seq, starting with '{' (seq is spliced in as the first field)
-- ARGV[2] partitions, ARGV[3] this partition: the n-th job of partition p gets seq n * partitions + p, so seqs are
--         unique across the queue and increase along every line
-- Returns: the job's seq
local seq = redis.call('INCR', KEYS[1]) * tonumber(ARGV[2]) + tonumber(ARGV[3])
local envelope = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
if redis.call('LPUSH', KEYS[2], envelope) == 1 then
  redis.call('LPUSH', KEYS[3], envelope)
end
return seq
