"""What rtpengine wrote for a call, and the recording's WAV made from it.

With ``--recording-method=pcap`` rtpengine writes, under its ``--recording-dir``, one
``pcaps/<call-id>-<16 hex>.pcap`` per ``start recording`` (the call-id URL-encoded) and,
once that file is closed (``stop recording`` or the call's delete), a
``metadata/rtpengine-meta-<same>.txt`` whose first line is the pcap's path, followed by
the ``metadata`` given with the start ("sb-recording=N" here: which recording of the call
the stretch belongs to) and the call's start and end.
"""

from __future__ import annotations

import re
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote

from recording.mixdown import Mixdown, join, mix_segment
from recording.pcap import read_pcap
from recording.rtp import rtp_packets
from recording.timeline import RATE

_META_NAME = re.compile(r"^rtpengine-meta-(?P<call>.+)-(?P<tag>[0-9a-f]{16})\.txt$")
RECORDING_KEY = "sb-recording"


@dataclass(frozen=True)
class Stretch:
    pcap: Path
    metadata: Path
    recording: int  # the call's recording it belongs to (0: not tagged)


def stretches_of(root: Path, call_id: str) -> list[Stretch]:
    """The closed pcap files of ``call_id`` under rtpengine's recording dir ``root``."""
    found: list[Stretch] = []
    meta_dir = root / "metadata"
    if not meta_dir.is_dir():
        return found
    for meta in sorted(meta_dir.iterdir()):
        match = _META_NAME.match(meta.name)
        if match is None or unquote(match["call"]) != call_id:
            continue
        lines = meta.read_text(errors="replace").splitlines()
        if not lines:
            continue
        pcap = Path(lines[0].strip())
        if not pcap.is_absolute():
            pcap = root / "pcaps" / pcap.name
        found.append(Stretch(pcap, meta, _recording_number(lines[1:])))
    return found


def _recording_number(lines: list[str]) -> int:
    for line in lines:
        for item in line.strip().split(";"):
            key, _, value = item.partition("=")
            if key.strip() == RECORDING_KEY and value.strip().isdigit():
                return int(value)
    return 0


def mixdown(pcaps: list[Path]) -> Mixdown:
    """The stretches mixed to mono and joined in time order, the gaps between them cut."""
    return join([mix_segment(rtp_packets(read_pcap(p.read_bytes()).datagrams)) for p in pcaps])


def render_wav(pcaps: list[Path], out: Path) -> int:
    """Write the WAV (mono, 16-bit, 8 kHz) of these stretches; its length in ms."""
    mixed = mixdown(pcaps)
    tmp = out.with_suffix(".part")
    with wave.open(str(tmp), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        samples = mixed.samples
        if sys.byteorder == "big":  # WAV is little-endian
            samples = array("h", samples)
            samples.byteswap()
        wav.writeframes(samples.tobytes())
    tmp.replace(out)  # a reader never sees half a file
    return round(len(mixed.samples) * 1000 / RATE)
