"""KEMI glue for ring groups and DID destinations, and the failover of both: a ring group
forks or rings in order; a DID's extension rings ``EXTENSION_RING_TIMEOUT_S``; a DID's
external number is forwarded through the team's trunks; a destination that has nobody
registered, is busy or does not answer hands the call to its failover (``routing.policy.
follow``), in the request route or in these tm failure routes. ``routing.adapters.ksr``
decides, ``routing.adapters.relay`` has the relays (extension, trunks) and busy marks.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from routing import policy
from routing.adapters.relay import (
    ALL_TRUNKS_BUSY,
    DIRECT_USERS_VAR,
    NEXT_MEMBERS,
    NEXT_TRUNKS,
    RINGING,
    ROTATIONS,
    SDP_REFUSED_AVP,
    _contact_uri,
    _next_with_room,
    _proxy_setup,
    _relay,
    _use_trunk,
    branch_trunk,
    call_extension,
    call_trunks,
    failure_release_media,
    media_accepted,
    note_caller,
    onreply_media,
    swap_direct,
)
from routing.trunks import TrunkBook

# Call control: its dispatcher set and how a process is picked (4: round robin); the header
# saying which queue a call is for (only the edge sets it).
CALL_CONTROL_SET, CALL_CONTROL_ALG = 1, 4
QUEUE_HEADER = "X-Switchboard-Queue"
# A destination's failover (routing.policy.Failover, encoded) while it rings; what the next
# branch is (its branch route): "media" (offer to rtpengine), "trunk" (that, and the trunk's
# caller ID) or "queue" (call control's); the queue ("<team>/<group>"); a Diversion header
# for a trunk leg of a DID's call. A dialog variable marks a dialog call control took over
# by a failover (its media is call control's, like CALL_CONTROL_RR_PARAM's dialogs).
FAILOVER, LEG, QUEUE_TARGET, DIVERSION = "$avp(sbfo)", "$avp(sbleg)", "$avp(sbq)", "$avp(sbdiv)"
CALL_CONTROL_DIALOG_VAR = "$dlg_var(sbcc)"
BRANCH_DESTINATION = "ksr_branch_destination"
# How long an extension a DID (or a failover) rings before its failover (kamailio/defs.cfg).
EXTENSION_RING_TIMEOUT = "$defn(EXTENSION_RING_TIMEOUT_S)"
DEFAULT_EXTENSION_RING_TIMEOUT_S = 20

# --- ring groups ---------------------------------------------------------------------------


def _ring_members(
    k: Any, decision: policy.CallRingGroup, direct_users: tuple[str, ...]
) -> tuple[list[str], list[str]] | None:
    """Point the request at the members to ring now (``$ru``, and the destination set of
    a forked group) and return them with the ones left for later; None when nobody is
    registered. Members without a registration are skipped, and so is the caller (a
    member calling its own group)."""
    members = tuple(m for m in decision.members if m not in direct_users)
    if decision.rotation:
        turn = k.htable.sht_inc(ROTATIONS, decision.rotation)
        members = policy.rotated(members, max(turn, 1) - 1)
    registered = [
        m for m in members if k.registrar.registered_uri("location", _contact_uri(k, m)) > 0
    ]
    while registered:  # one may have expired since the check: the next one
        k.pv.sets("$ru", _contact_uri(k, registered[0]))
        if k.registrar.lookup("location") > 0:
            break
        registered = registered[1:]
    if not registered:
        return None
    ringing = registered[:1]
    if decision.strategy != "ring_all":
        return ringing, registered[1:]
    for member in registered[1:]:  # forked: the first to answer wins, tm cancels the rest
        if k.registrar.lookup_to_dset("location", _contact_uri(k, member)) > 0:
            ringing.append(member)
    return ringing, []


def call_ring_group(k: Any, decision: policy.CallRingGroup, direct_users: tuple[str, ...]) -> int:
    """Ring all registered members at once, or one after the other (``ring_timeout_s``
    each); none registered is a 480 (``routing.adapters.ksr`` followed the group's
    failover first, if it has one)."""
    found = _ring_members(k, decision, direct_users)
    if found is None:
        return _no_member(k)
    ringing, rest = found
    k.pv.sets(NEXT_MEMBERS, json.dumps(rest))
    timeout_ms = max(decision.ring_timeout_s, 1) * 1000
    return _ring(k, ringing, timeout_ms, direct_users, decision.failover)


def _ring(
    k: Any,
    ringing: list[str],
    timeout_ms: int,
    direct_users: tuple[str, ...],
    failover: policy.Failover | None = None,
) -> int:
    """Relay to the ``ringing`` members: they are busy while they ring, like the caller."""
    k.pv.sets(RINGING, json.dumps(ringing))
    k.pv.sets("$avp(sbringms)", str(timeout_ms))
    if not (_proxy_setup(k) if failover is None else _proxy_setup_per_branch(k, failover)):
        return 1
    k.tm.t_on_reply("ksr_onreply_ring_group")
    k.tm.t_set_fr(timeout_ms, timeout_ms)
    k.tm.t_on_failure("ksr_failure_ring_group")
    return _relay(k, (*direct_users, *ringing))


def onreply_ring_group(k: Any) -> int:
    """Media as for any call; once a member answers, the others of a forked group are
    no longer ringing: their marks go, the answering member's stay (found by the user
    of its Contact, the SIP username phones register with; unknown: all go)."""
    onreply_media(k)
    status = k.pv.get("$rs")
    ringing = json.loads(str(k.pv.get(RINGING) or "[]"))
    if len(ringing) > 1 and str(status).startswith("2"):
        answered = str(k.pv.get("$(ct{nameaddr.uri}{uri.user})") or "")
        swap_direct(k, tuple(m for m in ringing if m != answered), ())
        k.pv.sets(RINGING, json.dumps([m for m in ringing if m == answered]))
    return 1


def _no_member(k: Any) -> int:
    k.sl.sl_send_reply(policy.NO_MEMBER_REGISTERED.code, policy.NO_MEMBER_REGISTERED.reason)
    return 1


def failure_ring_group(k: Any, follow: Follow | None = None) -> int:
    """A member did not answer (declined, busy, ring timeout): ring the next registered one;
    when none is left (a ring-all group at once), the group's failover, if it has one;
    a cancelled call is over."""
    if k.tm.t_is_canceled() > 0:
        return failure_release_media(k)
    rest = json.loads(str(k.pv.get(NEXT_MEMBERS) or "[]"))
    timeout_ms = int(str(k.pv.get("$avp(sbringms)") or "30000"))
    ringing = tuple(json.loads(str(k.pv.get(RINGING) or "[]")))
    per_branch = bool(k.pv.get(LEG))  # media offered per branch: so for the next one too
    while rest:
        member, rest = rest[0], rest[1:]
        k.pv.sets("$ru", _contact_uri(k, member))
        if k.registrar.lookup("location") < 0:
            continue  # unregistered since the call began: skipped
        k.info(f"ring group: {k.pv.get('$T_reply_code')}; ringing {member}\n")
        swap_direct(k, ringing, (member,))  # the busy mark follows the ringing phone
        ringing = (member,)
        k.pv.sets(RINGING, json.dumps(ringing))
        k.pv.sets(NEXT_MEMBERS, json.dumps(rest))
        k.tm.t_set_fr(timeout_ms, timeout_ms)
        k.tm.t_on_reply("ksr_onreply_ring_group")
        k.tm.t_on_failure("ksr_failure_ring_group")
        if per_branch:
            _arm_branch(k, "media")
        if k.tm.t_relay() > 0:
            return 1
    if follow is not None and per_branch:
        return fail_over(k, follow)
    return failure_release_media(k)


# --- a destination's failover --------------------------------------------------------------
#
# A DID's destination, and a ring group with a failover, offer the call's SDP to rtpengine
# per branch (a branch route), not once for the transaction: a failover to an agent group
# hands call control the caller's own SDP (call control anchors that call's media itself,
# under the same Call-ID), which a request-wide rewrite would have replaced for good.


def _proxy_setup_per_branch(k: Any, failover: policy.Failover) -> bool:
    """``_proxy_setup`` for a relay that may fail over: media per branch, the failover kept
    for the failure route."""
    k.rr.record_route()
    k.dialog.dlg_manage()
    note_caller(k)
    k.tm.t_on_reply("ksr_onreply_media")
    k.pv.sets(FAILOVER, failover.encode())
    _arm_branch(k, "media")
    return True


def _arm_branch(k: Any, leg: str) -> None:
    k.pv.sets(LEG, leg)
    k.tm.t_on_branch(BRANCH_DESTINATION)


def branch_destination(k: Any, book: TrunkBook | None = None) -> int:
    """Branch route of relays that may fail over: a phone's or a carrier's branch gets its
    SDP offered to rtpengine (a trunk's with the trunk's codecs and caller ID, from
    ``relay.branch_trunk``, and a DID's Diversion), call control's gets the queue header
    and the caller's own SDP. An SDP rtpengine refuses drops the branch (the relay then
    answers 488)."""
    leg = str(k.pv.get(LEG) or "")
    if leg == "queue":
        for name in (QUEUE_HEADER, "X-Switchboard-Feature", "X-Switchboard-Caller"):
            k.hdr.remove(name)  # only the edge says what a call is for
        k.hdr.append(f"{QUEUE_HEADER}: {k.pv.get(QUEUE_TARGET)}\r\n")
        return 1
    if leg == "trunk":
        branch_trunk(k, book)  # its media offer (the trunk's codecs), or the branch dropped
        diversion = str(k.pv.get(DIVERSION) or "")
        if diversion:
            k.hdr.insert(f"Diversion: {diversion}\r\n")
        return 1
    if not media_accepted(k):
        k.warn(f"SDP refused by rtpengine, Call-ID {k.pv.get('$ci')}: branch dropped\n")
        k.pv.sets(SDP_REFUSED_AVP, "1")
        k.set_drop()
    return 1


def extension_ring_timeout_ms(k: Any) -> int:
    configured = k.pv.get(EXTENSION_RING_TIMEOUT)
    seconds = configured if isinstance(configured, int) and configured > 0 else 0
    return (seconds or DEFAULT_EXTENSION_RING_TIMEOUT_S) * 1000


def call_destination_extension(
    k: Any, decision: policy.CallExtension, direct_users: tuple[str, ...] | None
) -> int:
    """A DID's extension (or one a failover reached, from ``routing.adapters.ksr``): it
    rings ``EXTENSION_RING_TIMEOUT_S``; no answer, busy or declined: its failover.
    ``direct_users`` None: call control's own leg, which marks no one busy."""
    k.pv.sets("$ru", _contact_uri(k, decision.username))
    users = () if direct_users is None else (*direct_users, decision.username)
    if decision.failover is None:
        return call_extension(k, decision.username, users)
    if k.registrar.lookup("location") < 0:  # expired since the failover check
        return _no_member(k)
    _proxy_setup_per_branch(k, decision.failover)
    _arm_extension(k, decision.username, decision.failover)
    return _relay(k, users)


