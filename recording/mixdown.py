"""A recording's audio: each segment mixed to mono, the segments joined. Pure.

rtpengine 10.5 has no "pause recording": a pause is ``stop recording`` and a resume
``start recording``, which begins a new pcap (a *segment*). Joining segments **cuts** the
paused stretch: the next segment's audio follows the previous one's directly (``gap_seconds``
of silence between them if asked), so the WAV holds nothing of the pause and is no longer
than what was recorded. Within a segment, silence keeps its real length (see timeline).
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass

from recording.pcap import Address
from recording.rtp import RtpPacket
from recording.timeline import RATE, lay_out, mix, split_streams


@dataclass(frozen=True)
class TrackInfo:
    source: Address
    ssrc: int
    offset_seconds: float  # where it starts in the joined recording
    duration_seconds: float
    packets: int


@dataclass(frozen=True)
class Mixdown:
    samples: array[int]  # mono, 16-bit, ``rate`` Hz
    started: float  # epoch seconds of the first segment's first sample (0.0: no audio)
    tracks: tuple[TrackInfo, ...]
    segments: tuple[float, ...]  # where each segment starts in ``samples`` (seconds)
    skipped_packets: int  # RTP not decoded: RFC 4733 events, comfort noise, other codecs
    rate: int = RATE  # G.711's clock: nothing is resampled

    @property
    def duration(self) -> float:
        return len(self.samples) / self.rate


def mix_segment(packets: Sequence[RtpPacket]) -> Mixdown:
    """One segment (one pcap) mixed: every party's streams on rtpengine's clock."""
    if not packets:
        return Mixdown(array("h"), 0.0, (), (), 0)
    origin = min(p.time for p in packets)
    tracks = [t for t in (lay_out(s, origin) for s in split_streams(packets)) if t]
    samples = mix(tracks)
    base = min((t.start for t in tracks), default=0)
    infos = tuple(
        TrackInfo(t.source, t.ssrc, (t.start - base) / RATE, len(t.samples) / RATE, t.packets)
        for t in tracks
    )
    skipped = len(packets) - sum(t.packets for t in tracks)
    started = origin + base / RATE if tracks else 0.0
    return Mixdown(samples, started, infos, (0.0,) if tracks else (), skipped)


def join(parts: Sequence[Mixdown], gap_seconds: float = 0.0) -> Mixdown:
    """Segments in the order of their start, back to back (the pauses between them cut)."""
    ordered = sorted((p for p in parts if len(p.samples)), key=lambda p: p.started)
    skipped = sum(p.skipped_packets for p in parts)
    if not ordered:
        return Mixdown(array("h"), 0.0, (), (), skipped)
    gap = array("h", bytes(2 * round(gap_seconds * RATE)))
    samples: array[int] = array("h")
    tracks: list[TrackInfo] = []
    starts: list[float] = []
    for n, part in enumerate(ordered):
        if n:
            samples.extend(gap)
        offset = len(samples) / RATE
        starts.append(offset)
        tracks.extend(
            TrackInfo(t.source, t.ssrc, offset + t.offset_seconds, t.duration_seconds, t.packets)
            for t in part.tracks
        )
        samples.extend(part.samples)
    return Mixdown(samples, ordered[0].started, tuple(tracks), tuple(starts), skipped)
