-- A slot took a line's head: may it run it? Not while the queue is paused: the head goes back to the front of ready.
-- Not while its line is stopped (paused, or halted by a failure): the head is parked apart, out of ready, until the
-- line is resumed (resume-line.lua). Its line keeps it as its head all along, so order holds.
-- It may run: how (run-mode.lua).
-- KEYS[1] the worker's held list, KEYS[2] ready list, KEYS[3] queue paused flag, KEYS[4] stopped lines set,
-- KEYS[5] parked heads hash (line -> envelope), KEYS[6] quick hash
-- ARGV[1] envelope, ARGV[2] its line
-- Returns: 'quick', 'record' or 'again' (it runs), 'paused', 'parked', or 'gone' when this worker no longer held it
if redis.call('EXISTS', KEYS[3]) == 1 then
  if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 'gone' end
  redis.call('RPUSH', KEYS[2], ARGV[1])
  return 'paused'
end
if redis.call('SISMEMBER', KEYS[4], ARGV[2]) == 1 then
  if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then return 'gone' end
  redis.call('HSET', KEYS[5], ARGV[2], ARGV[1])
  return 'parked'
end
return run_mode(KEYS[6], ARGV[1])
