-- Takes or renews the right to consume the queue. One active worker keeps the global seq order.
-- KEYS[1] active key, KEYS[2] workers zset
-- ARGV[1] worker id, ARGV[2] lease (ms), ARGV[3] now (ms)
-- Returns: 1 if this worker is active (the lease is set or renewed), 0 if another worker holds it
local holder = redis.call('GET', KEYS[1])
if holder and holder ~= ARGV[1] then
  return 0
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
return 1
