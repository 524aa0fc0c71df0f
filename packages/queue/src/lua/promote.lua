-- Heads whose retry backoff is over go to the front of ready (they have waited their turn already).
-- KEYS[1] delayed zset, KEYS[2] ready list
-- ARGV[1] now (ms), ARGV[2] at most this many
-- Returns: { heads moved, ms of the earliest head still delayed or -1 when none }
local due = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'LIMIT', 0, tonumber(ARGV[2]))
for _, envelope in ipairs(due) do
  redis.call('ZREM', KEYS[1], envelope)
  redis.call('RPUSH', KEYS[2], envelope)
end
local next = redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')
return { #due, next[2] and tonumber(next[2]) or -1 }
