"""KEMI glue for the proxy's relays: an extension, carrier trunks (failover), and the
direct-call busy marks they set; ring groups and DID destinations with their failovers
are ``routing.adapters.destinations``. ``routing.adapters.ksr`` decides which, through
``routing.policy``; the functions here only carry it out on ``k`` (the ``KSR`` object)
and are the tm failure routes' bodies.

Busy marks (``routing.sipstate``): a direct call counts its SIP users busy in shared
memory from the moment its INVITE is relayed -- a ringing phone must not be offered a
queue call -- until the dialog fails or ends. The dialog variable ``sbm`` says the marks
are held, so they are released exactly once (dialog events, or a relay that failed).
"""

from __future__ import annotations

import json
from typing import Any

from routing import guard, policy, trunks
from routing.trunks import TrunkBook

RTPENGINE_FLAGS = "replace-origin replace-session-connection"
# Shared-memory tables (kamailio.cfg): per user, live direct calls and the latest Call-ID;
# round-robin counters of trunk groups and ring groups.
BUSY_COUNTS, BUSY_CALLS, ROTATIONS = "sbbusy", "sbdlg", "sbrr"
# Dialog variables: the SIP users a direct call makes busy; "1" while their marks are held.
DIRECT_USERS_VAR, MARKED_VAR = "$dlg_var(sbu)", "$dlg_var(sbm)"
# What is left to try after a failure (transaction AVPs, JSON): trunks, ring group members;
# the members ringing now (JSON), whose busy marks move as the group rings on.
NEXT_TRUNKS, NEXT_MEMBERS, RINGING = "$avp(sbtrunks)", "$avp(sbmembers)", "$avp(sbringing)"
# Where each side of a dialog sends from (routing.guard.Party, joined by "|"): the caller's
# from its INVITE, the callee's from its 2xx; in-dialog requests must come from one. Kept
# in shared memory by Call-ID until shortly after the dialog fails or ends.
PARTIES = "sbparty"
# The caller ID the trunk being tried presents ("" keeps From), for its branch route.
CALLER_ID = "$avp(sbcid)"
# Dialog profile counting each trunk's outbound calls ("<team>/<trunk>"), for call limits;
# the trunk this call counts against now.
TRUNK_PROFILE, TRUNK_USED = "sbtrunk", "$avp(sbtrunk)"
ALL_TRUNKS_BUSY = (503, "All Trunks Busy")
# A carrier's challenge no credentials of its trunk answer (none, or refused once): the
# caller never sees the carrier's 401/407 (it would ask the phone for our credentials).
TRUNK_AUTH_FAILED = (503, "Trunk Authentication Failed")
# The trunk whose challenge the retried branch answered ("<team>/<trunk>"): answered once.
AUTH_ANSWERED = "$avp(sbauthed)"
# The uac module's credential AVPs (kamailio.cfg), set from the trunk for uac_auth.
AUTH_USER, AUTH_PASSWORD = "$avp(sbauser)", "$avp(sbapass)"
# Set by a trunk's branch route when rtpengine refused the caller's SDP (the call is 488).
SDP_REFUSED_MARK = "$avp(sbsdpno)"
# The trunk an outbound dialog went out through ("<team>/<trunk>"): the caller's
# re-INVITEs offer that trunk's codecs too.
DIALOG_TRUNK = "$dlg_var(sbtk)"
# Also what a branch route sets when it dropped its branch (routing.adapters.destinations
# offers media per branch): the relay then answers 488.
SDP_REFUSED_AVP = SDP_REFUSED_MARK
# A carrier silent (no 100 Trying) this long is skipped for the next trunk.
TRUNK_SILENCE_MS = 3000


def _contact_uri(k: Any, username: str) -> str:
    return f"sip:{username}@{k.pv.get('$Ri')}"


# --- busy marks ----------------------------------------------------------------------


def mark_direct(k: Any, users: tuple[str, ...]) -> None:
    """Count ``users`` busy now (the INVITE is about to be relayed)."""
    users = tuple(dict.fromkeys(u for u in users if u))
    if not users:
        return
    call_id = k.pv.get("$ci") or ""
    for user in users:
        k.htable.sht_inc(BUSY_COUNTS, user)
        k.htable.sht_sets(BUSY_CALLS, user, call_id)
    k.pv.sets(DIRECT_USERS_VAR, ",".join(users))
    k.pv.sets(MARKED_VAR, "1")


