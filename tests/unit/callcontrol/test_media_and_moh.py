"""Music on hold file and the rtpengine commands of a queued call (fake rtpengine)."""

from __future__ import annotations

import wave
from pathlib import Path
from typing import Any

from callcontrol.media import B_TAG, QueueMedia, dummy_sdp
from callcontrol.moh import NOTES_HZ, write_default_moh


class FakeRtpengine:
    def __init__(self) -> None:
        self.calls: list[tuple[str, tuple[Any, ...]]] = []

    def __getattr__(self, name: str) -> Any:
        def record(*args: Any, **kwargs: Any) -> str:
            self.calls.append((name, args))
            return f"sdp-from-{name}"

        return record


def test_default_music_is_a_short_8_khz_wav_written_once(tmp_path: Path) -> None:
    path = write_default_moh(tmp_path / "moh" / "default.wav")
    with wave.open(str(path)) as wav:
        assert (wav.getframerate(), wav.getnchannels(), wav.getsampwidth()) == (8000, 1, 2)
        assert wav.getnframes() == 8000 * 0.5 * len(NOTES_HZ)
    mtime = path.stat().st_mtime_ns
    write_default_moh(path)
    assert path.stat().st_mtime_ns == mtime


def test_dummy_answer_is_sendrecv_so_play_media_works() -> None:
    sdp = dummy_sdp(1)
    assert "a=sendrecv" in sdp and "m=audio 9 RTP/AVP 0 8 101" in sdp


def test_hold_music_and_bridge_use_one_call_with_a_fixed_far_side_tag() -> None:
    fake = FakeRtpengine()
    media = QueueMedia(fake, "/moh.wav")  # type: ignore[arg-type]
    held = media.hold("call-1", "caller-tag", "caller-sdp")
    assert (held.agent_offer, held.caller_answer) == ("sdp-from-offer", "sdp-from-answer")
    media.start_music(held)
    media.bridge(held, "agent-sdp")
    media.release(held)
    assert [name for name, _ in fake.calls] == [
        "offer",
        "answer",
        "play_media",
        "block_media",  # hold with music
        "offer",
        "answer",
        "stop_media",
        "unblock_media",  # re-point, music off
        "delete",
    ]
    assert fake.calls[1][1][:3] == ("call-1", "caller-tag", B_TAG)
    assert fake.calls[5][1][:4] == ("call-1", "caller-tag", B_TAG, "agent-sdp")
    assert fake.calls[2][1][:2] == ("call-1", "caller-tag")  # music to the caller


def test_an_announcement_replaces_the_music_and_the_music_comes_back_after_it() -> None:
    fake = FakeRtpengine()
    media = QueueMedia(fake, "/moh.wav")  # type: ignore[arg-type]
    held = media.hold("call-1", "caller-tag", "caller-sdp")
    media.start_music(held)
    fake.calls.clear()
    assert media.silence(held)
    media.play(held, "/say.wav")
    media.silence(held)  # the file may not quite have ended
    media.resume_music(held)
    assert [(name, args[-2:]) for name, args in fake.calls] == [
        ("stop_media", ("call-1", "caller-tag")),  # one player per party: music off first
        ("play_media", ("/say.wav", 1)),
        ("stop_media", ("call-1", "caller-tag")),
        ("play_media", ("/moh.wav", 10_000)),
    ]


def test_an_announcement_without_music_still_blocks_the_far_side_and_bridge_ends_it() -> None:
    fake = FakeRtpengine()
    media = QueueMedia(fake, "/moh.wav")  # type: ignore[arg-type]
    held = media.hold("call-1", "caller-tag", "caller-sdp")
    fake.calls.clear()
    media.silence(held)
    media.play(held, "/say.wav")
    media.bridge(held, "agent-sdp")
    media.play(held, "/late.wav")  # too late: the caller talks to the agent now
    media.resume_music(held)
    assert [name for name, _ in fake.calls] == [
        "block_media",
        "play_media",
        "offer",
        "answer",
        "stop_media",
        "unblock_media",
    ]
