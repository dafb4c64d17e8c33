"""Lay a segment's RTP on one timeline: one track per stream, mixed to mono. Pure.

A stream is one sender's SSRC (a party: its address; a new SSRC, e.g. after a transfer,
is a new stream). A stream's samples go where its RTP timestamps put them, counted from
the arrival of its first packet, so jitter does not move audio and lost packets leave
silence of their length. Where the timestamps and the arrival clock disagree by more than
``RESYNC_SECONDS`` (a sender that restarted its timestamps, a long hold with the clock
running on), the stream is re-anchored on the arrival time. All streams share the
segment's clock (rtpengine's arrival times), so both parties stay in step; a stretch in
which nobody sent is silence of its real length.
"""

from __future__ import annotations

import operator
from array import array
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import repeat

from recording import g711
from recording.pcap import Address
from recording.rtp import RtpPacket

RATE = 8000  # G.711 samples per second: the RTP clock and the WAV's rate
RESYNC_SECONDS = 1.0


@dataclass(frozen=True)
class Stream:
    source: Address
    ssrc: int
    packets: tuple[RtpPacket, ...]  # in arrival order


@dataclass(frozen=True)
class Track:
    """A stream's decoded audio; ``start``: its first sample on the segment's timeline
    (samples since the segment's ``origin``; may be < 0 for a reordered first packet)."""

    source: Address
    ssrc: int
    start: int
    samples: array[int]
    packets: int  # audio packets laid out (duplicates included)

    @property
    def end(self) -> int:
        return self.start + len(self.samples)


def split_streams(packets: Iterable[RtpPacket]) -> list[Stream]:
    """Packets grouped by (sender address, SSRC), streams in order of their first packet."""
    grouped: dict[tuple[Address, int], list[RtpPacket]] = {}
    for packet in packets:
        grouped.setdefault((packet.source, packet.ssrc), []).append(packet)
    return [Stream(source, ssrc, tuple(ps)) for (source, ssrc), ps in grouped.items()]


def lay_out(stream: Stream, origin: float) -> Track | None:
    """``stream``'s G.711 audio on the timeline that starts at ``origin`` (epoch seconds);
    None if it carried none (only DTMF events, comfort noise or another codec)."""
    audio = [p for p in stream.packets if g711.decodable(p.payload_type)]
    if not audio:
        return None
    resync = RESYNC_SECONDS * RATE
    anchor_position = round((audio[0].time - origin) * RATE)
    anchor_timestamp = timestamp = audio[0].timestamp
    raw_previous = audio[0].timestamp
    placed: list[tuple[int, array[int]]] = []
    for packet in audio:
        step = (packet.timestamp - raw_previous) & 0xFFFFFFFF  # unwrap the 32-bit clock
        timestamp += step - (1 << 32) if step >= 1 << 31 else step
        raw_previous = packet.timestamp
        position = anchor_position + timestamp - anchor_timestamp
        arrival = round((packet.time - origin) * RATE)
        if abs(position - arrival) > resync:
            anchor_position, anchor_timestamp, position = arrival, timestamp, arrival
        placed.append((position, g711.decode(packet.payload_type, packet.payload)))
    start = min(position for position, _ in placed)
    end = max(position + len(samples) for position, samples in placed)
    track = array("h", bytes(2 * (end - start)))
    for position, samples in placed:  # a duplicate packet writes the same samples again
        track[position - start : position - start + len(samples)] = samples
    return Track(stream.source, stream.ssrc, start, track, len(audio))


def mix(tracks: Sequence[Track]) -> array[int]:
    """The tracks summed into one 16-bit mono signal (clipped), from the earliest start."""
    if not tracks:
        return array("h")
    base = min(t.start for t in tracks)
    total = [0] * (max(t.end for t in tracks) - base)
    for t in tracks:
        first = t.start - base
        last = first + len(t.samples)
        total[first:last] = map(operator.add, total[first:last], t.samples)
    return array("h", map(min, map(max, total, repeat(-32768)), repeat(32767)))
