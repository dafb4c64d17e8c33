"""The media of a two-party call in rtpengine, for the call model's actions.

One rtpengine session per call (``CallerMedia``, see ``callcontrol.media``): side A is the
customer's (a queued caller's own From tag, or ``A_TAG`` for a call call control placed),
side B (``media.B_TAG``) whoever the customer talks to -- the agent, later a transfer's
target. Re-pointing side B to a new party keeps both of rtpengine's ports (``port
latching``), so no re-INVITE reaches anyone.

A click-to-dial session starts with a dummy side A: its B side is what the agent's phone
is offered; the agent's answer gives the A side that the customer is offered; the
customer's answer re-points side A to the customer.
"""

from __future__ import annotations

import logging
import time

from callcontrol.media import B_TAG, FLAGS, MOH_REPEAT, REPLACE, CallerMedia, dummy_sdp
from rtpengine import RtpengineClient, RtpengineError

log = logging.getLogger(__name__)

A_TAG = "switchboard-customer"
# For a peer whose address is known and fixed (a Janus participant): rtpengine sends to
# the SDP's address and learns none. Learning would fail there: Janus sends only after it
# received a first packet, so a stray packet on a reused port (from a phone of an old call
# still sending) would be learnt as the peer for good, and the room never heard.
FIXED_PEER = ["asymmetric"]


class CallMedia:
    def __init__(self, rtpengine: RtpengineClient, moh_file: str, ringback_file: str) -> None:
        self.rtpengine, self.moh_file, self.ringback_file = rtpengine, moh_file, ringback_file

    def open(self, session_id: str) -> CallerMedia:
        """A session for a call placed by call control; ``agent_offer`` is side B's SDP.
        Raises RtpengineError."""
        media = CallerMedia(session_id, A_TAG, dummy_sdp(int(time.time())))
        media.agent_offer = self.rtpengine.offer(
            session_id, A_TAG, media.caller_sdp, FLAGS, replace=REPLACE
        )
        return media

    def b_answered(self, media: CallerMedia, b_sdp: str) -> str:
        """Side B answered (the agent's phone): the SDP to offer the customer (side A)."""
        return self.rtpengine.answer(
            media.call_id, media.caller_tag, B_TAG, b_sdp, FLAGS, replace=REPLACE
        )

    def bridge(self, media: CallerMedia, b_sdp: str, fixed_peer: bool = False) -> None:
        """Side A hears (and is heard by) the party of ``b_sdp``; ``fixed_peer``: that party
        is exactly where its SDP says (Janus), so rtpengine sends there without learning."""
        flags = FLAGS + FIXED_PEER if fixed_peer else FLAGS
        self.rtpengine.offer(
            media.call_id, media.caller_tag, media.caller_sdp, FLAGS, replace=REPLACE
        )
        self.rtpengine.answer(media.call_id, media.caller_tag, B_TAG, b_sdp, flags, replace=REPLACE)

    def music(self, media: CallerMedia, on: bool) -> None:
        """On: music to side A, and neither side hears the other (hold: nothing of the
        agent reaches the customer). Off: both directions back."""
        a, call = media.caller_tag, media.call_id
        if on:  # blocked first: the agent's stream and the music never interleave
            self.rtpengine.block_media(call, B_TAG)
            self.rtpengine.block_media(call, a)
            # the caller's own music: a queue call's is its group's (callcontrol.media)
            self.rtpengine.play_media(call, a, media.music_file or self.moh_file, MOH_REPEAT)
            return
        for command, tag in (
            (self.rtpengine.stop_media, a),
            (self.rtpengine.unblock_media, B_TAG),
            (self.rtpengine.unblock_media, a),
        ):
            try:
                command(call, tag)
            except RtpengineError as exc:  # e.g. the music had already stopped
                log.info("%s %s for %s: %s", command.__name__, tag, call, exc)

    def ringback(self, media: CallerMedia, on: bool) -> None:
        """Ringing to side B (the agent) while the customer is dialled; nothing from side
        A reaches it meanwhile (a customer who answered is heard once bridged)."""
        call, a = media.call_id, media.caller_tag
        if on:
            self.rtpengine.block_media(call, a)
            self.rtpengine.play_media(call, B_TAG, self.ringback_file, MOH_REPEAT)
            return
        for command, tag in ((self.rtpengine.stop_media, B_TAG), (self.rtpengine.unblock_media, a)):
            try:
                command(call, tag)
            except RtpengineError as exc:
                log.info("%s %s for %s: %s", command.__name__, tag, call, exc)

    def release(self, media: CallerMedia) -> None:
        try:
            self.rtpengine.delete(media.call_id)
        except RtpengineError as exc:
            log.info("delete %s: %s", media.call_id, exc)
