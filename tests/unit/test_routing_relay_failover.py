"""The KEMI glue of DID destinations and failovers against a fake KSR: media offered per
branch, the no-answer timeout, the failover followed in the request route (nobody
registered) and in the failure route (busy, no answer) to an extension, a queue or a
trunk, and the answers when nothing is left to follow."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from routing import policy
from routing.adapters import destinations, relay
from routing.adapters.ksr import EdgeRouter
from routing.directory import PyDirectory
from routing.failover import Failovers
from routing.model import DialTarget, Did, OutboundRoute, OutboundTrunk, RingGroup, Snapshot
from tests.support import fake_ksr
from tests.support.fake_ksr import FakeKSR

CARRIER = {"$au": None, "$si": "127.0.0.2", "$ci": "call-9", "$fd": "127.0.0.2"}


@pytest.fixture
def routed(snapshot: Snapshot) -> Snapshot:
    """DID +15550101 -> extension 5000, failing over to 5001; +15550105 -> agent group
    support on failure of 5002; +15550106 -> external +15557770000 through trunk a."""
    return replace(
        snapshot,
        dids=(
            *snapshot.dids,
            Did("+15550106", "demo", "external", "+15557770000"),
            Did("+15550105", "demo", "extension", "demo-5002"),
        ),
        outbound=(
            OutboundRoute(
                "demo",
                "demo/trunk:a",
                "failover",
                (OutboundTrunk("a", "192.0.2.1", 5060, "", 0, ""),),
            ),
        ),
        failovers=Failovers.of(
            {
                "+15550101": ("extension", "5001"),
                "+15550105": ("agent_group", "support"),
                "+15550106": ("hangup", ""),
            },
            {},
        ),
    )


def carrier_invite(dialed: str, **pvs: Any) -> FakeKSR:
    ksr = FakeKSR("INVITE", **{**CARRIER, "$rU": dialed, **pvs})
    ksr.htable.initval[relay.BUSY_COUNTS] = 0
    ksr.htable.initval[relay.ROTATIONS] = 0
    ksr.uac = fake_ksr._Module(ksr, "uac")  # type: ignore[attr-defined]
    return ksr


def router(ksr: FakeKSR, snapshot: Snapshot) -> EdgeRouter:
    edge = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    edge.directory = PyDirectory(snapshot)
    edge.failovers = snapshot.failovers
    return edge


def failing(ksr: FakeKSR, status: int, timed_out: bool = False) -> None:
    """The transaction's branches ended with ``status`` (the failure route runs)."""
    ksr.calls.clear()
    ksr.pvs["$T_reply_code"] = status
    ksr.tm.returns["t_is_canceled"] = -1
    ksr.tm.returns["t_branch_timeout"] = 1 if timed_out else -1


def test_a_dids_extension_rings_the_timeout_with_media_offered_per_branch(
    routed: Snapshot,
) -> None:
    ksr = carrier_invite("+15550101", **{"$defn(EXTENSION_RING_TIMEOUT_S)": 7})
    router(ksr, routed).request_route()
    assert ("$ru", "sip:demo-5000@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_set_fr") == [(7000, 7000)]
    assert ksr.called("tm.t_on_failure") == [("ksr_failure_destination",)]
    assert ksr.called("tm.t_on_branch") == [("ksr_branch_destination",)]
    assert ksr.called("rtpengine.rtpengine_manage") == []  # not request-wide
    assert ksr.called("tm.t_relay") == [()]
    ksr.textops.returns["has_body_type"] = 1
    router(ksr, routed).branch_destination()  # tm runs it for the branch
    assert len(ksr.called("rtpengine.rtpengine_manage")) == 1


def test_without_the_define_an_extension_rings_the_default(routed: Snapshot) -> None:
    ksr = carrier_invite("+15550101")
    router(ksr, routed).request_route()
    assert ksr.called("tm.t_set_fr") == [(20000, 20000)]


def test_a_dids_unregistered_extension_rings_its_failover_at_once(routed: Snapshot) -> None:
    ksr = carrier_invite("+15550101")
    ksr.registrar.returns["registered_uri"] = lambda table, uri: -1 if "5000" in uri else 1
    router(ksr, routed).request_route()
    assert ("$ru", "sip:demo-5001@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_relay") == [()]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5001": 1}
    assert any("demo-5000 has nobody registered" in text for _, text in ksr.logs)


