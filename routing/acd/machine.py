"""The agent state machine: ``transition(config, live, command, now)`` is pure and returns
either the next state with the one event recording it, or a typed refusal.

The rules (``native/src/acd/machine.rs`` implements the same table, tested to agree):

* ``sign_in`` signed_out -> idle. ``sign_out`` from idle, paused or ACW; never for a fixed
  agent (always signed in) nor during an offer or a call.
* ``pause(reason)`` only from idle or ACW; ``unpause`` paused -> idle.
  ``pause_after_call(reason)`` while offered, on a call or in ACW: where the agent would
  become idle after the call, it is paused instead.
* ``select_way(way)``: only agents whose working way is self-selection switch between
  dial-in and dial-out. Dial-out agents are never offered; dial-in agents never go outbound.
* ``offer(call, group)`` idle, registered, dial-in, member -> offered.
  ``answer`` offered -> on_call. ``ring_end(reason)`` / ``lease_expired``: the offer ended
  unanswered. ``call_end``: the answered call ended. ``outbound_start`` idle -> on_call.
* ACW follows the call's group: ``after_ring`` after any offer, ``after_answered`` after
  an answered call, ``disabled`` never, nor when the group's seconds are 0. It ends on
  ``acw_submit`` or on the first ``tick`` at or after its deadline. A lease that expired
  is not an offer that rang: the agent goes straight back.
* SIP truth: ``dialog_started`` puts the agent on that call (an answer if it is the
  offered call, else a direct call that withdraws any offer); ``dialog_ended`` and
  ``reconcile(live_calls)`` never leave an agent in a call whose dialog is gone;
  ``registration(False)`` withdraws an offer. After a direct call made while paused, the
  agent is paused again.

Refusals are expected outcomes (``Refused("not_idle_or_acw")``), never exceptions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

from routing.acd.events import AgentStateChanged
from routing.acd.model import (
    SELECTABLE_WAYS,
    AcwMode,
    AgentConfig,
    AgentLive,
    CallKind,
    GroupConfig,
    State,
    WorkingWay,
)

GroupLookup = Callable[[str], GroupConfig | None]


@dataclass(frozen=True)
class Command:
    kind: str
    call_id: str = ""
    reason: str = ""
    group: str = ""
    way: str = ""
    registered: bool = False
    live_calls: tuple[str, ...] = ()

    def to_wire(self) -> dict[str, object]:
        return {
            "kind": self.kind,
            "call_id": self.call_id,
            "reason": self.reason,
            "group": self.group,
            "way": self.way,
            "registered": self.registered,
            "live_calls": list(self.live_calls),
        }


@dataclass(frozen=True)
class Accepted:
    live: AgentLive
    events: tuple[AgentStateChanged, ...]


@dataclass(frozen=True)
class Refused:
    code: str


Outcome = Accepted | Refused
_Step = tuple[AgentLive, str] | Refused

_NEEDS_CALL = {
    "offer",
    "answer",
    "ring_end",
    "lease_expired",
    "call_end",
    "outbound_start",
    "dialog_started",
    "dialog_ended",
}


def transition(
    config: AgentConfig, live: AgentLive, command: Command, now_ms: int, group_of: GroupLookup
) -> Outcome:
    handler = _HANDLERS.get(command.kind)
    if handler is None:
        return Refused("unknown_command")
    if command.kind in _NEEDS_CALL and not command.call_id:
        return Refused("call_required")
    step = handler(config, live, command, now_ms, group_of)
    if isinstance(step, Refused):
        return step
    new, reason = step
    new = replace(new, version=live.version + 1)
    event = AgentStateChanged(
        agent_id=config.agent_id,
        version=new.version,
        from_state=live.state,
        to_state=new.state,
        reason=reason,
        call_id=command.call_id or live.call_id,
        at_ms=now_ms,
        live=new,
    )
    return Accepted(new, (event,))


# Where an agent lands; each clears what no longer applies.


def _idle(live: AgentLive, now_ms: int) -> AgentLive:
    return replace(
        _no_call(live),
        state=State.IDLE,
        group="",
        pause_reason="",
        pause_after_call="",
        idle_since_ms=now_ms,
    )


def _paused(live: AgentLive, reason: str) -> AgentLive:
    return replace(
        _no_call(live), state=State.PAUSED, group="", pause_reason=reason, pause_after_call=""
    )


def _no_call(live: AgentLive) -> AgentLive:
    return replace(live, call_id="", call_kind=CallKind.NONE, acw_until_ms=0, answered_at_ms=0)


def _after_call(live: AgentLive, now_ms: int) -> AgentLive:
    """Idle, unless a pause was requested or the agent was paused before a direct call."""
    reason = live.pause_after_call or live.pause_reason
    return _paused(live, reason) if reason else _idle(live, now_ms)


def _end_call(live: AgentLive, now_ms: int, group_of: GroupLookup, answered: bool) -> AgentLive:
    """Leave the offer or call: count it, then ACW if the group asks for it."""
    if answered and live.call_kind == CallKind.INBOUND:
        live = replace(
            live, calls=live.calls + 1, talk_ms=live.talk_ms + max(0, now_ms - live.answered_at_ms)
        )
    group = group_of(live.group) if live.group and live.call_kind != CallKind.DIRECT else None
    if (
        group is not None
        and group.acw_seconds > 0
        and (
            group.acw_mode == AcwMode.AFTER_RING
            or (group.acw_mode == AcwMode.AFTER_ANSWERED and answered)
        )
    ):
        return replace(
            _no_call(live), state=State.ACW, acw_until_ms=now_ms + group.acw_seconds * 1000
        )
    return _after_call(live, now_ms)


# One handler per command kind: (config, live, command, now, groups) -> (new, reason).


def _sign_in(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state != State.SIGNED_OUT:
        return Refused("already_signed_in")
    return _idle(live, now), "signed_in"


def _sign_out(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if c.fixed:
        return Refused("fixed_agent")
    if live.state == State.SIGNED_OUT:
        return Refused("already_signed_out")
    if live.state in (State.OFFERED, State.ON_CALL):
        return Refused("busy")
    return replace(_paused(live, ""), state=State.SIGNED_OUT), "signed_out"


def _pause(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state not in (State.IDLE, State.ACW):
        return Refused("not_idle_or_acw")
    if not cmd.reason:
        return Refused("reason_required")
    return _paused(live, cmd.reason), "paused"


def _unpause(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state != State.PAUSED:
        return Refused("not_paused")
    return _idle(live, now), "unpaused"


def _pause_after_call(
    c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup
) -> _Step:
    if live.state not in (State.OFFERED, State.ON_CALL, State.ACW):
        return Refused("no_call")
    if not cmd.reason:
        return Refused("reason_required")
    return replace(live, pause_after_call=cmd.reason), "pause_after_call_requested"


def _select_way(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if c.working_way != WorkingWay.SELF_SELECTION:
        return Refused("way_not_selectable")
    if cmd.way not in SELECTABLE_WAYS:
        return Refused("unknown_way")
    return replace(live, way=WorkingWay(cmd.way)), "way_selected"


def _offer(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state != State.IDLE:
        return Refused("not_idle")
    if not live.registered:
        return Refused("unregistered")
    if not live.way.takes_queue_calls:
        return Refused("dial_out_only")
    if c.membership(cmd.group) is None:
        return Refused("not_in_group")
    return replace(
        live, state=State.OFFERED, call_id=cmd.call_id, call_kind=CallKind.INBOUND, group=cmd.group
    ), "offered"


def _offered_check(live: AgentLive, cmd: Command) -> Refused | None:
    if live.state != State.OFFERED:
        return Refused("not_offered")
    return Refused("not_this_call") if live.call_id != cmd.call_id else None


def _answer(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    refused = _offered_check(live, cmd)
    return refused or (replace(live, state=State.ON_CALL, answered_at_ms=now), "answered")


def _ring_end(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    refused = _offered_check(live, cmd)
    return refused or (_end_call(live, now, g, answered=False), cmd.reason or "no_answer")


def _lease_expired(
    c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup
) -> _Step:
    refused = _offered_check(live, cmd)
    return refused or (_after_call(live, now), "lease_expired")


def _call_end(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state != State.ON_CALL:
        return Refused("not_on_call")
    if live.call_id != cmd.call_id:
        return Refused("not_this_call")
    return _end_call(live, now, g, answered=True), "call_ended"


def _outbound_start(
    c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup
) -> _Step:
    if live.state != State.IDLE:
        return Refused("not_idle")
    if not live.registered:
        return Refused("unregistered")
    if not live.way.calls_out:
        return Refused("dial_in_only")
    if cmd.group and c.membership(cmd.group) is None:
        return Refused("not_in_group")
    return replace(
        live,
        state=State.ON_CALL,
        call_id=cmd.call_id,
        call_kind=CallKind.OUTBOUND,
        group=cmd.group,
        answered_at_ms=now,
    ), "outbound_started"


def _dialog_started(
    c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup
) -> _Step:
    if live.state == State.SIGNED_OUT:
        return Refused("signed_out")
    if live.state == State.ON_CALL:
        return Refused("already_on_call")
    if live.state == State.OFFERED and live.call_id == cmd.call_id:
        return replace(live, state=State.ON_CALL, answered_at_ms=now), "answered"
    reason = "offer_withdrawn_other_call" if live.state == State.OFFERED else "direct_call"
    # The pause reason survives a direct call made while paused, to pause again after it.
    return replace(
        _no_call(live),
        state=State.ON_CALL,
        call_id=cmd.call_id,
        call_kind=CallKind.DIRECT,
        group="",
        answered_at_ms=now,
    ), reason


def _dialog_ended(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state not in (State.OFFERED, State.ON_CALL) or live.call_id != cmd.call_id:
        return Refused("not_this_call")
    return _end_call(live, now, g, answered=live.state == State.ON_CALL), "dialog_ended"


def _registration(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if cmd.registered == live.registered:
        return Refused("unchanged")
    # An offer in progress is left to its INVITE: a phone that is really gone fails it (or
    # the ring timeout ends it), while a registration that flaps (a phone re-registering
    # a new contact) must not free an agent whose phone is ringing or answering.
    return replace(live, registered=cmd.registered), (
        "registered" if cmd.registered else "unregistered"
    )


def _acw_submit(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state != State.ACW:
        return Refused("not_in_acw")
    return _after_call(live, now), "acw_submitted"


def _tick(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    if live.state != State.ACW or live.acw_until_ms > now:
        return Refused("nothing_due")
    return _after_call(live, now), "acw_timeout"


def _reconcile(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    """SIP's list of the extension's live dialogs is the truth: a call not in it is over."""
    if live.state != State.ON_CALL or live.call_id in cmd.live_calls:
        return Refused("consistent")
    return _end_call(live, now, g, answered=True), "dialog_lost"


def _reconfigure(c: AgentConfig, live: AgentLive, cmd: Command, now: int, g: GroupLookup) -> _Step:
    """The agent's configuration changed: a working way in effect that its configured way
    no longer allows becomes the new initial one (a self-selecting agent keeps the way it
    chose), so a dial-out-only agent is never offered a queue call from an older way."""
    allowed = SELECTABLE_WAYS if c.working_way == WorkingWay.SELF_SELECTION else (c.working_way,)
    if live.way in allowed:
        return Refused("consistent")
    return replace(live, way=AgentLive.initial(c).way), "way_configured"


_HANDLERS: dict[str, Callable[[AgentConfig, AgentLive, Command, int, GroupLookup], _Step]] = {
    "sign_in": _sign_in,
    "sign_out": _sign_out,
    "pause": _pause,
    "unpause": _unpause,
    "pause_after_call": _pause_after_call,
    "select_way": _select_way,
    "offer": _offer,
    "answer": _answer,
    "ring_end": _ring_end,
    "lease_expired": _lease_expired,
    "call_end": _call_end,
    "outbound_start": _outbound_start,
    "dialog_started": _dialog_started,
    "dialog_ended": _dialog_ended,
    "registration": _registration,
    "acw_submit": _acw_submit,
    "tick": _tick,
    "reconcile": _reconcile,
    "reconfigure": _reconfigure,
}
COMMANDS = tuple(_HANDLERS)
