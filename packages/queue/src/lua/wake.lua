-- A job waiting out a retry backoff must not wait any longer (it was canceled): if it is in the delayed set, it goes
-- to the front of ready now, so its line moves on as soon as a worker skips it.
-- KEYS[1] delayed zset, KEYS[2] ready list
-- ARGV[1] the job's id
-- Returns: 1 if it was waiting and moved, 0 if it was not in the delayed set
local needle = '"id":"' .. ARGV[1] .. '"'
for _, envelope in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if string.find(envelope, needle, 1, true) then
    redis.call('ZREM', KEYS[1], envelope)
    redis.call('RPUSH', KEYS[2], envelope)
    return 1
  end
end
return 0
