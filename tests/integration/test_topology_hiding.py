"""Topology hiding toward trunks (kamailio/topos.cfg, routing/adapters/topology.py): a
carrier sees only the edge in a call's signalling, both ways; calls between phones are
not rewritten. Its own stack, with SWITCHBOARD_TOPOLOGY_HIDING=1 (off by default)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
import redis

from store import provisioning as p
from tests.integration.conftest import PhoneFactory
from tests.integration.test_outbound_calls import carriers, provision, rings
from tests.support.sipmsg import SipMessage
from tests.support.sipua import SipUA
from tests.support.stack import Stack, start_stack
from tests.support.waiting import wait_until


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """This module's own stack: topology hiding on (the session's stack has it off)."""
    running = start_stack(tmp_path_factory.mktemp("topos-stack"), topology_hiding=1)
    try:
        yield running
    finally:
        running.stop()


CARRIER = "127.0.0.3"
NUMBER, DID = "+15557770000", "+15550101"  # DID: demo's, to extension 5000


def head(message: SipMessage) -> str:
    return message.encode().split(b"\r\n\r\n", 1)[0].decode()


def forgotten(stack: Stack, call_id: str) -> None:
    """The dialog's mark leaves the shared table when the dialog ends (kemi.py's dialog
    event calls TopologyHiding.forget), not only 3 h later by autoexpire."""
    wait_until(
        lambda: call_id not in stack.kamcmd("htable.dump", "sbtopos"),
        what=f"{call_id} forgotten by topology hiding",
    )


def shows_only_the_edge(stack: Stack, message: SipMessage, hidden: SipUA) -> None:
    """No Record-Route, one Via (for a request), a Contact at the edge, no trace of ``hidden``."""
    edge = f"{stack.settings.sip_host}:{stack.settings.sip_port}"
    text = head(message)
    assert "Record-Route" not in text, text
    if message.is_request:
        assert len(message.headers.values("Via")) == 1 and edge in message.headers["Via"], text
    assert re.search(rf"<sip:[ab]tpsh-[^@]+@{re.escape(edge)}>", message.headers["Contact"]), text
    assert f":{hidden.port}" not in text and hidden.username not in message.headers["Contact"]


def test_carrier_sees_only_the_edge_when_a_phone_calls_out(
    stack: Stack, phones: PhoneFactory
) -> None:
    phone = phones("demo-5008")
    with carriers(stack, CARRIER) as (carrier,):
        provision(stack, lambda s, team: p.update_team(s, team, {"default_trunk": "out-0"}))
        call = phone.invite(NUMBER, wait=False)
        incoming = rings(carrier, call)
        shows_only_the_edge(stack, incoming.request, phone)
        # topos keeps the dialog in Redis database 1, under the id in the edge's Contact.
        found = re.search(r"<sip:[ab]tpsh-([^@]+)@", incoming.request.headers["Contact"])
        assert found is not None
        store = redis.Redis(port=stack.settings.redis_port, db=1)
        assert store.keys(f"d:*tpsh-{found.group(1)}"), store.keys()[:20]
        incoming.answer()
        assert call.wait_final(timeout=5).status == 200
        incoming.wait_ack()
        assert incoming.bye().status == 200  # the carrier hangs up, through the edge's Contact
        call.wait_bye()
        forgotten(stack, call.call_id)


def test_carrier_sees_only_the_edge_when_it_calls_a_phone(
    stack: Stack, phones: PhoneFactory
) -> None:
    phone = phones("demo-5000")
    with carriers(stack, CARRIER) as (carrier,):
        call = carrier.invite(DID, wait=False)
        incoming = phone.wait_incoming()
        incoming.ring()
        call.wait_provisional(180)
        incoming.answer()
        response = call.wait_final()
        assert response.status == 200
        shows_only_the_edge(stack, response, phone)
        incoming.wait_ack()
        assert incoming.bye().status == 200  # the phone hangs up; the carrier gets the BYE
        call.wait_bye()
        forgotten(stack, call.call_id)


def test_calls_between_phones_are_not_rewritten(phones: PhoneFactory) -> None:
    caller, callee = phones("demo-5008"), phones("demo-5009")
    call = caller.invite("5009", wait=False)
    incoming = callee.wait_incoming()
    assert incoming.request.headers.values("Record-Route"), head(incoming.request)
    assert f"{caller.username}@" in incoming.request.headers["Contact"]
    incoming.answer()
    assert call.wait_final().status == 200
    incoming.wait_ack()
    assert call.bye().status == 200
    incoming.wait_bye()
