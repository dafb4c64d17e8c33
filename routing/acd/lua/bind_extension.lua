-- Bind a self-adapting agent to the extension (SIP user) it signed in at, atomically in
-- both directions, unless another agent is already there.
--
-- KEYS: 1 agent -> extension (``Keys.extension_of``), 2 extension -> agent
--       (``Keys.extension_owner``)
-- ARGV: 1 agent id, 2 extension, 3 the extension-owner key prefix
--       (``Keys.extension_owner("")``: the agent's previous extension is only known here)
-- Returns 'OK', or the id of the agent already bound to the extension.

local owner = redis.call('GET', KEYS[2])
if owner and owner ~= ARGV[1] then return owner end
local old = redis.call('GET', KEYS[1])
if old and old ~= ARGV[2] then redis.call('DEL', ARGV[3] .. old) end
redis.call('SET', KEYS[1], ARGV[2])
redis.call('SET', KEYS[2], ARGV[1])
return 'OK'
