"""The pure parts of the Locust load tests: stages, gates, SIP text, loopback-only targets.

(Nothing here imports locust: it would monkey-patch this test process with gevent.)
"""

from __future__ import annotations

import pytest

from loadtests.stages import MAX_SECONDS, MAX_USERS, ramp, spike, stage_at, steady
from loadtests.thresholds import Entry, Limits, problems
from loadtests.users.sip import digest_authorization, parse, parse_challenge, response_to
from loadtests.users.target import loopback, sip_proxy


def test_steady_holds_its_users_then_stops() -> None:
    stages = steady(5, 30)
    assert stage_at(stages, 0) == (5, 5.0)
    assert stage_at(stages, 29.9) == (5, 5.0)
    assert stage_at(stages, 30) is None


def test_ramp_climbs_in_four_steps_and_holds_the_peak() -> None:
    stages = ramp(8, 40)
    users = [stage_at(stages, t)[0] for t in (0, 8, 16, 23, 35)]  # type: ignore[index]
    assert users == [2, 4, 6, 8, 8]
    assert stage_at(stages, 40) is None


def test_spike_jumps_to_all_users_and_back() -> None:
    stages = spike(12, 50)
    assert [stage_at(stages, t)[0] for t in (10, 25, 40)] == [3, 12, 3]  # type: ignore[index]


def test_every_shape_is_capped_in_users_and_time() -> None:
    for shape in (ramp, steady, spike):
        stages = shape(10_000, 10_000)
        assert max(s.users for s in stages) <= MAX_USERS
        assert stages[-1].until_s <= MAX_SECONDS


def test_gate_fails_on_failures_slow_requests_or_no_requests() -> None:
    limits = Limits(fail_ratio=0.01, p95_ms=100)
    fine = [Entry("SIP REGISTER", 1000, 5, 20.0), Entry("GET /health", 100, 0, 50.0)]
    assert problems(fine, limits) == []
    failing = [Entry("SIP REGISTER", 100, 5, 20.0)]
    assert problems(failing, limits) == ["failure ratio 5.00% > 1.00%"]
    slow = [Entry("SIP INVITE DID", 100, 0, 250.0)]
    assert problems(slow, limits) == ["SIP INVITE DID: p95 250 ms > 100 ms"]
    assert problems([], limits) == ["only 0 requests (at least 1 expected)"]


def test_digest_response_matches_rfc_2617_example() -> None:
    challenge = parse_challenge(
        'Digest realm="testrealm@host.com", qop="auth,auth-int", '
        'nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"'
    )
    value = digest_authorization(
        challenge, "GET", "/dir/index.html", "Mufasa", "Circle Of Life", cnonce="0a4f113b", nc=1
    )
    assert 'response="6629fae49393a05397450978507c4ef1"' in value
    assert "qop=auth" in value and "nc=00000001" in value and 'opaque="5ccc069c' in value


def test_parse_and_answer_a_request_copying_the_dialog_headers() -> None:
    invite = parse(
        b"INVITE sip:demo-5009@127.0.0.1:5090 SIP/2.0\r\n"
        b"v: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bKabc\r\n"
        b"Record-Route: <sip:127.0.0.1;lr>\r\nf: <sip:a@x>;tag=1\r\nt: <sip:b@x>\r\n"
        b"i: call-1\r\nCSeq: 2 INVITE\r\nl: 0\r\n\r\n"
    )
    assert (invite.method, invite.branch, invite.header("Call-ID")) == (
        "INVITE",
        "z9hG4bKabc",
        "call-1",
    )
    ok = parse(response_to(invite, 200, "OK", to_tag="t9").encode())
    assert ok.status == 200 and ok.method == "INVITE" and ok.to_tag == "t9"
    assert ok.header("Record-Route") == "<sip:127.0.0.1;lr>" and ok.branch == "z9hG4bKabc"


def test_garbage_is_not_a_sip_message() -> None:
    with pytest.raises(ValueError):
        parse(b"HTTP/1.1 200 OK\r\n\r\n")


def test_load_only_goes_to_loopback() -> None:
    assert sip_proxy({"SWITCHBOARD_SIP_ADDRESS": "127.0.0.1:5070"}) == ("127.0.0.1", 5070)
    assert loopback("localhost") == "localhost"
    for host in ("10.0.0.1", "example.com"):
        with pytest.raises(SystemExit):
            loopback(host)
    with pytest.raises(SystemExit):
        sip_proxy({"SWITCHBOARD_SIP_ADDRESS": "192.0.2.1:5060"})


def test_contact_uri_takes_the_uri_with_or_without_a_display_name() -> None:
    from loadtests.users.sipclient import contact_uri

    assert contact_uri('"Anonymous" <sip:cc@127.0.0.1:5070>;expires=60') == "sip:cc@127.0.0.1:5070"
    assert contact_uri("<sip:demo-5001@127.0.0.1:40000;ob>") == "sip:demo-5001@127.0.0.1:40000;ob"
    assert (
        contact_uri("sip:demo-5001@127.0.0.1:40000;expires=60") == "sip:demo-5001@127.0.0.1:40000"
    )
