"""The caller's media in rtpengine: hold with music, then re-point to the agent's leg.

One rtpengine call per queued caller, under the caller's own Call-ID: the phone side is
the caller's From tag, the other side a fixed tag (``B_TAG``). With ``port latching`` on
every offer/answer, re-sending the caller's offer and answering with the agent leg's SDP
moves the far side without moving the caller's port: no re-INVITE reaches the caller
(see ../shared/notes/media.md). The SDP offered to agents is this call's b-side, so the
agent leg (which Kamailio relays through its own rtpengine session) meets it there.

Between two files of the player (music, an announcement, music again) the caller's stream
stays one: rtpengine's player sends ahead of time, in bursts, and times a new file from
now, so a file started at once after another would step its timestamps back by what was
sent early; ``callcontrol.announcer`` leaves ``PLAYER_GAP_S`` between them.

At the bridge the caller's stream changes from the player's (its own SSRC and sequence
numbers) to the agent phone's, relayed as it is. Phones take a new SSRC as a new stream
once their jitter buffer runs; before that some keep the first stream's numbering and
drop a new stream that starts behind it as late, for the whole call (Debian's baresip 1.0
does: its buffer resets on an SSRC change only once it has started playing). An agent
who answers at once (auto-answer) met that window, so the caller heard nothing at all:
the bridge now waits until the caller's first stream has run ``FIRST_STREAM_S``
(``first_stream_wait``), and every test phone's RTP is checked for such a change.
"""

from __future__ import annotations

import logging
import time
from concurrent.futures import Executor, Future
from dataclasses import dataclass, field
from pathlib import Path

from callcontrol.moh import group_music
from rtpengine import RtpengineClient, RtpengineError

log = logging.getLogger(__name__)

B_TAG = "switchboard-queue"
FLAGS = ["port latching"]
REPLACE = ["origin", "session-connection"]
# Between stopping the player and starting its next file: more than it sends ahead (its
# bursts reach ~110 ms), so the next file's first timestamp is past every one sent.
PLAYER_GAP_S = 0.15
# The caller's first stream (the music) runs this long before another replaces it: longer
# than phones' jitter buffers take to start (baresip: 5-10 packets of 20 ms).
FIRST_STREAM_S = 0.5
MOH_REPEAT = 10_000  # the file loops until stopped; bounded so a lost stop cannot run forever


def dummy_sdp(session: int) -> str:
    """A ``sendrecv`` answer for the waiting caller's far side (``recvonly`` breaks play media)."""
    return (
        "v=0\r\n"
        f"o=switchboard {session} 1 IN IP4 127.0.0.1\r\n"
        "s=queue\r\n"
        "c=IN IP4 127.0.0.1\r\n"
        "t=0 0\r\n"
        "m=audio 9 RTP/AVP 0 8 101\r\n"
        "a=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:8 PCMA/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\n"
        "a=fmtp:101 0-15\r\n"
        "a=sendrecv\r\n"
    )


@dataclass
class CallerMedia:
    call_id: str
    caller_tag: str
    caller_sdp: str
    caller_answer: str = ""  # what the caller was answered with (rtpengine's a-side)
    agent_offer: str = ""  # what agents are offered (rtpengine's b-side)
    music: bool = False
    music_file: str = ""  # what this caller's music is (its group's); "" = the default
    music_since: float = 0.0  # time.monotonic() when the caller's music started, 0 if not
    # start_music still running on a worker: every later command for this call waits
    # for it first, so the music can never start after a bridge or a release
    pending: Future[None] | None = field(default=None, repr=False, compare=False)


# A queued call's start waits for the music this long at most (``start_music`` is 2
# commands, each bounded by the client's timeout).
SETTLE_S = 5.0


