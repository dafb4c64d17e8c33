"""The call model's room actions: a Janus AudioBridge room per call, each party in it a
plain-RTP participant reached through rtpengine.

The customer's own session (``callcontrol.callmedia``) re-points its far side to the
customer's participant: no re-INVITE. Every other party has a session of its own here
(``<call>~<party>``): one side faces its SIP leg, the other its participant. A party
dialled into the room is offered that session's leg side; a party already on the call
(the agent) is re-INVITEd to it. Janus sends a participant's mix only to the address given
when it joined, and only once it received a first packet from there -- rtpengine's
port facing it, known from the session's answer before the join.

The customer's ear is not its participant's mix: the customer joins without an address
(it only talks; Janus sends it nothing) and hears a forwarder of the room's ``HEARD``
group -- every other party, each in that group. A whispering supervisor is moved to the
``WHISPER`` group (one ``configure``): still in every participant's mix, so the agent
hears it, but not in the customer's forward. The forwarder sends one stream (one SSRC,
its own numbering) for as long as the customer is in the room, whatever the mode.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from dataclasses import dataclass, field

from callcontrol.callmedia import FIXED_PEER, CallMedia
from callcontrol.media import FLAGS, REPLACE, CallerMedia, dummy_sdp
from conference.janus import JanusClient
from conference.protocol import JanusError
from rtpengine import RtpengineClient

log = logging.getLogger(__name__)

ROOM_SIDE, LEG_SIDE = "switchboard-room", "switchboard-leg"
SAMPLING_RATE = 8000  # G.711 parties: no resampling in the mixer
CUSTOMER_GROUP, HEARD, WHISPER = "customer", "heard", "whisper"  # forwarding groups


def sdp_address(sdp: str) -> tuple[str, int]:
    """The audio address an SDP offers (``c=`` and ``m=audio``)."""
    ip, port = "", 0
    for line in sdp.splitlines():
        if line.startswith("c=IN IP4 "):
            ip = ip or line.split()[2]
        elif line.startswith("m=audio "):
            port = int(line.split()[1])
    if not ip or not port:
        raise ValueError(f"no audio address in SDP: {sdp[:200]!r}")
    return ip, port


def participant_sdp(ip: str, port: int) -> str:
    """An SDP for a Janus participant's address (PCMU, as it joined)."""
    return (
        "v=0\r\n"
        f"o=janus {int(time.time())} 1 IN IP4 {ip}\r\n"
        "s=room\r\n"
        f"c=IN IP4 {ip}\r\n"
        "t=0 0\r\n"
        f"m=audio {port} RTP/AVP 0\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=sendrecv\r\n"
    )


@dataclass
class Seat:
    """A party in the room: its Janus handle and participant, and its own session."""

    handle: int = 0
    participant: int = 0
    session: str = ""  # its rtpengine session ("" for the customer: the call's own)
    leg_sdp: str = ""  # what its leg answered (for re-pointing the session)
    forwarder: int = 0  # the customer's ear: the stream id of the HEARD group's forward


@dataclass
class Room:
    number: int
    handle: int  # room-level requests: create, mute, kick, destroy
    seats: dict[str, Seat] = field(default_factory=dict)


