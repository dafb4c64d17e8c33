"""Trunk settings at the edge (routing.trunks) and their KEMI glue: codec flags for
rtpengine, the uac registrations kept in step with the store, and the trunk failure
route answering a carrier's digest challenge once."""

from __future__ import annotations

import json

from routing.adapters import relay
from routing.adapters.ksr import EdgeRouter
from routing.adapters.trunks import FIRST_TRY_TICKS, STATE_TICKS, Registrations
from routing.directory import PyDirectory
from routing.model import Snapshot
from routing.trunks import (
    TrunkBook,
    TrunkSettings,
    codec_flags,
    fingerprint,
    reg_add_params,
    sync_registrations,
)
from tests.support.fake_ksr import FakeKSR

REG = TrunkSettings("demo", "reg", "sip.example.net", 5080, ("PCMA",), "acct", "pw-1", "sbtabc")
PLAIN = TrunkSettings("demo", "carrier", "127.0.0.2", 5060, ("PCMU", "PCMA"))


def test_the_trunks_codecs_are_offered_in_its_order_and_everything_else_is_masked() -> None:
    assert codec_flags(("G722", "PCMA")) == (
        "codec-mask=all codec-transcode=G722 codec-transcode=PCMA codec-except=telephone-event"
    )
    assert codec_flags(()) == ""


def test_a_password_never_shows_in_a_repr_and_only_registering_trunks_have_a_contact() -> None:
    assert "pw-1" not in repr(REG)
    book = TrunkBook([REG, PLAIN])
    assert book.by_contact("sbtabc") is REG and book.by_contact("") is None
    assert book.registrations() == {"sbtabc": REG}
    assert (
        TrunkBook([TrunkSettings("demo", "x", "h", 5060, (), "acct", "", "sbtx")]).registrations()
        == {}
    )


def test_reg_add_names_the_contact_user_the_account_and_sends_to_the_host() -> None:
    params = reg_add_params(REG)
    assert len(params) == 15  # uac.reg_add's signature in Kamailio 5.6
    assert params[:2] == ["sbtabc", "sbtabc"]  # l_uuid: the Contact user registered
    assert params[3:5] == ["acct", "sip.example.net:5080"]
    assert params[6:10] == ["acct", "pw-1", ".", "sip:sip.example.net:5080"]
    assert params[14] == "."  # the module's reg_contact_addr


def test_registrations_follow_the_store_new_changed_and_gone() -> None:
    moved = TrunkSettings("demo", "reg", "other.example.net", 5080, (), "acct", "pw-1", "sbtabc")
    gone = {"sbtold": ("a", "b", "c", "5060")}
    plan = sync_registrations({**gone, "sbtabc": fingerprint(REG)}, {"sbtabc": moved})
    assert plan.remove == ("sbtabc", "sbtold") and plan.add == (moved,)
    assert sync_registrations({"sbtabc": fingerprint(REG)}, {"sbtabc": REG}).add == ()


def test_registrations_are_sent_as_rpc_and_the_password_is_never_logged() -> None:
    k = FakeKSR()
    k.pvs["$jsonrpl(body)"] = '{"jsonrpc":"2.0","result":null,"id":1}'
    registrations = Registrations()
    registrations.sync(k, TrunkBook([REG, PLAIN]))
    methods = [json.loads(args[0])["method"] for args in k.called("jsonrpcs.exec")]
    assert methods == ["uac.reg_remove", "uac.reg_add"]
    assert registrations.current == {"sbtabc": fingerprint(REG)}
    registrations.sync(k, TrunkBook([PLAIN]))  # the trunk stopped registering
    assert json.loads(k.called("jsonrpcs.exec")[-1][0])["params"] == ["sbtabc"]
    assert registrations.current == {}
    assert not any("pw-1" in text for _, text in k.logs)


def failed_trunk_call(status: int, answered: str = "") -> FakeKSR:
    k = FakeKSR("INVITE", **{"$T_reply_code": status, relay.TRUNK_USED: "demo/reg"})
    k.tm.returns["t_is_canceled"] = -1
    k.pvs[relay.NEXT_TRUNKS] = "[]"
    if answered:
        k.pvs[relay.AUTH_ANSWERED] = answered
    return k


def test_a_carriers_challenge_is_answered_once_with_the_trunks_credentials() -> None:
    k = failed_trunk_call(407)
    relay.failure_trunk(k, TrunkBook([REG]))
    assert k.called("uac.uac_auth") == [()]
    assert k.pvs[relay.AUTH_USER] == "acct" and k.pvs[relay.AUTH_PASSWORD] == "pw-1"
    assert k.called("tm.t_relay") == [()]
    assert not any("pw-1" in text for _, text in k.logs)

    again = failed_trunk_call(407, answered="demo/reg")
    relay.failure_trunk(again, TrunkBook([REG]))
    assert again.called("uac.uac_auth") == [] and again.called("tm.t_relay") == []
    assert again.called("tm.t_reply") == [relay.TRUNK_AUTH_FAILED]


