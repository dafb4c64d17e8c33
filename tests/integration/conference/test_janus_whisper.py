"""Whisper, barge and monitor in one AudioBridge room on the real Janus, checked by ear
(the recipe: conference.whisper). The customer talks into its participant, which has no
address, and hears a forwarder of the ``heard`` group; the supervisor is switched between
modes by one ``configure`` of its group and mute flag."""

from __future__ import annotations

import random
from collections.abc import Callable

from conference import JanusClient, protocol
from conference import whisper as plan
from conference.protocol import Forwarder
from tests.integration.conference.test_janus_room import (
    Party,
    new_room,
    quiet_for,
    wait_for_mix,
)
from tests.support.rtp import RtpEndpoint
from tests.support.waiting import wait_until

CUSTOMER, AGENT, SUPERVISOR = 400.0, 700.0, 1100.0  # each party's tone (test_janus_room's)
HEARS = {  # mode -> who hears which tones
    plan.WHISPER: {CUSTOMER: {AGENT}, AGENT: {CUSTOMER, SUPERVISOR}, SUPERVISOR: {CUSTOMER, AGENT}},
    plan.BARGE: {CUSTOMER: {AGENT, SUPERVISOR}, AGENT: {CUSTOMER, SUPERVISOR}, SUPERVISOR: {CUSTOMER, AGENT}},
    plan.MONITOR: {CUSTOMER: {AGENT}, AGENT: {CUSTOMER}, SUPERVISOR: {CUSTOMER, AGENT}},
}  # fmt: skip


def join(
    client: JanusClient,
    room: int,
    endpoint: RtpEndpoint,
    tone: float,
    *,
    address: bool = True,
    group: str | None = None,
    muted: bool = False,
) -> Party:
    """A party that joins (with its address, or none) and starts sending its tone."""
    handle = client.attach()
    ip, port = endpoint.address if address else (None, None)
    joined = client.join_rtp(
        handle, room, ip, port, group=group, muted=muted, display=f"{tone:.0f} Hz"
    )
    endpoint.start_sending((joined.ip, joined.port), tone_hz=tone)
    return Party(tone, endpoint, handle, joined)


