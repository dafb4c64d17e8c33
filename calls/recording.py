"""Recording a call: on demand (the agent, a business system) or always on for an agent
group's queue calls, paused while a customer reads out a card number. Pure.

What is recorded is the customer's side of the call: their own rtpengine session carries
the customer's voice and what reaches the customer from the call (the agent, a transfer's
target, the room's mix of a conference). rtpengine writes only what it received: the
music it plays itself while the customer is held is not in the file. A consultation is the agent's
private talk with the consultee while the customer hears music: it is not in the
recording. A paused span holds no audio of either party (nothing is written while
paused). A call has one recording at a time; after ``stop``, a ``start`` begins the
call's next recording (its own file).
"""

from __future__ import annotations

from dataclasses import replace

from calls import model as m
from calls.steps import Action, Emit, Record, Refused, Step

START, PAUSE, RESUME, STOP = "start", "pause", "resume", "stop"
ACTIONS = (START, PAUSE, RESUME, STOP)
RECORDABLE = (m.CONNECTED, m.HELD, m.CONSULTING, m.CONFERENCE, m.TRANSFERRING)


def record(call: m.Call, action: str) -> Step | Refused:
    if action not in ACTIONS:
        return Refused(422, "unknown_action", f"action is one of {', '.join(ACTIONS)}")
    if call.state not in RECORDABLE or call.party(m.CUSTOMER) is None:
        return Refused(409, "not_connected", f"only a connected call is recorded ({call.state})")
    if action == START:
        if call.recording:
            return Refused(409, "already_recording", f"the call is recorded ({call.recording})")
        number = call.recordings + 1
        call = replace(call, recording=m.RECORDING_ON, recordings=number)
        return Step(call, (Record(START, number), Emit("recording_started", detail=str(number))))
    if not call.recording:
        return Refused(409, "not_recording", "the call is not being recorded")
    if action == PAUSE:
        if call.recording == m.RECORDING_PAUSED:
            return Refused(409, "already_paused", "the recording is paused")
        call = replace(call, recording=m.RECORDING_PAUSED)
        return Step(call, (Record(PAUSE, call.recordings), Emit("recording_paused")))
    if action == RESUME:
        if call.recording != m.RECORDING_PAUSED:
            return Refused(409, "not_paused", "the recording is not paused")
        call = replace(call, recording=m.RECORDING_ON)
        return Step(call, (Record(RESUME, call.recordings), Emit("recording_resumed")))
    return Step(replace(call, recording=""), stopping(call))


def stopping(call: m.Call) -> tuple[Action, ...]:
    """What ends the call's recording, if one runs: the call finished or it was stopped."""
    if not call.recording:
        return ()
    number = call.recordings
    return (Record(STOP, number), Emit("recording_stopped", detail=str(number)))
