"""What makes an upload usable music (``dashboard.audio.judge``: pure) and what its
content type says; then sox itself on files a user might bring."""

from __future__ import annotations

from pathlib import Path

import pytest

from dashboard.audio import (
    MAX_SECONDS,
    RATE,
    SILENCE_PEAK,
    AudioRefused,
    convert,
    hinted_format,
    judge,
)
from tests.support.sounds import tone_file


@pytest.mark.parametrize(
    ("samples", "peak", "refused"),
    [
        (0, 0, "zero length"),
        (RATE // 2, 20_000, "at least 1 s"),
        (MAX_SECONDS * RATE + 1, 20_000, f"more than {MAX_SECONDS} s"),
        (10 * RATE, SILENCE_PEAK - 1, "only silence"),
        (RATE, SILENCE_PEAK, None),
        (MAX_SECONDS * RATE, 32_767, None),
    ],
)
def test_audio_is_music_when_it_lasts_one_second_to_ten_minutes_and_is_not_silent(
    samples: int, peak: int, refused: str | None
) -> None:
    verdict = judge(samples, peak)
    assert verdict == refused if refused is None else refused in (verdict or ""), verdict


def test_only_an_mp3_content_type_names_a_format() -> None:
    assert hinted_format("audio/mpeg") == "mp3"
    assert hinted_format("Audio/MPEG; charset=binary") == "mp3"
    assert hinted_format("audio/wav") is None  # a WAV is told by its content
    assert hinted_format("application/octet-stream") is None and hinted_format(None) is None


@pytest.mark.parametrize("suffix", [".wav", ".flac", ".ogg", ".aiff", ".au"])
def test_sox_tells_header_formats_by_content_whatever_the_name(tmp_path: Path, suffix: str) -> None:
    upload = tmp_path / "upload"  # no suffix: as the API stores an upload
    upload.write_bytes(tone_file(tmp_path / f"t{suffix}", 440.0, seconds=1.5).read_bytes())
    converted = convert(upload, tmp_path / "out.wav")
    assert 1400 <= converted.duration_ms <= 1600 and converted.peak > 10_000


def test_a_longer_upload_than_ten_minutes_is_refused_without_converting_it_all(
    tmp_path: Path,
) -> None:
    upload = tmp_path / "upload"
    tone_file(tmp_path / "long.flac", 440.0, seconds=MAX_SECONDS + 30, rate=8000, channels=1)
    upload.write_bytes((tmp_path / "long.flac").read_bytes())
    with pytest.raises(AudioRefused, match=f"more than {MAX_SECONDS} s"):
        convert(upload, tmp_path / "out.wav")
    assert (tmp_path / "out.wav").stat().st_size < (MAX_SECONDS + 2) * RATE * 2 + 100
