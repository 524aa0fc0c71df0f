-- Makes sure the arrival counter is at least the highest seq MongoDB has recorded, so a Redis that
-- lost its last writes never hands out a seq twice.
-- KEYS[1] seq counter
-- ARGV[1] floor
-- Returns: the counter after the call
local current = tonumber(redis.call('GET', KEYS[1]) or '0')
local floor = tonumber(ARGV[1])
if current < floor then
  redis.call('SET', KEYS[1], floor)
  return floor
end
return current
