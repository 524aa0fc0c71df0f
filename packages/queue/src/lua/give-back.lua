-- The worker gives a head back unfinished (shutdown): it goes to the front of ready, to run next. A quick run of it
-- that had begun was cut short: its take stays counted, so its next take counts that run (run-mode.lua). A head that
-- never reached a slot (a take whose reply was lost) takes its take back.
-- KEYS[1] the worker's held list, KEYS[2] ready list, KEYS[3] quick hash
-- ARGV[1] envelope, ARGV[2] '1' if its run may have begun, '0' if it never reached a slot
-- Returns: 1 if moved, 0 if this worker no longer held it
if redis.call('LREM', KEYS[1], 1, ARGV[1]) == 0 then
  return 0
end
redis.call('RPUSH', KEYS[2], ARGV[1])
if ARGV[2] == '0' and string.find(ARGV[1], '"run":{', 1, true) then
  local id = string.match(ARGV[1], '"id":"(%x+)"')
  if id then redis.call('HINCRBY', KEYS[3], id, -1) end
end
return 1
