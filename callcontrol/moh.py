"""Sounds call control plays, written as WAVs at start-up: the default music on hold (a
short, soft arpeggio, C5 E5 G5 E5) and the prompts of feature codes; and where a team's
own music (uploaded through the API, ``dashboard.routes.music``) is found.

Generated (no binary is shipped or downloaded); rtpengine's ``play media`` takes WAV at
any rate. Tests recognise each sound by its frequencies.
"""

from __future__ import annotations

import math
import os
import struct
import wave
from pathlib import Path

RATE = 8000
NOTES_HZ = (523.25, 659.25, 783.99, 659.25)
NOTE_S = 0.5
AMPLITUDE = 6000


# Feature-code prompts: (frequency, seconds) notes; 0 Hz is silence.
PROMPT_NOTES = ((850.0, 0.25), (0.0, 0.15), (850.0, 0.25))  # "key in agent number #"
OK_NOTES = ((1400.0, 1.0),)  # confirmation
ERROR_NOTES = ((300.0, 1.0),)  # refused
RINGBACK_NOTES = ((440.0, 1.0), (0.0, 3.0))  # what an agent hears while the customer rings


def write_default_moh(path: Path) -> Path:
    """Write the music WAV once (idempotent) and return its path."""
    return write_notes(path, tuple((f, NOTE_S) for f in NOTES_HZ))


def write_notes(path: Path, notes: tuple[tuple[float, float], ...]) -> Path:
    """Write ``notes`` as a WAV once (idempotent) and return its path."""
    if path.exists() and path.stat().st_size > 44:
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    ramp = 200  # samples of fade in/out, so notes do not click
    frames = bytearray()
    for freq, seconds in notes:
        per_note = int(RATE * seconds)
        for i in range(per_note):
            envelope = min(1.0, i / ramp, (per_note - i) / ramp)
            sample = AMPLITUDE * envelope * math.sin(2 * math.pi * freq * i / RATE)
            frames += struct.pack("<h", int(sample))
    write_wav(path, bytes(frames))
    return path


def write_wav(path: Path, frames: bytes) -> None:
    """8 kHz mono 16-bit ``frames`` as a WAV at ``path``, replaced atomically (a player
    or another process never reads half a file)."""
    tmp = path.with_suffix(f".{os.getpid()}.tmp")
    with wave.open(str(tmp), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(RATE)
        out.writeframes(frames)
    tmp.replace(path)


def group_music(music_dir: Path, relative: str) -> str | None:
    """The absolute path rtpengine plays for a group's music file ``relative`` (to
    ``music_dir``, as the store names it), or None when it is not a file there."""
    base = music_dir.resolve()
    path = (base / relative).resolve()
    if base not in path.parents or not path.is_file():
        return None
    return str(path)
