"""Saying a composed prompt to a waiting caller, then going on (music again, or hang up).

The queue service decides *what* to say (``callcontrol.queue`` / ``callcontrol.announce``);
this plays it through rtpengine and calls back once it has been heard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from callcontrol.announce import PHRASES
from callcontrol.media import PLAYER_GAP_S, CallerMedia, QueueMedia
from callcontrol.prompts import Prompts
from callcontrol.sip import SipStack, Timer

log = logging.getLogger(__name__)

TAIL_S = 0.3  # rtpengine starts a file on the next packet time: let the last word finish


class Timers(Timer):
    """Several timers cancelled as one (an announcement's start and its end)."""

    def __init__(self, *timers: Timer) -> None:
        super().__init__(None)
        self.timers = timers

    def cancel(self) -> None:
        for timer in self.timers:
            timer.cancel()


@dataclass(frozen=True)
class Said:
    file: str
    duration_ms: int
    timer: Timers


class Announcer:
    def __init__(self, sip: SipStack, media: QueueMedia, prompts: Prompts | None) -> None:
        self.sip, self.media, self.prompts = sip, media, prompts

    @property
    def available(self) -> bool:
        return self.prompts is not None

    def say(self, media: CallerMedia, words: list[str], then: Callable[[], None]) -> Said | None:
        """Play ``words`` to the caller; ``then`` runs once they have been said. None (and
        ``then`` never runs) when there is nothing to say or it could not be played."""
        if self.prompts is None or not words:
            return None
        try:
            file, duration_ms = self.prompts.compose(words)
        except (OSError, ValueError) as exc:
            log.error("composing %s failed: %s", words, exc)
            return None
        if not self.media.silence(media):
            return None
        # The file starts after the player's gap (callcontrol.media): one stream throughout.
        start = self.sip.call_later(PLAYER_GAP_S, lambda: self.media.play(media, file))
        end = self.sip.call_later(PLAYER_GAP_S + duration_ms / 1000 + TAIL_S, then)
        log.info("call %s hears %r (%s, %d ms)", media.call_id, spoken(words), file, duration_ms)
        return Said(file, duration_ms, Timers(start, end))

    def resume_music(self, media: CallerMedia) -> Timer:
        """Music again once the announcement is over: the player is stopped (if the file
        has not quite ended) and the music starts after the player's gap."""
        self.media.silence(media)
        return self.sip.call_later(PLAYER_GAP_S, lambda: self.media.resume_music(media))


def spoken(words: list[str]) -> str:
    """The text of ``words``, as the caller hears it (for logs and tests)."""
    return " ".join(PHRASES[w] for w in words)
