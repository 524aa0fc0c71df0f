-- A job's run ended for good (succeeded, failed, skipped): its line moves on. The ended head leaves the worker's
-- held list and its line; the line's next job, if any, joins the back of ready (or waits parked, when its line was
-- stopped meanwhile). With ARGV[3] = '1' and the queue not paused, the worker also takes the front of ready in the
-- same step (and, when nothing else is ready, its own line's next job); a taken head of a stopped line is parked
-- instead. A job that failed for good is remembered in the dead set by its id, scored by when. With ARGV[4] = '1'
-- (the job failed for good and halts its line), the job stays its line's head, parked, and the line is stopped.
-- The ended job leaves the quick hash (a halted one stays there, to run from its record if retried); a job taken runs
-- as run_mode says (run-mode.lua).
-- KEYS[1] the worker's held list, KEYS[2] the job's line, KEYS[3] ready list, KEYS[4] dead zset, KEYS[5] paused flag,
-- KEYS[6] stopped lines set, KEYS[7] parked heads hash, KEYS[8] this minute's stats hash, KEYS[9] quick hash
-- ARGV[1] envelope, ARGV[2] '1' to dead-letter it, ARGV[3] '1' to take the next job, ARGV[4] '1' to halt its line,
-- ARGV[5] the line's id, ARGV[6] the stats field to count (the outcome and the wait bucket, as 'succeeded:w3'; ''
-- for none), ARGV[7] the stats hash's lifetime (s)
-- Returns: { 1 if this worker held the job (else nothing changed: another worker has it now),
--            the envelope taken or false,
--            1 if the line's next job has a lower seq than the one that ended (it starts out of order),
--            how the envelope taken runs ('quick', 'record' or 'again'; '' when none) }
local function seq_of(envelope)
  return tonumber(string.match(envelope, '^{"seq":(%d+),')) or 0
end
local function line_of(envelope)
  return string.match(envelope, '"line":"([^"]+)"')
end
-- Whether the queue is paused and whether any line is stopped: one EXISTS of both while neither is (the common case).
local paused, any_stopped = nil, nil
local function read_controls()
  if paused ~= nil then return end
  local n = redis.call('EXISTS', KEYS[5], KEYS[6])
  paused = n > 0 and redis.call('EXISTS', KEYS[5]) == 1
  any_stopped = n - (paused and 1 or 0) == 1
end
local function stopped(line)
  read_controls()
  return any_stopped and redis.call('SISMEMBER', KEYS[6], line) == 1
end
local wants = false
if ARGV[3] == '1' then
  read_controls()
  wants = not paused
end
local function take()
  if not wants then return false end
  -- A few heads of stopped lines are parked on the way; past that the slot waits on ready as usual.
  for _ = 1, 16 do
    local taken = redis.call('LMOVE', KEYS[3], KEYS[1], 'RIGHT', 'LEFT')
    if not taken then return false end
    local line = line_of(taken)
    if not line or not stopped(line) then return taken end
    redis.call('LREM', KEYS[1], 1, taken)
    redis.call('HSET', KEYS[7], line, taken)
  end
  return false
end
local function dead_letter()
  if ARGV[2] ~= '1' then return end
  local t = redis.call('TIME')
  -- An envelope too broken to name its job is kept whole, so someone can look at it.
  local member = string.match(ARGV[1], '"id":"(%x+)"') or ARGV[1]
  redis.call('ZADD', KEYS[4], tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000), member)
end
local function taking(held, taken, late)
  if not taken then return { held, false, late, '' } end
  return { held, taken, late, run_mode(KEYS[9], taken) }
end
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return taking(0, take(), 0)
end
dead_letter()
local ended = string.match(ARGV[1], '"id":"(%x+)"')
if ended and ARGV[4] == '1' then
  redis.call('HSET', KEYS[9], ended, 100)
elseif ended then
  redis.call('HDEL', KEYS[9], ended)
end
-- Counted here, once: a retried call whose reply was lost finds the job gone from the held list above.
if ARGV[6] ~= '' then
  -- A field's first count may be the hash's first: it sets the hash's lifetime (each later count need not).
  if redis.call('HINCRBY', KEYS[8], ARGV[6], 1) == 1 then redis.call('EXPIRE', KEYS[8], ARGV[7]) end
end
if ARGV[4] == '1' then
  redis.call('SADD', KEYS[6], ARGV[5])
  any_stopped = true
  redis.call('HSET', KEYS[7], ARGV[5], ARGV[1])
  return taking(1, take(), 0)
end
local head = redis.call('RPOP', KEYS[2])
if head and head ~= ARGV[1] then
  -- A repair put an older job under the running head (it starts late, counted below); the ended job goes.
  redis.call('RPUSH', KEYS[2], head)
  redis.call('LREM', KEYS[2], 1, ARGV[1])
end
local following = redis.call('LINDEX', KEYS[2], -1)
local late = 0
if following and seq_of(following) < seq_of(ARGV[1]) then
  late = 1
end
local taken = take()
if following then
  if stopped(ARGV[5]) then
    -- The line was paused while its job ran: its next job waits parked until the line is resumed.
    redis.call('HSET', KEYS[7], ARGV[5], following)
  elseif taken or not wants then
    redis.call('LPUSH', KEYS[3], following)
  else
    -- Nothing else is ready: this worker runs its line's next job itself.
    redis.call('LPUSH', KEYS[1], following)
    taken = following
  end
end
return taking(1, taken, late)