def _arm_extension(k: Any, username: str, failover: policy.Failover) -> None:
    k.pv.sets(RINGING, json.dumps([username]))
    timeout_ms = extension_ring_timeout_ms(k)
    k.tm.t_set_fr(timeout_ms, timeout_ms)
    k.tm.t_on_failure("ksr_failure_destination")
    k.info(f"extension {username} rings up to {timeout_ms // 1000} s, then failover "
           f"{failover.kind} {failover.ref!r}\n")  # fmt: skip


def forward_out(k: Any, decision: policy.CallTrunks, direct_users: tuple[str, ...]) -> int:
    """A DID's call forwarded to its external number: out through the team's trunks like
    an outbound call, with a Diversion naming the DID (the number the call was for), so a
    carrier accepts the caller's own number in From when the trunk sets no caller ID.
    With a failover (the DID's), media per branch and the failover after the trunks."""
    diversion = _diversion(k, decision.diverted_from, "unconditional")
    if decision.failover is None:
        k.hdr.insert(f"Diversion: {diversion}\r\n")
        return call_trunks(k, decision, direct_users)
    first, rest = _first_trunk(k, decision)
    if first is None:
        k.sl.sl_send_reply(*ALL_TRUNKS_BUSY)
        return 1
    k.info(f"forwarded {decision.number} of {decision.team} via trunk {first[0]}\n")
    _proxy_setup_per_branch(k, decision.failover)
    _arm_trunk(k, decision, first, rest, diversion)
    return _relay(k, direct_users)


