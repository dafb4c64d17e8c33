"""An uploaded sound made into what call control plays: sox converts it to the music's
format (8 kHz mono 16-bit WAV, like ``callcontrol.moh``'s own, which rtpengine's ``play
media`` reads without resampling), then the result is checked.

Any format Debian's sox reads from a header (WAV, FLAC, Ogg Vorbis, AIFF, AU, CAF,
WavPack, VOC, AMR, ...) is recognised by its content; MP3 has no reliable header, so an
MP3 upload says so with its content type (``audio/mpeg``). Headerless formats (raw PCM,
mu-law, GSM frames) are never guessed: any bytes would "decode" as noise.

``judge`` is the pure decision (too short, too long, only silence); ``convert`` runs sox.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import wave
from array import array
from dataclasses import dataclass
from pathlib import Path

RATE = 8000  # callcontrol.moh.RATE: what the default music is written at
MAX_SECONDS = 600  # longer music is refused (a loop of ten minutes is plenty)
MIN_SECONDS = 1.0  # shorter is a click looped, not music
# Loudest sample below this (of 32767, about -50 dBFS) is silence (or dither noise).
SILENCE_PEAK = 100
SOX_TIMEOUT_S = 60
# What an upload's content type says it is, for formats sox cannot tell by content.
CONTENT_TYPES = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/mpeg3": "mp3",
    "audio/x-mpeg-3": "mp3",
    "audio/x-mp3": "mp3",
}


class AudioRefused(Exception):
    """The upload is not usable music; ``reason`` says why, for the API's 422."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Converted:
    source_format: str  # as sox names it: wav, flac, vorbis, mp3, ...
    duration_ms: int
    peak: int  # the loudest sample of the converted audio
    sha256: str  # of the converted file


def judge(samples: int, peak: int) -> str | None:
    """Why converted audio of ``samples`` (at ``RATE``) peaking at ``peak`` is refused,
    or None when it is usable music."""
    if samples == 0:
        return "the file holds no audio (zero length)"
    if samples < MIN_SECONDS * RATE:
        return f"the audio lasts {samples / RATE:.2f} s: at least {MIN_SECONDS:g} s is needed"
    if samples > MAX_SECONDS * RATE:
        return f"the audio lasts more than {MAX_SECONDS} s, the longest music accepted"
    if peak < SILENCE_PEAK:
        return "the audio is only silence"
    return None


def hinted_format(content_type: str | None) -> str | None:
    """The sox type an upload's content type names (MP3 only: see the module's doc)."""
    if not content_type:
        return None
    return CONTENT_TYPES.get(content_type.split(";", 1)[0].strip().lower())


def convert(upload: Path, out: Path, content_type: str | None = None) -> Converted:
    """Convert ``upload`` into ``out`` and check it; raises AudioRefused (``out`` may then
    hold a partial file: the caller removes it)."""
    detected = _detect(upload)
    source_format = detected or hinted_format(content_type)
    if source_format is None:
        raise AudioRefused(
            "not an audio file sox can read (its format is not recognised; "
            "an MP3 upload needs the content type audio/mpeg)"
        )
    argv = ["sox", "-V1"]
    if detected is None:
        argv += ["-t", source_format]
    argv += [str(upload), "-t", "wav", "-e", "signed-integer", "-b", "16", "-c", "1"]
    # One second past the limit is enough to know the audio is too long.
    argv += ["-r", str(RATE), str(out), "trim", "0", str(MAX_SECONDS + 1)]
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=SOX_TIMEOUT_S, check=False
        )
    except subprocess.TimeoutExpired:
        raise AudioRefused(f"sox took longer than {SOX_TIMEOUT_S} s to convert it") from None
    if done.returncode != 0:
        reason = _sox_error(done.stderr.replace(str(upload), "the upload"))
        raise AudioRefused(f"sox could not read it as {source_format}: {reason}")
    samples, peak = _measure(out)
    problem = judge(samples, peak)
    if problem is not None:
        raise AudioRefused(problem)
    return Converted(source_format, samples * 1000 // RATE, peak, _sha256(out))


def _detect(upload: Path) -> str | None:
    """The format sox recognises by content, or None."""
    try:
        done = subprocess.run(
            ["soxi", "-t", str(upload)],
            capture_output=True,
            text=True,
            timeout=SOX_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired:
        return None
    kind = done.stdout.strip()
    return kind if done.returncode == 0 and kind.replace("-", "").isalnum() else None


def _sox_error(stderr: str) -> str:
    """sox's own reason, without the temporary file's path."""
    lines = [line.strip() for line in stderr.splitlines() if "FAIL" in line] or ["failed"]
    reason = lines[-1].split(":", 1)[-1].strip() if ":" in lines[-1] else lines[-1]
    return reason.rstrip(": ")[:200] or "failed"


def _measure(path: Path) -> tuple[int, int]:
    """Samples and peak of a 16-bit mono WAV."""
    try:
        with wave.open(str(path), "rb") as wav:
            frames = wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise AudioRefused(f"sox wrote no usable audio: {exc}") from None
    samples = array("h")
    samples.frombytes(frames[: len(frames) // 2 * 2])
    if sys.byteorder == "big":  # WAV samples are little-endian
        samples.byteswap()
    if not samples:
        return 0, 0
    return len(samples), max(max(samples), -min(samples))


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as data:
        for chunk in iter(lambda: data.read(1 << 16), b""):
            digest.update(chunk)
    return digest.hexdigest()
