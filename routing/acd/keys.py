"""Every Redis key of the ACD, in one place. The Lua scripts (``routing/acd/lua/``) never
build key names: they receive them from here through ``KEYS``.

Each kind of key has its own namespace word (``agent``, ``agent-config``, ...) so that no
id, whatever it contains, can make one key look like another kind.
"""

from __future__ import annotations

from dataclasses import dataclass

# Call control's keys (``routing.acd.states``, ``callcontrol.history``) keep their own
# fixed namespace, whatever ``Keys.prefix``: every process of a deployment, old and new,
# must agree on them while calls run.
CALL_CONTROL_PREFIX = "sb:cc:"
# The binding of a self-adapting / dynamic agent to the extension it signed in at
# (``AgentStates.bind_extension``): "<prefix><SIP user>" -> agent id. The edge only reads
# it, for outbound calls.
EXTENSION_OWNER_PREFIX = f"{CALL_CONTROL_PREFIX}ext-owner:"


@dataclass(frozen=True)
class Keys:
    prefix: str = "acd"

    def agent(self, agent_id: str) -> str:
        """Hash: the agent's live state (``routing.acd.model.AgentLive`` as strings)."""
        return f"{self.prefix}:agent:{agent_id}"

    def agent_config(self, agent_id: str) -> str:
        """String: the ``agent_configured`` event's JSON."""
        return f"{self.prefix}:agent-config:{agent_id}"

    def agent_groups(self, agent_id: str) -> str:
        """Set: the agent's groups, for the claim script's membership check."""
        return f"{self.prefix}:agent-groups:{agent_id}"

    def group(self, name: str) -> str:
        """String: the ``group_configured`` event's JSON."""
        return f"{self.prefix}:group:{name}"

    def call(self, call_id: str) -> str:
        """String: the ``call_queued`` event's JSON while the call waits."""
        return f"{self.prefix}:call:{call_id}"

    def call_claim(self, call_id: str) -> str:
        """String: the agent holding the call -- with the lease while offered, then
        persistent once answered. One call, one agent."""
        return f"{self.prefix}:call-claim:{call_id}"

    def lease(self, agent_id: str) -> str:
        """String ``<call>:<token>`` with a PX expiry: the holder's fencing token."""
        return f"{self.prefix}:lease:{agent_id}"

    def extension_owner(self, user: str) -> str:
        """String: the agent signed in at SIP user ``user`` (call control's binding)."""
        return f"{EXTENSION_OWNER_PREFIX}{user}"

    def extension_of(self, agent_id: str) -> str:
        """String: the SIP user a self-adapting agent signed in at (the reverse binding)."""
        return f"{CALL_CONTROL_PREFIX}ext:{agent_id}"

    def holder(self, agent_id: str) -> str:
        """String ``<call>`` with a PX expiry: the heartbeat of the call-control process
        holding the agent's answered inbound call (``RedisAcd.hold``); when it lapses,
        ``RedisAcd.reap`` ends the call for the agent."""
        return f"{CALL_CONTROL_PREFIX}holder:{agent_id}"

    def node(self, node: str) -> str:
        """String with a PX expiry: a call-control node's heartbeat
        (``callcontrol.history``: the calls of a node without one are closed)."""
        return f"{CALL_CONTROL_PREFIX}node:{node}"

    # --- the call model's command channel (``calls.channel``) ---------------------------

    def call_inbox(self, node: str = "") -> str:
        """List: commands for call control -- a node's own (its calls), or "" for any node
        (a new call: click-to-dial)."""
        return f"{CALL_CONTROL_PREFIX}inbox:{node}" if node else f"{CALL_CONTROL_PREFIX}inbox"

    def call_reply(self, request_id: str) -> str:
        """List with an expiry: the one reply to a command, popped by the API."""
        return f"{CALL_CONTROL_PREFIX}reply:{request_id}"

    def call_view(self, call_id: str) -> str:
        """String: a live call's view (``calls.model.Call.view``), with its node."""
        return f"{CALL_CONTROL_PREFIX}call:{call_id}"

    def agent_calls(self, agent_id: str) -> str:
        """Set: the ids of the live calls the agent is in."""
        return f"{CALL_CONTROL_PREFIX}agent-calls:{agent_id}"

    @property
    def agents(self) -> str:
        """Set: every configured agent id."""
        return f"{self.prefix}:agents"

    @property
    def groups(self) -> str:
        """Set: every configured group name."""
        return f"{self.prefix}:groups"

    @property
    def calls(self) -> str:
        """Set: the ids of the waiting calls."""
        return f"{self.prefix}:calls"

    @property
    def offers(self) -> str:
        """Sorted set: offered agents scored by lease deadline (ms), for the reaper."""
        return f"{self.prefix}:offers"

    @property
    def acw(self) -> str:
        """Sorted set: agents in ACW scored by its deadline (ms), for the reaper."""
        return f"{self.prefix}:acw"

    @property
    def events(self) -> str:
        """Stream: every event, field ``event`` = its JSON (``routing.acd.events``)."""
        return f"{self.prefix}:events"

    @property
    def sip_registered(self) -> str:
        """Set: SIP users (extensions) with a valid registration, as the edge reports."""
        return f"{self.prefix}:sip:registered"

    @property
    def sip_contact_ip(self) -> str:
        """Hash: registered SIP user -> source IP of its latest REGISTER, as the edge reports
        (finds the softphone registered from the same address as an agent's browser)."""
        return f"{self.prefix}:sip:contact-ip"

    @property
    def sip_busy(self) -> str:
        """Hash: SIP user -> Call-ID of a live direct (non-queue) dialog, as the edge reports."""
        return f"{self.prefix}:sip:busy"

    @property
    def sip_version(self) -> str:
        """Counter: bumped by every edge report, so readers look again only when it moved."""
        return f"{self.prefix}:sip:version"

    @property
    def sip_events(self) -> str:
        """Stream: the edge's reports, one entry per change (user, change, reason, call)."""
        return f"{self.prefix}:sip:events"

    @property
    def dtmf(self) -> str:
        """Pub/sub channel: rtpengine's DTMF events, relayed to every call-control process
        (``callcontrol.dtmf``): rtpengine has one destination, calls are on any process."""
        return f"{self.prefix}:dtmf"

    @property
    def fence(self) -> str:
        """Counter: the source of fencing tokens."""
        return f"{self.prefix}:fence"