def release_direct(k: Any) -> None:
    """Give back the marks of this dialog's users, once: a second call finds none held."""
    if str(k.pv.get(MARKED_VAR) or "") != "1":
        return
    k.pv.sets(MARKED_VAR, "0")
    for user in str(k.pv.get(DIRECT_USERS_VAR) or "").split(","):
        if user and k.htable.sht_dec(BUSY_COUNTS, user) < 0:
            k.htable.sht_seti(BUSY_COUNTS, user, 0)  # never below zero


def swap_direct(k: Any, leaving: tuple[str, ...], joining: tuple[str, ...]) -> None:
    """Move held marks: ``leaving`` users stop ringing, ``joining`` ones start (a ring
    group's next member, or the one who answered)."""
    if str(k.pv.get(MARKED_VAR) or "") != "1":
        return
    users = [u for u in str(k.pv.get(DIRECT_USERS_VAR) or "").split(",") if u]
    call_id = k.pv.get("$ci") or ""
    for user in leaving:
        if user in users:
            users.remove(user)
            if k.htable.sht_dec(BUSY_COUNTS, user) < 0:
                k.htable.sht_seti(BUSY_COUNTS, user, 0)
    for user in joining:
        if user not in users:
            users.append(user)
            k.htable.sht_inc(BUSY_COUNTS, user)
            k.htable.sht_sets(BUSY_CALLS, user, call_id)
    k.pv.sets(DIRECT_USERS_VAR, ",".join(users))


def source_party(k: Any) -> guard.Party:
    return guard.Party.from_uri(str(k.pv.get("$su") or ""))


def note_caller(k: Any) -> None:
    """The initial INVITE's sender is the dialog's caller party."""
    k.htable.sht_sets(PARTIES, k.pv.get("$ci") or "", source_party(k).encode())


def note_callee(k: Any) -> int:
    """A reply route's body: a 2xx's sender is the dialog's callee party (the first one)."""
    if not str(k.pv.get("$rs") or "").startswith("2"):
        return 1
    call_id = k.pv.get("$ci") or ""
    recorded = k.htable.sht_get(PARTIES, call_id)
    if recorded is not None:
        updated = guard.with_party(str(recorded), source_party(k))
        if updated != recorded:
            k.htable.sht_sets(PARTIES, call_id, updated)
    return 1


def forget_parties(k: Any) -> None:
    """A dialog event's body (failed / ended): its parties linger a little, marked ended
    (``routing.guard.LINGER_S``), then go."""
    call_id = k.pv.get("$dlg(callid)") or ""
    recorded = k.htable.sht_get(PARTIES, call_id)
    if recorded is not None:
        k.htable.sht_setxs(PARTIES, call_id, guard.ended(str(recorded)), guard.LINGER_S)


def keep_alive(k: Any, direct_users: tuple[str, ...]) -> None:
    """A call a phone is in, outside call control (which ends its own): dialog keep-alives
    both ways; a failed one times the dialog out, and send_bye BYEs both sides."""
    if direct_users:
        k.dialog.dlg_set_property("ka-src")
        k.dialog.dlg_set_property("ka-dst")


def _relay(k: Any, direct_users: tuple[str, ...]) -> int:
    """Mark, relay; a relay that failed at once releases its marks and media."""
    mark_direct(k, direct_users)
    keep_alive(k, direct_users)
    if k.tm.t_relay() < 0:
        release_direct(k)
        k.rtpengine.rtpengine_delete("")
        if str(k.pv.get(SDP_REFUSED_AVP) or "") == "1":  # by a branch route
            k.sl.sl_send_reply(guard.SDP_REFUSED.code, guard.SDP_REFUSED.reason)
        else:
            k.sl.sl_reply_error()
    return 1


def media_accepted(k: Any, codecs: str = "") -> bool:
    """An SDP in the request goes through rtpengine (``codecs``: a trunk's codec flags);
    False when rtpengine refused it."""
    if k.textops.has_body_type("application/sdp") < 0:
        return True
    return bool(k.rtpengine.rtpengine_manage(f"{RTPENGINE_FLAGS} {codecs}".strip()) > 0)


def _proxy_setup(k: Any) -> bool:
    """What every proxied call gets: record-route, a dialog with its caller party noted,
    media through rtpengine. An SDP rtpengine refuses is answered 488 (False): the call
    never bypasses the media relay with the caller's own SDP."""
    if not media_accepted(k):
        k.warn(f"SDP refused by rtpengine, Call-ID {k.pv.get('$ci')}: 488\n")
        k.sl.sl_send_reply(guard.SDP_REFUSED.code, guard.SDP_REFUSED.reason)
        return False
    k.rr.record_route()
    k.dialog.dlg_manage()
    note_caller(k)
    k.tm.t_on_reply("ksr_onreply_media")
    return True


