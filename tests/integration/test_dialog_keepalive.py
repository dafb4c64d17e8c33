"""Direct calls between phones carry dialog keep-alives (in-dialog OPTIONS from the edge
to both phones): a call whose phone vanished without a BYE is ended -- a BYE to the
other phone -- and both users are free for the queue again, instead of staying busy for
the dialog's 12 hours. Its own stack (the keep-alives change every call's timing)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
import redis

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import KEYS, agent_live
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack, start_stack
from tests.support.waiting import wait_until

KEEPALIVE_S = 30  # the dialog module's minimum (and the default)
TM_NO_ANSWER_S = 15  # tm's fr_timer: how long an OPTIONS goes unanswered before a 408


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("keepalive-stack"),
        with_web=False,
        dialog_keepalive_s=KEEPALIVE_S,
    )
    try:
        yield running
    finally:
        running.stop()


def busy_users(stack: Stack) -> set[str]:
    client = redis.Redis(port=stack.settings.redis_port, decode_responses=True)
    return set(client.hkeys(KEYS.sip_busy))


def test_a_call_whose_phone_vanished_is_ended_and_frees_both_users(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    caller = phones("demo-5001")  # agent 1001's phone
    callee = SipUA("demo-5002", "demo5002", stack.proxy)  # agent 1002's; it will vanish
    assert callee.register().status == 200
    wait_until(lambda: agent_live(stack, "demo/1002").registered, what="1002 registered")
    call = caller.invite("5002", rtp=rtp_endpoints(), wait=False)
    incoming = callee.wait_incoming(timeout=5)
    incoming.answer(rtp_endpoints())
    assert call.wait_final(timeout=5).status == 200
    incoming.wait_ack()
    wait_until(lambda: {"demo-5001", "demo-5002"} <= busy_users(stack), what="both busy")

    # answered keep-alives keep the call: both phones got OPTIONS and it is still up
    wait_until(
        lambda: (
            any(r.method == "OPTIONS" for r in call.requests)
            and any(r.method == "OPTIONS" for r in incoming.requests)
        ),
        timeout=3 * KEEPALIVE_S + 2,
        what="keep-alives to both phones",
    )
    assert call.state == "confirmed" and call.bye_request is None

    callee.vanish()  # no BYE, no answer to anything from now on
    bye = call.wait_bye(timeout=KEEPALIVE_S + TM_NO_ANSWER_S + 10)
    assert bye.method == "BYE"
    wait_until(lambda: not {"demo-5001", "demo-5002"} & busy_users(stack), what="both free")
    wait_until(lambda: agent_live(stack, "demo/1001").state == "idle", what="1001 idle again")
