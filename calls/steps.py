"""The call model's inputs (commands and SIP events) and outputs (actions), as values.

``calls.decide`` and ``calls.conference`` turn a call and an input into a ``Step`` (the
new call and its actions) or ``Refused``; ``callcontrol.incall`` carries actions out.
"""

from __future__ import annotations

from dataclasses import dataclass

from calls import model as m
from calls.targets import Target

# --- inputs ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Ringing:
    party: str


@dataclass(frozen=True)
class Answered:
    party: str


@dataclass(frozen=True)
class Failed:
    party: str
    code: int
    reason: str = ""


@dataclass(frozen=True)
class Ended:
    party: str  # the party hung up


@dataclass(frozen=True)
class Hold:
    pass


@dataclass(frozen=True)
class Resume:
    pass


@dataclass(frozen=True)
class Hangup:
    pass


@dataclass(frozen=True)
class HangupParty:
    party: str


@dataclass(frozen=True)
class Transfer:
    # None: attended -- the consultee takes the customer over; a target: blind -- the
    # agent leaves, the customer hears music while the target rings
    target: Target | None
    # An attended transfer done by the agent's phone (REFER with Replaces): the phone's
    # own call to the target, which the target's phone swaps for the customer
    replaces: str = ""


@dataclass(frozen=True)
class Consult:
    target: Target  # the customer hears music; the agent and the consultee talk


@dataclass(frozen=True)
class ConsultCancel:
    pass  # the consultee is hung up; the agent is back with the customer


@dataclass(frozen=True)
class Conference:
    target: Target | None  # None: the consultee joins (three-way); a target: add a party


@dataclass(frozen=True)
class Mute:
    party: str
    on: bool


@dataclass(frozen=True)
class Supervise:
    mode: str  # monitor | whisper | barge
    phone: Target  # the supervisor's phone, dialled into the call's room


@dataclass(frozen=True)
class SuperviseMode:
    mode: str  # switched live


@dataclass(frozen=True)
class SuperviseEnd:
    pass


@dataclass(frozen=True)
class RecordCommand:
    action: str  # start | pause | resume | stop


Input = (
    Ringing
    | Answered
    | Failed
    | Ended
    | Hold
    | Resume
    | Hangup
    | HangupParty
    | Transfer
    | Consult
    | ConsultCancel
    | Conference
    | Mute
    | Supervise
    | SuperviseMode
    | SuperviseEnd
    | RecordCommand
)

# --- outputs --------------------------------------------------------------------------


@dataclass(frozen=True)
class Dial:
    party: str
    target: Target
    auto_answer: bool = False  # the agent's own phone (click-to-dial): answer-after=0
    into_room: bool = False  # its media goes to the call's room once it answers
    replaces: str = ""  # the dialog it takes over at the target's phone (RFC 3891)


@dataclass(frozen=True)
class HangupLeg:
    party: str


@dataclass(frozen=True)
class Bridge:
    a: str  # the customer's side
    b: str  # who the customer now hears (the agent, or a transfer's target)


@dataclass(frozen=True)
class Music:
    party: str
    on: bool  # on: music to the party, nothing of the other side reaches it (either way)


@dataclass(frozen=True)
class Ringback:
    party: str
    on: bool


@dataclass(frozen=True)
class AgentLeft:
    agent: str  # the agent's part of the call is over: ACW or idle per its group
    reason: str


@dataclass(frozen=True)
class Finish:
    outcome: str


@dataclass(frozen=True)
class Emit:
    kind: str  # an event for the ACD stream: party_joined, held, transferred, ...
    party: str = ""
    detail: str = ""


@dataclass(frozen=True)
class JoinRoom:
    party: str  # its media moves into the call's room (made when the first party joins)


@dataclass(frozen=True)
class LeaveRoom:
    party: str


@dataclass(frozen=True)
class MuteInRoom:
    party: str
    on: bool


@dataclass(frozen=True)
class CloseRoom:
    pass


@dataclass(frozen=True)
class Requeue:
    group: str  # the team's agent group: the customer waits there again, as long in line


@dataclass(frozen=True)
class Whisper:
    party: str  # the supervisor
    on: bool  # on: the customer hears the room without it (the agent does); off: everyone


@dataclass(frozen=True)
class Record:
    op: str  # start | pause | resume | stop, of the customer's session
    number: int  # the call's recording it belongs to (1, 2, ...)


Action = (
    Dial
    | HangupLeg
    | Bridge
    | Music
    | Ringback
    | AgentLeft
    | Finish
    | Emit
    | JoinRoom
    | LeaveRoom
    | MuteInRoom
    | CloseRoom
    | Whisper
    | Requeue
    | Record
)


@dataclass(frozen=True)
class Refused:
    status: int
    error_id: str
    message: str


@dataclass(frozen=True)
class Step:
    call: m.Call
    actions: tuple[Action, ...]
