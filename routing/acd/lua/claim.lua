-- Offer an idle agent one call, atomically: the exactly-once claim.
--
-- The agent must be idle, registered, taking queue calls (dial-in or all) and a member of the group (the same checks,
-- in the same order, as the state machine's `offer`). An exclusive claim also takes the
-- call (SET NX): one call, one agent. The claim is a lease: the lease key and the call
-- claim expire after `lease` ms unless renewed or answered, and the reaper then returns
-- the agent. The fencing token (a global counter) identifies this claim to later writes.
--
-- KEYS: 1 agent hash, 2 agent groups set, 3 call claim, 4 lease, 5 offers zset,
--       6 events stream, 7 fence counter
-- ARGV: 1 agent id, 2 call id, 3 group, 4 now ms, 5 lease ms, 6 exclusive '1' | '0' (ring all)
-- Returns {1, token, version} or {0, refusal}.

local agent = redis.call('HMGET', KEYS[1], 'state', 'registered', 'way', 'version')
if not agent[1] then return {0, 'unknown_agent'} end
if agent[1] ~= 'idle' then return {0, 'not_idle'} end
if agent[2] ~= '1' then return {0, 'unregistered'} end
if agent[3] ~= 'dial_in' and agent[3] ~= 'all' then return {0, 'dial_out_only'} end
if redis.call('SISMEMBER', KEYS[2], ARGV[3]) == 0 then return {0, 'not_in_group'} end
if ARGV[6] == '1' then
  if not redis.call('SET', KEYS[3], ARGV[1], 'NX', 'PX', ARGV[5]) then return {0, 'call_taken'} end
elseif redis.call('EXISTS', KEYS[3]) == 1 then
  return {0, 'call_taken'}  -- ring all: someone already answered it
end

local token = redis.call('INCR', KEYS[7])
local version = tonumber(agent[4]) + 1
redis.call('HSET', KEYS[1], 'state', 'offered', 'call_id', ARGV[2], 'call_kind', 'inbound',
  'group', ARGV[3], 'version', version)
redis.call('SET', KEYS[4], ARGV[2] .. ':' .. token, 'PX', ARGV[5])
redis.call('ZADD', KEYS[5], tonumber(ARGV[4]) + tonumber(ARGV[5]), ARGV[1])

-- The event, shaped as routing.acd.events writes it: the live state with its types back.
local INTS = {acw_until_ms = true, idle_since_ms = true, answered_at_ms = true, calls = true,
  talk_ms = true, version = true}
local flat = redis.call('HGETALL', KEYS[1])
local live = {}
for i = 1, #flat, 2 do
  local k, v = flat[i], flat[i + 1]
  if INTS[k] then live[k] = tonumber(v) elseif k == 'registered' then live[k] = (v == '1')
  else live[k] = v end
end
local event = {type = 'agent_state', agent = ARGV[1], version = version, from = 'idle',
  to = 'offered', reason = 'offered', call_id = ARGV[2], at_ms = tonumber(ARGV[4]), live = live}
redis.call('XADD', KEYS[6], '*', 'event', cjson.encode(event))
return {1, token, version}
