-- Caches a user's token generation, never lowering it. Generations only move forward (each password change adds
-- one), so a slow writer holding an older value (a cache fill that read MongoDB before a change, or the first of
-- two quick changes) cannot put back a generation whose tokens were retired.
-- KEYS[1] the user's generation key
-- ARGV[1] generation, ARGV[2] time to live (s)
-- Returns: the generation cached after the call
local current = tonumber(redis.call('GET', KEYS[1]) or '-1')
local generation = tonumber(ARGV[1])
if current >= generation then
  return current
end
redis.call('SET', KEYS[1], generation, 'EX', ARGV[2])
return generation
