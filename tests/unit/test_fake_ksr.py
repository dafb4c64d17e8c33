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


def test_fake_ksr_htable_holds_values_counts_and_iterates() -> None:
    ksr = FakeKSR()
    assert ksr.htable.sht_inc("t", "k") == -255  # no initval: as Kamailio 5.6
    ksr.htable.initval["t"] = 0
    assert ksr.htable.sht_inc("t", "k") == 1 and ksr.htable.sht_dec("t", "k") == 0
    ksr.htable.sht_sets("t", "s", "v")
    ksr.htable.sht_iterator_start("it", "t")
    seen = {}
    while ksr.htable.sht_iterator_next("it") >= 0:
        seen[ksr.pv.get("$shtitkey(it)")] = ksr.pv.get("$shtitval(it)")
    ksr.htable.sht_iterator_end("it")
    assert seen == {"k": 0, "s": "v"}
    ksr.htable.sht_rm("t", "s")
    assert ksr.htable.sht_get("t", "s") is None
    ksr.htable.returns["sht_get"] = 9  # a test's answer wins
    assert ksr.htable.sht_get("t", "k") == 9
