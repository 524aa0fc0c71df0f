-- Fixed-window rate limit: counts one attempt and says whether it is within the limit.
-- KEYS[1] the window's counter
-- ARGV[1] limit (attempts per window), ARGV[2] window length (ms)
-- Returns: { 1 if allowed else 0, attempts counted in this window, ms until the window resets }
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2])
end
if count > tonumber(ARGV[1]) then
  return { 0, count, ttl }
end
return { 1, count, ttl }
