-- The worker gives a head back unfinished (shutdown): it goes to the front of ready, to run next. A quick run of it
-- (fresh.lua) that had begun is cut short: its next run counts that lost attempt. One that never began leaves no mark.
-- KEYS[1] the worker's held list, KEYS[2] ready list, KEYS[3] quick hash
-- ARGV[1] envelope, ARGV[2] '1' if its run may have begun, '0' if it never reached a slot
-- Returns: 1 if moved, 0 if this worker no longer held it
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[1])
local id = string.match(ARGV[1], '"id":"(%x+)"')
if id and redis.call('HGET', KEYS[3], id) == 'run' then
  if ARGV[2] == '1' then
    redis.call('HSET', KEYS[3], id, 'again')
  else
    redis.call('HDEL', KEYS[3], id)
  end
end
return 1