def test_a_challenge_of_a_trunk_without_credentials_is_not_passed_to_the_caller() -> None:
    k = failed_trunk_call(401)
    relay.failure_trunk(k, TrunkBook([PLAIN]))
    assert k.called("uac.uac_auth") == []
    assert k.called("tm.t_reply") == [relay.TRUNK_AUTH_FAILED]


def test_each_trunks_branch_offers_its_codecs_and_a_refused_sdp_drops_the_branch() -> None:
    k = FakeKSR("INVITE", **{relay.TRUNK_USED: "demo/reg"})
    k.textops.returns["has_body_type"] = 1
    relay.branch_trunk(k, TrunkBook([REG]))
    assert k.called("rtpengine.rtpengine_manage") == [
        (f"{relay.RTPENGINE_FLAGS} {codec_flags(('PCMA',))}",)
    ]
    k.rtpengine.returns["rtpengine_manage"] = -1
    relay.branch_trunk(k, TrunkBook([REG]))
    assert k.called("set_drop") == [()] and k.pvs[relay.SDP_REFUSED_MARK] == "1"


def edge_with_trunks(ksr: FakeKSR, snapshot: Snapshot) -> EdgeRouter:
    router = EdgeRouter(ksr, db_url="sqlite://", realm="switchboard")
    router.directory = PyDirectory(snapshot)
    router.trunks = TrunkBook([REG, PLAIN])
    return router


def test_a_call_to_a_trunks_registration_contact_goes_to_the_did_in_to(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR(
        "INVITE", **{"$au": None, "$rU": "sbtabc", "$tU": "+15550101", "$si": "203.0.113.9"}
    )
    edge_with_trunks(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == []
    assert ("$ru", "sip:demo-5000@127.0.0.1") in ksr.called("pv.sets")


def test_a_call_to_a_registration_contact_for_no_did_of_its_team_is_challenged(
    snapshot: Snapshot,
) -> None:
    ksr = FakeKSR(
        "INVITE", **{"$au": None, "$rU": "sbtabc", "$tU": "+15559999", "$si": "203.0.113.9"}
    )
    edge_with_trunks(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == [("switchboard", 1)]
    assert ksr.called("tm.t_relay") == []


def test_an_unknown_contact_user_is_no_trunk(snapshot: Snapshot) -> None:
    ksr = FakeKSR(
        "INVITE", **{"$au": None, "$rU": "sbtnope", "$tU": "+15550101", "$si": "203.0.113.9"}
    )
    edge_with_trunks(ksr, snapshot).request_route()
    assert ksr.called("auth.auth_challenge") == [("switchboard", 1)]


def test_registration_states_are_the_uac_modules_with_time_for_a_first_try() -> None:
    k = FakeKSR()
    k.pvs["$jsonrpl(body)"] = '{"jsonrpc":"2.0","result":null,"id":1}'
    registrations = Registrations()
    registrations.sync(k, TrunkBook([REG]))
    k.uac.returns["uac_reg_status"] = -99  # not registered (yet)
    assert registrations.states(k) == {"demo/reg": "registering"}
    registrations._ticks += FIRST_TRY_TICKS
    assert registrations.states(k) == {"demo/reg": "failed"}
    k.uac.returns["uac_reg_status"] = 1
    assert registrations.states(k) == {"demo/reg": "registered"}
    for _ in range(STATE_TICKS):
        registrations.tick(k, "")  # no Redis: logged only
    assert registrations.reported == {"demo/reg": "registered"}
    assert ("info", "trunk demo/reg registration: registered\n") in k.logs


def test_a_callers_re_invite_toward_the_trunk_offers_the_trunks_codecs_only_downstream() -> None:
    k = FakeKSR("INVITE", **{relay.DIALOG_TRUNK: "demo/reg"})
    k.rr.returns["is_direction"] = 1
    assert relay.in_dialog_codecs(k, TrunkBook([REG])) == codec_flags(("PCMA",))
    k.rr.returns["is_direction"] = -1  # the carrier's own re-INVITE: its offer as it is
    assert relay.in_dialog_codecs(k, TrunkBook([REG])) == ""
    assert relay.in_dialog_codecs(FakeKSR("INVITE"), TrunkBook([REG])) == ""