def _first_trunk(k: Any, decision: policy.CallTrunks) -> tuple[list[Any] | None, list[Any]]:
    """The first trunk with room (``call_trunks``' rules) and the ones after it."""
    targets = decision.targets
    if decision.rotation:
        turn = k.htable.sht_inc(ROTATIONS, decision.rotation)
        targets = policy.rotated(targets, max(turn, 1) - 1)
    tries = [[t.trunk, t.uri, t.caller_id, f"{decision.team}/{t.trunk}", t.max_calls]
             for t in targets]  # fmt: skip
    return _next_with_room(k, tries)


def _arm_trunk(
    k: Any, decision: policy.CallTrunks, trunk: list[Any], rest: list[Any], diversion: str
) -> None:
    """Point the request at ``trunk`` (its call count in the dialog), arm its branch (media,
    caller ID, Diversion) and the failure route: the other trunks, then the failover."""
    k.pv.sets("$ru", trunk[1])
    _use_trunk(k, trunk, rest)
    k.tm.t_on_failure("ksr_failure_destination_trunk")
    k.pv.sets(DIVERSION, diversion if decision.diverted_from else "")
    k.pv.sets(FAILOVER, decision.failover.encode() if decision.failover else "")
    _arm_branch(k, "trunk")


def _diversion(k: Any, did: str, reason: str) -> str:
    return f"<sip:{did}@{k.pv.get('$Ri')}>;reason={reason}"


