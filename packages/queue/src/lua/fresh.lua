-- How a taken head runs (prepended to admit.lua and complete.lua):
--  'quick'  its first take, with what its run needs in its envelope: the slot runs it without recording its start
--           first (marked 'run' in the quick hash meanwhile);
--  'again'  a quick run of it was cut short (its worker died or gave it back): the next run counts that lost attempt;
--  'record' any other: the slot records its start (fenced) before running it.
local function run_mode(fresh, quick, envelope)
  local id = string.match(envelope, '"id":"(%x+)"')
  if not id then return 'record' end
  local state = redis.call('HGET', quick, id)
  -- 'run' left by a run that never ended: as 'again'.
  if state then return 'again' end
  if redis.call('SREM', fresh, id) == 1 then
    redis.call('HSET', quick, id, 'run')
    return 'quick'
  end
  return 'record'
end
