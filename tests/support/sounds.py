"""Sound files for upload tests, made with sox (as a user would bring them: any rate,
stereo, compressed), and what a converted WAV holds."""

from __future__ import annotations

import subprocess
import wave
from array import array
from pathlib import Path


def tone_file(
    path: Path, hz: float, seconds: float = 3.0, rate: int = 44100, channels: int = 2
) -> Path:
    """A sine of ``hz`` in the format ``path``'s suffix names (.mp3, .flac, .ogg, .wav)."""
    subprocess.run(
        ["sox", "-V1", "-n", "-r", str(rate), "-c", str(channels), str(path)]
        + ["synth", str(seconds), "sine", str(hz), "vol", "0.5"],
        check=True,
    )
    return path


def silence_file(path: Path, seconds: float = 3.0) -> Path:
    subprocess.run(
        ["sox", "-V1", "-n", "-r", "8000", "-c", "1", str(path), "trim", "0", str(seconds)],
        check=True,
    )
    return path


def wav_samples(data: bytes, path: Path) -> tuple[int, int, list[int]]:
    """(rate, channels, samples) of the WAV ``data`` (written to ``path`` to read it)."""
    path.write_bytes(data)
    with wave.open(str(path), "rb") as wav:
        rate, channels = wav.getframerate(), wav.getnchannels()
        samples = array("h", wav.readframes(wav.getnframes()))
    return rate, channels, list(samples)
