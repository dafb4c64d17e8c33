"""The edge reports where each phone registered from: the API finds the softphone
registered from the same IP as an agent's browser (dynamic agents) in Redis."""

from __future__ import annotations

import redis

from routing.acd.keys import Keys
from routing.acd.redis_store import RedisAcd
from tests.integration.conftest import PhoneFactory
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def acd(stack: Stack) -> RedisAcd:
    return RedisAcd(redis.Redis(port=stack.settings.redis_port), Keys())


def test_given_phones_on_two_addresses_then_each_is_found_by_its_ip_until_unregistered(
    stack: Stack, phones: PhoneFactory
) -> None:
    here = phones("demo-5007", local_ip="127.0.0.1")
    there = phones("demo-5006", local_ip="127.0.0.5")
    wait_until(lambda: "demo-5007" in acd(stack).users_registered_from("127.0.0.1"),
               what="demo-5007 found at 127.0.0.1")  # fmt: skip
    wait_until(lambda: acd(stack).users_registered_from("127.0.0.5") == ["demo-5006"],
               what="demo-5006 found at 127.0.0.5")  # fmt: skip
    assert "demo-5006" not in acd(stack).users_registered_from("127.0.0.1")
    contact_ips = redis.Redis(port=stack.settings.redis_port, decode_responses=True).hgetall(
        Keys().sip_contact_ip
    )
    assert contact_ips["demo-5006"] == "127.0.0.5"

    assert there.unregister().status == 200
    wait_until(lambda: acd(stack).users_registered_from("127.0.0.5") == [],
               what="demo-5006 forgotten once unregistered")  # fmt: skip
    assert here.unregister().status == 200
    wait_until(lambda: "demo-5007" not in acd(stack).users_registered_from("127.0.0.1"),
               what="demo-5007 forgotten once unregistered")  # fmt: skip
