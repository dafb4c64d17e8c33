"""The default music on hold: a short, soft arpeggio written as a WAV at start-up.

Generated (no binary is shipped or downloaded); rtpengine's ``play media`` takes WAV at
any rate and loops it. Tests recognise it by its notes (C5 E5 G5 E5).
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

RATE = 8000
NOTES_HZ = (523.25, 659.25, 783.99, 659.25)
NOTE_S = 0.5
AMPLITUDE = 6000


def write_default_moh(path: Path) -> Path:
    """Write the WAV once (idempotent) and return its path."""
    if path.exists() and path.stat().st_size > 44:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    per_note = int(RATE * NOTE_S)
    ramp = 200  # samples of fade in/out, so notes do not click
    frames = bytearray()
    for freq in NOTES_HZ:
        for i in range(per_note):
            envelope = min(1.0, i / ramp, (per_note - i) / ramp)
            sample = AMPLITUDE * envelope * math.sin(2 * math.pi * freq * i / RATE)
            frames += struct.pack("<h", int(sample))
    tmp = path.with_suffix(".tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(bytes(frames))
    tmp.replace(path)
    return path
