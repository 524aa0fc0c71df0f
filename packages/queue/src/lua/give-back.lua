-- The worker gives a head back unfinished (shutdown): it goes to the front of ready, to run next.
-- KEYS[1] the worker's held list, KEYS[2] ready list
-- ARGV[1] envelope
-- Returns: 1 if moved, 0 if this worker no longer held it
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
