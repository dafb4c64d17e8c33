"""Outbound calls from phones: out through the user group's or the team's trunk (or trunk
group: failover order, round robin), with media through rtpengine; no trunk is a 403;
dial-in-only agents may not call out (fixed ones by the store, bound ones by Redis)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import pytest
import redis
from sqlalchemy import select

from routing.acd.keys import Keys
from store import provisioning as p
from store.models import ProvisioningState, TrunkGroup
from tests.integration.conftest import PhoneFactory
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import Call, IncomingCall, SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CARRIER_A, CARRIER_B = "127.0.0.3", "127.0.0.6"
NUMBER = "+15557770000"
CALLER_TONE, CARRIER_TONE = 400.0, 900.0


@pytest.fixture(autouse=True)
def unbound_extensions(stack: Stack) -> Iterator[None]:
    """No agent signed in at the demo extensions (earlier tests may leave self-adapting
    agents bound by call control): set aside for the test, put back after it."""
    client = redis.Redis(port=stack.settings.redis_port)
    keys = [Keys().extension_owner(f"demo-500{n}") for n in range(10)]
    saved = {k: v for k, v in zip(keys, client.mget(keys), strict=True) if v is not None}
    if saved:
        client.delete(*saved)
    yield
    if saved:
        client.mset(saved)


def edge_caught_up(stack: Stack) -> bool:
    """Kamailio's workers use the store's provisioning version from their next request."""
    with stack.sessions() as session:
        version = session.get(ProvisioningState, 1)
        stored = int(version.version) if version is not None else 0
    found = re.search(r"value:\s*(\d+)", stack.kamcmd("htable.get", "sb", "gen"))
    return found is not None and int(found.group(1)) >= stored


def provision(stack: Stack, change: Callable[..., object]) -> None:
    """Apply ``change(session, demo team)`` and wait until the edge uses it."""
    with stack.sessions() as session, session.begin():
        change(session, p.get_team(session, "demo"))
    wait_until(lambda: edge_caught_up(stack), what="the edge reloaded the store")


@contextmanager
def carriers(stack: Stack, *addresses: str) -> Iterator[list[SipUA]]:
    """Carriers answering on ``addresses`` as trunks out-0, out-1, ... of team demo (not yet
    used by anyone); removed afterwards, with demo's default trunk back to ``carrier``."""
    uas = [SipUA(f"carrier{n}", None, stack.proxy, local_ip=ip) for n, ip in enumerate(addresses)]

    def create(session, team):  # type: ignore[no-untyped-def]
        for n, ua in enumerate(uas):
            p.create_trunk(session, team, f"out-{n}", address=ua.local_ip, port=ua.port,
                           caller_id=f"+1555019{n}")  # fmt: skip

    def remove(session, team):  # type: ignore[no-untyped-def]
        p.update_team(session, team, {"default_trunk": "carrier", "default_trunk_group": None})
        for group in session.scalars(select(TrunkGroup).where(TrunkGroup.team_id == team.id)):
            p.delete_trunk_group(session, group)  # the tests' own: demo has none
        for n in range(len(uas)):
            p.delete_trunk(session, p.get_trunk(session, team, f"out-{n}"))

    try:
        provision(stack, create)
        yield uas
    finally:
        provision(stack, remove)
        for ua in uas:
            ua.close()


def rings(carrier: SipUA, call: Call) -> IncomingCall:
    """The INVITE the carrier got for ``call``; a final answer instead fails the test."""
    wait_until(lambda: carrier.has_incoming() or call.status is not None,
               what=f"{carrier.local_ip} rang")  # fmt: skip
    if not carrier.has_incoming():
        summary = call.response.summary() if call.response is not None else call.status
        raise AssertionError(f"the call ended before reaching the carrier: {summary}")
    return carrier.wait_incoming()


