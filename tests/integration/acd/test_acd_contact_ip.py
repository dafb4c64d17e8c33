"""``report_sip`` keeps the contact-IP hash beside the registrations; ``users_registered_from``
answers from both."""

from __future__ import annotations

import redis

from routing.acd.redis_store import RedisAcd
from routing.sipstate import SipChange, SipFacts


def test_contact_ips_follow_registrations_and_a_full_report_replaces_them(
    client: redis.Redis,
) -> None:
    acd = RedisAcd(client)
    acd.report_sip([], 1, full=SipFacts(frozenset({"a", "b"}), {}, {"a": "10.0.0.1"}))
    assert acd.users_registered_from("10.0.0.1") == ["a"]
    acd.report_sip([SipChange("c", "registered", "register", ip="10.0.0.1"),
                    SipChange("b", "registered", "moved", ip="10.0.0.1")], 2)  # fmt: skip
    assert acd.users_registered_from("10.0.0.1") == ["a", "b", "c"]
    acd.report_sip([SipChange("a", "unregistered", "expired"),
                    SipChange("b", "registered", "moved", ip="10.0.0.2")], 3)  # fmt: skip
    assert acd.users_registered_from("10.0.0.1") == ["c"]
    assert acd.users_registered_from("10.0.0.2") == ["b"]
    assert client.hget(acd.keys.sip_contact_ip, "a") is None
    acd.report_sip([], 4, full=SipFacts(frozenset({"c"}), {}, {"c": "10.0.0.3"}))
    assert acd.users_registered_from("10.0.0.1") == []
    assert acd.users_registered_from("10.0.0.3") == ["c"]
