-- A cancel of a job queued on record and never started: is a quick run of it under way (its start is not on record,
-- so its record still says queued)? Then it is running. Otherwise its later takes run from its record (run-mode.lua),
-- so the cancel about to be written holds: that write and a start's decide between them on the record.
-- KEYS[1] quick hash
-- ARGV[1] the job's id
-- Returns: 1 if the cancel may go ahead, 0 if the job is running
local takes = tonumber(redis.call('HGET', KEYS[1], ARGV[1]) or '0')
if takes >= 1 and takes < 100 then
  return 0
end
if takes < 100 then redis.call('HSET', KEYS[1], ARGV[1], 100) end
return 1
