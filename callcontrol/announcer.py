"""Saying a composed prompt to a waiting caller, then going on (music again, or hang up).

The queue service decides *what* to say (``callcontrol.queue`` / ``callcontrol.announce``);
this plays it through rtpengine and calls back once it has been heard.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from callcontrol.announce import PHRASES
from callcontrol.media import CallerMedia, QueueMedia
from callcontrol.prompts import Prompts
from callcontrol.sip import SipStack, Timer

log = logging.getLogger(__name__)

TAIL_S = 0.3  # rtpengine starts a file on the next packet time: let the last word finish


@dataclass(frozen=True)
class Said:
    file: str
    duration_ms: int
    timer: Timer


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
        if not self.media.announce(media, file):
            return None
        timer = self.sip.call_later(duration_ms / 1000 + TAIL_S, then)
        log.info("call %s hears %r (%s, %d ms)", media.call_id, spoken(words), file, duration_ms)
        return Said(file, duration_ms, timer)


def spoken(words: list[str]) -> str:
    """The text of ``words``, as the caller hears it (for logs and tests)."""
    return " ".join(PHRASES[w] for w in words)
