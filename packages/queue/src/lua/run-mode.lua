-- How a taken head runs (prepended to admit.lua and complete.lua). A head whose envelope carries what its run needs
-- ("run") counts its takes in the quick hash (id -> takes; absent: none yet):
--  'quick'  its first take: the slot runs it without recording its start first;
--  'again'  taken before without its run having ended (its worker died, or gave it back): that quick run was cut
--           short, and the next run counts it as an attempt;
--  'record' one of 100 and more (its attempt is on record: a retry, a halt, or a cancel fenced it), and any
--           head without "run": the slot records its start (fenced) before running it.
local function run_mode(quick, envelope)
  if not string.find(envelope, '"run":{', 1, true) then return 'record' end
  local id = string.match(envelope, '"id":"(%x+)"')
  if not id then return 'record' end
  local takes = redis.call('HINCRBY', quick, id, 1)
  if takes == 1 then return 'quick' end
  if takes < 100 then return 'again' end
  return 'record'
end
