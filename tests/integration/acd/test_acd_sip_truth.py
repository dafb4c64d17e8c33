"""The edge's SIP truth through Redis: facts, the audit stream, and agents brought in line
(registration, direct calls) with audited events the selectors follow."""

from __future__ import annotations

import json

import redis

from routing.acd import PySelector
from routing.acd.model import CallKind, State
from routing.acd.redis_store import RedisAcd
from routing.sipstate import SipChange, SipFacts

from .center import now_ms, set_up


def test_reports_keep_the_facts_and_an_audit_trail(client: redis.Redis) -> None:
    acd = RedisAcd(client)
    v1 = acd.report_sip(
        [SipChange("x", "registered", "register")], 1, full=SipFacts(frozenset({"x"}), {})
    )
    v2 = acd.report_sip(
        [SipChange("x", "busy", "dialog_start", "c1"), SipChange("y", "registered", "register")], 2
    )
    assert v2 == v1 + 1 == acd.sip_version()
    assert acd.sip_facts() == (v2, SipFacts(frozenset({"x", "y"}), {"x": "c1"}))
    acd.report_sip(
        [SipChange("x", "free", "dialog_end", "c1"), SipChange("y", "unregistered", "expired")], 3
    )
    assert acd.sip_facts()[1] == SipFacts(frozenset({"x"}), {})
    trail = [json.loads(f[b"event"]) for _id, f in client.xrange(acd.keys.sip_events)]
    assert [(e["user"], e["change"], e["reason"]) for e in trail][-2:] == [
        ("x", "free", "dialog_end"),
        ("y", "unregistered", "expired"),
    ]
    # A full report (an edge restart) replaces what was known.
    acd.report_sip([], 4, full=SipFacts())
    assert acd.sip_facts()[1] == SipFacts()


def test_agents_follow_registration_and_direct_calls_with_audited_events(
    client: redis.Redis,
) -> None:
    acd = RedisAcd(client)
    (a, b), _calls = set_up(acd, agents=2, calls=0)
    selector = PySelector()
    last = acd.bootstrap(selector)
    at_ext = {a: "ext-a", b: "ext-b"}

    changed = acd.follow_sip(at_ext, SipFacts(frozenset({"ext-b"}), {"ext-b": "d1"}), now_ms())
    assert [o.events[0].reason for o in changed] == ["unregistered", "direct_call"]
    live_a, live_b = acd.live(a), acd.live(b)
    assert live_a is not None and not live_a.registered and live_a.state == State.IDLE
    assert live_b is not None and (live_b.state, live_b.call_kind, live_b.call_id) == (
        State.ON_CALL,
        CallKind.DIRECT,
        "d1",
    )
    last = acd.follow(selector, last)
    seen_a, seen_b = selector.live(a), selector.live(b)  # what call control's index knows
    assert seen_a is not None and not seen_a.ready and seen_b is not None and not seen_b.ready

    assert acd.follow_sip(at_ext, SipFacts(frozenset({"ext-b"}), {"ext-b": "d1"}), now_ms()) == []
    changed = acd.follow_sip(at_ext, SipFacts(frozenset({"ext-a", "ext-b"}), {}), now_ms())
    assert sorted(o.events[0].reason for o in changed) == ["dialog_ended", "registered"]
    live_b = acd.live(b)
    assert live_b is not None and live_b.state == State.IDLE
