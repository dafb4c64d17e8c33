"""Music started off the SIP reactor: later commands of the same call wait for it."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from callcontrol.media import QueueMedia


class SlowRtpengine:
    """Records commands; ``play_media`` takes a while (as rtpengine's does)."""

    def __init__(self) -> None:
        self.calls: list[str] = []
        self.lock = threading.Lock()

    def __getattr__(self, name: str) -> Any:
        def record(*_args: Any, **_kwargs: Any) -> str:
            if name == "play_media":
                time.sleep(0.05)
            with self.lock:
                self.calls.append(name)
            return f"sdp-from-{name}"

        return record


def test_start_music_returns_at_once_and_a_bridge_waits_for_it() -> None:
    fake = SlowRtpengine()
    with ThreadPoolExecutor(2) as workers:
        media = QueueMedia(fake, "/moh.wav", workers)  # type: ignore[arg-type]
        held = media.hold("call-1", "tag", "sdp")
        started = time.monotonic()
        media.start_music(held)
        assert time.monotonic() - started < 0.04  # the caller is answered meanwhile
        media.bridge(held, "agent-sdp")
    assert fake.calls == [
        "offer",
        "answer",
        "play_media",
        "block_media",
        "offer",
        "answer",
        "stop_media",  # the music had started: it is stopped, never left playing
        "unblock_media",
    ]


def test_a_release_during_the_music_start_deletes_after_it() -> None:
    fake = SlowRtpengine()
    with ThreadPoolExecutor(2) as workers:
        media = QueueMedia(fake, "/moh.wav", workers)  # type: ignore[arg-type]
        held = media.hold("call-1", "tag", "sdp")
        media.start_music(held)
        media.release(held)  # the caller hung up at once: no wait in the reactor
    assert fake.calls == ["offer", "answer", "play_media", "block_media", "delete"]
