from tests.support.fake_ksr import FakeKSR


def test_fake_ksr_records_calls_and_answers_from_returns() -> None:
    ksr = FakeKSR("REGISTER", **{"$au": "demo-5001"})
    ksr.auth.returns["pv_auth_check"] = -2
    assert ksr.auth.pv_auth_check("r", "ha1", 1, 1) == -2
    assert ksr.tm.t_relay() == 1
    assert ksr.called("auth.pv_auth_check") == [("r", "ha1", 1, 1)]
    assert ksr.pv.get("$au") == "demo-5001"


def test_fake_ksr_knows_its_method_and_records_replies() -> None:
    ksr = FakeKSR("BYE")
    assert ksr.is_BYE() and not ksr.is_INVITE()
    ksr.sl.sl_send_reply(404, "Not Found")
    assert ksr.replies() == [(404, "Not Found")]


def test_fake_ksr_returns_callables_with_arguments() -> None:
    ksr = FakeKSR()
    ksr.htable.returns["sht_get"] = lambda table, key: 7 if key == "gen" else None
    assert ksr.htable.sht_get("sb", "gen") == 7
    assert ksr.htable.sht_get("sb", "other") is None
