-- A worker process starts with its id and takes it over: what an earlier process with this id still held goes back
-- to the front of ready (that process died, or it will learn at its next heartbeat that it lost the id, and stop).
-- A quick run among them (fresh.lua) was cut short: its next run counts that lost attempt.
-- KEYS[1] workers zset, KEYS[2] instances hash, KEYS[3] the worker's held list, KEYS[4] ready list, KEYS[5] quick hash
-- ARGV[1] worker id, ARGV[2] this process's instance token
-- Returns: jobs put back
local t = redis.call('TIME')
local moved = 0
-- Newest first onto the front of ready, so the oldest held head ends up in front.
while true do
  local envelope = redis.call('LMOVE', KEYS[3], KEYS[4], 'LEFT', 'RIGHT')
  if not envelope then break end
  moved = moved + 1
  local id = string.match(envelope, '"id":"(%x+)"')
  if id and redis.call('HGET', KEYS[5], id) == 'run' then redis.call('HSET', KEYS[5], id, 'again') end
end
redis.call('HSET', KEYS[2], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[1], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), ARGV[1])
return moved
