-- Assigns the next seq and appends the job to its line, atomically, so every line is in seq order.
-- A line that was empty has a new head: it joins the back of ready (the round-robin of lines).
-- A job whose envelope carries what its run needs ("run") is noted fresh: its first take may run it at once.
-- KEYS[1] the partition's seq counter, KEYS[2] the job's line, KEYS[3] ready list, KEYS[4] fresh set
-- ARGV[1] envelope JSON without seq, starting with '{' (seq is spliced in as the first field)
-- ARGV[2] partitions, ARGV[3] this partition: the n-th job of partition p gets seq n * partitions + p, so seqs are
--         unique across the queue and increase along every line
-- Returns: the job's seq
local seq = redis.call('INCR', KEYS[1]) * tonumber(ARGV[2]) + tonumber(ARGV[3])
local envelope = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
if string.find(ARGV[1], '"run":{', 1, true) then
  redis.call('SADD', KEYS[4], string.match(ARGV[1], '"id":"(%x+)"'))
end
if redis.call('LPUSH', KEYS[2], envelope) == 1 then
  redis.call('LPUSH', KEYS[3], envelope)
end
return seq
