-- One of a user's slots for something held open across api processes (a long-poll, an event stream), each with a
-- lease, so a process that dies frees its slots when their leases end. Taking one drops the expired ones first.
-- KEYS[1] the user's slots (sorted set: token -> lease end, ms)
-- ARGV[1] now (ms), ARGV[2] lease (ms), ARGV[3] the user's limit, ARGV[4] this slot's token
-- Returns: 1 if the slot is taken, 0 if the user holds as many as the limit
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then
  return 0
end
local ends = tonumber(ARGV[1]) + tonumber(ARGV[2])
redis.call('ZADD', KEYS[1], ends, ARGV[4])
redis.call('PEXPIREAT', KEYS[1], ends)
return 1
