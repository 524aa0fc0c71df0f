-- Removes a finished job's envelope from the worker's processing list; optionally dead-letters it.
-- KEYS[1] processing list, KEYS[2] dead list
-- ARGV[1] envelope, ARGV[2] '1' to push it onto the dead list
-- Returns: number of envelopes removed (0 if it was no longer there)
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if ARGV[2] == '1' then
  redis.call('LPUSH', KEYS[2], ARGV[1])
end
return removed
