-- A failed attempt will be retried after a backoff: the head leaves the worker's held list for the delayed set.
-- Its line waits (retries stay in place); other lines go on.
-- Its attempt is on record by now: its later takes run from its record (run-mode.lua).
-- KEYS[1] the worker's held list, KEYS[2] delayed zset, KEYS[3] this minute's stats hash, KEYS[4] quick hash
-- ARGV[1] envelope, ARGV[2] when it is due (ms since epoch), ARGV[3] '1' to count a failed attempt in the stats,
-- ARGV[4] the stats hash's lifetime (s)
-- Returns: 1 if moved, 0 if this worker no longer held it
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('ZADD', KEYS[2], ARGV[2], ARGV[1])
local id = string.match(ARGV[1], '"id":"(%x+)"')
if id and string.find(ARGV[1], '"run":{', 1, true) then redis.call('HSET', KEYS[4], id, 100) end
if ARGV[3] == '1' then
  -- A field's first count may be the hash's first: it sets the hash's lifetime (each later count need not).
  if redis.call('HINCRBY', KEYS[3], 'retried', 1) == 1 then redis.call('EXPIRE', KEYS[3], ARGV[4]) end
end
return 1
