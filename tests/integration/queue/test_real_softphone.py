"""A real softphone (Debian's baresip) as the queue caller: it dials the queue DID with
digest auth, waits on music, is connected to the agent, and the agent hears it.

The agent here answers at once, the case that once left such a caller hearing nothing for
the whole call: baresip 1.0's jitter buffer, before it has started, keeps the first
stream's numbering across an SSRC change and dropped the agent's stream as late whenever
it started behind the music's (callcontrol/media.py: ``FIRST_STREAM_S``). Its log must
show no packet dropped."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import AGENT_TONE, QUEUE_DID, agent_live, set_agents
from tests.support.baresip import decoded, write_config
from tests.support.rtp import RtpEndpoint, goertzel_power
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CALLS = 3
CALL_S = 9  # baresip quits after this long (-t): music, then the agent for ~5 s
CALLER_TONE = 400  # baresip's ausine source


@pytest.mark.parametrize("attempt", range(CALLS))
def test_a_real_softphone_keeps_hearing_the_agent_after_the_music(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    tmp_path: Path,
    attempt: int,
) -> None:
    set_agents(stack, idle=("demo/1001",))
    agent_phone = phones("demo-5001")
    agent_rtp = rtp_endpoints()
    write_config(tmp_path, stack, "demo-5000", CALLER_TONE)
    host, port = stack.proxy
    softphone = subprocess.Popen(
        ["baresip", "-f", str(tmp_path), "-t", str(CALL_S),
         "-e", f"/dial sip:{QUEUE_DID}@{host}:{port}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        incoming = agent_phone.wait_incoming(timeout=10)
        incoming.answer(agent_rtp)
        incoming.wait_ack()
        agent_rtp.start_sending(incoming.remote_rtp, tone_hz=AGENT_TONE)
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        # The agent hears the softphone's own tone, through the new port too.
        agent_rtp.clear()
        wait_until(lambda: goertzel_power(agent_rtp.samples(), CALLER_TONE) > 0.5,
                   timeout=5, what="the agent hears the softphone")  # fmt: skip
        log, _ = softphone.communicate(timeout=CALL_S + 10)
        (tmp_path / "baresip.log").write_text(log)
    finally:
        if softphone.poll() is None:
            softphone.kill()
            softphone.wait()
    samples, rate = decoded(tmp_path)
    last_seconds = samples[-2 * rate :]  # the call's end: long after the bridge
    heard = goertzel_power(last_seconds, AGENT_TONE, rate)
    assert heard > 0.5, f"the softphone did not hear the agent (call {attempt}):\n{log[-3000:]}"
    assert "dropping" not in log, f"baresip dropped RTP (call {attempt}):\n{log[-3000:]}"
