"""A queued caller's music is its group's file (or the default): where call control
finds it, and that every player start of that call (music, music after an announcement,
hold in a connected call) plays it (fake rtpengine)."""

from __future__ import annotations

from pathlib import Path

from callcontrol.callmedia import CallMedia
from callcontrol.media import QueueMedia
from callcontrol.moh import group_music
from tests.unit.callcontrol.test_media_and_moh import FakeRtpengine


def _music_dir(tmp_path: Path) -> Path:
    root = tmp_path / "moh"
    (root / "teams" / "demo").mkdir(parents=True)
    (root / "teams" / "demo" / "jingle.wav").write_bytes(b"RIFF")
    (tmp_path / "outside.wav").write_bytes(b"RIFF")
    return root


def test_a_groups_music_is_its_file_under_the_music_dir_and_nothing_outside(
    tmp_path: Path,
) -> None:
    root = _music_dir(tmp_path)
    assert group_music(root, "teams/demo/jingle.wav") == str(root / "teams/demo/jingle.wav")
    assert group_music(root, "teams/demo/gone.wav") is None
    assert group_music(root, "../outside.wav") is None
    assert group_music(root, "teams/demo") is None  # a directory is no music


def test_a_group_without_music_or_with_a_missing_file_plays_the_default(tmp_path: Path) -> None:
    media = QueueMedia(FakeRtpengine(), "/moh.wav", music_dir=_music_dir(tmp_path))  # type: ignore[arg-type]
    assert media.music_for("") == ""
    assert media.music_for("teams/demo/gone.wav") == ""
    assert media.music_for("teams/demo/jingle.wav").endswith("/teams/demo/jingle.wav")
    no_dir = QueueMedia(FakeRtpengine(), "/moh.wav")  # type: ignore[arg-type]
    assert no_dir.music_for("teams/demo/jingle.wav") == ""


def test_the_callers_music_plays_at_the_start_after_an_announcement_and_on_hold() -> None:
    fake = FakeRtpengine()
    media = QueueMedia(fake, "/moh.wav")  # type: ignore[arg-type]
    held = media.hold("call-1", "caller-tag", "caller-sdp")
    held.music_file = "/var/moh/teams/demo/jingle.wav"
    media.start_music(held)
    media.silence(held)
    media.resume_music(held)
    CallMedia(fake, "/moh.wav", "/ring.wav").music(held, on=True)  # type: ignore[arg-type]
    played = [args[2] for name, args in fake.calls if name == "play_media"]
    assert played == ["/var/moh/teams/demo/jingle.wav"] * 3


def test_a_caller_without_a_group_music_hears_the_default() -> None:
    fake = FakeRtpengine()
    media = QueueMedia(fake, "/moh.wav")  # type: ignore[arg-type]
    held = media.hold("call-1", "caller-tag", "caller-sdp")
    media.start_music(held)
    CallMedia(fake, "/moh.wav", "/ring.wav").music(held, on=True)  # type: ignore[arg-type]
    assert [args[2] for name, args in fake.calls if name == "play_media"] == ["/moh.wav"] * 2
