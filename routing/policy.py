"""Pure routing decisions: what to do with a request, given the directory.

No I/O and no ``KSR`` here; ``routing.adapters.ksr`` carries the decisions out.
Expected outcomes are values, not exceptions.
"""

from __future__ import annotations

from dataclasses import dataclass

from routing.directory import Directory


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


Decision = Reply | CallExtension | CallQueue | CallFeature
AuthDecision = Challenge | Reply | tuple[str, str]  # (username, ha1) to check

NOT_FOUND = Reply(404, "Not Found")
CALL_CONTROL_FEATURES = frozenset({"*64"})  # agent sign-in: agent number #, password #


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


def route_from_phone(directory: Directory, caller_team: str, dialed: str) -> Decision:
    """An authenticated phone of ``caller_team`` dialed ``dialed``.

    Short numbers resolve only inside the caller's team; an external number that
    is one of the team's own DIDs is routed like an inbound call to it.
    """
    kind, target = directory.dial(caller_team, dialed)
    if kind == "extension":
        return CallExtension(target)
    if kind == "agent_group":
        return CallQueue(caller_team, target)
    if kind == "external":
        destination = directory.did(target)
        if destination is not None and destination[0] == caller_team:
            return _to_destination(destination[0], destination[1], destination[2])
        return Reply(403, "No Outbound Route")
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
    return _to_destination(destination[0], destination[1], destination[2])


def _to_destination(team: str, kind: str, target: str) -> Decision:
    if kind == "extension":
        return CallExtension(target)
    if kind == "agent_group":
        return CallQueue(team, target)
    return NOT_FOUND


def route_from_call_control(directory: Directory, dialed: str) -> Decision:
    """Call control dials an agent's extension by its SIP username (``demo-5001``)."""
    if directory.account(dialed) is None:
        return NOT_FOUND
    return CallExtension(dialed)
