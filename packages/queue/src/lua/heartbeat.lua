-- A worker says it is alive (by Redis's clock, so workers' clocks need not agree), and learns whether the queue is
-- paused.
-- KEYS[1] workers zset, KEYS[2] instances hash, KEYS[3] paused flag
-- ARGV[1] worker id, ARGV[2] this process's instance token
-- Returns: { 1, paused (1 or 0) }, or { 0, paused } if the id is no longer this process's: it was presumed dead (its
-- jobs went to other workers) or another process started with the same id. Such a process must stop.
local paused = redis.call('EXISTS', KEYS[3])
if redis.call('HGET', KEYS[2], ARGV[1]) ~= ARGV[2] then
  return { 0, paused }
end
local t = redis.call('TIME')
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return { 1, paused }