def test_phone_calls_out_through_the_teams_trunk_with_audio_through_rtpengine(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    phone = phones("demo-5006")
    with carriers(stack, CARRIER_A) as (carrier,):
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        caller_rtp, carrier_rtp = rtp_endpoints(), rtp_endpoints(CARRIER_A)
        call = phone.invite(NUMBER, rtp=caller_rtp, wait=False)
        incoming = rings(carrier, call)
        assert incoming.request.uri == f"sip:{NUMBER}@{CARRIER_A}:{carrier.port}"
        assert "sip:+15550190@" in incoming.request.headers["From"]  # the trunk's caller ID
        incoming.answer(carrier_rtp)
        assert call.wait_final(timeout=5).status == 200
        incoming.wait_ack()
        assert "sip:demo-5006@" in call.response.headers["From"]  # restored for the caller

        caller_rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
        carrier_rtp.start_sending(incoming.remote_rtp, tone_hz=CARRIER_TONE)
        carrier_rtp.wait_received(50, source=incoming.remote_rtp)
        caller_rtp.wait_received(50, source=call.remote_rtp)
        assert carrier_rtp.dominant_power(CALLER_TONE) > 10 * carrier_rtp.dominant_power(
            CARRIER_TONE
        )
        assert caller_rtp.dominant_power(CARRIER_TONE) > 10 * caller_rtp.dominant_power(CALLER_TONE)
        assert call.bye().status == 200
        incoming.wait_bye()


def test_trunk_group_fails_over_to_the_next_trunk_for_a_user_groups_phone(
    stack: Stack, phones: PhoneFactory
) -> None:
    phone = phones("demo-5007")
    with carriers(stack, CARRIER_A, CARRIER_B) as (first, second):

        def group_for_the_admins(session, team):  # type: ignore[no-untyped-def]
            p.create_trunk_group(session, team, "pair", trunks=["out-0", "out-1"])
            p.create_user_group(session, team, "outbound-admins", members=["admin@demo"],
                                trunk_group="pair")  # fmt: skip

        provision(stack, group_for_the_admins)
        try:
            call = phone.invite(NUMBER, wait=False)
            first.wait_incoming(timeout=5).reject(503, "Service Unavailable")
            incoming = second.wait_incoming(timeout=5)
            assert incoming.request.uri.startswith(f"sip:{NUMBER}@{CARRIER_B}:")
            assert "sip:+15550191@" in incoming.request.headers["From"]  # its own caller ID
            incoming.reject(486, "Busy Here")  # busy is final: no third try
            assert call.wait_final(timeout=5).status == 486
        finally:
            provision(stack, lambda s, team: p.delete_user_group(
                s, p.get_user_group(s, team, "outbound-admins")))  # fmt: skip


def test_round_robin_trunk_group_takes_turns(stack: Stack, phones: PhoneFactory) -> None:
    phone = phones("demo-5008")
    with carriers(stack, CARRIER_A, CARRIER_B) as uas:

        def round_robin(session, team):  # type: ignore[no-untyped-def]
            p.create_trunk_group(session, team, "pair", trunks=["out-0", "out-1"],
                                 policy="round_robin")  # fmt: skip
            p.update_team(session, team, {"default_trunk_group": "pair"})

        provision(stack, round_robin)
        served = []
        for _ in range(2):
            call = phone.invite(NUMBER, wait=False)
            wait_until(lambda: any(ua.has_incoming() for ua in uas), what="a carrier rang")
            ua = next(ua for ua in uas if ua.has_incoming())
            ua.wait_incoming().reject(486, "Busy Here")
            assert call.wait_final(timeout=5).status == 486
            served.append(ua.local_ip)
        assert sorted(served) == [CARRIER_A, CARRIER_B]


def test_a_trunk_at_its_call_limit_passes_the_call_to_the_next_one(
    stack: Stack, phones: PhoneFactory
) -> None:
    phone, other = phones("demo-5006"), phones("demo-5007")
    with carriers(stack, CARRIER_A, CARRIER_B) as (first, second):

        def limited_pair(session, team):  # type: ignore[no-untyped-def]
            p.update_trunk(session, p.get_trunk(session, team, "out-0"), {"max_calls": 1})
            p.create_trunk_group(session, team, "pair", trunks=["out-0", "out-1"])
            p.update_team(session, team, {"default_trunk_group": "pair"})

        provision(stack, limited_pair)
        ringing_call = phone.invite(NUMBER, wait=False)
        ringing = rings(first, ringing_call)
        ringing.ring()  # a ringing call counts against the limit
        ringing_call.wait_provisional(180)
        second_call = other.invite(NUMBER, wait=False)
        rings(second, second_call).reject(486, "Busy Here")
        assert second_call.wait_final(timeout=5).status == 486
        assert not first.has_incoming()
        ringing_call.cancel()
        ringing.wait_cancel()


def test_no_trunk_is_403_no_outbound_route(stack: Stack, phones: PhoneFactory) -> None:
    phone = phones("demo-5009")
    provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": None}))
    try:
        response = phone.invite(NUMBER, timeout=5).response
        assert (response.status, response.reason) == (403, "No Outbound Route")
    finally:
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "carrier"}))


