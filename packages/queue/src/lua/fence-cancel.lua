-- An owner cancels a queued job: it must not be running already. A quick run (fresh.lua) has no start on record, so
-- the job's record still says queued; this refuses the cancel then. Otherwise the job loses its fresh mark, so a take
-- from now on records its start first, and that write and the cancel's decide between them on the record.
-- KEYS[1] fresh set, KEYS[2] quick hash
-- ARGV[1] the job's id
-- Returns: 1 if the cancel may go ahead, 0 if the job is running
if redis.call('HGET', KEYS[2], ARGV[1]) == 'run' then
  return 0
end
redis.call('SREM', KEYS[1], ARGV[1])
return 1
