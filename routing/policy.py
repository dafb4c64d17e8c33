"""Pure routing decisions: what to do with a request, given the directory.

No I/O and no ``KSR`` here; ``routing.adapters.ksr`` carries the decisions out.
Expected outcomes are values, not exceptions.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import TypeVar

from routing.directory import Directory, normalize_e164
from routing.failover import HANGUP as NO_FAILOVER
from routing.failover import NO_FAILOVERS, Failovers

T = TypeVar("T")  # Kamailio embeds Python 3.11: no PEP 695 generics


@dataclass(frozen=True)
class Reply:
    """Answer statelessly and stop."""

    code: int
    reason: str


@dataclass(frozen=True)
class Challenge:
    """Ask for (new) digest credentials: 401 for REGISTER, 407 otherwise."""


@dataclass(frozen=True)
class Authenticated:
    team: str
    number: str


@dataclass(frozen=True)
class Failover:
    """Where a call goes when its destination does not answer (ring timeout), is busy
    (``FAILOVER_CODES``) or has nobody registered: ``kind`` / ``ref`` as the store keeps
    them (``routing.failover``). ``tried`` names the destinations the call went to
    (``kind:target``): a failover back to one of them, or past ``MAX_DESTINATIONS``, ends
    the chain. ``did``: the DID the call came in on ("" for a phone's call), presented in
    a Diversion header when a failover leaves through a trunk. ``queue`` False: a call
    call control placed, which never goes back into a queue."""

    team: str
    kind: str
    ref: str
    tried: tuple[str, ...] = ()
    did: str = ""
    queue: bool = True

    def encode(self) -> str:
        return json.dumps([self.team, self.kind, self.ref, list(self.tried), self.did, self.queue])

    @classmethod
    def decode(cls, text: str) -> Failover:
        team, kind, ref, tried, did, queue = json.loads(text)
        return cls(str(team), str(kind), str(ref), tuple(map(str, tried)), str(did), bool(queue))


@dataclass(frozen=True)
class CallExtension:
    """Relay to the registered contacts of a SIP user, with media through rtpengine.
    ``failover`` is set for a DID's extension and for one a failover reached (never for
    a phone's direct call): it rings ``EXTENSION_RING_TIMEOUT_S`` (kamailio/defs.cfg),
    and then, or when busy or not registered, the call follows ``failover``."""

    username: str
    failover: Failover | None = None


@dataclass(frozen=True)
class CallQueue:
    """Hand the call to call control (dispatcher set), which queues it for an agent group."""

    team: str
    group: str  # the agent group's name inside the team


@dataclass(frozen=True)
class CallFeature:
    """A feature code served by call control (``*64``: agent sign-in by DTMF)."""

    team: str
    code: str


@dataclass(frozen=True)
class TrunkTarget:
    """One carrier to try: the request URI to relay to, and the number to present."""

    trunk: str  # the trunk's name, for logs
    uri: str  # sip:<number as the carrier wants it>@<host>:<port>
    caller_id: str  # the From user to present; "" keeps the caller's From
    max_calls: int = 0  # concurrent outbound calls the trunk takes; 0: no limit


@dataclass(frozen=True)
class CallTrunks:
    """Relay an outbound call to carriers: ``targets`` in order, the next one when a
    carrier fails (tm failure route). ``rotation`` names a round-robin trunk group's
    counter (the edge rotates the start, ``rotated``); "" for failover order."""

    team: str
    number: str  # the dialed number, normalised to "+<digits>"
    targets: tuple[TrunkTarget, ...]
    rotation: str = ""
    diverted_from: str = ""  # the DID a forwarded inbound call came in on (Diversion)
    # A DID's external destination: followed when the far end is busy or does not answer.
    failover: Failover | None = None


@dataclass(frozen=True)
class CallRingGroup:
    """Ring a group's members: ``ring_all`` forks to all at once; ``sequential`` rings one
    after the other (``ring_timeout_s`` each); ``round_robin`` is sequential from a start
    that moves on every call (``rotation`` names its counter)."""

    team: str
    number: str
    strategy: str
    ring_timeout_s: int
    members: tuple[str, ...]  # SIP usernames in the group's order
    # Followed when no member answers, all are busy or none is registered: the group's
    # own failover, else (reached through a DID or a failover) the DID's; None: nothing to
    # follow (hangup), the members' answer stands.
    failover: Failover | None = None

    @property
    def rotation(self) -> str:
        return f"ring_group:{self.team}/{self.number}" if self.strategy == "round_robin" else ""


Decision = Reply | CallExtension | CallQueue | CallFeature | CallTrunks | CallRingGroup
AuthDecision = Challenge | Reply | tuple[str, str]  # (username, ha1) to check

NOT_FOUND = Reply(404, "Not Found")
NO_OUTBOUND_ROUTE = Reply(403, "No Outbound Route")
DIAL_IN_AGENT = Reply(403, "Outbound Calls Not Allowed For Dial-In Agents")
NOT_FROM_CALL_CONTROL = Reply(403, "Not Allowed From Call Control")
NO_MEMBER_REGISTERED = Reply(480, "Temporarily Unavailable")
# A DID whose destination is ``hangup``: refused on purpose. A 6xx is a global failure, so
# the carrier does not try other routes to reach the number; 603 says the callee declines.
HANGUP = Reply(603, "Decline")
# An extension a DID (or a failover) rang and nobody answered in time: 480, the answer a
# carrier maps to "no user responding" (not tm's own 408, which invites a retry elsewhere).
NO_ANSWER = Reply(480, "No Answer")
# A destination's final answers after which its failover is followed: ring timeout (408),
# unavailable (480: not registered, do not disturb), busy and declined (486, 600, 603).
FAILOVER_CODES = frozenset({408, 480, 486, 600, 603})
# Destinations one call may go through (the first one and its failovers): a longer chain
# ends with the last destination's answer.
MAX_DESTINATIONS = 5
# Agent sign-in (agent number #, password #), pause (reason code #), unpause.
CALL_CONTROL_FEATURES = frozenset({"*64", "*65", "*66", "*67"})
# A carrier's answers after which the next trunk is tried: it could not take the call
# (timeout, server trouble). Busy, declined or a wrong number would fail there too.
TRUNK_FAILOVER_CODES = frozenset({408, 500, 502, 503, 504})
# Working ways that never place outbound calls (the store's, or the ACD's "way" in effect).
DIAL_IN_ONLY = "dial_in"


def credentials_to_check(directory: Directory, auth_username: str) -> AuthDecision:
    """Step 1 of digest auth: which HA1 to check the credentials against."""
    if not auth_username:
        return Challenge()
    account = directory.account(auth_username)
    if account is None:
        return Reply(403, "Forbidden")
    return (auth_username, account[2])


# Return codes of Kamailio's auth check functions (auth module, api.h).
AUTH_OK = 1
_AUTH_STALE = (-4, -6)  # nonce expired / reused: the phone just needs a fresh nonce
_AUTH_NO_CREDENTIALS = -5
_AUTH_USER_MISMATCH = -8


def after_auth_check(
    rc: int, directory: Directory, auth_username: str
) -> Challenge | Reply | Authenticated:
    """Step 2: turn the auth module's verdict into a decision."""
    if rc >= AUTH_OK:
        account = directory.account(auth_username)
        if account is None:  # removed between the two steps: treat as unknown
            return Reply(403, "Forbidden")
        return Authenticated(account[0], account[1])
    if rc in _AUTH_STALE or rc == _AUTH_NO_CREDENTIALS:
        return Challenge()
    if rc == _AUTH_USER_MISMATCH:
        return Reply(403, "Identity Mismatch")
    return Reply(403, "Forbidden")


def route_from_phone(
    directory: Directory,
    caller_team: str,
    dialed: str,
    caller: str = "",
    failovers: Failovers = NO_FAILOVERS,
) -> Decision:
    """An authenticated phone of ``caller_team`` (SIP username ``caller``) dialed ``dialed``.

    Short numbers resolve only inside the caller's team; an external number that is one
    of the team's own DIDs is routed like an inbound call to it; any other goes out
    through the caller's user group's trunks, else the team's -- unless the caller's
    extension is fixed to a dial-in-only agent.
    """
    kind, target = directory.dial(caller_team, dialed)
    if kind == "extension":
        return CallExtension(target)
    if kind == "phone":
        return _phone_line(directory, caller_team, dialed, target)
    if kind == "agent_group":
        return CallQueue(caller_team, target)
    if kind == "ring_group":
        return _ring_group(directory, caller_team, target, failovers)
    if kind == "external":
        destination = directory.did(target)
        if destination is not None and destination[0] == caller_team:
            return _to_destination(directory, destination, failovers, target)
        agent = directory.fixed_agent(caller) if caller else None
        if agent is not None and agent[1] == DIAL_IN_ONLY:
            return DIAL_IN_AGENT
        return _outbound(directory, caller_team, target, caller)
    if kind == "feature":
        if target in CALL_CONTROL_FEATURES:
            return CallFeature(caller_team, target)
        return Reply(404, "Feature Code Not Available")
    return NOT_FOUND


def route_from_trunk(
    directory: Directory, trunk_team: str, dialed: str, failovers: Failovers = NO_FAILOVERS
) -> Decision:
    """A carrier of ``trunk_team`` sent a call for ``dialed`` (a DID)."""
    destination = directory.did(dialed)
    if destination is None or destination[0] != trunk_team:
        return Reply(404, "DID Not Found")
    return _to_destination(directory, destination, failovers, normalize_e164(dialed) or dialed)


def _to_destination(
    directory: Directory,
    destination: tuple[str, str, str],
    failovers: Failovers,
    did: str,
    queue: bool = True,
) -> Decision:
    """DID ``did``'s destination ``(team, kind, target)``, with the DID's failover."""
    team, kind, target = destination
    failover_kind, failover_ref = failovers.of_did(did)
    failover = Failover(team, failover_kind, failover_ref, (), did, queue)
    if kind == "extension":
        return CallExtension(target, replace(failover, tried=(_key(kind, target),)))
    if kind == "agent_group":
        return CallQueue(team, target)
    if kind == "ring_group":
        return _ring_group(directory, team, target, failovers, failover)
    if kind == "external":
        forward = _forward(directory, team, target, did)
        if isinstance(forward, CallTrunks) and failover_kind != "hangup":
            return replace(forward, failover=replace(failover, tried=(_key(kind, target),)))
        return forward
    if kind == "hangup":
        return HANGUP
    return NOT_FOUND


def _phone_line(directory: Directory, team: str, extension: str, number: str) -> Decision:
    """An extension that is a phone number (a remote agent's mobile): out through the
    trunk route of the extension's owner (its user group's, keyed like a SIP user
    ``<team>-<extension>``), else the team's."""
    return _outbound(directory, team, number, f"{team}-{extension}")


def _key(kind: str, target: str) -> str:
    """A destination as ``Failover.tried`` names it (extensions by SIP username)."""
    return f"{kind}:{target}"


def _ring_group(
    directory: Directory,
    team: str,
    number: str,
    failovers: Failovers = NO_FAILOVERS,
    outer: Failover | None = None,
) -> Decision:
    """Ring group ``number``; its failover is its own, else the ``outer`` one (the DID's,
    or the end of a failover chain that reached it)."""
    group = directory.ring_group(team, number)
    if group is None:
        return NOT_FOUND
    strategy, timeout_s, members = group
    key = _key("ring_group", number)
    own = failovers.of_ring_group(team, number)
    failover: Failover | None = None
    if outer is not None:
        kind, ref = own if own != NO_FAILOVER else (outer.kind, outer.ref)
        tried = outer.tried if key in outer.tried else (*outer.tried, key)
        failover = Failover(team, kind, ref, tried, outer.did, outer.queue)
    elif own != NO_FAILOVER:
        failover = Failover(team, own[0], own[1], (key,))
    if failover is not None and failover.kind == "hangup":
        failover = None  # nothing to follow: the members' answer stands
    return CallRingGroup(team, number, strategy, timeout_s, tuple(members), failover)


def _forward(directory: Directory, team: str, number: str, did: str) -> Decision:
    """An inbound call forwarded out through the team's trunks (the trunk's rules): the
    trunk's caller ID if it has one, else the caller's own From; ``did`` goes in Diversion."""
    decision = _outbound(directory, team, number)
    if isinstance(decision, CallTrunks) and did:
        return replace(decision, diverted_from=did)
    return decision


def follow(directory: Directory, failovers: Failovers, failover: Failover) -> Decision | None:
    """What a call does next when its destination failed: the failover's destination
    (an extension rings with no failover of its own; a ring group with its own, if any),
    or None when there is nothing to follow -- ``hangup``, a destination the call already
    went to (a loop), a chain past ``MAX_DESTINATIONS``, a queue for call control's own
    call, or a destination gone or unreachable: then the last destination's answer stands."""
    team, kind, ref = failover.team, failover.kind, failover.ref
    if kind == "hangup" or (kind == "agent_group" and not failover.queue):
        return None
    target = f"{team}-{ref}" if kind == "extension" else ref
    key = _key(kind, target)
    if key in failover.tried or len(failover.tried) >= MAX_DESTINATIONS:
        return None
    then = Failover(team, "hangup", "", (*failover.tried, key), failover.did, failover.queue)
    decision: Decision
    if kind == "extension":
        if directory.account(target) is None:  # a plain phone number, or removed
            return None
        return CallExtension(target, then)
    if kind == "ring_group":
        decision = _ring_group(directory, team, ref, failovers, then)
    elif kind == "agent_group":
        decision = CallQueue(team, ref)
    elif kind == "external":
        decision = _forward(directory, team, ref, failover.did)
    else:
        return None
    return None if isinstance(decision, Reply) else decision


def follows_failover(status: int) -> bool:
    """Whether a destination's final answer means: follow its failover."""
    return status in FAILOVER_CODES


def _outbound(directory: Directory, team: str, number: str, caller: str = "") -> Decision:
    """Out through the caller's user group's route, else the team's default."""
    route = (directory.outbound(caller) if caller else None) or directory.outbound(team)
    if route is None or not route[2]:
        return NO_OUTBOUND_ROUTE
    key, trunk_policy, trunks = route
    targets = tuple(
        TrunkTarget(
            name,
            f"sip:{_carrier_number(number, strip, prefix)}@{_hostport(host, port)}",
            caller_id,
            max_calls,
        )
        for name, host, port, caller_id, strip, prefix, max_calls in trunks
    )
    return CallTrunks(team, number, targets, key if trunk_policy == "round_robin" else "")


def _carrier_number(number: str, strip_digits: int, add_prefix: str) -> str:
    """The trunk's rewrite of ``+<digits>``: drop the first ``strip_digits`` characters
    (so 1 drops the "+"), then put ``add_prefix`` in front."""
    return add_prefix + number[max(strip_digits, 0) :]


def _hostport(host: str, port: int) -> str:
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"  # an IPv6 address in a SIP URI
    return host if port in (0, 5060) else f"{host}:{port}"


def rotated(items: tuple[T, ...], turn: int) -> tuple[T, ...]:
    """``items`` starting at position ``turn`` (modulo), the rest following in order:
    round robin's start moves on every call, and failover still reaches everyone."""
    if not items:
        return items
    start = turn % len(items)
    return items[start:] + items[:start]


def trunk_fails_over(status: int) -> bool:
    """Whether a carrier's final answer means: try the next trunk."""
    return status in TRUNK_FAILOVER_CODES


def way_is_live(store_way: str) -> bool:
    """A self-selecting agent switches between dial-in and dial-out: its way in effect is
    its live state's, not the store's."""
    return store_way == "self_selection"


def outbound_refusal(live_way: str) -> Reply | None:
    """For an extension bound (in Redis, by call control) to a self-adapting or dynamic
    agent: the agent's working way in effect decides whether it may call out."""
    return DIAL_IN_AGENT if live_way == DIAL_IN_ONLY else None


def route_from_call_control(
    directory: Directory, dialed: str, failovers: Failovers = NO_FAILOVERS
) -> Decision:
    """Call control dials ``<team>-<X>``: an extension by its SIP username (``demo-5001``,
    an agent's leg), or anything a phone of the team could dial but feature codes and
    agent groups (no loops back into call control): a ring group (``demo-600``), an
    external number out through the team's trunks (``demo-+15557770000``) or one of the
    team's own DIDs leading to an extension or ring group. Failovers are followed, but
    never into an agent group (call control has its own overflow)."""
    if directory.account(dialed) is not None:
        return CallExtension(dialed)
    team, dash, number = dialed.partition("-")  # team slugs never contain "-"
    if not dash or not team:
        return NOT_FOUND
    kind, target = directory.dial(team, number)
    if kind == "extension":
        return CallExtension(target)
    if kind == "phone":  # an agent at a phone-number extension: a remote agent
        return _phone_line(directory, team, number, target)
    if kind == "ring_group":
        own = Failover(team, *NO_FAILOVER, queue=False)
        return _ring_group(directory, team, target, failovers, own)
    if kind in ("agent_group", "feature"):
        return NOT_FROM_CALL_CONTROL
    if kind == "external":
        destination = directory.did(target)
        if destination is not None and destination[0] == team:
            if destination[1] == "agent_group":
                return NOT_FROM_CALL_CONTROL
            return _to_destination(directory, destination, failovers, target, queue=False)
        return _outbound(directory, team, target)
    return NOT_FOUND