# --- an extension ----------------------------------------------------------------------


def call_extension(k: Any, username: str, direct_users: tuple[str, ...] = ()) -> int:
    """Relay to ``username``'s contacts; a direct call names the SIP users it makes busy
    (caller and callee extensions)."""
    k.pv.sets("$ru", _contact_uri(k, username))
    if k.registrar.lookup("location") < 0:
        k.sl.sl_send_reply(480, "Temporarily Unavailable")
        return 1
    if not _proxy_setup(k):
        return 1
    k.tm.t_on_failure("ksr_failure_release_media")
    return _relay(k, direct_users)


# --- carrier trunks ----------------------------------------------------------------------


def call_trunks(k: Any, decision: policy.CallTrunks, direct_users: tuple[str, ...]) -> int:
    """Out to the first carrier with room for the call; the failure route tries the
    others in order. Every trunk at its call limit: 503."""
    targets = decision.targets
    if decision.rotation:
        turn = k.htable.sht_inc(ROTATIONS, decision.rotation)
        targets = policy.rotated(targets, max(turn, 1) - 1)
    tries = [[t.trunk, t.uri, t.caller_id, f"{decision.team}/{t.trunk}", t.max_calls]
             for t in targets]  # fmt: skip
    first, rest = _next_with_room(k, tries)
    if first is None:
        k.sl.sl_send_reply(*ALL_TRUNKS_BUSY)
        return 1
    k.info(f"outbound {decision.number} of {decision.team} via trunk {first[0]}\n")
    k.pv.sets("$ru", first[1])
    # Media is offered per branch (branch_trunk): each trunk gets its own codecs.
    k.rr.record_route()
    k.dialog.dlg_manage()
    note_caller(k)
    k.tm.t_on_reply("ksr_onreply_media")
    _use_trunk(k, first, rest)
    mark_direct(k, direct_users)
    keep_alive(k, direct_users)
    if k.tm.t_relay() < 0:
        release_direct(k)
        k.rtpengine.rtpengine_delete("")
        if str(k.pv.get(SDP_REFUSED_MARK) or "") == "1":
            k.warn(f"SDP refused by rtpengine, Call-ID {k.pv.get('$ci')}: 488\n")
            k.sl.send_reply(guard.SDP_REFUSED.code, guard.SDP_REFUSED.reason)
        else:
            k.sl.sl_reply_error()
    return 1


def _next_with_room(k: Any, tries: list[Any]) -> tuple[list[Any] | None, list[Any]]:
    """The first trunk below its call limit (counted by a dialog profile: ringing and
    answered calls), and the ones after it."""
    while tries:
        trunk, tries = tries[0], tries[1:]
        limit = int(trunk[4])
        if limit <= 0:
            return trunk, tries
        k.dialog.get_profile_size(TRUNK_PROFILE, trunk[3], "$var(sbcalls)")
        if int(k.pv.get("$var(sbcalls)") or 0) < limit:
            return trunk, tries
        k.info(f"trunk {trunk[0]} is at its limit of {limit} calls\n")
    return None, []


def _use_trunk(k: Any, trunk: list[Any], rest: list[Any]) -> None:
    """Arm the branch (its caller ID), the failure route (what is left) and the trunk's
    call count for this call (moved to the next trunk on a failover)."""
    used = str(k.pv.get(TRUNK_USED) or "")
    if used:
        k.dialog.unset_dlg_profile(TRUNK_PROFILE, used)
    k.dialog.set_dlg_profile(TRUNK_PROFILE, trunk[3])
    k.pv.sets(TRUNK_USED, trunk[3])
    k.pv.sets(DIALOG_TRUNK, trunk[3])
    k.pv.sets(CALLER_ID, trunk[2])
    k.pv.sets(NEXT_TRUNKS, json.dumps(rest))
    k.tm.t_set_fr(0, TRUNK_SILENCE_MS)
    k.tm.t_on_branch("ksr_branch_trunk")
    k.tm.t_on_failure("ksr_failure_trunk")


