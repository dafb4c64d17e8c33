"""SIP truth applied to an agent: which state-machine commands bring an agent's live state
in line with its extension's registration and direct calls (pure).

Level-triggered: given the facts now (``registered``; ``direct_call``, the Call-ID of a
live direct dialog of the extension or ""), return the commands still needed -- none
when the agent already agrees. Applying them twice changes nothing (the machine refuses
``unchanged`` / ``already_on_call``), so any number of processes may run it.
"""

from __future__ import annotations

from routing.acd.machine import Command
from routing.acd.model import AgentLive, CallKind, State


def sip_commands(live: AgentLive, registered: bool, direct_call: str) -> list[Command]:
    commands: list[Command] = []
    if live.registered != registered:
        commands.append(Command("registration", registered=registered))
    on_direct = live.state == State.ON_CALL and live.call_kind == CallKind.DIRECT
    if direct_call and live.state not in (State.SIGNED_OUT, State.ON_CALL):
        commands.append(Command("dialog_started", call_id=direct_call, reason="direct_call"))
    elif not direct_call and on_direct:
        commands.append(Command("dialog_ended", call_id=live.call_id))
    return commands
