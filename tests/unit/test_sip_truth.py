"""SIP truth for the ACD: the edge's diff of registrations and direct calls (pure), the
commands that bring an agent in line with it (pure), and the KEMI glue with a fake KSR."""

from __future__ import annotations

from dataclasses import replace

from routing.acd.model import AgentLive, CallKind, State
from routing.acd.sip import sip_commands
from routing.adapters.ksr import BUSY_CALLS, BUSY_COUNTS, REG_MARKS, EdgeRouter
from routing.directory import PyDirectory
from routing.model import Snapshot
from routing.sipstate import SipChange, SipFacts, busy_users, diff
from tests.support.fake_ksr import FakeKSR

# --- the edge's diff -----------------------------------------------------------------


def test_diff_reports_registrations_and_direct_calls_both_ways() -> None:
    old = SipFacts(frozenset({"a", "b"}), {"a": "c1"})
    new = SipFacts(frozenset({"b", "c"}), {"b": "c2"})
    assert diff(old, new, expired={"a"}) == [
        SipChange("c", "registered", "register"),
        SipChange("a", "unregistered", "expired"),
        SipChange("b", "busy", "dialog_start", "c2"),
        SipChange("a", "free", "dialog_end", "c1"),
    ]
    assert diff(new, new) == []


def test_busy_users_are_those_with_a_live_dialog() -> None:
    assert busy_users({"a": 2, "b": 0, "c": 1}, {"a": "x"}) == {"a": "x", "c": "direct:c"}


# --- an agent brought in line --------------------------------------------------------

IDLE = AgentLive(state=State.IDLE, registered=True)


def test_agent_agreeing_with_sip_needs_nothing() -> None:
    assert sip_commands(IDLE, registered=True, direct_call="") == []


def test_unregistered_extension_and_direct_call_become_commands() -> None:
    (command,) = sip_commands(IDLE, registered=False, direct_call="")
    assert (command.kind, command.registered) == ("registration", False)
    (command,) = sip_commands(IDLE, registered=True, direct_call="c1")
    assert (command.kind, command.call_id) == ("dialog_started", "c1")


def test_direct_call_ended_frees_the_agent_but_never_ends_a_queue_call() -> None:
    direct = replace(IDLE, state=State.ON_CALL, call_id="c1", call_kind=CallKind.DIRECT)
    (command,) = sip_commands(direct, registered=True, direct_call="")
    assert (command.kind, command.call_id) == ("dialog_ended", "c1")
    queue = replace(direct, call_kind=CallKind.INBOUND)
    assert sip_commands(queue, registered=True, direct_call="") == []


def test_signed_out_agent_follows_registration_only() -> None:
    signed_out = AgentLive(state=State.SIGNED_OUT)
    assert [c.kind for c in sip_commands(signed_out, True, "c1")] == ["registration"]


# --- the KEMI glue -------------------------------------------------------------------


class FakeAcd:
    def __init__(self) -> None:
        self.reports: list[tuple[list[SipChange], SipFacts | None]] = []

    def report_sip(self, changes, now_ms, *, full=None):  # type: ignore[no-untyped-def]
        self.reports.append((list(changes), full))
        return len(self.reports)


def rtimer(snapshot: Snapshot, registered: set[str]) -> tuple[FakeKSR, EdgeRouter, FakeAcd]:
    ksr = FakeKSR("OPTIONS")
    ksr.htable.initval[BUSY_COUNTS] = 0
    ksr.registrar.returns["registered_uri"] = lambda table, uri: (
        1 if uri[4:].split("@")[0] in registered else -1
    )
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard", redis_url="redis://x")
    router.directory = PyDirectory(snapshot)
    router._all_users = lambda: {a.username for a in snapshot.accounts}  # type: ignore[method-assign]
    acd = FakeAcd()
    router._acd = acd
    return ksr, router, acd


def test_register_saved_marks_the_user_for_the_rtimer(snapshot: Snapshot) -> None:
    ksr = FakeKSR("REGISTER", **{"$au": "demo-5001", "$tU": "demo-5001", "$si": "10.0.0.7"})
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    router.request_route()
    assert ksr.htable.table(REG_MARKS) == {"demo-5001": "10.0.0.7"}  # the phone's address


