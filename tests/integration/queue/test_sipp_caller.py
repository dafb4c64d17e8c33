"""A sipp caller (Contact with ``;transport=UDP``) is queued, connected, and hung up by
the agent: call control's BYE reaches it through Kamailio."""

from __future__ import annotations

import subprocess
from collections.abc import Callable

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import CARRIER_IP, QUEUE_DID, agent_live, set_agents
from tests.support.rtp import RtpEndpoint
from tests.support.sipp import SCENARIOS
from tests.support.stack import Stack
from tests.support.waiting import wait_until


def test_sipp_caller_is_connected_and_receives_the_bye_when_the_agent_hangs_up(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    agent_rtp = rtp_endpoints()
    host, port = stack.proxy
    sipp = subprocess.Popen(
        [
            "sipp",
            f"{host}:{port}",
            "-sf",
            str(SCENARIOS / "queue_caller" / "uac.xml"),
            "-s",
            QUEUE_DID,
            "-i",
            CARRIER_IP,
            "-p",
            "0",
            "-mi",
            CARRIER_IP,
            "-m",
            "1",
            "-nostdin",
            "-timeout",
            "30s",
            "-timeout_error",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        incoming = agent_phone.wait_incoming(timeout=10)
        incoming.answer(agent_rtp)
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        agent_rtp.wait_received(25, timeout=5)  # the caller's audio reaches the agent
        assert incoming.bye().status == 200
        out, _ = sipp.communicate(timeout=20)
        assert sipp.returncode == 0, out
        wait_until(
            lambda: incoming.call_id not in stack.rtpengine.list_calls(),
            what="agent leg's media freed",
        )
    finally:
        if sipp.poll() is None:
            sipp.kill()
            sipp.wait(timeout=5)