def test_a_busy_extension_fails_over_to_the_next_and_the_busy_mark_moves(
    routed: Snapshot,
) -> None:
    ksr = carrier_invite("+15550101")
    edge = router(ksr, routed)
    edge.request_route()
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5000": 1}
    failing(ksr, 486)
    edge.failure_destination()
    assert ("$ru", "sip:demo-5001@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_on_branch") == [("ksr_branch_destination",)]
    assert ksr.called("tm.t_relay") == [()]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5000": 0, "demo-5001": 1}
    # 5001 has no failover of its own: its ring timeout is final, answered 480 No Answer.
    failing(ksr, 408, timed_out=True)
    edge.failure_destination()
    assert ksr.called("tm.t_relay") == []
    assert ksr.called("tm.t_reply") == [(480, "No Answer")]
    assert ksr.called("rtpengine.rtpengine_delete") == [("",)]


def test_a_failover_to_an_agent_group_hands_call_control_the_callers_own_sdp(
    routed: Snapshot,
) -> None:
    ksr = carrier_invite("+15550105")
    edge = router(ksr, routed)
    edge.request_route()
    failing(ksr, 603)
    edge.failure_destination()
    assert ksr.called("rtpengine.rtpengine_delete") == [("",)]  # the edge's session goes
    assert ksr.called("dispatcher.ds_select_dst") == [(1, 4)]
    assert ksr.pvs[destinations.CALL_CONTROL_DIALOG_VAR] == "1"
    assert ksr.called("tm.t_on_failure") == [("ksr_failure_call_control",)]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5002": 0}  # call control's now
    ksr.calls.clear()
    ksr.textops.returns["has_body_type"] = 1
    edge.branch_destination()
    assert ksr.called("rtpengine.rtpengine_manage") == []  # the caller's SDP, untouched
    assert ksr.called("hdr.append") == [("X-Switchboard-Queue: demo/support\r\n",)]


def test_an_answer_that_is_no_failure_of_the_destination_is_final(routed: Snapshot) -> None:
    ksr = carrier_invite("+15550101")
    edge = router(ksr, routed)
    edge.request_route()
    failing(ksr, 404)
    edge.failure_destination()
    assert ksr.called("tm.t_relay") == [] and ksr.called("tm.t_reply") == []
    ksr.calls.clear()
    ksr.tm.returns["t_is_canceled"] = 1  # the caller gave up
    ksr.pvs["$T_reply_code"] = 487
    edge.failure_destination()
    assert ksr.called("tm.t_relay") == []


def test_a_failover_to_an_external_number_leaves_with_a_diversion(routed: Snapshot) -> None:
    snapshot = replace(
        routed, failovers=Failovers.of({"+15550101": ("external", "+15557770000")}, {})
    )
    ksr = carrier_invite("+15550101")
    edge = router(ksr, snapshot)
    edge.request_route()
    failing(ksr, 486)
    edge.failure_destination()
    assert ("$ru", "sip:+15557770000@192.0.2.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_on_failure")[-1] == ("ksr_failure_destination_trunk",)
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5000": 0}
    ksr.calls.clear()
    ksr.textops.returns["has_body_type"] = 1
    edge.branch_destination()
    assert len(ksr.called("rtpengine.rtpengine_manage")) == 1
    assert ksr.called("hdr.insert") == [
        ("Diversion: <sip:+15550101@127.0.0.1>;reason=user-busy\r\n",)
    ]


def test_a_did_to_an_external_number_is_relayed_to_the_trunk_with_a_diversion(
    routed: Snapshot,
) -> None:
    ksr = carrier_invite("+15550106")
    router(ksr, routed).request_route()
    assert ("$ru", "sip:+15557770000@192.0.2.1") in ksr.called("pv.sets")
    assert ksr.called("hdr.insert") == [
        ("Diversion: <sip:+15550106@127.0.0.1>;reason=unconditional\r\n",)
    ]
    assert ksr.called("tm.t_relay") == [()]


def test_a_hangup_did_is_declined_and_logged(routed: Snapshot) -> None:
    snapshot = replace(routed, dids=(*routed.dids, Did("+15550107", "demo", "hangup", "")))
    ksr = carrier_invite("+15550107")
    router(ksr, snapshot).request_route()
    assert ksr.replies() == [(603, "Decline")]
    assert any("destination is hangup" in text for _, text in ksr.logs)


