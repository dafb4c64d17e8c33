"""The KEMI glue of outbound, ring-group and call-control relays against a fake KSR:
what is relayed where, the tm failure routes, busy marks, and the Redis check of agents
bound to an extension."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

import pytest

from routing.adapters import relay
from routing.adapters.ksr import EdgeRouter
from routing.directory import PyDirectory
from routing.model import (
    DialTarget,
    FixedAgent,
    OutboundRoute,
    OutboundTrunk,
    RingGroup,
    Snapshot,
)
from tests.support import fake_ksr
from tests.support.fake_ksr import FakeKSR

A = OutboundTrunk("a", "192.0.2.1", 5060, "+15550190", 0, "")
B = OutboundTrunk("b", "192.0.2.2", 5060, "", 0, "")


@pytest.fixture
def routed(snapshot: Snapshot) -> Snapshot:
    return replace(
        snapshot,
        dial_targets=(*snapshot.dial_targets, DialTarget("demo", "600", "ring_group", "600")),
        outbound=(OutboundRoute("demo", "demo/trunk_group:ab", "failover", (A, B)),),
        ring_groups=(
            RingGroup("demo", "600", "ring_all", 20, ("demo-5000", "demo-5001", "demo-5002")),
        ),
        fixed_agents=(FixedAgent("demo-5002", "demo/1002", "dial_in"),),
    )


class FakeAcd:
    def __init__(self, bound: dict[str, tuple[str, str]] | Exception) -> None:
        self.bound = bound

    def extension_owner_way(self, user: str) -> tuple[str, str]:
        if isinstance(self.bound, Exception):
            raise self.bound
        return self.bound.get(user, ("", ""))

    def agent_way(self, agent_id: str) -> str:
        if isinstance(self.bound, Exception):
            raise self.bound
        return next((way for agent, way in self.bound.values() if agent == agent_id), "")


def invite(snapshot: Snapshot, dialed: str, caller: str = "demo-5001", **pvs: Any) -> FakeKSR:
    ksr = FakeKSR("INVITE", **{"$au": caller, "$rU": dialed, "$si": "127.0.0.1",
                               "$ci": "call-1", "$fd": "127.0.0.1", **pvs})  # fmt: skip
    ksr.htable.initval[relay.BUSY_COUNTS] = 0
    ksr.htable.initval[relay.ROTATIONS] = 0
    ksr.uac = fake_ksr._Module(ksr, "uac")  # type: ignore[attr-defined]  # loaded for trunks
    return ksr


def route(ksr: FakeKSR, snapshot: Snapshot, acd: FakeAcd | None = None) -> EdgeRouter:
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard",
                        redis_url="redis://x" if acd else "")  # fmt: skip
    router.directory = PyDirectory(snapshot)
    router._acd = acd
    router.request_route()
    return router


def test_outbound_call_goes_to_the_first_trunk_with_its_caller_id_and_media(
    routed: Snapshot,
) -> None:
    ksr = invite(routed, "+15557770000")
    route(ksr, routed)
    assert ("$ru", "sip:+15557770000@192.0.2.1") in ksr.called("pv.sets")
    assert ksr.called("tm.t_on_branch") == [("ksr_branch_trunk",)]
    EdgeRouter(ksr, "sqlite://", "switchboard").branch_trunk()  # tm runs it for the branch
    assert ksr.called("uac.uac_replace_from") == [("", "sip:+15550190@127.0.0.1")]
    assert ksr.called("tm.t_on_failure") == [("ksr_failure_trunk",)]
    assert ksr.called("tm.t_relay") == [()]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5001": 1}  # the caller is busy


def test_trunk_failure_route_tries_the_next_trunk_only_when_the_carrier_failed(
    routed: Snapshot,
) -> None:
    ksr = invite(routed, "+15557770000")
    route(ksr, routed)
    ksr.calls.clear()
    ksr.pvs["$T_reply_code"] = 503
    ksr.tm.returns["t_is_canceled"] = -1
    EdgeRouter(ksr, "sqlite://", "switchboard").failure_trunk()
    assert ("$ru", "sip:+15557770000@192.0.2.2") in ksr.called("pv.sets")
    assert ksr.called("tm.t_relay") == [()]
    assert json.loads(ksr.pvs[relay.NEXT_TRUNKS]) == []
    EdgeRouter(ksr, "sqlite://", "switchboard").branch_trunk()
    assert ksr.called("uac.uac_replace_from") == []  # trunk b presents the caller's own From

    ksr.calls.clear()  # the last trunk failed too: nothing left, media released
    EdgeRouter(ksr, "sqlite://", "switchboard").failure_trunk()
    assert ksr.called("tm.t_relay") == [] and ksr.called("rtpengine.rtpengine_delete")


def test_a_busy_carrier_or_a_cancelled_call_is_final(routed: Snapshot) -> None:
    for status, cancelled in ((486, -1), (503, 1)):
        ksr = invite(routed, "+15557770000")
        route(ksr, routed)
        ksr.calls.clear()
        ksr.pvs["$T_reply_code"] = status
        ksr.tm.returns["t_is_canceled"] = cancelled
        EdgeRouter(ksr, "sqlite://", "switchboard").failure_trunk()
        assert ksr.called("tm.t_relay") == []


def test_round_robin_trunk_group_starts_one_further_on_every_call(routed: Snapshot) -> None:
    snapshot = replace(routed, outbound=(replace(routed.outbound[0], policy="round_robin"),))
    ksr = invite(snapshot, "+15557770000")
    router = route(ksr, snapshot)
    ksr.pvs.pop("$ru", None)
    router.request_route()
    uris = [value for name, value in ksr.called("pv.sets") if name == "$ru"]
    assert uris == ["sip:+15557770000@192.0.2.1", "sip:+15557770000@192.0.2.2"]


def test_agent_bound_in_redis_with_dial_in_way_is_refused_and_logged(routed: Snapshot) -> None:
    ksr = invite(routed, "+15557770000")
    route(ksr, routed, FakeAcd({"demo-5001": ("demo/2001", "dial_in")}))
    assert ksr.replies() == [(403, "Outbound Calls Not Allowed For Dial-In Agents")]
    assert any("refused: dial-in agent" in text for _, text in ksr.logs)
    assert ksr.called("tm.t_relay") == []

    ksr = invite(routed, "+15557770000")
    route(ksr, routed, FakeAcd({"demo-5001": ("demo/2001", "dial_out")}))
    assert ksr.called("tm.t_relay") == [()]


def test_redis_is_read_only_for_outbound_calls_and_its_outage_allows_them(
    routed: Snapshot,
) -> None:
    down = FakeAcd(ConnectionError("redis down"))
    ksr = invite(routed, "5002")  # an internal call: never asks Redis
    route(ksr, routed, down)
    assert ksr.called("tm.t_relay") == [()] and not ksr.logs
    ksr = invite(routed, "+15557770000")
    route(ksr, routed, down)
    assert ksr.called("tm.t_relay") == [()]
    assert any("not readable, allowed" in text for _, text in ksr.logs)


def test_fixed_dial_in_agent_is_refused_without_redis(routed: Snapshot) -> None:
    ksr = invite(routed, "+15557770000", caller="demo-5002")
    route(ksr, routed, FakeAcd(ConnectionError("never asked")))
    assert ksr.replies() == [(403, "Outbound Calls Not Allowed For Dial-In Agents")]


def test_ring_all_forks_to_registered_members_and_skips_the_others(routed: Snapshot) -> None:
    ksr = invite(routed, "600", caller="demo-5001")  # a member itself: not rung
    ksr.registrar.returns["registered_uri"] = lambda table, uri: 1
    route(ksr, routed)
    assert ("$ru", "sip:demo-5000@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("registrar.lookup_to_dset") == [("location", "sip:demo-5002@127.0.0.1")]
    assert ksr.called("tm.t_set_fr") == [(20000, 20000)]
    assert ksr.called("tm.t_relay") == [()]


def test_ring_group_with_nobody_registered_is_480(routed: Snapshot) -> None:
    ksr = invite(routed, "600")
    ksr.registrar.returns["registered_uri"] = -1
    route(ksr, routed)
    assert ksr.replies() == [(480, "Temporarily Unavailable")]
    assert ksr.htable.table(relay.BUSY_COUNTS) == {}


def test_sequential_failure_route_rings_the_next_registered_member(routed: Snapshot) -> None:
    snapshot = replace(routed, ring_groups=(replace(routed.ring_groups[0], strategy="sequential"),))
    ksr = invite(snapshot, "600", caller="demo-5002")
    route(ksr, snapshot)
    assert json.loads(ksr.pvs[relay.NEXT_MEMBERS]) == ["demo-5001"]  # not the caller, 5002
    ksr.calls.clear()
    ksr.tm.returns["t_is_canceled"] = -1
    ksr.registrar.returns["lookup"] = lambda table: -1 if "5001" in ksr.pvs["$ru"] else 1
    EdgeRouter(ksr, "sqlite://", "switchboard").failure_ring_group()
    assert ("$ru", "sip:demo-5001@127.0.0.1") in ksr.called("pv.sets")  # tried: went away
    assert ksr.called("tm.t_relay") == []  # nobody left
    assert ksr.called("rtpengine.rtpengine_delete")


def test_a_relay_that_fails_at_once_gives_its_busy_marks_back(routed: Snapshot) -> None:
    ksr = invite(routed, "5002")
    ksr.tm.returns["t_relay"] = -1
    router = route(ksr, routed)
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5001": 0, "demo-5002": 0}
    router.dialog_event("dialog:failed")  # if the dialog module reports it too: no change
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5001": 0, "demo-5002": 0}


def test_a_retransmitted_invite_is_left_to_tm(routed: Snapshot) -> None:
    ksr = invite(routed, "5002")
    ksr.tm.returns["t_check_trans"] = 0
    route(ksr, routed)
    assert ksr.called("tm.t_relay") == [] and ksr.htable.table(relay.BUSY_COUNTS) == {}


def test_call_control_reaches_a_ring_group_and_a_trunk_unauthenticated(
    routed: Snapshot,
) -> None:
    members = {"demo-5000": 1, "demo-5001": 1, "demo-5002": 1}
    for dialed, relayed_to, busy in (
        ("demo-600", "sip:demo-5000@127.0.0.1", members),  # ringing members are busy
        ("demo-+15557770000", "sip:+15557770000@192.0.2.1", {}),  # call control's own leg
    ):
        ksr = invite(routed, dialed)
        ksr.dispatcher.returns["ds_is_from_list_mode"] = 1
        route(ksr, routed)
        assert ("$ru", relayed_to) in ksr.called("pv.sets")
        assert ksr.called("auth.pv_auth_check") == []
        assert ksr.htable.table(relay.BUSY_COUNTS) == busy


def test_ring_group_marks_follow_the_ringing_members(routed: Snapshot) -> None:
    ksr = invite(routed, "600", caller="demo-5002")  # ring all: 5000 and 5001 ring
    ksr.registrar.returns["registered_uri"] = lambda table, uri: -1 if "5002" in uri else 1
    route(ksr, routed)
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5002": 1, "demo-5000": 1, "demo-5001": 1}
    ksr.pvs.update({"$rs": 200, "$(ct{nameaddr.uri}{uri.user})": "demo-5001"})
    EdgeRouter(ksr, "sqlite://", "switchboard").onreply_ring_group()  # 5001 answered
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5002": 1, "demo-5000": 0, "demo-5001": 1}
    EdgeRouter(ksr, "sqlite://", "switchboard").dialog_event("dialog:end")
    assert set(ksr.htable.table(relay.BUSY_COUNTS).values()) == {0}

    snapshot = replace(routed, ring_groups=(replace(routed.ring_groups[0], strategy="sequential"),))
    ksr = invite(snapshot, "600", caller="demo-5002")  # in order: the mark moves on
    route(ksr, snapshot)
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5002": 1, "demo-5000": 1}
    ksr.tm.returns["t_is_canceled"] = -1
    EdgeRouter(ksr, "sqlite://", "switchboard").failure_ring_group()
    assert ksr.htable.table(relay.BUSY_COUNTS) == {"demo-5002": 1, "demo-5000": 0, "demo-5001": 1}


def test_star_65_and_66_go_to_call_control_like_star_64(routed: Snapshot) -> None:
    for code in ("*65", "*66"):
        ksr = invite(routed, code)
        route(ksr, routed)
        assert ("X-Switchboard-Feature: " + code + "\r\n",) in ksr.called("hdr.append")
        assert ("X-Switchboard-Caller: demo-5001\r\n",) in ksr.called("hdr.append")


def counting(ksr: FakeKSR, calls: dict[str, int]) -> None:
    """The dialog module's per-trunk counts, as ``get_profile_size`` reports them."""

    def size(profile: str, value: str, var: str) -> int:
        ksr.pvs[var] = calls.get(value, 0)
        return 1

    ksr.dialog.returns["get_profile_size"] = size


