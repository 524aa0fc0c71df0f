-- Removes a finished job's envelope from the worker's processing list; optionally dead-letters it; and
-- remembers the highest seq finished, so a restarted worker can still tell a job that starts out of order.
-- KEYS[1] processing list, KEYS[2] dead list, KEYS[3] last finished seq
-- ARGV[1] envelope, ARGV[2] '1' to push it onto the dead list, ARGV[3] the job's seq (0 if unknown)
-- Returns: number of envelopes removed (0 if it was no longer there)
local removed = redis.call('LREM', KEYS[1], 1, ARGV[1])
if ARGV[2] == '1' then
  redis.call('LPUSH', KEYS[2], ARGV[1])
end
local seq = tonumber(ARGV[3])
if seq > tonumber(redis.call('GET', KEYS[3]) or '0') then
  redis.call('SET', KEYS[3], seq)
end
return removed
