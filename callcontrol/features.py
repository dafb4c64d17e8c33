"""Feature codes served by call control: ``*64`` signs an agent in from its phone;
``*65`` pauses and ``*66`` unpauses the agent signed in at the phone; ``*67`` then a key
chooses a self-selecting agent's working way (``callcontrol.pausecodes``).

The phone dials ``*64``; Kamailio relays it here with the caller's SIP user in
``X-Switchboard-Caller``. Call control answers (rtpengine, like a queued caller), plays a
prompt, and reads the keys pressed from rtpengine's DTMF events (RFC 4733): agent number
``#`` agent password ``#``. The password is checked against the store (argon2, in a worker
thread so the SIP reactor never waits); the agent is signed in through the ACD state
machine, bound to this extension unless it is a fixed agent of another one; a rising
tone confirms, a low tone refuses; then call control hangs up.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from callcontrol.media import CallerMedia, QueueMedia
from callcontrol.pausecodes import (
    MAX_CODE_KEYS,
    PAUSE,
    UNPAUSE,
    WORKING_WAY,
    agent_at,
    parse_pause_code,
    pause_reason,
    way_for_key,
)
from callcontrol.sip import InboundLeg, SipStack, Timer
from routing.acd import machine
from routing.acd.config import AcdConfig, agent_id
from routing.acd.states import AgentStates, Changed
from rtpengine import RtpengineError
from store import pausing
from store.models import Agent, Team
from store.secrets import verify_web_password

log = logging.getLogger(__name__)

SIGN_IN = "*64"
DIGITS = "0123456789*#"  # RFC 4733 events 0-11
MAX_KEYS = 40
TIMEOUT_S = 30.0
HANG_UP_AFTER_S = 1.5  # time for the confirmation to play
# *65: paused with what was keyed (nothing: the default reason) this long after the
# prompt or the last key, if no "#" ends it sooner.
PAUSE_KEYS_S = 4.0


@dataclass
class Sounds:
    prompt: str
    ok: str
    error: str


@dataclass
class FeatureCall:
    leg: InboundLeg
    media: CallerMedia
    team: str
    caller: str  # SIP username of the phone, e.g. demo-5003
    code: str = SIGN_IN  # the feature dialled
    keys: str = ""
    done: bool = False
    timers: list[Timer] = field(default_factory=list)


def parse_sign_in(keys: str) -> tuple[str, str] | None:
    """``"1006#1006#"`` -> ("1006", "1006"); None until both fields are ended by ``#``."""
    parts = keys.split("#")
    if len(parts) < 3 or not parts[0] or not parts[1]:
        return None
    return parts[0].lstrip("*"), parts[1]


def sign_in_refusal(config: AcdConfig, states: AgentStates, agent: str, caller: str) -> str | None:
    """Why ``agent`` may not sign in at ``caller``'s extension, or None (and bind it)."""
    agent_config = config.agents.get(agent)
    if agent_config is None:
        return "unknown_agent"
    if agent_config.fixed:
        return None if agent_config.extension == caller else "fixed_elsewhere"
    holder = states.take_extension(config, agent, caller)
    return f"extension_used_by_{holder}" if holder else None


