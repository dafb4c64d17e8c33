"""Position and expected-wait announcements: the words, the estimate, the timing, the WAV."""

from __future__ import annotations

import shutil
import wave
from pathlib import Path

import pytest

from callcontrol import queue as q
from callcontrol.announce import PHRASES, announcement, number_words
from callcontrol.prompts import Prompts, generate_words, missing_words
from routing.acd.config import QueueSettings

ANNOUNCING = QueueSettings(
    "demo/support", announce_position=True, announce_wait=True, announce_every_s=30
)


@pytest.mark.parametrize(
    ("n", "words"),
    [
        (0, ["0"]),
        (2, ["2"]),
        (19, ["19"]),
        (20, ["20"]),
        (42, ["40", "2"]),
        (100, ["1", "hundred"]),
        (305, ["3", "hundred", "5"]),
        (999, ["9", "hundred", "90", "9"]),
        (5000, ["9", "hundred", "90", "9"]),
    ],
)
def test_numbers_are_said_with_the_vocabulary(n: int, words: list[str]) -> None:
    assert number_words(n) == words
    assert all(w in PHRASES for w in words)


def test_given_position_and_wait_then_both_are_said_in_whole_minutes() -> None:
    assert announcement(2, 290) == ["caller_number", "2", "wait_about", "5", "minutes"]
    assert announcement(1, 70) == ["caller_number", "1", "wait_about", "1", "minute"]
    assert announcement(3, 20) == ["caller_number", "3", "wait_short"]
    assert announcement(None, 600) == ["wait_about", "10", "minutes"]
    assert announcement(4, None) == ["caller_number", "4"]
    assert announcement(None, None) == []


def test_position_is_the_rank_in_the_index_order() -> None:
    assert q.position(["a", "b", "c"], "b") == 2
    assert q.position(["a"], "x") is None


def test_expected_wait_is_place_times_handle_time_over_working_agents() -> None:
    assert q.expected_wait_s(2, 1, 120.0) == 240
    assert q.expected_wait_s(3, 2, 100.0) == 150
    assert q.expected_wait_s(1, 0, 100.0) is None  # nobody working: unknown, not said


def test_handle_time_follows_recent_calls() -> None:
    learned = q.learned_handle_s(q.DEFAULT_HANDLE_S, 60.0)
    assert 60.0 < learned < q.DEFAULT_HANDLE_S
    assert q.learned_handle_s(learned, 60.0) < learned


def test_first_announcement_comes_shortly_then_every_period_after_it_ended() -> None:
    call = q.QueueCall("c1", "demo/support", "carrier", "+15550100", 10_000)
    assert not q.announcement_due(call, ANNOUNCING, 10_000 + q.FIRST_ANNOUNCEMENT_MS - 1)
    assert q.announcement_due(call, ANNOUNCING, 10_000 + q.FIRST_ANNOUNCEMENT_MS)
    q.announced(call, ANNOUNCING, 12_000, duration_ms=3_000)
    assert not q.announcement_due(call, ANNOUNCING, 44_999)
    assert q.announcement_due(call, ANNOUNCING, 45_000)


def test_no_announcement_when_off_or_once_connected() -> None:
    call = q.QueueCall("c1", "demo/support", "carrier", "+15550100", 0)
    assert not q.announcement_due(call, QueueSettings("demo/support"), 60_000)
    call.state = q.CONNECTED
    assert not q.announcement_due(call, ANNOUNCING, 60_000)


@pytest.mark.skipif(shutil.which("espeak-ng") is None, reason="espeak-ng not installed")
def test_words_are_spoken_once_and_composed_into_one_8khz_file(tmp_path: Path) -> None:
    words_dir = tmp_path / "words"
    assert generate_words(words_dir) == len(PHRASES)
    assert missing_words(words_dir) == [] and generate_words(words_dir) == 0
    prompts = Prompts(words_dir, tmp_path / "cache")
    path, duration_ms = prompts.compose(["caller_number", "2"])
    with wave.open(path, "rb") as made:
        assert (made.getframerate(), made.getnchannels(), made.getsampwidth()) == (8000, 1, 2)
        assert made.getnframes() * 1000 // 8000 == duration_ms
    singles = 0
    for word in ("caller_number", "2"):
        with wave.open(str(words_dir / f"{word}.wav"), "rb") as one:
            singles += one.getnframes()
    assert duration_ms > singles * 1000 // 8000  # the words plus a pause between them
    assert prompts.compose(["caller_number", "2"]) == (path, duration_ms)  # cached
