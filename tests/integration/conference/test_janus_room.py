"""An AudioBridge room of plain-RTP parties on the real Janus, checked by ear: each party
sends its own tone and must hear every other party's, never its own (mix-minus)."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import pytest

from conference import JanusClient, JanusError, RtpJoined, protocol
from tests.support.rtp import RtpEndpoint
from tests.support.waiting import wait_until

TONES = (400.0, 700.0, 1100.0)
HEARD, SILENT = 0.2, 0.05  # share of the last second's energy at a tone (two heard: ~0.5 each)


@dataclass
class Party:
    tone: float
    endpoint: RtpEndpoint
    handle: int
    joined: RtpJoined


def new_room() -> int:
    return random.randrange(1, 2**31)


def hearing(party: Party) -> dict[float, str]:
    """For each tone: 'heard', 'silent', or the share measured when it is neither."""
    shares = {tone: party.endpoint.dominant_power(tone) for tone in TONES}
    return {
        tone: "heard" if share > HEARD else "silent" if share < SILENT else f"{share:.2f}"
        for tone, share in shares.items()
    }


def wait_for_mix(parties: list[Party], heard_by: dict[float, set[float]]) -> None:
    """Wait until each party hears just the tones of ``heard_by[its tone]``."""

    def expected(p: Party) -> dict[float, str]:
        return {t: "heard" if t in heard_by[p.tone] else "silent" for t in TONES}

    try:
        wait_until(lambda: all(hearing(p) == expected(p) for p in parties), timeout=6)
    except TimeoutError:
        actual = {p.tone: hearing(p) for p in parties}
        raise AssertionError(f"expected {heard_by}, each party hears {actual}") from None


def others(parties: list[Party], *left_out: Party) -> dict[float, set[float]]:
    """Everyone hears everyone else, but not ``left_out`` parties."""
    return {p.tone: {q.tone for q in parties if q is not p and q not in left_out} for p in parties}


def quiet_for(endpoint: RtpEndpoint, seconds: float) -> Callable[[], bool]:
    """A condition: nothing received for ``seconds``."""
    count, since = endpoint.received_total, time.monotonic()

    def quiet() -> bool:
        nonlocal count, since
        if endpoint.received_total != count:
            count, since = endpoint.received_total, time.monotonic()
        return time.monotonic() - since >= seconds

    return quiet


def join_parties(
    client: JanusClient, room: int, rtp_endpoints: Callable[..., RtpEndpoint]
) -> list[Party]:
    parties = []
    for tone in TONES:
        endpoint = rtp_endpoints()
        handle = client.attach()
        joined = client.join_rtp(handle, room, *endpoint.address, display=f"{tone:.0f} Hz")
        assert (joined.room, joined.ip, joined.payload_type) == (room, "127.0.0.1", 0)
        endpoint.start_sending((joined.ip, joined.port), tone_hz=tone)
        parties.append(Party(tone, endpoint, handle, joined))
    return parties


@pytest.mark.parametrize("sampling_rate", [8000, 16000])
def test_three_parties_mute_kick_and_destroy(
    janus_client: JanusClient, rtp_endpoints: Callable[..., RtpEndpoint], sampling_rate: int
) -> None:
    client = janus_client
    control = client.attach()
    room = new_room()
    client.create_room(control, room, sampling_rate=sampling_rate)
    assert client.room_exists(control, room)
    parties = join_parties(client, room, rtp_endpoints)
    a, b, c = parties
    assert len({p.joined.port for p in parties}) == 3
    assert len({p.joined.participant_id for p in parties}) == 3

    wait_for_mix(parties, others(parties))
    listed = {p.id: p for p in client.list_participants(control, room)}
    assert set(listed) == {p.joined.participant_id for p in parties}
    assert all(p.setup and not p.muted for p in listed.values())  # RTP flowing, nobody muted

    # c mutes itself: a and b stop hearing it; c still hears both.
    client.configure(c.handle, muted=True)
    wait_for_mix(parties, others(parties, c))
    muted = {p.id for p in client.list_participants(control, room) if p.muted}
    assert muted == {c.joined.participant_id}
    # A moderator unmutes it (room-level request, from the control handle).
    client.mute(control, room, c.joined.participant_id, muted=False)
    wait_for_mix(parties, others(parties))

    # c is kicked: a and b hear only each other, c gets nothing more.
    client.kick(control, room, c.joined.participant_id)
    # The kick is answered before the participant is gone (Janus hangs its media up in
    # another thread): it may still be listed for a moment.
    wait_until(
        lambda: (
            {p.id for p in client.list_participants(control, room)}
            == {a.joined.participant_id, b.joined.participant_id}
        ),
        timeout=3,
        what="only a and b left in the room",
    )
    wait_until(quiet_for(c.endpoint, 0.3), timeout=3, what="nothing more to the kicked party")
    c.endpoint.stop()
    wait_for_mix([a, b], others([a, b]))
    client.detach(c.handle)

    # Every party received one stream: from the port it was given, one SSRC, unbroken.
    for p in parties:
        assert set(p.endpoint.received_from) == {(p.joined.ip, p.joined.port)}
        assert len({ssrc for _, ssrc, _, _ in p.endpoint.headers}) == 1
        assert p.endpoint.stream_breaks() == []

    client.destroy_room(control, room)
    assert not client.room_exists(control, room)
    for p in (a, b):
        wait_until(quiet_for(p.endpoint, 0.3), timeout=3, what="nothing sent once destroyed")
    # The parties' handles were told: the next long poll (here, for an asynchronous
    # request that fails) brings those events, which the client keeps.
    with pytest.raises(JanusError) as not_joined:
        client.configure(a.handle, muted=True)
    assert not_joined.value.code == protocol.NOT_JOINED
    told = {
        e["sender"]
        for e in client.events()
        if protocol.event_data(e) == {"audiobridge": "destroyed", "room": room}
    }
    assert told == {a.handle, b.handle}


def test_errors_carry_janus_codes(janus_client: JanusClient) -> None:
    client = janus_client
    control = client.attach()
    room = new_room()
    client.create_room(control, room)
    with pytest.raises(JanusError) as exists:
        client.create_room(control, room)
    assert exists.value.code == protocol.ROOM_EXISTS and "already exists" in exists.value.reason
    with pytest.raises(JanusError) as no_user:
        client.kick(control, room, 12345)
    assert no_user.value.code == protocol.NO_SUCH_USER

    joiner = client.attach()
    with pytest.raises(JanusError) as no_room:  # asynchronous: the error comes as an event
        client.join_rtp(joiner, new_room(), "127.0.0.1", 40000)
    assert no_room.value.code == protocol.NO_SUCH_ROOM
    with pytest.raises(JanusError) as not_joined:
        client.configure(joiner, muted=True)
    assert not_joined.value.code == protocol.NOT_JOINED

    client.detach(joiner)
    with pytest.raises(JanusError) as no_handle:
        client.leave(joiner)
    assert no_handle.value.code == protocol.HANDLE_NOT_FOUND
    client.destroy_room(control, room)
    with pytest.raises(JanusError) as gone:
        client.destroy_room(control, room)
    assert gone.value.code == protocol.NO_SUCH_ROOM


def test_leave_and_join_again_on_the_same_handle(
    janus_client: JanusClient, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    client = janus_client
    control = client.attach()
    room = new_room()
    client.create_room(control, room)
    parties = join_parties(client, room, rtp_endpoints)
    wait_for_mix(parties, others(parties))
    a, rest = parties[0], parties[1:]
    client.leave(a.handle)  # answered once a is out of the room
    assert a.joined.participant_id not in {p.id for p in client.list_participants(control, room)}
    wait_until(quiet_for(a.endpoint, 0.3), timeout=3, what="nothing more to the party that left")
    wait_for_mix(rest, others(rest))

    again = client.join_rtp(a.handle, room, *a.endpoint.address)
    a.endpoint.start_sending((again.ip, again.port), tone_hz=a.tone)  # re-pointed, same stream
    wait_for_mix(parties, others(parties))
    client.destroy_room(control, room)