def branch_trunk(k: Any, book: TrunkBook | None = None) -> int:
    """Each trunk's branch presents that trunk's caller ID (a branch route, so the next
    trunk of a failover starts from the caller's own From); uac restores the caller's From
    in replies and in-dialog requests (a Record-Route parameter). Its SDP goes through
    rtpengine with the trunk's codecs (``routing.trunks.codec_flags``); an SDP rtpengine
    refuses drops the branch (the caller gets 488)."""
    caller_id = str(k.pv.get(CALLER_ID) or "")
    if caller_id:
        k.uac.uac_replace_from("", f"sip:{caller_id}@{k.pv.get('$fd')}")
    if k.textops.has_body_type("application/sdp") < 0:
        return 1
    trunk = book.get(str(k.pv.get(TRUNK_USED) or "")) if book is not None else None
    codecs = trunks.codec_flags(trunk.codecs) if trunk is not None else ""
    if k.rtpengine.rtpengine_manage(f"{RTPENGINE_FLAGS} {codecs}".strip()) > 0:
        return 1
    k.pv.sets(SDP_REFUSED_MARK, "1")
    k.set_drop()
    return 1


def in_dialog_codecs(k: Any, book: TrunkBook) -> str:
    """Codec flags for an in-dialog request (after loose_route): the trunk's, when the
    caller of an outbound dialog sends it toward the carrier; else none."""
    key = str(k.pv.get(DIALOG_TRUNK) or "")
    trunk = book.get(key) if key else None
    if trunk is None or k.rr.is_direction("downstream") < 0:
        return ""
    return trunks.codec_flags(trunk.codecs)


def failure_trunk(k: Any, book: TrunkBook | None = None) -> int:
    """A carrier failed: its challenge (401/407) is answered once with the trunk's
    credentials; the next trunk is tried if it could not take the call; else give up."""
    if k.tm.t_is_canceled() > 0:
        return failure_release_media(k)
    status = k.pv.get("$T_reply_code")
    if status in (401, 407):
        return _answer_challenge(k, book, int(status))
    if not (isinstance(status, int) and policy.trunk_fails_over(status)):
        return failure_release_media(k)
    return _next_trunk(k, status)


def _answer_challenge(k: Any, book: TrunkBook | None, status: int) -> int:
    """Retry the branch with the digest of the trunk it went to (uac_auth: the credential
    AVPs, any realm); a trunk without credentials, or refusing them, fails over."""
    key = str(k.pv.get(TRUNK_USED) or "")
    trunk = book.get(key) if book is not None else None
    if trunk is None or not trunk.answers_challenges or k.pv.get(AUTH_ANSWERED) == key:
        k.warn(f"trunk {key} answered {status}: its credentials "
               f"{'were refused' if trunk and trunk.answers_challenges else 'are not set'}\n")  # fmt: skip
        return _next_trunk(k, status, TRUNK_AUTH_FAILED)
    k.pv.sets(AUTH_USER, trunk.username)
    k.pv.sets(AUTH_PASSWORD, trunk.password)
    if k.uac.uac_auth() < 0:
        k.warn(f"trunk {key}: its challenge could not be answered\n")
        return _next_trunk(k, status, TRUNK_AUTH_FAILED)
    k.pv.sets(AUTH_ANSWERED, key)
    k.info(f"trunk {key} answered {status}; retrying with its credentials\n")
    k.tm.t_on_reply("ksr_onreply_media")
    k.tm.t_on_branch("ksr_branch_trunk")
    k.tm.t_on_failure("ksr_failure_trunk")
    if k.tm.t_relay() < 0:
        return failure_release_media(k)
    return 1


def _next_trunk(k: Any, status: object, otherwise: tuple[int, str] | None = None) -> int:
    """Fail over to the next trunk with room; none left: the call fails (with
    ``otherwise`` in place of the carrier's answer, if given)."""
    trunk, rest = _next_with_room(k, json.loads(str(k.pv.get(NEXT_TRUNKS) or "[]")))
    if trunk is None:
        if otherwise is not None:
            k.tm.t_reply(*otherwise)
        return failure_release_media(k)
    k.info(f"trunk answered {status}; trying trunk {trunk[0]}\n")
    k.pv.sets("$ru", trunk[1])
    k.tm.t_on_reply("ksr_onreply_media")
    _use_trunk(k, trunk, rest)
    if k.tm.t_relay() < 0:
        return failure_release_media(k)
    return 1


# --- media ---------------------------------------------------------------------------------


def onreply_media(k: Any) -> int:
    note_callee(k)
    if k.textops.has_body_type("application/sdp") > 0:
        k.rtpengine.rtpengine_manage(RTPENGINE_FLAGS)
    return 1


def failure_release_media(k: Any) -> int:
    # The call failed (busy, no answer, cancelled): free its rtpengine session.
    k.rtpengine.rtpengine_delete("")
    return 1