class FeatureService:
    def __init__(
        self,
        sip: SipStack,
        media: QueueMedia,
        states: AgentStates,
        engine: Engine,
        config: Callable[[], AcdConfig],
        sounds: Sounds,
        on_change: Callable[[Changed], None] | None = None,
    ) -> None:
        self.sip, self.media, self.states, self.engine = sip, media, states, engine
        self.config, self.sounds = config, sounds
        # the composition root's hook: records and the selector see each change
        self.on_change: Callable[[Changed], None] = on_change or (lambda _changed: None)
        self.calls: dict[str, FeatureCall] = {}

    def on_invite(self, leg: InboundLeg) -> None:
        code = leg.headers.get("x-switchboard-feature", "").strip()
        caller = leg.headers.get("x-switchboard-caller", "").strip()
        if code not in (SIGN_IN, PAUSE, UNPAUSE, WORKING_WAY) or "-" not in caller:
            leg.reject(404, "Feature Not Available")
            return
        try:
            media = self.media.hold(leg.call_id, leg.from_tag, leg.sdp)
        except RtpengineError as exc:
            log.error("media for %s failed: %s", leg.call_id, exc)
            leg.reject(503, "Media Unavailable")
            return
        leg.answer(media.caller_answer)
        call = FeatureCall(leg, media, caller.split("-", 1)[0], caller, code=code)
        self.calls[leg.call_id] = call
        leg.on_end = lambda _reason: self._finish(call)
        log.info("%s from %s (%s)", code, caller, leg.call_id)
        if code == UNPAUSE:  # nothing to key
            call.done = True
            self._change_state(call, machine.Command("unpause"))
            return
        if code == PAUSE:  # a reason code is optional: none keyed means the default
            self._await_pause_keys(call)
        else:
            call.timers.append(
                self.sip.call_later(TIMEOUT_S, lambda: self._refuse(call, "timeout"))
            )
        self._play(call, self.sounds.prompt)

    def on_dtmf(self, call_id: str, source_tag: str, event: int) -> None:
        call = self.calls.get(call_id)
        if call is None or call.done or source_tag != call.leg.from_tag:
            return
        if not 0 <= event < len(DIGITS) or len(call.keys) >= MAX_KEYS:
            return
        call.keys += DIGITS[event]
        if call.code == WORKING_WAY:  # one key decides
            call.done = True
            way = way_for_key(call.keys)
            if way is None:
                self._refuse(call, f"unknown_way_key_{call.keys}")
            else:
                self._change_state(call, machine.Command("select_way", way=way))
            return
        if call.code == PAUSE:
            if parse_pause_code(call.keys) is not None or len(call.keys) > MAX_CODE_KEYS:
                self._pause_keys(call)
            else:
                self._await_pause_keys(call)
            return
        parsed = parse_sign_in(call.keys)
        if parsed is None:
            return
        call.done = True
        number, password = parsed
        threading.Thread(
            target=self._check, args=(call, number, password), daemon=True, name="sign-in-check"
        ).start()

    # --- *65 / *66 ---------------------------------------------------------------------

    def _await_pause_keys(self, call: FeatureCall) -> None:
        for timer in call.timers:  # only the keys' timer runs before the pause is decided
            timer.cancel()
        call.timers = [self.sip.call_later(PAUSE_KEYS_S, lambda: self._pause_keys(call))]

    def _pause_keys(self, call: FeatureCall) -> None:
        """The keys are in (or none came): look the reason up, off the reactor thread."""
        if call.done or call.leg.ended:
            return
        call.done = True
        code = parse_pause_code(call.keys + "#")  # a timeout counts as "#"
        threading.Thread(
            target=self._read_reasons, args=(call, code or ""), daemon=True, name="pause-reasons"
        ).start()

    def _read_reasons(self, call: FeatureCall, code: str) -> None:
        """The reasons the agent at the phone may use (its groups narrow the team's)."""
        agent = agent_at(self.config(), call.caller, self.states.extensions(self.config()))
        if agent is None:
            self.sip.call_soon(self._refuse, call, "no_agent_at_this_phone")
            return
        try:
            with Session(self.engine) as session:
                row = session.scalar(
                    select(Agent)
                    .join(Team, Team.id == Agent.team_id)
                    .where(Team.slug == call.team, Agent.number == agent.partition("/")[2])
                )
                reasons = pausing.agent_reasons(session, row) if row is not None else {}
        except Exception:
            log.exception("reading %s's pause reasons failed", agent)
            reasons = {}
        reason = pause_reason(code, reasons)
        if reason is None:
            self.sip.call_soon(self._refuse, call, f"unknown_pause_code_{code}")
        else:
            self.sip.call_soon(self._change_state, call, machine.Command("pause", reason=reason))

    def _change_state(self, call: FeatureCall, command: machine.Command) -> None:
        """Pause or unpause the agent signed in at the calling phone; tone and hang up."""
        if call.leg.ended:
            return
        config = self.config()
        agent = agent_at(config, call.caller, self.states.extensions(config))
        if agent is None:
            self._refuse(call, "no_agent_at_this_phone")
            return
        result = self.states.apply(config, agent, command)
        if isinstance(result, machine.Refused):
            self._refuse(call, result.code)
            return
        self.on_change(result)
        log.info("agent %s: %s by %s at %s", agent, command.kind, call.code, call.caller)
        self._play(call, self.sounds.ok)
        call.timers.append(self.sip.call_later(HANG_UP_AFTER_S, lambda: self._hang_up(call)))

    # --- worker thread: the password check ------------------------------------------------

    def _check(self, call: FeatureCall, number: str, password: str) -> None:
        try:
            with Session(self.engine) as session:
                row = session.execute(
                    select(Agent.password_hash)
                    .join(Team, Team.id == Agent.team_id)
                    .where(Team.slug == call.team, Agent.number == number)
                ).first()
            good = row is not None and verify_web_password(row[0], password)
        except Exception:
            log.exception("checking agent %s failed", number)
            good = False
        self.sip.call_soon(
            self._signed_in if good else self._refuse,
            call,
            agent_id(call.team, number) if good else "wrong_credentials",
        )

    # --- back in the reactor --------------------------------------------------------------

    def _signed_in(self, call: FeatureCall, agent: str) -> None:
        config = self.config()
        refusal = sign_in_refusal(config, self.states, agent, call.caller)
        if refusal is not None:
            self._refuse(call, refusal)
            return
        result = self.states.apply(config, agent, machine.Command("sign_in"))
        if isinstance(result, machine.Refused) and result.code != "already_signed_in":
            self._refuse(call, result.code)
            return
        if isinstance(result, Changed):
            self.on_change(result)
        log.info("agent %s signed in at %s by *64", agent, call.caller)
        self._play(call, self.sounds.ok)
        call.timers.append(self.sip.call_later(HANG_UP_AFTER_S, lambda: self._hang_up(call)))

    def _refuse(self, call: FeatureCall, why: str) -> None:
        if call.leg.ended:
            return
        call.done = True
        log.info("%s from %s refused: %s", call.code, call.caller, why)
        self._play(call, self.sounds.error)
        call.timers.append(self.sip.call_later(HANG_UP_AFTER_S, lambda: self._hang_up(call)))

    def _play(self, call: FeatureCall, sound: str) -> None:
        try:
            self.media.rtpengine.play_media(call.media.call_id, call.media.caller_tag, sound, 1)
        except RtpengineError as exc:
            log.warning("playing %s to %s failed: %s", Path(sound).name, call.caller, exc)

    def _hang_up(self, call: FeatureCall) -> None:
        call.leg.hangup()
        self._finish(call)

    def _finish(self, call: FeatureCall) -> None:
        for timer in call.timers:
            timer.cancel()
        call.timers.clear()
        if self.calls.pop(call.leg.call_id, None) is not None:
            self.media.release(call.media)