def test_a_trunk_at_its_call_limit_is_skipped_and_every_one_full_is_503(
    routed: Snapshot,
) -> None:
    limited = (replace(A, max_calls=1), replace(B, max_calls=2))
    snapshot = replace(routed, outbound=(replace(routed.outbound[0], trunks=limited),))
    ksr = invite(snapshot, "+15557770000")
    counting(ksr, {"demo/a": 1, "demo/b": 1})
    route(ksr, snapshot)
    assert ("$ru", "sip:+15557770000@192.0.2.2") in ksr.called("pv.sets")
    assert ksr.called("dialog.set_dlg_profile") == [("sbtrunk", "demo/b")]

    ksr = invite(snapshot, "+15557770000")
    counting(ksr, {"demo/a": 1, "demo/b": 2})
    route(ksr, snapshot)
    assert ksr.replies() == [(503, "All Trunks Busy")]
    assert ksr.called("tm.t_relay") == [] and ksr.htable.table(relay.BUSY_COUNTS) == {}


def test_a_failover_moves_the_call_count_to_the_next_trunk(routed: Snapshot) -> None:
    ksr = invite(routed, "+15557770000")
    route(ksr, routed)
    ksr.calls.clear()
    ksr.pvs["$T_reply_code"] = 503
    ksr.tm.returns["t_is_canceled"] = -1
    EdgeRouter(ksr, "sqlite://", "switchboard").failure_trunk()
    assert ksr.called("dialog.unset_dlg_profile") == [("sbtrunk", "demo/a")]
    assert ksr.called("dialog.set_dlg_profile") == [("sbtrunk", "demo/b")]


def test_fixed_self_selecting_agent_calls_out_only_once_it_selected_dial_out(
    routed: Snapshot,
) -> None:
    snapshot = replace(
        routed, fixed_agents=(FixedAgent("demo-5001", "demo/1001", "self_selection"),)
    )
    ksr = invite(snapshot, "+15557770000")
    route(ksr, snapshot, FakeAcd({"-": ("demo/1001", "dial_in")}))
    assert ksr.replies() == [(403, "Outbound Calls Not Allowed For Dial-In Agents")]
    ksr = invite(snapshot, "+15557770000")
    route(ksr, snapshot, FakeAcd({"-": ("demo/1001", "dial_out")}))
    assert ksr.called("tm.t_relay") == [()]
    ksr = invite(routed, "+15557770000", caller="demo-5000")  # not an agent's: no live way
    route(ksr, routed, FakeAcd({}))
    assert ksr.called("tm.t_relay") == [()]
