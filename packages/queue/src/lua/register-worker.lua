-- A worker process starts with its id and takes it over: what an earlier process with this id still held goes back
-- to the front of ready (that process died, or it will learn at its next heartbeat that it lost the id, and stop).
-- KEYS[1] workers zset, KEYS[2] instances hash, KEYS[3] the worker's held list, KEYS[4] ready list
-- ARGV[1] worker id, ARGV[2] this process's instance token
-- Returns: jobs put back
local t = redis.call('TIME')
local moved = 0
-- Newest first onto the front of ready, so the oldest held head ends up in front.
while redis.call('LMOVE', KEYS[3], KEYS[4], 'LEFT', 'RIGHT') do
  moved = moved + 1
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return moved
