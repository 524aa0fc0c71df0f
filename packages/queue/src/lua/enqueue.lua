-- Assigns the next seq and pushes the envelope, atomically, so list order is seq order.
-- KEYS[1] seq counter, KEYS[2] pending list
-- ARGV[1] envelope JSON without seq, starting with '{' (seq is spliced in as the first field)
-- Returns: the job's seq
local seq = redis.call('INCR', KEYS[1])
redis.call('LPUSH', KEYS[2], '{"seq":' .. seq .. ',' .. string.sub(ARGV[1], 2))
return seq
