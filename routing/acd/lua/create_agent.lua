-- Give a newly configured agent its initial live state; an existing agent keeps its own.
--
-- KEYS: 1 agent hash
-- ARGV: field, value pairs of the initial state
-- Returns 1 if created, 0 if the agent already existed.

if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
redis.call('HSET', KEYS[1], unpack(ARGV))
return 1