def test_an_sdp_rtpengine_refuses_drops_the_branch_and_the_call_gets_488(
    routed: Snapshot,
) -> None:
    ksr = carrier_invite("+15550101")
    ksr.textops.returns["has_body_type"] = 1
    ksr.rtpengine.returns["rtpengine_manage"] = -1
    edge = router(ksr, routed)

    def relay_with_branch_route() -> int:
        edge.branch_destination()
        return -1 if ksr.called("set_drop") else 1

    ksr.tm.returns["t_relay"] = relay_with_branch_route
    edge.request_route()
    assert ksr.replies() == [(488, "Not Acceptable Here")]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5000": 0}


def test_in_dialog_requests_of_a_call_a_failover_gave_call_control_leave_media_alone(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("BYE", **{"$ci": "c1@host", "$su": "sip:127.0.0.1:5062", "$si": "127.0.0.1",
                            destinations.CALL_CONTROL_DIALOG_VAR: "1"})  # fmt: skip
    ksr.siputils.returns["has_totag"] = 1
    ksr.htable.table("sbparty")["c1@host"] = "udp:127.0.0.1:5062|udp:127.0.0.3:5060"
    ksr.rr.returns["check_route_param"] = lambda param: 1 if param == "did=" else -1
    router(ksr, snapshot).request_route()
    assert ksr.called("tm.t_relay") and not ksr.called("rtpengine.rtpengine_delete")


def test_the_ring_groups_last_member_failing_follows_the_groups_failover(
    routed: Snapshot,
) -> None:
    snapshot = replace(
        routed,
        dial_targets=(*routed.dial_targets, DialTarget("demo", "600", "ring_group", "600")),
        ring_groups=(RingGroup("demo", "600", "sequential", 5, ("demo-5001",)),),
        failovers=Failovers.of({}, {("demo", "600"): ("extension", "5002")}),
    )
    ksr = carrier_invite("600", **{"$au": "demo-5000", "$si": "127.0.0.1"})
    edge = router(ksr, snapshot)
    edge.request_route()
    assert json.loads(ksr.pvs[relay.RINGING]) == ["demo-5001"]
    failing(ksr, 408, timed_out=True)
    edge.failure_ring_group()
    assert ("$ru", "sip:demo-5002@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_relay") == [()]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5000": 1, "demo-5001": 0, "demo-5002": 1}
    assert policy.Failover.decode(ksr.pvs[destinations.FAILOVER]).kind == "hangup"


def test_a_dids_busy_external_number_follows_the_dids_failover(routed: Snapshot) -> None:
    snapshot = replace(routed, failovers=Failovers.of({"+15550106": ("extension", "5001")}, {}))
    ksr = carrier_invite("+15550106")
    edge = router(ksr, snapshot)
    edge.request_route()
    assert ksr.called("rtpengine.rtpengine_manage") == []  # per branch, as it may fail over
    assert ksr.called("tm.t_on_failure")[-1] == ("ksr_failure_destination_trunk",)
    assert ksr.called("tm.t_on_branch")[-1] == ("ksr_branch_destination",)
    assert ksr.called("dialog.set_dlg_profile") == [("sbtrunk", "demo/a")]
    failing(ksr, 486)  # the far end is busy: no other trunk, the DID's failover
    edge.failure_destination_trunk()
    assert ("$ru", "sip:demo-5001@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_relay") == [()]


def test_a_ring_group_a_failover_reached_offers_media_to_each_member_it_rings(
    routed: Snapshot,
) -> None:
    snapshot = replace(
        routed,
        dial_targets=(*routed.dial_targets, DialTarget("demo", "601", "ring_group", "601")),
        ring_groups=(RingGroup("demo", "601", "sequential", 5, ("demo-5001", "demo-5002")),),
        failovers=Failovers.of({"+15550101": ("ring_group", "601")}, {}),
    )
    ksr = carrier_invite("+15550101")
    edge = router(ksr, snapshot)
    edge.request_route()
    failing(ksr, 486)  # 5000 busy: the DID's failover, ring group 601 (no failover of its own)
    edge.failure_destination()
    assert ksr.pvs[destinations.FAILOVER] == ""  # nothing after it
    failing(ksr, 408, timed_out=True)  # its first member does not answer: the second
    edge.failure_ring_group()
    assert ("$ru", "sip:demo-5002@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_on_branch") == [("ksr_branch_destination",)]  # media per branch
    assert ksr.called("tm.t_relay") == [()]