def _diversion_reason(status: int) -> str:
    """RFC 5806's reason for a failover after ``status``."""
    if status in (486, 600, 603):
        return "user-busy"
    return "no-answer" if status == 408 else "unavailable"


Follow = Callable[[policy.Failover], policy.Decision | None]


def reachable(
    k: Any, decision: policy.Decision, follow: Follow, direct_users: tuple[str, ...] = ()
) -> policy.Decision:
    """An extension or ring group with a failover and nobody registered: the failover's
    destination instead (and so on; ``policy.follow`` ends every chain). With nothing to
    follow, the destination itself (which answers 480)."""
    while (
        isinstance(decision, policy.CallExtension | policy.CallRingGroup)
        and decision.failover is not None
        and not _anyone_registered(k, decision, direct_users)
    ):
        then = follow(decision.failover)
        k.info(f"{_named(decision)} has nobody registered: failover "
               f"{decision.failover.kind} {decision.failover.ref!r} -> {_named(then)}\n")  # fmt: skip
        if then is None:
            return decision
        decision = then
    return decision


def _anyone_registered(
    k: Any, decision: policy.CallExtension | policy.CallRingGroup, direct_users: tuple[str, ...]
) -> bool:
    if isinstance(decision, policy.CallExtension):
        users: tuple[str, ...] = (decision.username,)
    else:
        users = tuple(m for m in decision.members if m not in direct_users)
    return any(k.registrar.registered_uri("location", _contact_uri(k, u)) > 0 for u in users)


def _named(decision: policy.Decision | None) -> str:
    if isinstance(decision, policy.CallExtension):
        return f"extension {decision.username}"
    if isinstance(decision, policy.CallRingGroup):
        return f"ring group {decision.team}/{decision.number}"
    if isinstance(decision, policy.CallQueue):
        return f"agent group {decision.team}/{decision.group}"
    if isinstance(decision, policy.CallTrunks):
        return f"external {decision.number}"
    return "nothing (the answer stands)" if decision is None else f"{decision}"


def failure_destination(k: Any, follow: Follow) -> int:
    """Failure route of a DID's extension (or a failover's): its failover, if the answer
    calls for one; a cancelled call is over."""
    if k.tm.t_is_canceled() > 0:
        return failure_release_media(k)
    return fail_over(k, follow)


def fail_over(k: Any, follow: Follow) -> int:
    """The destination failed (``$T_reply_code``): follow its failover on a ring timeout,
    busy or unavailable answer; else, or with nothing left to follow, the answer stands
    (a ring timeout is answered 480 No Answer rather than tm's 408)."""
    status = k.pv.get("$T_reply_code")
    text = str(k.pv.get(FAILOVER) or "")
    if not text or not isinstance(status, int) or not policy.follows_failover(status):
        return failure_release_media(k)
    failover = policy.Failover.decode(text)
    ringing = tuple(json.loads(str(k.pv.get(RINGING) or "[]")))
    callers = tuple(u for u in str(k.pv.get(DIRECT_USERS_VAR) or "").split(",")
                    if u and u not in ringing)  # fmt: skip
    then = follow(failover)
    if then is not None:
        then = reachable(k, then, follow, callers)
    k.info(f"destination answered {status}: failover {failover.kind} {failover.ref!r} "
           f"-> {_named(then)}\n")  # fmt: skip
    if then is not None and _relay_failover(k, then, status, failover, ringing, callers):
        return 1
    failure_release_media(k)
    if status == 408 and k.tm.t_branch_timeout() > 0:
        k.tm.t_reply(policy.NO_ANSWER.code, policy.NO_ANSWER.reason)
    return 1


