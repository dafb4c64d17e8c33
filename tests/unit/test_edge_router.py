"""The KEMI glue against a fake KSR: which actions follow from which request."""

from __future__ import annotations

from routing.adapters.ksr import EdgeRouter
from routing.directory import PyDirectory
from routing.model import Snapshot
from tests.support.fake_ksr import FakeKSR


def router_for(ksr: FakeKSR, snapshot: Snapshot) -> EdgeRouter:
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    return router


def test_register_without_credentials_is_challenged(snapshot: Snapshot) -> None:
    ksr = FakeKSR("REGISTER", **{"$au": None, "$tU": "demo-5001"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == [("switchboard", 1)]
    assert ksr.called("registrar.save") == []


def test_register_with_good_credentials_is_saved_against_its_ha1(snapshot: Snapshot) -> None:
    ksr = FakeKSR("REGISTER", **{"$au": "demo-5001"})
    router = router_for(ksr, snapshot)
    router.request_route()
    ((realm, ha1, flags, checks),) = ksr.called("auth.pv_auth_check")
    assert (realm, flags, checks) == ("switchboard", 1, 1)
    assert ha1 == router.directory.account("demo-5001")[2]  # type: ignore[union-attr]
    assert ksr.called("registrar.save") == [("location", 0)]


def test_register_with_wrong_password_is_forbidden_not_saved(snapshot: Snapshot) -> None:
    ksr = FakeKSR("REGISTER", **{"$au": "demo-5001"})
    ksr.auth.returns["pv_auth_check"] = -2
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(403, "Forbidden")]
    assert ksr.called("registrar.save") == []


def test_invite_to_short_number_relays_to_the_teams_extension_with_media(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("INVITE", **{"$au": "acme-5001", "$rU": "5002", "$si": "127.0.0.1"})
    ksr.textops.returns["has_body_type"] = 1
    router_for(ksr, snapshot).request_route()
    assert ("$ru", "sip:acme-5002@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("registrar.lookup") == [("location",)]
    assert ksr.called("rr.record_route") and ksr.called("dialog.dlg_manage")
    assert len(ksr.called("rtpengine.rtpengine_manage")) == 1
    assert ksr.called("tm.t_relay") == [()]


def test_invite_to_unregistered_extension_gets_480_and_no_media(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$au": "demo-5001", "$rU": "5002", "$si": "127.0.0.1"})
    ksr.registrar.returns["lookup"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(480, "Temporarily Unavailable")]
    assert ksr.called("rtpengine.rtpengine_manage") == [] and ksr.called("tm.t_relay") == []


def test_invite_from_trunk_address_needs_no_credentials(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$au": None, "$rU": "+15550101", "$si": "127.0.0.2"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == []
    assert ("$ru", "sip:demo-5000@127.0.0.1") in ksr.called("pv.sets")


def test_invite_from_unknown_address_to_a_did_is_challenged_not_routed(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("INVITE", **{"$au": None, "$rU": "+15550101", "$si": "127.0.0.9"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == [("switchboard", 1)]
    assert ksr.called("tm.t_relay") == []


def test_in_dialog_bye_follows_record_route_and_frees_media(snapshot: Snapshot) -> None:
    ksr = FakeKSR("BYE")
    ksr.siputils.returns["has_totag"] = 1
    router_for(ksr, snapshot).request_route()
    assert ksr.called("rr.loose_route") and ksr.called("tm.t_relay")
    assert ksr.called("rtpengine.rtpengine_delete") == [("",)]


def test_in_dialog_request_without_route_is_refused(snapshot: Snapshot) -> None:
    ksr = FakeKSR("BYE")
    ksr.siputils.returns["has_totag"] = 1
    ksr.rr.returns["loose_route"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(404, "Not Here")]


def test_an_exception_in_routing_answers_500_and_logs_the_call_id(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$au": "demo-5001", "$rU": "5002", "$ci": "abc@host"})

    def boom(*_args: object) -> int:
        raise RuntimeError("lookup exploded")

    ksr.registrar.returns["lookup"] = boom
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(500, "Server Internal Error")]
    assert any("abc@host" in text and "lookup exploded" in text for _, text in ksr.logs)


def test_newer_published_version_reloads_the_directory(snapshot: Snapshot) -> None:
    ksr = FakeKSR("OPTIONS", **{"$rU": ""})
    ksr.htable.returns["sht_get"] = 4
    router = router_for(ksr, snapshot)
    reloads: list[int] = []
    router._reload = lambda: reloads.append(1)  # type: ignore[method-assign]
    router.request_route()
    assert reloads == [1]


def test_invite_to_agent_group_did_goes_to_call_control_with_its_queue(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("INVITE", **{"$rU": "+15550100", "$si": "127.0.0.2"})
    ksr.textops.returns["has_body_type"] = 1
    router = router_for(ksr, snapshot)
    router.request_route()
    assert ksr.called("dispatcher.ds_select_dst") == [(1, 4)]
    assert ksr.called("hdr.append") == [("X-Switchboard-Queue: demo/support\r\n",)]
    assert ksr.called("rr.add_rr_param") == [(";sbcc=1",)]
    assert ksr.called("tm.t_relay") and not ksr.called("rtpengine.rtpengine_manage")


def test_agent_group_call_without_live_call_control_gets_503(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$rU": "+15550100", "$si": "127.0.0.2"})
    ksr.dispatcher.returns["ds_select_dst"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(503, "Call Control Unavailable")]


def test_call_control_dials_an_agent_extension_without_credentials(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$rU": "demo-5001", "$si": "127.0.0.1"})
    ksr.dispatcher.returns["ds_is_from_list_mode"] = 1
    ksr.textops.returns["has_body_type"] = 1
    router_for(ksr, snapshot).request_route()
    assert not ksr.called("auth.pv_auth_check")
    assert ("$ru", "sip:demo-5001@127.0.0.1") in ksr.called("pv.sets")
    assert ksr.called("rtpengine.rtpengine_manage") and ksr.called("tm.t_relay")


def test_in_dialog_request_of_a_call_control_dialog_leaves_media_alone(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("BYE")
    ksr.siputils.returns["has_totag"] = 1
    ksr.rr.returns["check_route_param"] = 1
    router_for(ksr, snapshot).request_route()
    assert ksr.called("tm.t_relay") and not ksr.called("rtpengine.rtpengine_delete")


def test_star_64_from_an_authenticated_phone_goes_to_call_control_with_its_caller(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("INVITE", **{"$rU": "*64", "$si": "127.0.0.1", "$au": "demo-5001"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("hdr.append") == [
        ("X-Switchboard-Feature: *64\r\n",),
        ("X-Switchboard-Caller: demo-5001\r\n",),
    ]
    assert ksr.called("dispatcher.ds_select_dst") == [(1, 4)]
