"""Click-to-dial with a real softphone (Debian's baresip) as the agent's phone: it
answers the auto-answer INVITE at once, hears ringback, then the customer, who answers
at once too -- the case where a phone's first stream is replaced early. What baresip
decoded must end with the customer's tone, and its log must show no packet dropped."""

from __future__ import annotations

import subprocess
from collections.abc import Callable
from pathlib import Path

from tests.integration.calls.helpers import command, wait_phone_registered
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import CALLER_TONE, agent_live, set_agents
from tests.support.baresip import decoded, write_config
from tests.support.rtp import RtpEndpoint, goertzel_power
from tests.support.stack import Stack
from tests.support.waiting import wait_until

AGENT_PHONE_TONE = 700.0


def test_a_real_softphone_as_the_agents_phone_hears_the_customer_after_the_ringback(
    stack: Stack,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    tmp_path: Path,
) -> None:
    set_agents(stack, idle=("demo/1001",))
    customer_phone = phones("demo-5002")
    customer_rtp = rtp_endpoints()
    write_config(tmp_path, stack, "demo-5001", AGENT_PHONE_TONE, register=True, auto_answer=True)
    output = tmp_path / "baresip.log"
    with output.open("w") as sink:
        softphone = subprocess.Popen(
            ["baresip", "-f", str(tmp_path), "-t", "12"],
            stdin=subprocess.DEVNULL, stdout=sink, stderr=subprocess.STDOUT, text=True,
        )  # fmt: skip
    try:
        # baresip's own word that its REGISTER got 200 (the ACD's "registered" may still
        # be an earlier test's phone at 5001), then the edge's report of it
        wait_until(lambda: "200 OK" in output.read_text(), what="baresip registered")
        wait_phone_registered(stack, "demo/1001")
        reply = command(stack, "dial", "demo/1001", to="5002")
        assert reply.ok, reply
        ringing = customer_phone.wait_incoming(timeout=10)  # baresip answered the agent leg
        ringing.answer(customer_rtp)
        ringing.wait_ack()
        customer_rtp.start_sending(ringing.remote_rtp, tone_hz=CALLER_TONE)
        wait_until(
            lambda: goertzel_power(customer_rtp.samples(), AGENT_PHONE_TONE) > 0.5,
            timeout=5,
            what="the customer hears the softphone",
        )
        wait_until(lambda: agent_live(stack, "demo/1001").state == "on_call", what="on call")
        softphone.wait(timeout=20)  # baresip quits after -t seconds
        log = output.read_text()
    finally:
        if softphone.poll() is None:
            softphone.kill()
            softphone.wait()
    samples, rate = decoded(tmp_path)
    heard = goertzel_power(samples[-2 * rate :], CALLER_TONE, rate)
    assert heard > 0.5, f"the softphone did not hear the customer:\n{log[-3000:]}"
    assert "dropping" not in log, f"baresip dropped RTP:\n{log[-3000:]}"
