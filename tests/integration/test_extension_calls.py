"""Extension-to-extension calls through the real Kamailio and rtpengine."""

from __future__ import annotations

from collections.abc import Callable

from tests.integration.conftest import PhoneFactory
from tests.support.rtp import RtpEndpoint
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CALLER_TONE, CALLEE_TONE = 400.0, 700.0


def in_rtpengine_range(stack: Stack, address: tuple[str, int] | None) -> bool:
    s = stack.settings
    return address is not None and s.rtp_port_min <= address[1] <= s.rtp_port_max


def stream_packet_counts(stack: Stack, call_id: str) -> list[int]:
    """Packets rtpengine received per stream of every tag (leg) of the call."""
    reply = stack.rtpengine.query(call_id)
    return [
        stream["stats"]["packets"]
        for tag in reply["tags"].values()
        for media in tag.get("medias", [])
        for stream in media.get("streams", [])
        if stream.get("local port")  # RTP and RTCP streams; RTCP may stay silent
    ]


def test_extension_call_rings_answers_and_relays_audio_both_ways_through_rtpengine(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    caller, callee = phones("demo-5001"), phones("demo-5002")
    caller_rtp, callee_rtp = rtp_endpoints(), rtp_endpoints()

    call = caller.invite("5002", rtp=caller_rtp, wait=False)
    incoming = callee.wait_incoming()
    assert incoming.request.uri.startswith("sip:demo-5002@")
    incoming.ring()
    call.wait_provisional(180)
    incoming.answer(callee_rtp)
    assert call.wait_final().status == 200
    incoming.wait_ack()

    # Each side was given an rtpengine port, never the other phone's own port.
    assert in_rtpengine_range(stack, incoming.remote_rtp), incoming.remote_rtp
    assert in_rtpengine_range(stack, call.remote_rtp), call.remote_rtp
    assert incoming.remote_rtp != caller_rtp.address and call.remote_rtp != callee_rtp.address

    caller_rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
    callee_rtp.start_sending(incoming.remote_rtp, tone_hz=CALLEE_TONE)
    callee_rtp.wait_received(50, source=incoming.remote_rtp)
    caller_rtp.wait_received(50, source=call.remote_rtp)
    # Each hears the other's tone, relayed by rtpengine.
    assert callee_rtp.dominant_power(CALLER_TONE) > 10 * callee_rtp.dominant_power(CALLEE_TONE)
    assert caller_rtp.dominant_power(CALLEE_TONE) > 10 * caller_rtp.dominant_power(CALLER_TONE)
    # rtpengine's own counters agree: both legs sent packets into it.
    counts = wait_until(
        lambda: (c := stream_packet_counts(stack, call.call_id)) and sorted(c)[-2] > 0 and c,
        what="rtpengine counted packets on both legs",
    )
    assert sum(1 for n in counts if n > 0) >= 2, counts

    assert call.bye().status == 200
    incoming.wait_bye()
    wait_until(
        lambda: call.call_id not in stack.rtpengine.list_calls(),
        what="rtpengine session deleted after BYE",
    )


def test_callee_hangs_up_and_in_dialog_requests_follow_record_route(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    caller, callee = phones("demo-5003"), phones("demo-5004")
    call = caller.invite("5004", rtp=rtp_endpoints(), wait=False)
    incoming = callee.wait_incoming()
    incoming.answer(rtp_endpoints())
    assert call.wait_final().status == 200
    incoming.wait_ack()
    proxy_route = f"{stack.settings.sip_host}:{stack.settings.sip_port}"
    assert call.route_set and proxy_route in call.route_set[0], call.route_set
    assert incoming.route_set and proxy_route in incoming.route_set[0], incoming.route_set

    # A re-INVITE (e.g. hold/resume) crosses the proxy inside the dialog.
    assert call.reinvite(rtp_endpoints()).status == 200
    # The callee hangs up: the BYE reaches the caller through the proxy.
    assert incoming.bye().status == 200
    call.wait_bye()
    wait_until(lambda: call.call_id not in stack.rtpengine.list_calls(), what="session deleted")


def test_unregistered_callee_gets_480(stack: Stack, phones: PhoneFactory) -> None:
    caller = phones("demo-5005")
    call = caller.invite("5006")  # demo-5006 exists but is not registered
    assert call.status == 480
    assert call.call_id not in stack.rtpengine.list_calls()


def test_unknown_number_gets_404(phones: PhoneFactory) -> None:
    caller = phones("demo-5005")
    assert caller.invite("5999").status == 404
    assert caller.invite("not-a-number").status == 404


def test_rejected_call_reaches_the_caller_and_frees_media(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    caller, callee = phones("demo-5001"), phones("demo-5002")
    call = caller.invite("5002", rtp=rtp_endpoints(), wait=False)
    callee.wait_incoming().reject(486, "Busy Here")
    assert call.wait_final().status == 486
    wait_until(lambda: call.call_id not in stack.rtpengine.list_calls(), what="session deleted")


def test_caller_cancels_a_ringing_call(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    caller, callee = phones("demo-5001"), phones("demo-5002")
    call = caller.invite("5002", rtp=rtp_endpoints(), wait=False)
    incoming = callee.wait_incoming()
    incoming.ring()
    call.wait_provisional(180)
    call.cancel()
    incoming.wait_cancel()
    assert call.status == 487
    wait_until(lambda: call.call_id not in stack.rtpengine.list_calls(), what="session deleted")
