-- Gives up the right to consume, if this worker holds it (clean shutdown lets a standby start at once).
-- KEYS[1] active key
-- ARGV[1] worker id
-- Returns: 1 if released, 0 if another worker held it
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
