"""KEMI glue: reads the request from ``KSR``, asks ``routing.policy``, acts.

One ``EdgeRouter`` lives in every Kamailio process (workers are forked after the
script loads, so each has its own). It keeps a ``Directory`` built from the SQL
store and reloads it when the provisioning version in the shared htable ``sb``
moves; the rtimer process polls the store and publishes that version, so no
worker ever waits on the database per call.

SIP truth for the ACD (``routing.sipstate``): workers only mark shared memory -- a
saved registration and its source IP in ``sbreg``, a direct call's users in ``sbbusy`` /
``sbdlg`` from its INVITE's relay until its dialog fails or ends -- and the rtimer
process (``routing.adapters.sip_truth``) turns those marks into facts and reports the
changes to Redis. The relays themselves (extension, trunks) and their tm failure routes
are ``routing.adapters.relay``; ring groups, DID destinations and failovers
``routing.adapters.destinations``.

The one Redis read of a worker: an outbound call from an extension that is not fixed
to an agent asks whether call control bound an agent to it, and the agent's working
way in effect (a dial-in agent may not call out). DID and extension calls never do.
"""

from __future__ import annotations

import os
import time
import traceback
from typing import Any

from routing import guard, policy
from routing.adapters import destinations, relay
from routing.adapters.destinations import CALL_CONTROL_ALG, CALL_CONTROL_SET, QUEUE_HEADER
from routing.adapters.relay import (
    BUSY_CALLS,
    BUSY_COUNTS,
    DIRECT_USERS_VAR,
    PARTIES,
)
from routing.adapters.sip_truth import REG_MARKS, SipTruthReporter
from routing.adapters.trunks import Registrations, read_trunk_book
from routing.directory import Directory, build
from routing.failover import NO_FAILOVERS, Failovers
from routing.sipstate import SipFacts
from routing.trunks import TrunkBook

__all__ = ["BUSY_CALLS", "BUSY_COUNTS", "DIRECT_USERS_VAR", "REG_MARKS", "EdgeRouter"]

# Dispatcher set of the call-control processes, and how a destination is picked
# (CALL_CONTROL_SET, CALL_CONTROL_ALG: destinations', whose failovers reach it too).
# Their media is theirs: the caller leg's rtpengine session is call control's own.
# Record-Route parameter marking the caller's dialog with call control: in-dialog requests
# of that dialog leave media alone (same Call-ID as call control's rtpengine session).
CALL_CONTROL_RR_PARAM = "sbcc=1"
FEATURE_HEADER = "X-Switchboard-Feature"
CALLER_HEADER = "X-Switchboard-Caller"  # the authenticated SIP user of a feature call
# Shared-memory tables of the defences (kamailio.cfg): banned source addresses; failed
# digests per source ("s:<ip>") and account ("u:<user>") over a sliding minute; locked
# accounts; the address each account last registered from.
BANNED, FAILURES, LOCKED, LAST_GOOD = "sbban", "sbfail", "sblock", "sbgood"
# Dispatcher mode 3: match call-control hosts by IP only (port and transport ignored).
DS_MATCH_IP_ONLY = 3
# Digest verdicts that are no attack: no credentials yet, or a nonce to refresh.
_NOT_A_FAILURE = (-4, -5, -6)


