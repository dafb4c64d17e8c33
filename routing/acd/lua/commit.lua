-- Write one accepted transition of the agent state machine, computed by the caller from
-- the state it read at `version`, with its consequences, atomically:
--
-- * compare-and-set on the agent's version: a concurrent change makes this a `conflict`
--   (the caller rereads and recomputes);
-- * the fence: '<call>:<token>' must still be the lease (the claim holder answering or
--   releasing), 'absent' requires the lease gone (the reaper), '' checks nothing;
-- * the call claim follows the agent: 'take' makes it this agent's for good (answer; in
--   ring all the first answer wins, a later one gets `call_taken`), 'drop' frees it;
-- * leaving `offered` deletes the lease and the reaper's entry; the ACW deadline set is
--   kept in step; the event is appended to the stream.
--
-- KEYS: 1 agent hash, 2 events stream, 3 offers zset, 4 acw zset, 5 lease,
--       6 call claim of the call concerned (any key when none)
-- ARGV: 1 agent id, 2 version read, 3 event JSON, 4 claim action '' | 'take' | 'drop',
--       5 fence, 6 ACW deadline ms or '', 7 new state, 8.. field, value pairs of the new state
-- Returns {1, new version} or {0, refusal}: conflict, stale_claim, lease_alive, call_taken.

if redis.call('HGET', KEYS[1], 'version') ~= ARGV[2] then return {0, 'conflict'} end
local fence = ARGV[5]
if fence == 'absent' then
  if redis.call('EXISTS', KEYS[5]) == 1 then return {0, 'lease_alive'} end
elseif fence ~= '' and redis.call('GET', KEYS[5]) ~= fence then
  return {0, 'stale_claim'}
end
local agent = ARGV[1]
if ARGV[4] == 'take' then
  local owner = redis.call('GET', KEYS[6])
  if not owner then redis.call('SET', KEYS[6], agent)
  elseif owner ~= agent then return {0, 'call_taken'}
  else redis.call('PERSIST', KEYS[6]) end
elseif ARGV[4] == 'drop' and redis.call('GET', KEYS[6]) == agent then
  redis.call('DEL', KEYS[6])
end

local was = redis.call('HGET', KEYS[1], 'state')
redis.call('HSET', KEYS[1], unpack(ARGV, 8))
if was == 'offered' and ARGV[7] ~= 'offered' then
  redis.call('DEL', KEYS[5])
  redis.call('ZREM', KEYS[3], agent)
end
if ARGV[6] ~= '' then redis.call('ZADD', KEYS[4], ARGV[6], agent)
else redis.call('ZREM', KEYS[4], agent) end
redis.call('XADD', KEYS[2], '*', 'event', ARGV[3])
return {1, tonumber(ARGV[2]) + 1}
