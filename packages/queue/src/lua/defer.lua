-- A failed attempt will be retried after a backoff: the head leaves the worker's held list for the delayed set.
-- Its line waits (retries stay in place); other lines go on.
-- KEYS[1] the worker's held list, KEYS[2] delayed zset
-- ARGV[1] envelope, ARGV[2] when it is due (ms since epoch)
-- Returns: 1 if moved, 0 if this worker no longer held it
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
return 1
