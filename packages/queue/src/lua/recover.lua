-- A worker whose heartbeat is older than the lease is dead: the heads it held go back to the front of ready (their
-- lines keep their order: a head never left its line), and the worker is forgotten. A dead worker's blocking take
-- times out within seconds, far inside the lease, so nothing can arrive in its held list after this.
-- KEYS[1] workers zset, KEYS[2] instances hash, KEYS[3] the worker's held list, KEYS[4] ready list
-- ARGV[1] worker id, ARGV[2] lease (ms); ARGV[3] '1' to recover even if alive (its own clean shutdown)
-- Returns: heads put back, or -1 if the worker is alive
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local beat = redis.call('ZSCORE', KEYS[1], ARGV[1])
if ARGV[3] ~= '1' and beat and now - tonumber(beat) < tonumber(ARGV[2]) then
  return -1
end
local moved = 0
while redis.call('LMOVE', KEYS[3], KEYS[4], 'LEFT', 'RIGHT') do
  moved = moved + 1
end
redis.call('ZREM', KEYS[1], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
return moved
