-- A scheduled job is due: it leaves the due-time index and joins the tail of its line, taking its seq now, so a job
-- that waited never holds up its line. Only the caller that removes it from the index enqueues it: any number of
-- workers may release the same job at once and it joins its line once.
-- KEYS[1] the partition's scheduled zset, KEYS[2] its seq counter, KEYS[3] the job's line, KEYS[4] ready list
-- ARGV[1] the envelope as scheduled (without seq, starting with '{'), ARGV[2] partitions, ARGV[3] this partition,
-- ARGV[4] '1' to enqueue it even when the index lacks it (the reconciler's repair of a job Redis lost)
-- Returns: the job's seq, or -1 when another caller released it
if redis.call('ZREM', KEYS[1], ARGV[1]) == 0 and ARGV[4] ~= '1' then
  return -1
end
local seq = redis.call('INCR', KEYS[2]) * tonumber(ARGV[2]) + tonumber(ARGV[3])
local envelope = '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2)
if redis.call('LPUSH', KEYS[3], envelope) == 1 then
  redis.call('LPUSH', KEYS[4], envelope)
end
return seq
