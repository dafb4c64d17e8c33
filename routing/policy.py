"""Pure routing decisions: what to do with a request, given the directory.

No I/O and no ``KSR`` here; ``routing.adapters.ksr`` carries the decisions out.
Expected outcomes are values, not exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TypeVar

from routing.directory import Directory

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
class CallExtension:
    """Relay to the registered contacts of a SIP user, with media through rtpengine."""

    username: str


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
    directory: Directory, caller_team: str, dialed: str, caller: str = ""
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
        return _ring_group(directory, caller_team, target)
    if kind == "external":
        destination = directory.did(target)
        if destination is not None and destination[0] == caller_team:
            return _to_destination(directory, destination[0], destination[1], destination[2])
        agent = directory.fixed_agent(caller) if caller else None
        if agent is not None and agent[1] == DIAL_IN_ONLY:
            return DIAL_IN_AGENT
        return _outbound(directory, caller_team, target, caller)
    if kind == "feature":
        if target in CALL_CONTROL_FEATURES:
            return CallFeature(caller_team, target)
        return Reply(404, "Feature Code Not Available")
    return NOT_FOUND


def route_from_trunk(directory: Directory, trunk_team: str, dialed: str) -> Decision:
    """A carrier of ``trunk_team`` sent a call for ``dialed`` (a DID)."""
    destination = directory.did(dialed)
    if destination is None or destination[0] != trunk_team:
        return Reply(404, "DID Not Found")
    return _to_destination(directory, destination[0], destination[1], destination[2])


def _to_destination(directory: Directory, team: str, kind: str, target: str) -> Decision:
    if kind == "extension":
        return CallExtension(target)
    if kind == "agent_group":
        return CallQueue(team, target)
    if kind == "ring_group":
        return _ring_group(directory, team, target)
    return NOT_FOUND


def _phone_line(directory: Directory, team: str, extension: str, number: str) -> Decision:
    """An extension that is a phone number (a remote agent's mobile): out through the
    trunk route of the extension's owner (its user group's, keyed like a SIP user
    ``<team>-<extension>``), else the team's."""
    return _outbound(directory, team, number, f"{team}-{extension}")


def _ring_group(directory: Directory, team: str, number: str) -> Decision:
    group = directory.ring_group(team, number)
    if group is None:
        return NOT_FOUND
    strategy, timeout_s, members = group
    return CallRingGroup(team, number, strategy, timeout_s, tuple(members))


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


def route_from_call_control(directory: Directory, dialed: str) -> Decision:
    """Call control dials ``<team>-<X>``: an extension by its SIP username (``demo-5001``,
    an agent's leg), or anything a phone of the team could dial but feature codes and
    agent groups (no loops back into call control): a ring group (``demo-600``), an
    external number out through the team's trunks (``demo-+15557770000``) or one of the
    team's own DIDs leading to an extension or ring group."""
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
        return _ring_group(directory, team, target)
    if kind in ("agent_group", "feature"):
        return NOT_FROM_CALL_CONTROL
    if kind == "external":
        destination = directory.did(target)
        if destination is not None and destination[0] == team:
            if destination[1] == "agent_group":
                return NOT_FROM_CALL_CONTROL
            return _to_destination(directory, destination[0], destination[1], destination[2])
        return _outbound(directory, team, target)
    return NOT_FOUND
