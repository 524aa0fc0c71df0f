-- A stopped line (paused, or halted by a job that failed for good) runs again. Its parked head, if a slot had taken
-- it, joins the back of ready. After a halt the failed job is still the line's head: 'retry' runs it again first
-- (with its seq; put back at the head if Redis lost it), 'skip' takes it out of the line and its next job goes on.
-- The failed job is found in its line by its id (the envelope there is the one to keep, byte for byte).
-- A skipped job leaves the quick hash (a halted job stays in it while it is its line's head: run-mode.lua).
-- KEYS[1] stopped lines set, KEYS[2] parked heads hash, KEYS[3] the line, KEYS[4] ready list, KEYS[5] dead zset,
-- KEYS[6] quick hash
-- ARGV[1] the line's id, ARGV[2] 'resume', 'retry' or 'skip', ARGV[3] the failed job's id (retry, skip),
-- ARGV[4] its envelope as the record says it (retry: used only when the line lost it)
-- Returns: 1 if a head joined ready, else 0
redis.call('SREM', KEYS[1], ARGV[1])
local parked = redis.call('HGET', KEYS[2], ARGV[1])
redis.call('HDEL', KEYS[2], ARGV[1])
if ARGV[2] == 'resume' then
  if parked then
    redis.call('LPUSH', KEYS[4], parked)
    return 1
  end
  return 0
end
local needle = '"id":"' .. ARGV[3] .. '"'
local failed = nil
for _, envelope in ipairs(redis.call('LRANGE', KEYS[3], -1, -1)) do
  if string.find(envelope, needle, 1, true) then failed = envelope end
end
if not failed then
  -- Not its line's head (a repair put others under it), or lost: look through the line.
  for _, envelope in ipairs(redis.call('LRANGE', KEYS[3], 0, -1)) do
    if string.find(envelope, needle, 1, true) then failed = envelope end
  end
  if failed then redis.call('LREM', KEYS[3], 0, failed) end
  if ARGV[2] == 'retry' then
    -- It is the oldest job of its line: it goes back at the head.
    failed = failed or ARGV[4]
    redis.call('RPUSH', KEYS[3], failed)
  end
end
if ARGV[2] == 'retry' then
  redis.call('ZREM', KEYS[5], ARGV[3])
  redis.call('LPUSH', KEYS[4], failed)
  return 1
end
-- skip
if failed then redis.call('LREM', KEYS[3], 0, failed) end
redis.call('HDEL', KEYS[6], ARGV[3])
local head = redis.call('LINDEX', KEYS[3], -1)
if head then
  redis.call('LPUSH', KEYS[4], head)
  return 1
end
return 0
