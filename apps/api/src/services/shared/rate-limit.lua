-- A fixed window's counter, as rate-limiter-flexible counts (its customIncrTtlLuaScript), in two commands where its
-- own script takes four: the count, and the window's start only on the key's first count. EXPIRE NX never moves a
-- window that has started (a key given points back to 0 keeps its window).
-- KEYS[1] the counter
-- ARGV[1] points to add (negative to give them back), ARGV[2] the window (s), ARGV[3] the limit
-- Returns: { points counted in this window, ms left in it: read only past the limit (it sets Retry-After), the whole
--            window otherwise }
local consumed = redis.call('INCRBY', KEYS[1], ARGV[1])
if consumed == tonumber(ARGV[1]) then
  redis.call('EXPIRE', KEYS[1], ARGV[2], 'NX')
end
if consumed <= tonumber(ARGV[3]) then
  return { consumed, tonumber(ARGV[2]) * 1000 }
end
local ttl = redis.call('PTTL', KEYS[1])
if ttl == -1 then
  -- A counter without a window would refuse for ever: it gets one now.
  redis.call('EXPIRE', KEYS[1], ARGV[2])
  ttl = tonumber(ARGV[2]) * 1000
end
return { consumed, ttl }