class QueueMedia:
    def __init__(
        self,
        rtpengine: RtpengineClient,
        moh_file: str,
        workers: Executor | None = None,
        music_dir: Path | None = None,
    ) -> None:
        """``workers``: where ``start_music`` runs, off the caller of ``hold`` (the SIP
        reactor answers the caller meanwhile); None runs it in place. ``music_dir``: where
        the teams' music files are (``QueueSettings.music`` is relative to it)."""
        self.rtpengine = rtpengine
        self.moh_file = moh_file
        self.workers = workers
        self.music_dir = music_dir

    def music_for(self, relative: str) -> str:
        """The file a group's music (``QueueSettings.music``) plays: the team's file, or
        "" (the default music) when the group has none or its file is not there."""
        if not relative or self.music_dir is None:
            return ""
        path = group_music(self.music_dir, relative)
        if path is None:
            log.warning("music %s is missing: the default plays instead", relative)
            return ""
        return path

    def settle(self, media: CallerMedia) -> None:
        """Wait until this call's music has started (or failed), if it is still starting."""
        pending, media.pending = media.pending, None
        if pending is not None:
            try:
                pending.result(timeout=SETTLE_S)
            except Exception:  # rtpengine's failures _start_music logs itself
                log.exception("music on hold for %s did not settle", media.call_id)

    def hold(self, call_id: str, caller_tag: str, caller_sdp: str) -> CallerMedia:
        """Set up the caller's session with a dummy far side; raises RtpengineError."""
        media = CallerMedia(call_id, caller_tag, caller_sdp)
        media.agent_offer = self.rtpengine.offer(
            call_id, caller_tag, caller_sdp, FLAGS, replace=REPLACE
        )
        media.caller_answer = self.rtpengine.answer(
            call_id, caller_tag, B_TAG, dummy_sdp(int(time.time())), FLAGS, replace=REPLACE
        )
        return media

    def start_music(self, media: CallerMedia) -> None:
        """Music to the caller; whatever the far side sends is dropped meanwhile. With
        ``workers``, it returns at once; the call's next command waits for it (settle)."""
        self.settle(media)
        if self.workers is None:
            self._start_music(media)
        else:
            media.pending = self.workers.submit(self._start_music, media)

    def _start_music(self, media: CallerMedia) -> None:
        try:
            file = media.music_file or self.moh_file
            self.rtpengine.play_media(media.call_id, media.caller_tag, file, MOH_REPEAT)
            media.music_since = time.monotonic()
            self.rtpengine.block_media(media.call_id, B_TAG)
            media.music = True
        except RtpengineError as exc:  # the caller still waits, in silence
            log.warning("music on hold for %s failed: %s", media.call_id, exc)

    def silence(self, media: CallerMedia) -> bool:
        """Stop the music (an announcement follows, ``play``): one player per party, so
        it is stopped, not mixed under. False when rtpengine refused."""
        self.settle(media)
        try:
            if media.music:
                self.rtpengine.stop_media(media.call_id, media.caller_tag)
            else:  # music never started: the far side still must not be heard
                self.rtpengine.block_media(media.call_id, B_TAG)
            media.music = True  # a player and the block are on: bridge() ends both
            return True
        except RtpengineError as exc:
            log.warning("stopping the music for %s failed: %s", media.call_id, exc)
            return False

    def play(self, media: CallerMedia, file: str) -> None:
        """Say ``file`` once to a caller whose music was silenced, unless it was bridged
        meanwhile (``resume_music`` brings the music back)."""
        self.settle(media)
        if not media.music:
            return
        try:
            self.rtpengine.play_media(media.call_id, media.caller_tag, file, 1)
        except RtpengineError as exc:
            log.warning("announcement to %s failed: %s", media.call_id, exc)

    def resume_music(self, media: CallerMedia) -> None:
        """Music again after an announcement, unless the caller was bridged meanwhile."""
        self.settle(media)
        if not media.music:
            return
        try:
            file = media.music_file or self.moh_file
            self.rtpengine.play_media(media.call_id, media.caller_tag, file, MOH_REPEAT)
        except RtpengineError as exc:
            log.warning("music on hold for %s failed: %s", media.call_id, exc)

    def stop_music(self, media: CallerMedia) -> None:
        self.settle(media)
        if not media.music:
            return
        media.music = False
        for command in (self.rtpengine.stop_media, self.rtpengine.unblock_media):
            tag = media.caller_tag if command == self.rtpengine.stop_media else B_TAG
            try:
                command(media.call_id, tag)
            except RtpengineError as exc:
                log.info("%s for %s: %s", command.__name__, media.call_id, exc)

    def first_stream_wait(self, media: CallerMedia) -> float:
        """Seconds until the caller's first stream (the music) has run ``FIRST_STREAM_S``,
        so the agent's may replace it (0 when it has, or when there was no music)."""
        self.settle(media)
        if not media.music_since:
            return 0.0
        return max(0.0, media.music_since + FIRST_STREAM_S - time.monotonic())

    def bridge(self, media: CallerMedia, agent_sdp: str) -> None:
        """Point the caller's far side at the agent leg; the caller's port stays."""
        self.settle(media)
        self.rtpengine.offer(
            media.call_id, media.caller_tag, media.caller_sdp, FLAGS, replace=REPLACE
        )
        self.rtpengine.answer(
            media.call_id, media.caller_tag, B_TAG, agent_sdp, FLAGS, replace=REPLACE
        )
        self.stop_music(media)

    def keep_caller_from_agent(self, media: CallerMedia) -> None:
        """Neither side hears the other until the agent pressed 1: what the caller says
        stays from the agent's side until ``end_confirmation``, the agent's audio from the
        caller (the music's own block may still be starting) until the bridge."""
        try:
            self.rtpengine.block_media(media.call_id, media.caller_tag)
            self.rtpengine.block_media(media.call_id, B_TAG)
        except RtpengineError as exc:
            log.warning("blocking the caller of %s failed: %s", media.call_id, exc)

    def point_at_agent(self, media: CallerMedia, agent_sdp: str) -> None:
        """The far side becomes the agent's leg, each side's audio blocked from the other,
        to ask the agent first (``confirm_answer``); the caller's music plays on (a
        re-answer keeps the player)."""
        self.settle(media)
        # before the answer too: not one packet of the caller reaches the agent before the
        # prompt (a phone takes a stream that changes at once as a broken one)
        self.rtpengine.block_media(media.call_id, media.caller_tag)
        self.rtpengine.offer(
            media.call_id, media.caller_tag, media.caller_sdp, FLAGS, replace=REPLACE
        )
        self.rtpengine.answer(
            media.call_id, media.caller_tag, B_TAG, agent_sdp, FLAGS, replace=REPLACE
        )
        self.rtpengine.block_media(media.call_id, B_TAG)
        self.rtpengine.block_media(media.call_id, media.caller_tag)  # again: the answer may
        media.music = True  # have reset it  # bridge() (stop_music) unblocks the agent's side

    def play_to_agent(self, media: CallerMedia, file: str, repeat: int) -> None:
        """``file`` to the agent's leg instead of the caller's audio (until stopped)."""
        try:
            self.rtpengine.play_media(media.call_id, B_TAG, file, repeat)
        except RtpengineError as exc:
            log.warning("prompt to the agent of %s failed: %s", media.call_id, exc)

    def end_confirmation(self, media: CallerMedia) -> None:
        """The prompt to the agent stops and the caller's audio may reach the agent's side
        again (the bridge, or the next agent, decides what it reaches)."""
        for command in (self.rtpengine.stop_media, self.rtpengine.unblock_media):
            tag = B_TAG if command == self.rtpengine.stop_media else media.caller_tag
            try:
                command(media.call_id, tag)
            except RtpengineError as exc:
                log.info("%s for %s: %s", command.__name__, media.call_id, exc)

    def release(self, media: CallerMedia) -> None:
        pending, media.pending = media.pending, None
        if pending is not None and not pending.done():  # after the music's start, without
            pending.add_done_callback(lambda _f: self._release(media))  # waiting for it
        elif self.workers is not None:  # nothing waits for a delete: off the reactor too
            self.workers.submit(self._release, media)
        else:
            self._release(media)

    def _release(self, media: CallerMedia) -> None:
        try:
            self.rtpengine.delete(media.call_id)
        except RtpengineError as exc:
            log.info("delete %s: %s", media.call_id, exc)