class Rooms:
    def __init__(self, janus: JanusClient, rtpengine: RtpengineClient, media: CallMedia) -> None:
        self.janus, self.rtpengine, self.media = janus, rtpengine, media
        self.rooms: dict[str, Room] = {}
        self._started = threading.Lock()

    def _room(self, call_id: str) -> Room:
        room = self.rooms.get(call_id)
        if room is None:
            with self._started:
                if self.janus.session_id is None:
                    self.janus.create_session()
            handle = self.janus.attach()
            number = random.randrange(1, 2**52)
            self.janus.create_room(
                handle, number, sampling_rate=SAMPLING_RATE,
                groups=[CUSTOMER_GROUP, HEARD, WHISPER],
            )  # fmt: skip
            room = self.rooms[call_id] = Room(number, handle)
            log.info("call %s: room %d", call_id, number)
        return room

    def _join(
        self, room: Room, party: str, ip: str | None, port: int | None, group: str = HEARD
    ) -> tuple[Seat, str]:
        seat = room.seats.get(party) or Seat()
        seat.handle = seat.handle or self.janus.attach()
        joined = self.janus.join_rtp(seat.handle, room.number, ip, port, display=party, group=group)
        seat.participant = joined.participant_id
        room.seats[party] = seat
        log.info(
            "room %d: %s joined as %d, %s:%d <-> Janus %s:%d",
            room.number, party, joined.participant_id, ip, port, joined.ip, joined.port,
        )  # fmt: skip
        return seat, participant_sdp(joined.ip, joined.port)

    # --- joining --------------------------------------------------------------------

    def join_customer(self, call_id: str, media: CallerMedia) -> None:
        """The customer talks to its participant and hears the HEARD group's forward,
        both through its session's far side (rtpengine's port facing the room)."""
        room = self._room(call_id)
        seat = room.seats.get("customer")
        if seat is not None and seat.participant:
            return  # in the room already
        ip, port = sdp_address(media.agent_offer)
        seat, janus = self._join(room, "customer", None, None, group=CUSTOMER_GROUP)
        seat.forwarder = self.janus.rtp_forward(
            room.handle, room.number, ip, port, group=HEARD, ssrc=random.randrange(1, 2**31)
        )
        self.media.bridge(media, janus, fixed_peer=True)

    def leg_offer(self, call_id: str, party: str) -> str:
        """An SDP for ``party``'s leg (dialled, or re-INVITEd) that reaches the room."""
        session = f"{call_id}~{party}"
        room = self._room(call_id)
        room.seats[party] = Seat(session=session)
        return self.rtpengine.offer(
            session, ROOM_SIDE, dummy_sdp(int(time.time())), FLAGS, replace=REPLACE
        )

    def leg_answered(self, call_id: str, party: str, leg_sdp: str) -> None:
        """``party``'s leg answered with ``leg_sdp``: its session meets its participant."""
        room = self._room(call_id)
        seat = room.seats[party]
        seat.leg_sdp = leg_sdp
        facing_room = self.rtpengine.answer(
            seat.session, ROOM_SIDE, LEG_SIDE, leg_sdp, FLAGS, replace=REPLACE
        )
        seat, janus = self._join(room, party, *sdp_address(facing_room))
        self.rtpengine.offer(seat.session, ROOM_SIDE, janus, FLAGS + FIXED_PEER, replace=REPLACE)
        self.rtpengine.answer(seat.session, ROOM_SIDE, LEG_SIDE, leg_sdp, FLAGS, replace=REPLACE)

    # --- in the room ---------------------------------------------------------------------

    def whisper(self, call_id: str, party: str, on: bool) -> None:
        """``party`` (the supervisor) is heard by the agent alone (on), or by all (off)."""
        room = self.rooms.get(call_id)
        seat = room.seats.get(party) if room else None
        if seat is None or not seat.participant:
            raise ValueError(f"{party} is not in the room of {call_id}")
        self.janus.configure(seat.handle, group=WHISPER if on else HEARD)
        log.info("room of %s: %s %s", call_id, party, "whispers" if on else "is heard by all")

    def mute(self, call_id: str, party: str, on: bool) -> None:
        room = self.rooms.get(call_id)
        seat = room.seats.get(party) if room else None
        if room is not None and seat is not None and seat.participant:
            self.janus.mute(room.handle, room.number, seat.participant, on)

    def leave(self, call_id: str, party: str) -> None:
        room = self.rooms.get(call_id)
        seat = room.seats.pop(party, None) if room else None
        if room is None or seat is None:
            return
        self._release(room, seat)

    def close(self, call_id: str) -> None:
        room = self.rooms.pop(call_id, None)
        if room is None:
            return
        for seat in room.seats.values():
            self._release(room, seat)
        try:
            self.janus.destroy_room(room.handle, room.number)
            self.janus.detach(room.handle)
        except JanusError as exc:
            log.info("room %d of %s: %s", room.number, call_id, exc)

    def _release(self, room: Room, seat: Seat) -> None:
        try:
            if seat.forwarder:
                self.janus.stop_rtp_forward(room.handle, room.number, seat.forwarder)
            if seat.participant:
                self.janus.kick(room.handle, room.number, seat.participant)
            if seat.handle:
                self.janus.detach(seat.handle)
        except JanusError as exc:
            log.info("leaving room %d: %s", room.number, exc)
        if seat.session:
            self.media.release(CallerMedia(seat.session, "", ""))
