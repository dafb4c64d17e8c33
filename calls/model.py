"""A call as call control holds it: a set of parties, each a SIP leg, and who hears whom.

Pure values (frozen dataclasses): ``calls.decide`` turns a call and a command or event
into a new call and actions; call control's ``callcontrol.incall`` carries the actions out
(sippy legs, rtpengine) and publishes ``view()`` for the API.

The media arrangement of a two-party call is one rtpengine session with two sides: the
customer's and the agent's (later: whoever the call was transferred to). ``bridged``
names the parties who hear each other; a party in ``music`` hears music on hold and
nothing of the other side; a party in ``ringback`` hears ringing while the other is
dialled. A consultation, a conference (up to ``ROOM_LIMIT`` parties) and whatever
follows them have the call's parties in ``room``, a Janus AudioBridge room: each hears
the others' mix, not itself, and nobody hears the ``muted``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from calls.targets import Target

# Party roles
CUSTOMER, AGENT, TARGET = "customer", "agent", "target"
CONSULTEE, ADDED = "consultee", "added"  # consulted by the agent; added to a conference
SUPERVISOR = "supervisor"  # an administrator of the agent's group listening in
# Supervision modes: monitor (hears both, nobody hears them), whisper (only the agent
# hears them), barge (everyone hears everyone)
MONITOR, WHISPER, BARGE = "monitor", "whisper", "barge"
# Party states
PENDING, DIALING, RINGING, UP, ENDED = "pending", "dialing", "ringing", "up", "ended"
# Call states
DIALING_AGENT = "dialing_agent"  # click-to-dial: the agent's phone first
DIALING = "dialing"  # the agent is up and hears ringback; the customer is dialled
CONNECTED = "connected"
HELD = "held"  # the customer hears music; nothing of the agent reaches them
TRANSFERRING = "transferring"  # blind transfer: the customer hears music, the target rings
CONSULTING = "consulting"  # the customer hears music; the agent and the consultee talk
CONFERENCE = "conference"  # three or more parties in the call's room
FINISHED = "finished"
ROOM_LIMIT = 30  # parties in one conference room
# Call kinds
QUEUE, CLICK_TO_DIAL = "queue", "click_to_dial"
# A call's recording: "" (none), on, paused (``calls.recording``)
RECORDING_ON, RECORDING_PAUSED = "on", "paused"


@dataclass(frozen=True)
class Party:
    id: str  # unique in the call: its role, or "target-N"
    role: str
    target: Target | None  # what was dialled (None: the party called in)
    state: str = PENDING
    leg: str = ""  # the SIP Call-ID of its leg
    label: str = ""  # who it is, for people: the caller's number, the extension dialled
    end_reason: str = ""


@dataclass(frozen=True)
class Call:
    id: str
    team: str
    agent: str  # the agent id ("team/number") who commands it; "" once it left
    kind: str
    state: str
    started_ms: int
    parties: tuple[Party, ...] = ()
    bridged: tuple[str, str] | None = None
    music: frozenset[str] = frozenset()
    ringback: frozenset[str] = frozenset()
    outcome: str = ""  # why it finished
    transfers: int = 0
    dialled: int = 0  # parties dialled into the call so far (their ids' numbers)
    room: frozenset[str] = frozenset()  # parties in the call's Janus AudioBridge room
    muted: frozenset[str] = frozenset()  # parties in the room nobody hears
    room_made: bool = False  # a room exists for the call (until it finishes)
    supervisor: str = ""  # the supervisor's party id while supervised
    supervision: str = ""  # its mode
    recording: str = ""  # "" | on | paused
    recordings: int = 0  # recordings made of the call so far (their numbers)

    def party(self, party_id: str) -> Party | None:
        return next((p for p in self.parties if p.id == party_id), None)

    def live(self) -> list[Party]:
        return [p for p in self.parties if p.state != ENDED]

    def with_party(self, party: Party) -> Call:
        """This call with ``party`` added, or replacing the party of its id."""
        others = tuple(p for p in self.parties if p.id != party.id)
        if len(others) == len(self.parties):
            return replace(self, parties=(*self.parties, party))
        return replace(self, parties=tuple(party if p.id == party.id else p for p in self.parties))

    def view(self, node: str) -> dict[str, Any]:
        """What the API shows (``calls.channel``)."""
        return {
            "id": self.id,
            "team": self.team,
            "agent": self.agent,
            "node": node,
            "kind": self.kind,
            "state": self.state,
            "started_ms": self.started_ms,
            "outcome": self.outcome,
            "supervision": self.supervision,
            "recording": self.recording,
            "parties": [
                {
                    "id": p.id,
                    "role": p.role,
                    "target": str(p.target) if p.target else p.label,
                    "state": p.state,
                    "held": p.id in self.music,
                    "in_room": p.id in self.room,
                    "muted": p.id in self.muted,
                    "end_reason": p.end_reason,
                }
                for p in self.parties
            ],
        }
