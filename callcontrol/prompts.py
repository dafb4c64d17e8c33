"""Spoken prompts: the vocabulary of ``callcontrol.announce`` as 8 kHz mono WAVs, and
announcements composed from them.

The words are spoken by espeak-ng and converted by sox at install time (``make install``
runs ``python -m callcontrol.prompts``); call control fills in any word still missing
when it starts. Nothing binary is shipped or downloaded. Each word is trimmed of the
silence espeak-ng puts around it, and ``compose`` joins words with a short pause, so an
announcement sounds like one sentence. Composed files are cached per word list: a queue
says the same few sentences over and over.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import wave
from pathlib import Path

from callcontrol.announce import PHRASES
from callcontrol.moh import RATE, write_wav

log = logging.getLogger(__name__)

GAP_S = 0.12  # between words
VOICE = "en-us"
WORDS_PER_MINUTE = "150"  # espeak-ng's default 175 is hurried on a phone line
# The install-time location (``make install``); SWITCHBOARD_WORDS_DIR overrides it.
DEFAULT_WORDS_DIR = Path(__file__).resolve().parent.parent / "var" / "sounds" / "words"


class PromptsUnavailable(RuntimeError):
    """espeak-ng or sox is missing: announcements cannot be made."""


def missing_words(words_dir: Path) -> list[str]:
    return [key for key in PHRASES if not (words_dir / f"{key}.wav").exists()]


def generate_words(words_dir: Path) -> int:
    """Speak every missing word into ``words_dir``; returns how many were made."""
    missing = missing_words(words_dir)
    if not missing:
        return 0
    espeak, sox = shutil.which("espeak-ng"), shutil.which("sox")
    if espeak is None or sox is None:
        raise PromptsUnavailable("espeak-ng and sox are needed to speak the prompts")
    words_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        for key in missing:
            raw = Path(tmp) / f"{key}.raw.wav"
            # Written beside its final name, then renamed: whole files only, even with
            # several processes filling the same directory.
            out = words_dir / f"{key}.{os.getpid()}.tmp.wav"
            subprocess.run(
                [espeak, "-v", VOICE, "-s", WORDS_PER_MINUTE, "-w", str(raw), PHRASES[key]],
                check=True,
                capture_output=True,
            )
            # Mono 16-bit 8 kHz; leading and trailing silence cut (the reversed trim).
            subprocess.run(
                [
                    sox,
                    str(raw),
                    "-r",
                    str(RATE),
                    "-c",
                    "1",
                    "-b",
                    "16",
                    str(out),
                    "silence",
                    "1",
                    "0.02",
                    "0.5%",
                    "reverse",
                    "silence",
                    "1",
                    "0.02",
                    "0.5%",
                    "reverse",
                ],
                check=True,
                capture_output=True,
            )
            out.replace(words_dir / f"{key}.wav")
    return len(missing)


class Prompts:
    """Composes announcements from the word files into ``cache_dir``."""

    def __init__(self, words_dir: Path, cache_dir: Path) -> None:
        self.words_dir, self.cache_dir = words_dir, cache_dir
        self._cache: dict[tuple[str, ...], tuple[str, int]] = {}

    def compose(self, words: list[str]) -> tuple[str, int]:
        """(absolute path of the WAV saying ``words``, its length in ms)."""
        key = tuple(words)
        if key in self._cache:
            return self._cache[key]
        path = self.cache_dir / ("-".join(words) + ".wav")
        if not path.exists():
            self.cache_dir.mkdir(parents=True, exist_ok=True)
            gap = b"\0\0" * int(RATE * GAP_S)
            frames = bytearray()
            for i, word in enumerate(words):
                with wave.open(str(self.words_dir / f"{word}.wav"), "rb") as source:
                    if (source.getframerate(), source.getnchannels(), source.getsampwidth()) != (
                        RATE,
                        1,
                        2,
                    ):
                        raise ValueError(f"{word}.wav is not 8 kHz mono 16-bit")
                    frames += (gap if i else b"") + source.readframes(source.getnframes())
            write_wav(path, bytes(frames))
        with wave.open(str(path), "rb") as made:
            duration_ms = made.getnframes() * 1000 // RATE
        self._cache[key] = (str(path.resolve()), duration_ms)
        return self._cache[key]


def main(argv: list[str]) -> int:
    """``python -m callcontrol.prompts [DIR]``: speak the vocabulary (install time)."""
    words_dir = Path(argv[1]) if len(argv) > 1 else DEFAULT_WORDS_DIR
    made = generate_words(words_dir)
    print(f"prompts: {made} word(s) spoken into {words_dir}, {len(PHRASES)} in all")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
