-- Puts a job the worker holds back at the head of pending, so it runs next (shutdown mid-job).
-- KEYS[1] processing list, KEYS[2] pending list
-- ARGV[1] envelope
-- Returns: 1 if it was moved, 0 if the worker no longer held it
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[1])
return 1
