"""Feature codes with two call-control processes: rtpengine sends every call's DTMF to one
address; the process holding it relays the keys to all (``callcontrol.dtmf``), so ``*65``
and ``*66`` work on whichever process the dispatcher picked. Its own stack."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import agent_live, send_dtmf, set_agents
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack, start_stack
from tests.support.waiting import wait_until

OK_HZ, ERROR_HZ = 1400.0, 300.0
AGENT = "demo/1003"
LOGS = ("callcontrol", "callcontrol-2")


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(
        tmp_path_factory.mktemp("two-callcontrols"), with_web=False, callcontrol_processes=2
    )
    try:
        yield running
    finally:
        running.stop()


def dial(stack: Stack, phone: SipUA, rtp: RtpEndpoint, code: str, keys: str, tone: float) -> str:
    """Dial ``code`` from ``phone``, key ``keys``; the process that served it, once the
    ``tone`` (confirmation or refusal) played and call control hung up."""
    before = {name: stack.log(name).count(f"{code} from {phone.username}") for name in LOGS}
    call = phone.invite(code, rtp=rtp, wait=True)
    assert call.status == 200, call.response.summary()
    rtp.start_sending(call.remote_rtp, tone_hz=400.0)
    if keys:
        send_dtmf(rtp, call.remote_rtp, keys)
    wait_until(lambda: rtp.dominant_power(tone) > 0.5, timeout=6, what=f"{code}'s tone")
    call.wait_bye(timeout=5)
    [served] = [n for n in LOGS if stack.log(n).count(f"{code} from {phone.username}") > before[n]]
    return served


def test_star_65_keys_reach_the_call_on_either_call_control_process(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=(AGENT,))
    phone = phones("demo-5003")
    wait_until(
        lambda: all("configuration v" in stack.log(name) for name in LOGS),
        what="both call-control processes up",
    )
    keyed_on: set[str] = set()
    for _ in range(4):  # the dispatcher takes turns: a refused *66 moves the turn on
        keyed_on.add(dial(stack, phone, rtp_endpoints(), "*65", "2#", OK_HZ))
        live = agent_live(stack, AGENT)
        assert (live.state, live.pause_reason) == ("paused", "meeting")  # keyed, no timeout
        dial(stack, phone, rtp_endpoints(), "*66", "", OK_HZ)
        assert agent_live(stack, AGENT).state == "idle"
        if keyed_on == set(LOGS):
            break
        dial(stack, phone, rtp_endpoints(), "*66", "", ERROR_HZ)  # not paused: refused
    assert keyed_on == set(LOGS)
    standing_by = [n for n in LOGS if "standing by" in stack.log(n)]
    assert len(standing_by) == 1, standing_by  # one holds rtpengine's DTMF address
