"""The KEMI glue against a fake KSR: which actions follow from which request."""

from __future__ import annotations

from routing.adapters.ksr import EdgeRouter
from routing.directory import PyDirectory
from routing.model import Snapshot
from tests.support.fake_ksr import FakeKSR

# A party of a dialog the proxy relayed, as it records them (routing.adapters.relay).
PARTY = {"$ci": "c1@host", "$su": "sip:127.0.0.1:5062", "$si": "127.0.0.1"}


def in_dialog(method: str, **pvs: object) -> FakeKSR:
    """An in-dialog request of dialog c1@host, which the proxy knows, sent by its caller."""
    ksr = FakeKSR(method, **{**PARTY, **pvs})
    ksr.siputils.returns["has_totag"] = 1
    ksr.htable.table("sbparty")["c1@host"] = "udp:127.0.0.1:5062|udp:127.0.0.3:5060"
    ksr.rr.returns["check_route_param"] = lambda param: 1 if param == "did=" else -1
    return ksr


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
    ksr = in_dialog("BYE")
    router_for(ksr, snapshot).request_route()
    assert ksr.called("rr.loose_route") and ksr.called("tm.t_relay")
    assert ksr.called("rtpengine.rtpengine_delete") == [("",)]


def test_in_dialog_request_without_route_is_refused(snapshot: Snapshot) -> None:
    ksr = in_dialog("BYE")
    ksr.rr.returns["loose_route"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(404, "Dialog Not Found")]
    assert ksr.called("tm.t_relay") == []


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
    ksr.htable.table("sb")["gen"] = 4
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
    ksr = in_dialog("BYE")
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


# --- defences (routing.guard) -----------------------------------------------------------


def test_in_dialog_request_of_an_unknown_dialog_is_refused_before_the_dialog_module(
    snapshot: Snapshot,
) -> None:
    ksr = in_dialog("INVITE", **{"$ci": "made-up@host"})
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(404, "Dialog Not Found")]
    assert ksr.called("rr.loose_route") == [] and ksr.called("tm.t_relay") == []


def test_in_dialog_bye_from_no_party_is_refused_before_the_dialog_module_ends_it(
    snapshot: Snapshot,
) -> None:
    ksr = in_dialog("BYE", **{"$su": "sip:127.0.0.1:40000"})  # the right host, another socket
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(403, "Not A Party Of This Dialog")]
    assert ksr.called("rr.loose_route") == [] and ksr.called("rtpengine.rtpengine_delete") == []


