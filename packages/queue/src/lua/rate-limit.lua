-- Fixed-window rate limit: counts an attempt (of some cost: a batch of n jobs costs n) and says whether it is within
-- the limit.
-- KEYS[1] the window's counter
-- ARGV[1] limit (attempts per window), ARGV[2] window length (ms), ARGV[3] the attempt's cost (1 if absent)
-- Returns: { 1 if allowed else 0, attempts counted in this window, ms until the window resets }
local count = redis.call('INCRBY', KEYS[1], tonumber(ARGV[3] or '1'))
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if count > tonumber(ARGV[1]) then
  return { 0, count, ttl }
end
return { 1, count, ttl }