@pytest.fixture
def dial_in_5005(stack: Stack) -> Iterator[None]:
    def way(value: str) -> Callable[..., object]:
        return lambda s, team: p.update_agent(s, team, p.get_agent(s, team, "1005"),
                                              {"working_way": value})  # fmt: skip

    provision(stack, way("dial_in"))
    yield
    provision(stack, way("all"))


def test_fixed_dial_in_agent_cannot_call_out_but_can_call_an_extension(
    stack: Stack, phones: PhoneFactory, dial_in_5005: None
) -> None:
    agent_phone, colleague = phones("demo-5005"), phones("demo-5004")
    with carriers(stack, CARRIER_A) as (carrier,):
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        response = agent_phone.invite(NUMBER, timeout=5).response
        assert (response.status, response.reason) == (
            403, "Outbound Calls Not Allowed For Dial-In Agents",
        )  # fmt: skip
        assert not carrier.has_incoming()
        assert "refused: dial-in agent" in stack.log("kamailio")

        internal = agent_phone.invite("5004", wait=False)
        colleague.wait_incoming(timeout=5).reject(486, "Busy Here")
        assert internal.wait_final(timeout=5).status == 486


def test_agent_bound_in_redis_calls_out_only_while_its_way_is_dial_out(
    stack: Stack, phones: PhoneFactory
) -> None:
    client = redis.Redis(port=stack.settings.redis_port)
    keys = Keys()
    agent = "demo/9901"  # a self-adapting agent as call control binds it
    phone = phones("demo-5000")
    client.set(keys.extension_owner("demo-5000"), agent)
    try:
        with carriers(stack, CARRIER_A) as (carrier,):
            provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
            client.hset(keys.agent(agent), "way", "dial_in")
            response = phone.invite(NUMBER, timeout=5).response
            assert response.status == 403 and "Dial-In" in response.reason
            assert not carrier.has_incoming()

            client.hset(keys.agent(agent), "way", "dial_out")
            call = phone.invite(NUMBER, wait=False)
            carrier.wait_incoming(timeout=5).reject(486, "Busy Here")
            assert call.wait_final(timeout=5).status == 486
    finally:
        client.delete(keys.extension_owner("demo-5000"), keys.agent(agent))


def test_fixed_self_selecting_agent_calls_out_only_while_its_way_is_dial_out(
    stack: Stack, phones: PhoneFactory
) -> None:
    client = redis.Redis(port=stack.settings.redis_port)
    live = Keys().agent("demo/1004")
    phone = phones("demo-5004")

    def way(value: str) -> Callable[..., object]:
        return lambda s, team: p.update_agent(
            s, team, p.get_agent(s, team, "1004"), {"working_way": value}
        )

    saved = client.hget(live, "way")
    provision(stack, way("self_selection"))
    try:
        with carriers(stack, CARRIER_A) as (carrier,):
            provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
            client.hset(live, "way", "dial_in")
            response = phone.invite(NUMBER, timeout=5).response
            assert response.status == 403 and "Dial-In" in response.reason
            client.hset(live, "way", "dial_out")
            call = phone.invite(NUMBER, wait=False)
            rings(carrier, call).reject(486, "Busy Here")
            assert call.wait_final(timeout=5).status == 486
    finally:
        client.hset(live, "way", saved or b"dial_in")
        provision(stack, way("all"))
