"""The live objects of a queued call and a group's view, shared by ``QueueService`` and
the helpers it delegates to (``callcontrol.ringall``, ``callcontrol.announcing``), so none
of them imports the service.
"""

from __future__ import annotations

from typing import NamedTuple

from callcontrol import queue as q
from callcontrol.media import CallerMedia
from callcontrol.sip import InboundLeg, OutboundLeg, Timer


class GroupView(NamedTuple):
    """A group's members as this process's selector holds them (kept current from the
    ACD stream): no Redis read. ``ready``: one could be offered a call at all."""

    signed_in: bool
    ready: bool
    working: int  # registered, neither signed out nor paused (the expected wait)


class Active:
    """One queued call's live objects (the pure state is ``call``)."""

    def __init__(self, call: q.QueueCall, leg: InboundLeg, media: CallerMedia) -> None:
        self.call, self.leg, self.media = call, leg, media
        self.agent_leg: OutboundLeg | None = None
        self.ring_timer: Timer | None = None  # the offer's ring timeout, then a deferred bridge
        self.overflow_target = ""  # an extension being rung as the overflow destination
        self.announcing: Timer | None = None  # until the announcement has been said
        self.fork: dict[str, tuple[str, OutboundLeg]] = {}  # ring all: leg Call-ID -> agent
        self.agent_released = False  # the call model freed the agent (the call may go on)
        self.confirming: OutboundLeg | None = None  # answered, asked to press 1 (its SDP next)
        self.confirm_sdp = ""