def test_in_dialog_request_from_the_callee_is_relayed(snapshot: Snapshot) -> None:
    ksr = in_dialog("BYE", **{"$su": "sip:127.0.0.3:5060", "$si": "127.0.0.3"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("tm.t_relay") and ksr.replies() == []


def test_in_dialog_request_with_a_foreign_top_route_is_refused(snapshot: Snapshot) -> None:
    ksr = in_dialog("INVITE")
    ksr.rr.returns["check_route_param"] = -1  # loose_route found no Route of ours on top
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(404, "Dialog Not Found")] and ksr.called("tm.t_relay") == []


def test_ack_of_no_dialog_is_relayed_only_for_its_transaction(snapshot: Snapshot) -> None:
    ksr = in_dialog("ACK", **{"$ci": "other@host"})
    ksr.tm.returns["t_check_trans"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.called("tm.t_relay") == [] and ksr.replies() == []


def test_reinvite_whose_sdp_rtpengine_refuses_gets_488(snapshot: Snapshot) -> None:
    ksr = in_dialog("INVITE")
    ksr.textops.returns["has_body_type"] = 1
    ksr.rtpengine.returns["rtpengine_manage"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(488, "Not Acceptable Here")] and ksr.called("tm.t_relay") == []


def test_initial_invite_whose_sdp_rtpengine_refuses_gets_488_not_relayed(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR("INVITE", **{"$au": "demo-5001", "$rU": "5002"})
    ksr.textops.returns["has_body_type"] = 1
    ksr.rtpengine.returns["rtpengine_manage"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(488, "Not Acceptable Here")] and ksr.called("tm.t_relay") == []


def test_undecodable_request_uri_gets_400_and_one_log_line(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$au": "demo-5001"})

    def undecodable(name: str) -> object:
        if name == "$rU":
            raise UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")
        return ksr.pvs.get(name)

    ksr.pv.get = undecodable  # type: ignore[method-assign]
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(400, "Bad Request-URI")]
    assert [level for level, _ in ksr.logs] == ["warn"]


def test_a_phone_sharing_a_trunks_address_is_challenged_unless_it_calls_that_teams_did(
    snapshot: Snapshot,
) -> None:
    # acme's trunk is at 127.0.0.4; a demo phone there dialing a short number or demo's DID
    # is a phone, challenged; only a call to one of acme's DIDs is acme's carrier's.
    for dialed in ("5002", "+15550101", "+15557770000"):
        ksr = FakeKSR("INVITE", **{"$au": None, "$rU": dialed, "$si": "127.0.0.4"})
        router_for(ksr, snapshot).request_route()
        assert ksr.called("auth.auth_challenge") == [("switchboard", 1)], dialed
    ksr = FakeKSR("INVITE", **{"$au": None, "$rU": "+15550200", "$si": "127.0.0.4"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == []
    assert ("$ru", "sip:acme-5000@127.0.0.1") in ksr.called("pv.sets")


def test_credentials_make_a_request_from_a_trunk_address_a_phones(snapshot: Snapshot) -> None:
    ksr = FakeKSR("INVITE", **{"$au": "demo-5001", "$rU": "+15550101", "$si": "127.0.0.2"})
    router_for(ksr, snapshot).request_route()
    assert ksr.called("auth.pv_auth_check")  # checked as demo-5001, not taken as the carrier


def test_ten_failed_digests_ban_the_source_and_then_even_the_right_password_is_dropped(
    snapshot: Snapshot,
) -> None:
    tables = None
    for attempt in range(10):
        ksr = FakeKSR("REGISTER", **{"$au": "demo-5001", "$si": "127.0.0.50"})
        if tables is not None:
            ksr.htable.tables = tables  # shared memory outlives requests
        ksr.auth.returns["pv_auth_check"] = -2  # invalid password
        router_for(ksr, snapshot).request_route()
        tables = ksr.htable.tables
        assert ksr.replies() == [(403, "Forbidden")], attempt
    assert tables is not None and "127.0.0.50" in tables["sbban"]
    ksr = FakeKSR("REGISTER", **{"$au": "demo-5001", "$si": "127.0.0.50"})
    ksr.htable.tables = tables
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [] and ksr.called("auth.pv_auth_check") == []


def test_a_locked_account_refuses_other_addresses_but_not_its_phones(snapshot: Snapshot) -> None:
    def register(source: str) -> FakeKSR:
        ksr = FakeKSR("REGISTER", **{"$au": "demo-5001", "$si": source})
        ksr.htable.table("sblock")["demo-5001"] = "127.0.0.60"
        ksr.htable.table("sbgood")["demo-5001"] = "127.0.0.1"
        router_for(ksr, snapshot).request_route()
        return ksr

    assert register("127.0.0.61").replies() == [(403, "Too Many Failed Attempts")]
    assert register("127.0.0.1").called("registrar.save")


def test_a_flooding_source_is_banned_but_call_control_hosts_never(snapshot: Snapshot) -> None:
    ksr = FakeKSR("OPTIONS", **{"$rU": "", "$si": "127.0.0.70"})
    ksr.pike.returns["pike_check_req"] = -1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [] and ksr.htable.table("sbban") == {"127.0.0.70": "flood"}
    ksr = FakeKSR("OPTIONS", **{"$rU": "", "$si": "127.0.0.1"})
    ksr.pike.returns["pike_check_req"] = -1
    ksr.dispatcher.returns["ds_is_from_list_mode"] = 1
    router_for(ksr, snapshot).request_route()
    assert ksr.replies() == [(200, "OK")] and ksr.htable.table("sbban") == {}
