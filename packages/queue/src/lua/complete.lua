-- A job's run ended for good (succeeded, failed, skipped): its line moves on. The ended head leaves the worker's
-- held list and its line; the line's next job, if any, joins the back of ready. With ARGV[3] = '1' and the queue not
-- paused, the worker also takes the front of ready in the same step (and, when nothing else is ready, its own line's
-- next job). A job that failed for good is remembered in the dead set by its id, scored by when.
-- KEYS[1] the worker's held list, KEYS[2] the job's line, KEYS[3] ready list, KEYS[4] dead zset, KEYS[5] paused flag
-- ARGV[1] envelope, ARGV[2] '1' to dead-letter it, ARGV[3] '1' to take the next job
-- Returns: { 1 if this worker held the job (else nothing changed: another worker has it now),
--            the envelope taken or false,
--            1 if the line's next job has a lower seq than the one that ended (it starts out of order) }
local function seq_of(envelope)
  return tonumber(string.match(envelope, '^{"seq":(%d+),')) or 0
end
local wants = ARGV[3] == '1' and redis.call('EXISTS', KEYS[5]) == 0
local function take()
  if not wants then return false end
  return redis.call('LMOVE', KEYS[3], KEYS[1], 'RIGHT', 'LEFT')
end
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return { 0, take(), 0 }
end
local head = redis.call('RPOP', KEYS[2])
if head and head ~= ARGV[1] then
  -- A repair put an older job under the running head (it starts late, counted below); the ended job goes.
  redis.call('RPUSH', KEYS[2], head)
  redis.call('LREM', KEYS[2], 1, ARGV[1])
end
if ARGV[2] == '1' then
  local t = redis.call('TIME')
  -- An envelope too broken to name its job is kept whole, so someone can look at it.
  local member = string.match(ARGV[1], '"id":"(%x+)"') or ARGV[1]
  redis.call('ZADD', KEYS[4], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), member)
end
local following = redis.call('LINDEX', KEYS[2], -1)
local late = 0
if following and seq_of(following) < seq_of(ARGV[1]) then
  late = 1
end
local taken = take()
if following then
  if taken or not wants then
    redis.call('LPUSH', KEYS[3], following)
  else
    -- Nothing else is ready: this worker runs its line's next job itself.
    redis.call('LPUSH', KEYS[1], following)
    taken = following
  end
end
return { 1, taken, late }
