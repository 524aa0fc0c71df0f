-- Moves a worker's processing list back to the head of pending, oldest job rightmost so it runs first,
-- and forgets the worker. Used for a worker's own list at start and for vanished workers.
-- KEYS[1] processing list, KEYS[2] pending list, KEYS[3] workers zset, KEYS[4] worker-clients hash
-- ARGV[1] worker id, ARGV[2] only if its last heartbeat (ms) is at most this ('+inf' for always)
-- Returns: number of jobs moved, or -1 if the worker's heartbeat is too recent
local beat = redis.call('ZSCORE', KEYS[3], ARGV[1])
if beat and ARGV[2] ~= '+inf' and tonumber(beat) > tonumber(ARGV[2]) then
  return -1
end
local moved = 0
while redis.call('LMOVE', KEYS[1], KEYS[2], 'LEFT', 'RIGHT') do
  moved = moved + 1
end
redis.call('ZREM', KEYS[3], ARGV[1])
redis.call('HDEL', KEYS[4], ARGV[1])
return moved