def test_rtimer_reports_full_state_first_then_only_changes(snapshot: Snapshot) -> None:
    registered = {"demo-5001"}
    ksr, router, acd = rtimer(snapshot, registered)
    router.sip_tick(1000)
    ((changes, full),) = acd.reports
    assert full == SipFacts(frozenset({"demo-5001"}), {})
    assert changes == [SipChange("demo-5001", "registered", "register")]
    router.sip_tick(1200)  # nothing new: nothing sent
    assert len(acd.reports) == 1

    registered.add("demo-5002")
    ksr.htable.sht_seti(REG_MARKS, "demo-5002", 1)
    router.sip_tick(1400)
    assert acd.reports[-1] == ([SipChange("demo-5002", "registered", "register")], None)
    assert ksr.htable.table(REG_MARKS) == {}  # marks are taken


def test_rtimer_notices_an_unregister_and_an_expiry(snapshot: Snapshot) -> None:
    registered = {"demo-5001", "demo-5002"}
    ksr, router, acd = rtimer(snapshot, registered)
    router.sip_tick(1000)
    registered -= {"demo-5001", "demo-5002"}
    ksr.htable.sht_seti(REG_MARKS, "demo-5001", 1)  # demo-5001 sent Expires: 0
    for n in range(5):  # demo-5002's contact simply expires: found by the sweep
        router.sip_tick(1200 + n)
    reported = [c for changes, _ in acd.reports[1:] for c in changes]
    assert reported == [
        SipChange("demo-5001", "unregistered", "unregister"),
        SipChange("demo-5002", "unregistered", "expired"),
    ]


def test_a_report_that_failed_is_sent_again(snapshot: Snapshot) -> None:
    registered = {"demo-5001"}
    ksr, router, acd = rtimer(snapshot, registered)
    router.sip_tick(1000)
    registered.clear()
    ksr.htable.sht_seti(REG_MARKS, "demo-5001", 1)

    def down(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError("redis down")

    acd.report_sip = down  # type: ignore[method-assign]
    router.sip_tick(1200)
    assert any("not reported" in text for _, text in ksr.logs)
    del acd.report_sip
    router.sip_tick(1400)
    assert acd.reports[-1][0] == [SipChange("demo-5001", "unregistered", "unregister")]


def test_direct_call_counts_both_extensions_busy_from_its_relay_until_its_dialog_ends(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR(
        "INVITE", **{"$au": "demo-5001", "$rU": "5002", "$si": "127.0.0.1", "$ci": "call-1"}
    )
    ksr.htable.initval[BUSY_COUNTS] = 0
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    router.request_route()
    assert ("$dlg_var(sbu)", "demo-5001,demo-5002") in ksr.called("pv.sets")
    # Ringing already makes both busy (a ringing agent is not offered a queue call).
    assert ksr.htable.table(BUSY_COUNTS) == {"demo-5001": 1, "demo-5002": 1}
    assert ksr.htable.table(BUSY_CALLS)["demo-5002"] == "call-1"
    router.dialog_event("dialog:start")  # answered: still counted once
    assert ksr.htable.table(BUSY_COUNTS) == {"demo-5001": 1, "demo-5002": 1}
    router.dialog_event("dialog:end")
    router.dialog_event("dialog:end")  # a repeat gives nothing back twice
    router.dialog_event("dialog:failed")
    assert ksr.htable.table(BUSY_COUNTS) == {"demo-5001": 0, "demo-5002": 0}


def test_call_controls_agent_leg_and_trunk_calls(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$rU": "demo-5002", "$si": "127.0.0.1"})
    ksr.dispatcher.returns["ds_is_from_list_mode"] = 1  # call control's agent leg
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    router.request_route()
    assert ksr.called("tm.t_relay")
    assert all(name != "$dlg_var(sbu)" for name, _ in ksr.called("pv.sets"))

    ksr = FakeKSR("INVITE", **{"$rU": "+15550101", "$si": "127.0.0.2"})  # carrier -> DID
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    router.request_route()
    assert ("$dlg_var(sbu)", "demo-5000") in ksr.called("pv.sets")


def test_no_first_report_until_every_user_could_be_checked(snapshot: Snapshot) -> None:
    ksr, router, acd = rtimer(snapshot, {"demo-5001"})
    accounts = router._all_users
    router._all_users = lambda: None  # type: ignore[method-assign]  # the store is locked
    ksr.htable.sht_seti(REG_MARKS, "demo-5002", 1)
    router.sip_tick(1000)
    assert acd.reports == [] and ksr.htable.table(REG_MARKS) == {"demo-5002": 1}
    router._all_users = accounts  # type: ignore[method-assign]
    router.sip_tick(1200)
    assert acd.reports[0][1] == SipFacts(frozenset({"demo-5001"}), {})