def test_whisper_keeps_the_supervisor_from_the_customer_and_one_configure_switches_modes(
    janus_client: JanusClient, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    client = janus_client
    control = client.attach()
    room = new_room()
    client.create_room(control, room, groups=list(plan.GROUPS))

    # The customer talks into a participant without an address; its ear is a forwarder.
    ear = rtp_endpoints()
    ssrc = random.randrange(1, 2**31)
    ear_id = client.rtp_forward(
        control, room, *ear.address, group=plan.EAR_GROUP, ssrc=ssrc, codec="pcmu"
    )
    customer = join(client, room, ear, CUSTOMER, address=False, group=plan.CUSTOMER_GROUP)
    agent = join(client, room, rtp_endpoints(), AGENT, group=plan.HEARD_GROUP)
    whispering = plan.supervisor_mix(plan.WHISPER)
    supervisor = join(
        client, room, rtp_endpoints(), SUPERVISOR,
        group=whispering.group, muted=whispering.muted,
    )  # fmt: skip
    parties = [customer, agent, supervisor]
    wait_for_mix(parties, HEARS[plan.WHISPER])

    # Janus took the customer's packets though it was given no address to take them from.
    listed = {p.id: p for p in client.list_participants(control, room)}
    assert listed[customer.joined.participant_id].setup
    assert client.list_forwarders(control, room) == [
        Forwarder(ear_id, "127.0.0.1", ear.address[1], ssrc, "pcmu", 0, plan.EAR_GROUP)
    ]

    # One configure of the supervisor's own handle per switch, live.
    for mode in (plan.BARGE, plan.MONITOR, plan.WHISPER, plan.MONITOR, plan.BARGE):
        mix = plan.supervisor_mix(mode)
        client.configure(supervisor.handle, group=mix.group, muted=mix.muted)
        wait_for_mix(parties, HEARS[mode])
        muted = {p.id for p in client.list_participants(control, room) if p.muted}
        assert muted == ({supervisor.joined.participant_id} if mix.muted else set())

    # The customer's ear is one stream, through every switch: the forwarder's SSRC, from
    # the room's forwarding socket (not the participant's port: that one sends nothing),
    # PCMU, never stepping back. The others get their mix from their participant's port.
    assert len(ear.received_from) == 1
    (source,) = ear.received_from
    assert source[0] == "127.0.0.1" and source[1] != customer.joined.port
    assert {ssrc_seen for _, ssrc_seen, _, _ in ear.headers} == {ssrc}
    assert set(ear.payload_types) == {0}
    assert ear.stream_breaks() == []
    for p in (agent, supervisor):
        assert set(p.endpoint.received_from) == {(p.joined.ip, p.joined.port)}
        assert len({s for _, s, _, _ in p.endpoint.headers}) == 1
        assert p.endpoint.stream_breaks() == []

    # Without its forwarder the customer hears nothing at all; the others still hear it.
    client.stop_rtp_forward(control, room, ear_id)
    assert client.list_forwarders(control, room) == []
    wait_until(quiet_for(ear, 0.3), timeout=3, what="nothing to the customer once unforwarded")
    wait_for_mix(
        [agent, supervisor], {AGENT: {CUSTOMER, SUPERVISOR}, SUPERVISOR: {CUSTOMER, AGENT}}
    )
    client.destroy_room(control, room)


def test_a_participant_port_takes_any_source_only_when_joined_without_an_address(
    janus_client: JanusClient, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    """With an address Janus connects the participant's socket to it (the kernel drops
    every other source); without one it takes packets from any source, one after another,
    and answers none of them."""
    client = janus_client
    control = client.attach()
    room = new_room()
    client.create_room(control, room)
    listener = join(client, room, rtp_endpoints(), 1700.0)  # hears the others
    addressed_at, stranger = rtp_endpoints(), rtp_endpoints()
    addressed = client.join_rtp(client.attach(), room, *addressed_at.address)
    anywhere = client.join_rtp(client.attach(), room, None, None)
    first, second = rtp_endpoints(), rtp_endpoints()

    # A stranger's packets to the addressed port are dropped; any source reaches the other.
    stranger.start_sending((addressed.ip, addressed.port), tone_hz=SUPERVISOR)
    first.start_sending((anywhere.ip, anywhere.port), tone_hz=AGENT)
    wait_for_mix([listener], {listener.tone: {AGENT}})
    addressed_at.start_sending((addressed.ip, addressed.port), tone_hz=CUSTOMER)
    wait_for_mix([listener], {listener.tone: {CUSTOMER, AGENT}})
    stranger.stop()
    # Another source takes over the port without an address (its own SSRC and numbering).
    first.stop()
    second.start_sending((anywhere.ip, anywhere.port), tone_hz=SUPERVISOR)
    wait_for_mix([listener], {listener.tone: {CUSTOMER, SUPERVISOR}})

    # Only the addressed participant's own address gets its mix back.
    addressed_at.wait_received(10, source=(addressed.ip, addressed.port))
    assert set(addressed_at.received_from) == {(addressed.ip, addressed.port)}
    assert stranger.received_total == first.received_total == second.received_total == 0
    client.destroy_room(control, room)


def test_joining_a_room_with_groups_needs_a_known_group(janus_client: JanusClient) -> None:
    client = janus_client
    control = client.attach()
    room = new_room()
    client.create_room(control, room, groups=list(plan.GROUPS))
    for group, code in ((None, protocol.MISSING_ELEMENT), ("nobody", protocol.NO_SUCH_GROUP)):
        handle = client.attach()
        try:
            client.join_rtp(handle, room, None, None, group=group)
        except protocol.JanusError as refused:
            assert refused.code == code, refused
        else:
            raise AssertionError(f"joined with group {group!r}")
    client.destroy_room(control, room)
