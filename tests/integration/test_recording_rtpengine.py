"""Recording with the real rtpengine 10.5 as the stack starts it (``--recording-method=pcap``),
driven over ng directly: two RTP endpoints, each with its own tone, an offer/answer, a
recording paused (10.5: stop, then a new start) while both read out a "card number"
(a third tone), the call deleted, and the pcaps turned into one WAV by ``recording``.
The WAV must hold both parties in both stretches and nothing of the pause."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from pathlib import Path

from recording.files import RECORDING_KEY, mixdown, render_wav, stretches_of
from recording.timeline import RATE
from tests.support.rtp import RtpEndpoint, goertzel_power
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CUSTOMER_TONE, AGENT_TONE, CARD_TONE = 400.0, 700.0, 1100.0
PACKETS_PER_SECOND = 50  # 20 ms packets


def sdp(endpoint: RtpEndpoint) -> str:
    ip, port = endpoint.address
    return (
        f"v=0\r\no=- 1 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
        f"m=audio {port} RTP/AVP 0 101\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    )


def media_port(answer: str) -> int:
    match = re.search(r"^m=audio (\d+) ", answer, re.MULTILINE)
    assert match, answer
    return int(match.group(1))


def relay(stack: Stack, call_id: str, customer: RtpEndpoint, agent: RtpEndpoint) -> None:
    """One rtpengine call between the two endpoints, both sending their tone."""
    toward_agent = media_port(stack.rtpengine.offer(call_id, "customer", sdp(customer)))
    toward_customer = media_port(stack.rtpengine.answer(call_id, "customer", "agent", sdp(agent)))
    customer.start_sending(("127.0.0.1", toward_customer), tone_hz=CUSTOMER_TONE)
    agent.start_sending(("127.0.0.1", toward_agent), tone_hz=AGENT_TONE)
    relayed(customer, agent, 10)


def relayed(customer: RtpEndpoint, agent: RtpEndpoint, packets: int) -> None:
    """Wait until each side heard ``packets`` more of the other's through rtpengine."""
    targets = [(e, e.received_total + packets) for e in (customer, agent)]
    for endpoint, target in targets:
        endpoint.wait_received(target, timeout=5)


def power(samples: list[int], hz: float, start_s: float, end_s: float) -> float:
    return goertzel_power(samples[round(start_s * RATE) : round(end_s * RATE)], hz)


def test_a_paused_recording_holds_both_parties_and_nothing_of_the_pause(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint], tmp_path: Path
) -> None:
    root = stack.settings.var_dir / "recordings"
    call_id = f"rec-{uuid.uuid4().hex[:8]}@127.0.0.1"
    customer, agent = rtp_endpoints(), rtp_endpoints()
    relay(stack, call_id, customer, agent)

    stack.rtpengine.start_recording(call_id, metadata=f"{RECORDING_KEY}=1")
    relayed(customer, agent, PACKETS_PER_SECOND)  # ~1 s recorded
    stack.rtpengine.stop_recording(call_id)  # pause: 10.5 has no "pause recording"
    customer.start_sending(customer.remote or ("", 0), tone_hz=CARD_TONE)
    agent.start_sending(agent.remote or ("", 0), tone_hz=CARD_TONE)
    relayed(customer, agent, 30)  # ~0.6 s of card number, not recorded
    customer.start_sending(customer.remote or ("", 0), tone_hz=CUSTOMER_TONE)
    agent.start_sending(agent.remote or ("", 0), tone_hz=AGENT_TONE)
    relayed(customer, agent, 5)  # the last card packets are through rtpengine
    stack.rtpengine.start_recording(call_id, metadata=f"{RECORDING_KEY}=1;stretch=2")
    relayed(customer, agent, 30)  # ~0.6 s recorded
    stack.rtpengine.delete(call_id)  # closes the running stretch

    stretches = wait_until(
        lambda: (found := stretches_of(root, call_id)) and len(found) == 2 and found,
        timeout=5,
        what="both stretches' metadata in metadata/",
    )
    escaped = call_id.replace("@", "%40")
    for stretch in stretches:  # rtpengine's layout: pcaps/ and metadata/, same name
        assert stretch.recording == 1
        assert re.fullmatch(rf"{re.escape(escaped)}-[0-9a-f]{{16}}\.pcap", stretch.pcap.name)
        assert stretch.pcap.parent == root / "pcaps" and stretch.pcap.is_file()
        assert stretch.metadata.name == f"rtpengine-meta-{stretch.pcap.stem}.txt"
        assert stretch.metadata.read_text().splitlines()[0] == str(stretch.pcap)
    assert not list((root / "tmp").glob(f"*{escaped}*")), "a stretch left open in tmp/"

    mixed = mixdown([s.pcap for s in stretches])
    assert {t.source for t in mixed.tracks} == {customer.address, agent.address}
    assert len(mixed.tracks) == 4 and len(mixed.segments) == 2  # both parties, both stretches
    assert mixed.skipped_packets == 0
    first_end = mixed.segments[1]
    assert 0.9 < first_end < 1.4 and 0.45 < mixed.duration - first_end < 0.9
    assert mixed.duration < 2.2, "the pause (~0.6 s) is in the recording"

    wav = tmp_path / "call.wav"
    assert render_wav([s.pcap for s in stretches], wav) == round(mixed.duration * 1000)
    samples = list(mixed.samples)
    for start, end in ((0.0, first_end), (first_end, mixed.duration)):
        assert power(samples, CUSTOMER_TONE, start, end) > 0.2, (start, end)
        assert power(samples, AGENT_TONE, start, end) > 0.2, (start, end)
    assert power(samples, CARD_TONE, 0.0, mixed.duration) < 0.01


def test_record_call_on_the_offer_records_from_the_start(
    stack: Stack, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    root = stack.settings.var_dir / "recordings"
    call_id = f"rec-offer-{uuid.uuid4().hex[:8]}"
    customer, agent = rtp_endpoints(), rtp_endpoints()
    reply = stack.rtpengine.command(
        "offer",
        **{"call-id": call_id, "from-tag": "customer", "sdp": sdp(customer), "record call": "yes"},
    )
    (pcap,) = reply["recordings"]  # the offer's reply names the file being written
    assert re.fullmatch(rf"{re.escape(str(root))}/pcaps/{call_id}-[0-9a-f]{{16}}\.pcap", pcap)
    toward_customer = media_port(stack.rtpengine.answer(call_id, "customer", "agent", sdp(agent)))
    customer.start_sending(("127.0.0.1", toward_customer), tone_hz=CUSTOMER_TONE)
    agent.start_sending(("127.0.0.1", media_port(reply["sdp"])), tone_hz=AGENT_TONE)
    relayed(customer, agent, 25)
    stack.rtpengine.delete(call_id)

    (stretch,) = wait_until(lambda: stretches_of(root, call_id), timeout=5, what="its metadata")
    assert (str(stretch.pcap), stretch.recording) == (pcap, 0)  # 0: no metadata given
    samples = list(mixdown([stretch.pcap]).samples)
    assert power(samples, CUSTOMER_TONE, 0.0, len(samples) / RATE) > 0.2
    assert power(samples, AGENT_TONE, 0.0, len(samples) / RATE) > 0.2