class EdgeRouter(SipTruthReporter):
    def __init__(self, ksr: Any, db_url: str, realm: str, redis_url: str = "") -> None:
        self.ksr = ksr
        self.db_url = db_url
        self.realm = realm
        self.redis_url = redis_url  # "" : no SIP truth is reported to the ACD
        self.directory: Directory | None = None
        # Trunks' credentials and codecs (routing.trunks), loaded with the directory; the
        # rtimer's registrations at the carriers, kept in step with the store.
        self.trunks = TrunkBook()
        self._registrations = Registrations()
        self._registrations_version = -1  # the store version they were synced at
        self.failovers: Failovers = NO_FAILOVERS  # of the same snapshot as the directory
        self._engine: Any = None
        self._acd: Any = None
        # The rtimer's view of SIP truth: observed now, and as last reported to Redis.
        self._sip_seen: SipFacts | None = None
        self._sip_reported: SipFacts | None = None
        self._sip_expired: set[str] = set()
        self._sip_ticks = 0
        self.auth_limits = guard.AuthLimits()

    # --- process life -------------------------------------------------------------

    def child_init(self, rank: int) -> int:
        # Connections are made after the fork (see shared/notes/kamailio.md).
        self._engine = None
        if rank > 0:
            # A SIP worker loads its directory now, not on its first request: a cold
            # load takes long enough for a phone to retransmit, and the retransmission
            # would be challenged again with another nonce (a stray 401).
            try:
                self.current_directory()
            except Exception:  # noqa: BLE001  the first request tries again
                self.ksr.err(f"directory preload failed: {traceback.format_exc()}\n")
        return 0

    def engine(self) -> Any:
        if self._engine is None:
            from store.db import make_engine

            self._engine = make_engine(self.db_url, read_only=True)  # reads only
        return self._engine

    def provisioning_tick(self) -> int:
        """rtimer callback: publish the store's provisioning version to workers."""
        from routing.adapters.snapshot import read_version

        try:
            version = read_version(self.engine())
        except Exception as exc:  # noqa: BLE001  a locked or missing store must not kill the timer
            self.ksr.warn(f"provisioning version not readable: {exc}\n")
            return 1
        self.ksr.htable.sht_seti("sb", "gen", version)
        if version != self._registrations_version:
            self._sync_registrations(version)
        try:
            self._registrations.tick(self.ksr, self.redis_url)
        except Exception as exc:  # noqa: BLE001  the timer must go on
            self.ksr.warn(f"trunk registration states not read: {exc}\n")
        if self.redis_url:
            self.sip_tick(int(time.time() * 1000))
        return 1

    def _sync_registrations(self, version: int) -> None:
        """The trunks that register, as the store has them now, in the uac module."""
        try:
            book = read_trunk_book(self.engine(), self.ksr)
            self._registrations.sync(self.ksr, book)
        except Exception as exc:  # noqa: BLE001  retried at the next tick
            self.ksr.warn(f"trunk registrations not updated: {type(exc).__name__}: {exc}\n")
            return
        self._registrations_version = version

    def dialog_event(self, event: str) -> int:
        """Dialog module callback (``dialog:start`` / ``dialog:end`` / ``dialog:failed``).
        A direct call's users were counted busy when its INVITE was relayed (a ringing
        phone is busy for the queue); a failed or ended dialog gives the marks back, once."""
        k = self.ksr
        try:
            if event in ("dialog:end", "dialog:failed"):
                relay.release_direct(k)
                relay.forget_parties(k)
        except Exception:  # noqa: BLE001  never raise into the dialog module
            k.err(f"dialog event {event} failed: {traceback.format_exc()}\n")
        return 1

    def current_directory(self) -> Directory | None:
        published = self.ksr.htable.sht_get("sb", "gen")
        if self.directory is None or (
            isinstance(published, int) and published > self.directory.version
        ):
            self._reload()
        return self.directory

    def _reload(self) -> None:
        from routing.adapters.snapshot import read_snapshot

        try:
            snapshot = read_snapshot(self.engine())
        except Exception as exc:  # noqa: BLE001  keep serving with the data we have
            self.ksr.err(f"routing snapshot not readable, keeping the old one: {exc}\n")
            return
        self.directory = build(snapshot)
        try:
            self.trunks = read_trunk_book(self.engine(), self.ksr)
        except Exception as exc:  # noqa: BLE001  calls go on without trunk settings
            self.ksr.err(f"trunk settings not readable, keeping the old ones: {exc}\n")
        self.failovers = snapshot.failovers
        self.ksr.info(
            f"routing directory v{snapshot.version} loaded in pid {os.getpid()} "
            f"({type(self.directory).__module__}.{type(self.directory).__name__})\n"
        )

    # --- request route -------------------------------------------------------------

    def request_route(self) -> int:
        k = self.ksr
        try:
            return self._request_route()
        except UnicodeDecodeError:  # bytes that are no UTF-8 in a header or the R-URI
            k.warn(f"request from {k.pv.get('$si')} with undecodable bytes refused\n")
            if not k.is_ACK():
                k.sl.sl_send_reply(guard.BAD_REQUEST_URI.code, guard.BAD_REQUEST_URI.reason)
            return 1
        except Exception:  # noqa: BLE001  every KEMI callback answers, whatever failed
            call_id = k.pv.get("$ci")
            k.err(f"routing failed for Call-ID {call_id}: {traceback.format_exc()}\n")
            if not k.is_ACK():
                k.sl.sl_send_reply(500, "Server Internal Error")
            return 1

    def _request_route(self) -> int:
        k = self.ksr
        if k.maxfwd.process_maxfwd(10) < 0:
            k.sl.sl_send_reply(483, "Too Many Hops")
            return 1
        if k.sanity.sanity_check(17895, 7) < 0:
            k.warn(f"malformed request from {k.pv.get('$si')}:{k.pv.get('$sp')} dropped\n")
            return 1
        if self._shunned():
            return 1
        if k.siputils.has_totag() > 0:
            return self._in_dialog()
        if k.is_CANCEL():
            if k.tm.t_check_trans() > 0:
                k.tm.t_relay()
            return 1
        if k.is_ACK():  # an ACK without a to-tag and no transaction: nothing to do
            k.tm.t_check_trans()
            return 1
        directory = self.current_directory()
        if directory is None:
            k.sl.sl_send_reply(503, "Routing Data Unavailable")
            return 1
        if k.is_OPTIONS() and not k.pv.get("$rU"):
            k.sl.sl_send_reply(200, "OK")
            return 1
        if k.is_REGISTER():
            return self._register(directory)
        if k.is_INVITE():
            return self._invite(directory)
        k.sl.sl_send_reply(405, "Method Not Allowed")
        return 1

    # --- defences ------------------------------------------------------------------

    def _shunned(self) -> bool:
        """Drop, unanswered, every request of a banned source (too many failed digests, or
        a flood pike saw); a source starting a flood now is banned. Call-control hosts and
        trunk addresses are never banned: they are ours, or carriers' aggregate traffic."""
        k = self.ksr
        source = str(k.pv.get("$si") or "")
        if k.htable.sht_get(BANNED, source) is not None:
            return True
        if k.pike.pike_check_req() > 0 or self._trusted(source):
            return False
        self._ban(source, "flood")
        return True

    def _trusted(self, source: str) -> bool:
        """A trunk's address (a lookup in this worker) or a call-control host (a KEMI call):
        asked on every request of a source pike flags, so the cheap one first."""
        directory = self.directory
        if directory is not None and directory.trunk_by_address(source) is not None:
            return True
        return bool(
            self.ksr.dispatcher.ds_is_from_list_mode(CALL_CONTROL_SET, DS_MATCH_IP_ONLY) > 0
        )

    def _ban(self, source: str, why: str) -> None:
        """Ban ``source`` (the caller checked it is not ``_trusted``)."""
        self.ksr.htable.sht_sets(BANNED, source, why)
        self.ksr.warn(f"source {source} banned: {why}\n")

    def _count_failed_digest(self, username: str) -> None:
        """One more failed digest from this source (and for this account, if it exists)."""
        k = self.ksr
        source = str(k.pv.get("$si") or "")
        by_source = k.htable.sht_inc(FAILURES, f"s:{source}")
        by_account = k.htable.sht_inc(FAILURES, f"u:{username}") if username else 0
        verdict = guard.after_failed_digest(self.auth_limits, by_source, by_account)
        if verdict.ban_source and not self._trusted(source):
            self._ban(source, f"{by_source} failed digests")
        if verdict.lock_account and k.htable.sht_get(LOCKED, username) is None:
            k.htable.sht_sets(LOCKED, username, source)
            k.warn(f"account {username} locked: {by_account} failed digests\n")

    def _in_dialog(self) -> int:
        """Relay an in-dialog request only for a dialog this proxy made, from one of its
        parties (shared/ARCHITECTURE.md: a To-tag and a Route prove nothing). The party
        check comes before ``loose_route``: the dialog module acts on a BYE inside it."""
        k = self.ksr
        recorded = k.htable.sht_get(PARTIES, k.pv.get("$ci") or "")
        if recorded is None and k.is_ACK():
            # The ACK of a non-2xx final answer belongs to the INVITE's transaction (hop by
            # hop); any other is dropped, unanswered like every ACK.
            if k.tm.t_check_trans() > 0:
                k.tm.t_relay()
            return 1
        refusal = guard.party_verdict(
            None if recorded is None else str(recorded), relay.source_party(k)
        ) or guard.route_verdict(
            routed_to_us=k.rr.loose_route() > 0 and k.rr.check_route_param("did=") > 0,
            known_dialog=k.dialog.is_known_dlg() > 0,
            late_bye=k.is_BYE() and guard.dialog_ended(str(recorded)),
        )
        if refusal is not None:
            return self._refuse_in_dialog(refusal)
        if k.rr.check_route_param(CALL_CONTROL_RR_PARAM) > 0 or destinations.call_control_dialog(k):
            pass  # the caller's leg to call control: its media (and its replies') is theirs
        elif k.is_BYE():
            k.rtpengine.rtpengine_delete("")
        elif (
            (k.is_INVITE() or k.is_ACK())
            and not relay.media_accepted(k, relay.in_dialog_codecs(k, self.trunks))
            and k.is_INVITE()
        ):
            return self._refuse_in_dialog(guard.SDP_REFUSED)  # a re-INVITE's SDP
        elif k.is_INVITE():
            k.tm.t_on_reply("ksr_onreply_media")
        if k.tm.t_relay() < 0:
            k.sl.send_reply(500, "Relay Failed")
        return 1

    def _refuse_in_dialog(self, refusal: policy.Reply) -> int:
        k = self.ksr
        k.warn(
            f"in-dialog {k.pv.get('$rm')} from {k.pv.get('$si')}:{k.pv.get('$sp')} to "
            f"{k.pv.get('$ru')} refused: {refusal.code} {refusal.reason}\n"
        )
        if not k.is_ACK():
            k.sl.sl_send_reply(refusal.code, refusal.reason)
        return 1

    # --- authentication ------------------------------------------------------------

    def _authenticate(self, directory: Directory) -> policy.Authenticated | None:
        """Digest auth for REGISTER (401) and calls (407); replies itself on failure."""
        k = self.ksr
        auth_username = k.pv.get("$au") or ""
        step = policy.credentials_to_check(directory, auth_username)
        if isinstance(step, tuple):
            locked = guard.account_refused(
                k.htable.sht_get(LOCKED, auth_username) is not None,
                str(k.pv.get("$si") or ""),
                str(k.htable.sht_get(LAST_GOOD, auth_username) or ""),
            )
            if locked is not None:
                k.warn(f"{k.pv.get('$rm')} as {auth_username!r} from {k.pv.get('$si')} "
                       f"refused: account locked\n")  # fmt: skip
                k.sl.sl_send_reply(locked.code, locked.reason)
                return None
            rc = k.auth.pv_auth_check(self.realm, step[1], 1, 1)  # flags 1: password is HA1
            outcome = policy.after_auth_check(rc, directory, auth_username)
            if not isinstance(outcome, policy.Authenticated) and rc not in _NOT_A_FAILURE:
                self._count_failed_digest(auth_username)
        else:
            outcome = step
            if isinstance(outcome, policy.Reply):  # credentials for an unknown user
                self._count_failed_digest("")
        if isinstance(outcome, policy.Authenticated):
            return outcome
        if isinstance(outcome, policy.Challenge):
            k.auth.auth_challenge(self.realm, 1)  # 1: qop=auth
        else:
            k.warn(
                f"{k.pv.get('$rm')} from {k.pv.get('$si')} as {auth_username!r} refused: "
                f"{outcome.code} {outcome.reason}\n"
            )
            k.sl.sl_send_reply(outcome.code, outcome.reason)
        return None

    def _register(self, directory: Directory) -> int:
        k = self.ksr
        if self._authenticate(directory) is None:
            return 1
        k.auth.consume_credentials()
        k.htable.sht_sets(LAST_GOOD, k.pv.get("$au") or "", str(k.pv.get("$si") or ""))
        if k.registrar.save("location", 0) < 0:
            k.sl.sl_reply_error()
            return 1
        # Marked for the rtimer, which asks usrloc what the registration now is; the value
        # is the phone's source address, reported as the user's contact IP.
        k.htable.sht_sets(REG_MARKS, k.pv.get("$tU") or "", str(k.pv.get("$si") or ""))
        return 1

    # --- calls ---------------------------------------------------------------------

    def _invite(self, directory: Directory) -> int:
        k = self.ksr
        if k.tm.t_check_trans() == 0:  # a retransmission, answered by tm: counted once
            return 1
        dialed = k.pv.get("$rU") or ""
        trunk = directory.trunk_by_address(k.pv.get("$si"))
        registered = (
            self.trunks.by_contact(dialed) if trunk is None and not k.pv.get("$au") else None
        )
        if registered is not None:
            # A call to the Contact our registration put at the carrier: that trunk's call,
            # for the number in To (carriers keep the DID there, the R-URI is the Contact).
            trunk, dialed = (registered.team, registered.name), str(k.pv.get("$tU") or "")
        did = directory.did(dialed) if trunk is not None else None
        source = guard.invite_source(
            from_call_control=k.dispatcher.ds_is_from_list_mode(CALL_CONTROL_SET, 0) > 0,
            has_credentials=bool(k.pv.get("$au")),
            trunk_team=trunk[0] if trunk is not None else None,
            did_team=did[0] if did is not None else None,
        )
        if trunk is not None and source == guard.PHONE and not k.pv.get("$au"):
            k.info(f"INVITE {dialed} from {k.pv.get('$si')} is no DID of trunk {trunk[1]}'s "
                   f"team {trunk[0]}: challenged as a phone\n")  # fmt: skip
        # The SIP users a direct call makes busy besides the callee; None for call control's
        # own legs (agent legs, overflow): call control tracks those itself.
        callers: tuple[str, ...] | None = ()
        if source == guard.CALL_CONTROL:  # by ip, port and transport
            callers = None
            decision = policy.route_from_call_control(directory, dialed, self.failovers)
        elif source == guard.TRUNK and trunk is not None:
            decision = policy.route_from_trunk(directory, trunk[0], dialed, self.failovers)
            k.info(f"INVITE {dialed} from trunk {trunk[0]}/{trunk[1]}: {decision}\n")
        else:
            caller = self._authenticate(directory)
            if caller is None:
                return 1
            k.auth.consume_credentials()
            user = f"{caller.team}-{caller.number}"
            callers = (user,)
            decision = policy.route_from_phone(directory, caller.team, dialed, user, self.failovers)
            if isinstance(decision, policy.CallFeature):
                return self._call_control({FEATURE_HEADER: decision.code, CALLER_HEADER: user})
            if isinstance(decision, policy.CallTrunks):
                decision = self._bound_agent_check(directory, user) or decision
            if decision == policy.DIAL_IN_AGENT:
                k.info(f"outbound call from {user} to {dialed} refused: dial-in agent\n")
        if decision == policy.HANGUP:
            k.info(f"INVITE {dialed} from {k.pv.get('$si')}: the DID's destination is hangup, "
                   f"answered {decision.code} {decision.reason}\n")  # fmt: skip
        decision = destinations.reachable(k, decision, self.follow, callers or ())
        if isinstance(decision, policy.Reply):
            k.sl.sl_send_reply(decision.code, decision.reason)
            return 1
        if isinstance(decision, policy.CallQueue):
            return self._call_control({QUEUE_HEADER: f"{decision.team}/{decision.group}"})
        if isinstance(decision, policy.CallFeature):  # a trunk cannot dial feature codes
            k.sl.sl_send_reply(403, "Forbidden")
            return 1
        direct = () if callers is None else callers
        if isinstance(decision, policy.CallTrunks):
            if decision.diverted_from or decision.failover is not None:
                return destinations.forward_out(k, decision, direct)
            return relay.call_trunks(k, decision, direct)
        if isinstance(decision, policy.CallRingGroup):
            return destinations.call_ring_group(k, decision, direct)
        if decision.failover is not None:  # a DID's extension: ring timeout, failover
            return destinations.call_destination_extension(k, decision, callers)
        if callers is None:
            return relay.call_extension(k, decision.username)
        return relay.call_extension(k, decision.username, (*callers, decision.username))

    def follow(self, failover: policy.Failover) -> policy.Decision | None:
        """The next destination of a call whose destination failed (``policy.follow``). A
        ring timeout runs the failure route in tm's timer process, which loads the
        directory on its first one."""
        directory = self.current_directory()
        return None if directory is None else policy.follow(directory, self.failovers, failover)

    def _bound_agent_check(self, directory: Directory, user: str) -> policy.Reply | None:
        """An extension a self-adapting or dynamic agent signed in at (bound in Redis by
        call control), or fixed to a self-selecting agent, may call out only if the agent's
        working way in effect (its live state's) allows it. Read on outbound calls only;
        other fixed agents were decided by policy from the store; no Redis configured or
        reachable: allowed (logged)."""
        fixed = directory.fixed_agent(user)
        if not self.redis_url or (fixed is not None and not policy.way_is_live(fixed[1])):
            return None
        try:
            if fixed is not None:
                agent, way = fixed[0], self.acd().agent_way(fixed[0])
            else:
                agent, way = self.acd().extension_owner_way(user)
        except Exception as exc:  # noqa: BLE001  Redis down: outbound calls keep working
            self.ksr.warn(f"working way of {user}'s agent not readable, allowed: {exc}\n")
            return None
        refusal = policy.outbound_refusal(way) if agent else None
        if refusal is not None:
            self.ksr.info(f"{user} is bound to agent {agent} working {way}\n")
        return refusal

    def _call_control(self, headers: dict[str, str]) -> int:
        """Relay to a live call-control process, which answers and serves the call."""
        k = self.ksr
        if k.dispatcher.ds_select_dst(CALL_CONTROL_SET, CALL_CONTROL_ALG) < 0:
            k.sl.sl_send_reply(503, "Call Control Unavailable")
            return 1
        for name in (QUEUE_HEADER, FEATURE_HEADER, CALLER_HEADER):
            k.hdr.remove(name)  # only the edge says what a call is for, and who made it
        for name, value in headers.items():
            k.hdr.append(f"{name}: {value}\r\n")
        k.rr.add_rr_param(";" + CALL_CONTROL_RR_PARAM)
        k.rr.record_route()
        k.dialog.dlg_manage()
        relay.note_caller(k)
        k.tm.t_set_fr(0, 2000)  # no 100 Trying in 2 s: try the next call-control process
        k.tm.t_on_reply("ksr_onreply_party")
        k.tm.t_on_failure("ksr_failure_call_control")
        if k.tm.t_relay() < 0:
            k.sl.sl_reply_error()
        return 1

    def failure_call_control(self) -> int:
        k = self.ksr
        if k.tm.t_is_canceled() > 0:
            return 1
        status = k.pv.get("$T_reply_code")
        if status in (408, 500, 503) and k.dispatcher.ds_next_dst() > 0:
            k.info(f"call control failed with {status}; trying {k.pv.get('$du')}\n")
            k.tm.t_on_reply("ksr_onreply_party")
            k.tm.t_on_failure("ksr_failure_call_control")
            k.tm.t_relay()
        return 1

    # tm callbacks (kemi.py): reply and failure routes armed by the relays.

    def onreply_media(self) -> int:
        return self._failure(relay.onreply_media)

    def onreply_party(self) -> int:
        return self._failure(relay.note_callee)

    def failure_release_media(self) -> int:
        return relay.failure_release_media(self.ksr)

    def onreply_ring_group(self) -> int:
        return self._failure(destinations.onreply_ring_group)

    def branch_trunk(self) -> int:
        return self._failure(lambda k: relay.branch_trunk(k, self.trunks))

    def failure_trunk(self) -> int:
        return self._failure(lambda k: relay.failure_trunk(k, self.trunks))

    def failure_ring_group(self) -> int:
        return self._failure(lambda k: destinations.failure_ring_group(k, self.follow))

    def branch_destination(self) -> int:
        return self._failure(lambda k: destinations.branch_destination(k, self.trunks))

    def failure_destination(self) -> int:
        return self._failure(lambda k: destinations.failure_destination(k, self.follow))

    def failure_destination_trunk(self) -> int:
        return self._failure(lambda k: destinations.failure_destination_trunk(k, self.follow))

    def _failure(self, route: Any) -> int:
        """Run a tm reply / failure route's body; it must not raise into tm."""
        k = self.ksr
        try:
            return int(route(k))
        except Exception:  # noqa: BLE001  logged with the Call-ID instead
            k.err(f"tm route failed for Call-ID {k.pv.get('$ci')}: {traceback.format_exc()}\n")
            return 1