def _relay_failover(
    k: Any,
    decision: policy.Decision,
    status: int,
    failover: policy.Failover,
    ringing: tuple[str, ...],
    callers: tuple[str, ...],
) -> bool:
    """Relay the transaction's next branch to ``decision`` (in the failure route: record-
    route and dialog are already the call's). False when it could not be relayed."""
    if isinstance(decision, policy.CallExtension) and decision.failover is not None:
        k.pv.sets("$ru", _contact_uri(k, decision.username))
        if k.registrar.lookup("location") < 0:
            return False
        swap_direct(k, ringing, (decision.username,))
        k.pv.sets(FAILOVER, decision.failover.encode())
        _arm_extension(k, decision.username, decision.failover)
        k.tm.t_on_reply("ksr_onreply_media")
        _arm_branch(k, "media")
    elif isinstance(decision, policy.CallRingGroup):
        found = _ring_members(k, decision, callers)
        if found is None:
            return False
        members, rest = found
        swap_direct(k, ringing, tuple(members))
        k.pv.sets(RINGING, json.dumps(members))
        k.pv.sets(NEXT_MEMBERS, json.dumps(rest))
        k.pv.sets(FAILOVER, decision.failover.encode() if decision.failover else "")
        timeout_ms = max(decision.ring_timeout_s, 1) * 1000
        k.pv.sets("$avp(sbringms)", str(timeout_ms))
        k.tm.t_set_fr(timeout_ms, timeout_ms)
        k.tm.t_on_reply("ksr_onreply_ring_group")
        k.tm.t_on_failure("ksr_failure_ring_group")
        _arm_branch(k, "media")
    elif isinstance(decision, policy.CallTrunks):
        first, rest_trunks = _first_trunk(k, decision)
        if first is None:
            return False
        swap_direct(k, ringing, ())
        k.pv.sets(RINGING, "[]")
        k.tm.t_on_reply("ksr_onreply_media")
        diversion = _diversion(k, decision.diverted_from, _diversion_reason(status))
        _arm_trunk(k, decision, first, rest_trunks, diversion)
    elif isinstance(decision, policy.CallQueue):
        if k.dispatcher.ds_select_dst(CALL_CONTROL_SET, CALL_CONTROL_ALG) < 0:
            return False
        k.rtpengine.rtpengine_delete("")  # call control anchors this call's media itself
        k.pv.sets("$ru", str(k.pv.get("$ou") or ""))  # the number dialed, not a phone's contact
        swap_direct(k, ringing, ())  # call control tracks its own legs
        k.pv.sets(RINGING, "[]")
        k.pv.sets(CALL_CONTROL_DIALOG_VAR, "1")
        k.pv.sets(QUEUE_TARGET, f"{decision.team}/{decision.group}")
        k.tm.t_set_fr(0, 2000)  # no 100 Trying in 2 s: the next call-control process
        k.tm.t_on_reply("ksr_onreply_party")
        k.tm.t_on_failure("ksr_failure_call_control")
        _arm_branch(k, "queue")
    else:
        return False
    return bool(k.tm.t_relay() > 0)


def failure_destination_trunk(k: Any, follow: Follow | None = None) -> int:
    """A carrier of a forwarded call (a DID's external destination, or a failover's)
    failed: the next trunk if it could not take the call (as ``failure_trunk``, with media
    offered per branch); else, or with no trunk left, the failover if the far end was
    busy or did not answer."""
    if k.tm.t_is_canceled() > 0:
        return failure_release_media(k)
    status = k.pv.get("$T_reply_code")
    trunk = None
    if isinstance(status, int) and policy.trunk_fails_over(status):
        trunk, rest = _next_with_room(k, json.loads(str(k.pv.get(NEXT_TRUNKS) or "[]")))
    if trunk is None:
        return fail_over(k, follow) if follow is not None else failure_release_media(k)
    k.info(f"trunk answered {status}; trying trunk {trunk[0]}\n")
    k.pv.sets("$ru", trunk[1])
    k.tm.t_on_reply("ksr_onreply_media")
    _use_trunk(k, trunk, rest)
    k.tm.t_on_failure("ksr_failure_destination_trunk")
    _arm_branch(k, "trunk")
    if k.tm.t_relay() < 0:
        return failure_release_media(k)
    return 1


def call_control_dialog(k: Any) -> bool:
    """An in-dialog request of a call a failover handed to call control (its media)."""
    return str(k.pv.get(CALL_CONTROL_DIALOG_VAR) or "") == "1"
