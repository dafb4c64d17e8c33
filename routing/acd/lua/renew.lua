-- Extend a claim's lease (an offer ringing longer than one lease), if it is still ours.
--
-- KEYS: 1 lease, 2 call claim, 3 offers zset
-- ARGV: 1 fence '<call>:<token>', 2 agent id, 3 lease ms, 4 new deadline ms
-- Returns 1, or 0 when the lease is gone or belongs to another claim.

if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
if redis.call('GET', KEYS[2]) == ARGV[2] and redis.call('PTTL', KEYS[2]) > 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
redis.call('ZADD', KEYS[3], ARGV[4], ARGV[2])
return 1
