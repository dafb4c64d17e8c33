"""The source IP of a phone's latest REGISTER reaches Redis with its registration: the
edge marks it, the rtimer's diff carries it, ``report_sip`` keeps the ``contact-ip`` hash."""

from __future__ import annotations

from routing.adapters.ksr import REG_MARKS, EdgeRouter
from routing.directory import PyDirectory
from routing.model import Snapshot
from routing.sipstate import SipChange, SipFacts, diff
from tests.support.fake_ksr import FakeKSR
from tests.unit.test_sip_truth import rtimer


def test_given_a_new_registration_when_diffed_then_the_change_carries_its_ip() -> None:
    new = SipFacts(frozenset({"a"}), {}, {"a": "10.0.0.1"})
    assert diff(SipFacts(), new) == [SipChange("a", "registered", "register", ip="10.0.0.1")]


def test_given_a_phone_registering_from_another_ip_then_it_is_reported_as_moved() -> None:
    old = SipFacts(frozenset({"a", "b"}), {}, {"a": "10.0.0.1", "b": "10.0.0.2"})
    new = SipFacts(frozenset({"a", "b"}), {}, {"a": "10.0.0.9", "b": "10.0.0.2"})
    assert diff(old, new) == [SipChange("a", "registered", "moved", ip="10.0.0.9")]
    assert diff(new, new) == []


def test_register_marks_the_user_with_the_source_ip(snapshot: Snapshot) -> None:
    ksr = FakeKSR("REGISTER", **{"$au": "demo-5002", "$tU": "demo-5002", "$si": "192.0.2.5"})
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    router.request_route()
    assert ksr.htable.table(REG_MARKS) == {"demo-5002": "192.0.2.5"}


def test_rtimer_reports_the_ip_then_a_move_then_forgets_it_on_unregister(
    snapshot: Snapshot,
) -> None:
    registered: set[str] = set()
    ksr, router, acd = rtimer(snapshot, registered)
    router.sip_tick(1000)  # first (full) report: nobody registered
    registered.add("demo-5001")
    ksr.htable.sht_sets(REG_MARKS, "demo-5001", "10.0.0.1")
    router.sip_tick(1200)
    assert acd.reports[-1] == ([SipChange("demo-5001", "registered", "register", ip="10.0.0.1")],
                               None)  # fmt: skip
    assert router._sip_seen is not None
    assert router._sip_seen.contact_ips == {"demo-5001": "10.0.0.1"}

    ksr.htable.sht_sets(REG_MARKS, "demo-5001", "10.0.0.1")  # a refresh: nothing to say
    router.sip_tick(1400)
    assert len(acd.reports) == 2
    ksr.htable.sht_sets(REG_MARKS, "demo-5001", "10.0.0.2")
    router.sip_tick(1600)
    assert acd.reports[-1][0] == [SipChange("demo-5001", "registered", "moved", ip="10.0.0.2")]

    registered.clear()
    ksr.htable.sht_sets(REG_MARKS, "demo-5001", "10.0.0.2")  # Expires: 0
    router.sip_tick(1800)
    assert acd.reports[-1][0] == [SipChange("demo-5001", "unregistered", "unregister")]
    assert router._sip_seen.contact_ips == {}


def test_first_report_after_a_reload_carries_the_ips_of_pending_marks(
    snapshot: Snapshot,
) -> None:
    ksr, router, acd = rtimer(snapshot, {"demo-5001", "demo-5002"})
    ksr.htable.sht_sets(REG_MARKS, "demo-5002", "10.0.0.2")
    router.sip_tick(1000)
    ((_changes, full),) = acd.reports
    assert full == SipFacts(frozenset({"demo-5001", "demo-5002"}), {}, {"demo-5002": "10.0.0.2"})
