"""Call control's queue service: answers queued callers, plays music, offers agents.

Everything here runs in the SIP reactor thread (``callcontrol.sip``): SIP events, timers
and the periodic tick. Decisions come from ``callcontrol.queue`` (pure) and the ACD core
(selector + state machine through ``routing.acd.states``); media from
``callcontrol.media``; records from ``callcontrol.records``.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

from callcontrol import queue as q
from callcontrol.active import Active, GroupView
from callcontrol.announce import agent_intro
from callcontrol.announcer import Announcer
from callcontrol.announcing import Announcements
from callcontrol.incall import Hooks, InCallService
from callcontrol.media import B_TAG, PLAYER_GAP_S, QueueMedia
from callcontrol.records import Records
from callcontrol.ringall import RingAll
from callcontrol.sip import InboundLeg, OutboundLeg, SipStack
from routing.acd import machine
from routing.acd.config import AcdConfig, QueueSettings
from routing.acd.model import State, Strategy, WaitingCall
from routing.acd.selector import Selector
from routing.acd.states import AgentStates, Changed, now_ms
from rtpengine import RtpengineError

log = logging.getLogger(__name__)

TICK_S = 0.2
CONFIRM_KEY = 1  # RFC 4733 event of the key an agent presses to take a call
CONFIRM_PROMPT_REPEAT = 20  # "press one to take this call", again until the ring timeout
HOUSEKEEPING_EVERY = 5  # ticks: lease renewal, sweep, configuration reload
RECALL_EVERY = 300  # ticks: the groups' recent talk times from the store (expected wait)


class QueueService(Announcements):
    def __init__(
        self,
        sip: SipStack,
        media: QueueMedia,
        states: AgentStates,
        selector: Selector,
        load_config: Callable[[], AcdConfig],
        config_version: Callable[[], int],
        records: Records,
        announcer: Announcer | None = None,
        recent_talk_s: Callable[[], dict[str, float]] | None = None,
        incall: InCallService | None = None,
    ) -> None:
        self.sip, self.media, self.states, self.selector = sip, media, states, selector
        self.load_config, self.config_version, self.records = load_config, config_version, records
        self.announcer = announcer or Announcer(sip, media, None)
        self.handle_s: dict[str, float] = {}  # group -> mean handle time (expected wait)
        self.ring_all = RingAll(self)
        self.recent_talk_s = recent_talk_s or dict
        self.incall = incall
        self.config = AcdConfig(0, {}, {}, {}, {})
        self.calls: dict[str, Active] = {}
        self._ticks = 0
        self._last_id = "0-0"
        self._views: dict[str, GroupView] = {}  # this tick's; cleared on every change

    # --- start-up and housekeeping ------------------------------------------------------

    def start(self) -> None:
        self._last_id = self.states.acd.bootstrap(self.selector)
        self.reload(force=True)
        self.sip.every(TICK_S, self.tick)

    def reload(self, force: bool = False) -> None:
        if not force and self.config_version() == self.config.version:
            return
        config = self.load_config()
        reconfigured = self.states.configure(config)  # announced on the ACD stream; _sync
        self.config = config  # applies it
        for changed in reconfigured:  # a working way changed by the admin
            self.observe(changed)
            self.records.agent_event(changed.event)
        self._sync()
        self._follow_sip(force=True)
        log.info(
            "configuration v%s: %d groups, %d agents",
            config.version,
            len(config.groups),
            len(config.agents),
        )

    def tick(self) -> None:
        try:
            self._ticks += 1
            self._sync()
            self._follow_sip(force=self._ticks % HOUSEKEEPING_EVERY == 0)
            if self._ticks % HOUSEKEEPING_EVERY == 0:
                self._housekeeping()
            if self._ticks % RECALL_EVERY == 1:  # soon after the start, then every minute
                self._recall()
            waiting = q.service_order([a.call for a in self.calls.values()])
            for call in waiting:  # the most urgent first: it takes a freed agent
                active = self.calls.get(call.call_id)
                if active is not None and active.call.state == q.WAITING:
                    self.advance(active)
            for active in list(self.calls.values()):
                self._maybe_announce(active)
        except Exception:
            log.exception("tick failed")

    def _recall(self) -> None:
        try:
            talk_s = self.recent_talk_s()
        except Exception:  # the estimate keeps what it learnt; calls go on
            log.exception("reading recent talk times failed")
            return
        self._recall_handle_times(talk_s)

    def _housekeeping(self) -> None:
        self.reload()
        for active in self.calls.values():
            call = active.call
            held = call.agent and call.state in (q.OFFERING, q.CONNECTED)
            held = held and not active.agent_released
            if held and not self.states.renew(call.agent, call.call_id):
                log.warning("lease of %s for %s was lost", call.agent, call.call_id)
            for agent, _leg in active.fork.values():  # ring all: every ringing agent
                if not self.states.renew(agent, call.call_id):
                    log.warning("lease of %s for %s was lost", agent, call.call_id)
        for changed in self.states.sweep(self.config):
            self.observe(changed)
            self.records.agent_event(changed.event)

    # --- the caller -----------------------------------------------------------------------

    def on_invite(self, leg: InboundLeg) -> None:
        group = leg.headers.get("x-switchboard-queue", "").strip()
        queue = self.config.queues.get(group)
        if queue is None:
            log.warning("INVITE %s for unknown queue %r", leg.call_id, group)
            leg.reject(404, "Queue Not Found")
            return
        try:
            media = self.media.hold(leg.call_id, leg.from_tag, leg.sdp)
        except RtpengineError as exc:
            log.error("media for %s failed: %s", leg.call_id, exc)
            leg.reject(503, "Media Unavailable")
            return
        leg.answer(media.caller_answer)
        media.music_file = self.media.music_for(queue.music)  # the group's, else the default
        self.media.start_music(media)
        at = now_ms()
        call = q.QueueCall(leg.call_id, group, leg.caller, leg.dialed, at)
        call.priority = self.config.priorities.priority(
            group.partition("/")[0], leg.dialed, leg.caller
        )
        active = Active(call, leg, media)
        self.calls[call.call_id] = active
        leg.on_end = lambda reason: self._caller_ended(active, reason)
        self._enqueue(call, group, at)
        self._sync()
        self.records.call_started(call)
        log.info(
            "call %s from %s queued in %s (priority %d)",
            call.call_id,
            call.caller,
            group,
            call.priority,
        )
        self.advance(active)

    def advance(self, active: Active) -> None:
        call = active.call
        queue = self.config.queues.get(call.group)
        if queue is None or call.state != q.WAITING:
            return
        at = now_ms()
        view = self._group_view(call.group)
        step = q.next_step(call, queue, at, view.signed_in)
        if step == "overflow":
            self._overflow(active, queue)
        elif step == "offer" and view.ready:  # else the selector would find nobody
            self._offer(active, queue, at, len(self.config.members(call.group)))

    def _group_view(self, group: str) -> GroupView:
        """The group's members from the local selector, once per tick (not per call)."""
        view = self._views.get(group)
        if view is None:
            signed_in = ready = False
            working = 0
            for agent in self.config.members(group):
                live = self.selector.live(agent) if agent in self.config.agents else None
                if live is None:
                    continue
                signed_in = signed_in or live.state != State.SIGNED_OUT
                ready = ready or live.ready
                if live.registered and live.state not in (State.SIGNED_OUT, State.PAUSED):
                    working += 1
            view = self._views[group] = GroupView(signed_in, ready, working)
        return view

    def _offer(self, active: Active, queue: QueueSettings, at: int, limit: int) -> None:
        call = active.call
        group = self.config.groups.get(call.group)
        if group is not None and group.strategy == Strategy.RING_ALL:
            self.ring_all.offer(active, queue, at, limit)
            return
        candidates = self.selector.select(call.call_id, at, random.getrandbits(63), limit)
        for agent in q.choose(candidates, call, at):
            extension = self.states.extension(self.config, agent)
            if not extension:
                continue
            result = self.states.apply(
                self.config,
                agent,
                machine.Command("offer", call_id=call.call_id, group=call.group),
                at,
            )
            if not isinstance(result, Changed):
                continue  # lost a race or changed meanwhile: the next candidate
            self.observe(result)
            self.records.agent_event(result.event)
            q.offer_started(call, agent, at)
            self._dial_agent(active, agent, extension, queue.ring_timeout_s)
            return

    def _dial_agent(self, active: Active, agent: str, extension: str, ring_s: int) -> None:
        leg = OutboundLeg()
        call = active.call
        leg.on_answer = lambda sdp: self.agent_answered(active, leg, sdp)
        leg.on_fail = lambda code, reason: self._agent_failed(active, leg, code)
        leg.on_end = lambda: self.agent_hung_up(active, leg)
        active.agent_leg = leg
        self.sip.dial(extension, active.media.agent_offer, leg, caller=call.caller)
        call.agent_leg_call_id = leg.call_id
        self.records.offer_started(call, agent, extension)
        active.ring_timer = self.sip.call_later(ring_s, lambda: self._ring_timeout(active, leg))
        log.info("call %s offered to %s (%s)", call.call_id, agent, extension)

    def _ring_timeout(self, active: Active, leg: OutboundLeg) -> None:
        if active.agent_leg is leg and not leg.answered:
            leg.hangup()  # CANCEL
            self._agent_failed(active, leg, 408)

    def _agent_failed(self, active: Active, leg: OutboundLeg, code: int) -> None:
        if active.agent_leg is not leg:
            return
        active.agent_leg = None
        self.cancel_ring_timer(active)
        if active.overflow_target:
            self.records.offer_missed(active.call, "", q.ring_end_reason(code))
            self._goodbye(active, "overflow_failed")
            return
        call = active.call
        reason = q.ring_end_reason(code)
        leg_call_id = call.agent_leg_call_id
        agent = q.offer_failed(call, now_ms())
        self.agent_command(agent, machine.Command("ring_end", call_id=call.call_id, reason=reason))
        log.info("call %s: %s did not take it (%s %s)", call.call_id, agent, code, reason)
        self.records.offer_missed(call, agent, reason, leg_call_id)
        self.advance(active)

    def agent_answered(self, active: Active, leg: OutboundLeg, sdp: str) -> None:
        if active.agent_leg is not leg or active.call.state == q.ENDED:
            leg.hangup()
            return
        self.cancel_ring_timer(active)
        self._cancel_announcement(active)
        queue = self.config.queues.get(active.call.group)
        if queue is not None and queue.confirm_answer and active.call.agent:
            # at once: rtpengine may already send the caller's audio to the answered phone
            self.media.keep_caller_from_agent(active.media)
            wait_s = self.media.first_stream_wait(active.media)  # the caller's music first
            ask = lambda: self._ask_to_confirm(active, leg, sdp, queue)
            if wait_s > 0:
                active.ring_timer = self.sip.call_later(wait_s, ask)
            else:
                ask()
            return
        self._connect(active, leg, sdp, queue)

    def _connect(
        self, active: Active, leg: OutboundLeg, sdp: str, queue: QueueSettings | None
    ) -> None:
        """The agent takes the call: first, if the group says so, the caller hears the
        agent's number ("you are speaking with agent one zero zero one"), then the bridge."""
        call = active.call
        number = self.config.agent_numbers.get(call.agent, "") if call.agent else ""
        words = agent_intro(number) if queue is not None and queue.announce_agent else []
        if words and self.announcer.available:
            said = self.announcer.say(active.media, words, lambda: self._bridge(active, leg, sdp))
            if said is not None:
                active.ring_timer = said.timer  # cancelled with the call
                return
        wait_s = self.media.first_stream_wait(active.media)
        if wait_s > 0:  # an agent who answered at once: the caller's phone starts first
            active.ring_timer = self.sip.call_later(wait_s, lambda: self._bridge(active, leg, sdp))
            return
        self._bridge(active, leg, sdp)

    # --- confirm_answer: the agent presses 1 (a remote agent's voicemail cannot) ----------

    def _ask_to_confirm(
        self, active: Active, leg: OutboundLeg, sdp: str, queue: QueueSettings
    ) -> None:
        """The agent's phone answered: the caller keeps the music, the agent hears "press
        one to take this call" until it does, hangs up, or the ring timeout passes."""
        active.ring_timer = None
        if active.agent_leg is not leg or leg.ended or active.call.state == q.ENDED:
            return
        try:
            self.media.point_at_agent(active.media, sdp)
        except RtpengineError as exc:
            log.error("pointing %s at its agent failed: %s", active.call.call_id, exc)
            leg.hangup()
            self._agent_failed(active, leg, 500)
            return
        active.confirming, active.confirm_sdp = leg, sdp
        if self.announcer.prompts is not None:  # after the gap: one stream to the agent
            file, _ms = self.announcer.prompts.compose(["press_one"])
            self.sip.call_later(
                PLAYER_GAP_S,
                lambda: (
                    active.confirming is leg
                    and self.media.play_to_agent(active.media, file, CONFIRM_PROMPT_REPEAT)
                ),
            )
        active.ring_timer = self.sip.call_later(
            queue.ring_timeout_s, lambda: self._not_confirmed(active, leg)
        )
        log.info("call %s: %s answered; asked to press 1", active.call.call_id, active.call.agent)

    def on_dtmf(self, call_id: str, source_tag: str, event: int) -> None:
        """A key from rtpengine: ``1`` from the agent side of a call awaiting confirmation."""
        active = self.calls.get(call_id)
        if active is None or active.confirming is None or source_tag != B_TAG:
            return
        if event != CONFIRM_KEY:
            return
        leg, sdp = active.confirming, active.confirm_sdp
        active.confirming = None
        self.cancel_ring_timer(active)
        self.media.end_confirmation(active.media)
        log.info("call %s: %s pressed 1", call_id, active.call.agent)
        self._connect(active, leg, sdp, self.config.queues.get(active.call.group))

    def _not_confirmed(self, active: Active, leg: OutboundLeg) -> None:
        if active.confirming is not leg:
            return
        active.confirming = None
        active.ring_timer = None
        self.media.end_confirmation(active.media)
        leg.hangup()  # BYE: the agent's phone (or its voicemail) answered but never pressed 1
        self._agent_failed(active, leg, 408)

    def _bridge(self, active: Active, leg: OutboundLeg, sdp: str) -> None:
        active.ring_timer = None
        if active.agent_leg is not leg or leg.ended or active.call.state == q.ENDED:
            return
        call = active.call
        try:
            self.media.bridge(active.media, sdp)
        except RtpengineError as exc:
            log.error("bridging %s failed: %s", call.call_id, exc)
            self._end(active, "media_failed")
            return
        q.answered(call, now_ms())
        if call.agent:
            self.agent_command(call.agent, machine.Command("answer", call_id=call.call_id))
        self.states.acd.remove_call(call.call_id, "answered", call.answered_ms)
        self.records.call_answered(call)
        log.info(
            "call %s connected to %s after %d ms",
            call.call_id,
            call.agent or active.overflow_target,
            call.wait_ms(call.answered_ms),
        )
        if call.agent and self.incall is not None:  # in-call functions: the call model
            hooks = Hooks(
                agent_left=lambda _reason: self._agent_left(active),
                finished=lambda outcome: self._finished(active, outcome),
                agent_command=False,
                requeue=lambda group: self._requeue(active, group),
            )
            phone = self.states.extension(self.config, call.agent)
            queue = self.config.queues.get(call.group)
            self.incall.adopt(
                call.call_id, call.agent, active.leg, leg, active.media, phone, hooks,
                group=call.group.partition("/")[2],
                record=queue is not None and queue.record_calls,
            )  # fmt: skip

    def _agent_left(self, active: Active) -> None:
        """The call model let the agent go (a hang-up, a transfer): ACW or idle now, even
        if the customer stays on the line (a blind transfer)."""
        call = active.call
        if active.agent_released or not call.agent:
            return
        active.agent_released = True
        self.agent_command(call.agent, machine.Command("call_end", call_id=call.call_id))
        self._learn_handle_time(call)

    def _finished(self, active: Active, outcome: str) -> None:
        """The call model ended a connected queue call: the record closes (unless it went
        back into a queue: ``_requeue`` has it again)."""
        if outcome == "requeued":
            return
        self._end(active, "caller_hangup" if outcome == "customer_hangup" else outcome)

    def _requeue(self, active: Active, group: str) -> None:
        """Transferred to ``group``: the caller waits there with music, ahead of those who
        came after it (its place is its first entry), and is offered again."""
        call = active.call
        target = f"{call.group.split('/', 1)[0]}/{group}"
        at = now_ms()
        q.requeued(call, target, at)
        active.agent_leg, active.agent_released = None, False
        active.leg.on_end = lambda reason: self._caller_ended(active, reason)
        queue = self.config.queues.get(target)
        active.media.music_file = self.media.music_for(queue.music if queue else "")
        # The call's hold may have stopped the player just now: the queue's music starts
        # after the player's gap, so the caller's stream never steps back (one stream).
        self.sip.call_later(PLAYER_GAP_S, lambda: self._requeued_music(active))
        self._enqueue(call, target, call.entered_ms)
        self._sync()
        log.info(
            "call %s back in the queue of %s (waiting since %d)",
            call.call_id,
            target,
            call.entered_ms,
        )
        self.advance(active)

    def _requeued_music(self, active: Active) -> None:
        """Music for a caller back in the queue, unless it was bridged or ended meanwhile."""
        if active.call.state in (q.WAITING, q.OFFERING):
            self.media.start_music(active.media)

    def agent_hung_up(self, active: Active, leg: OutboundLeg) -> None:
        if active.confirming is leg:  # hung up instead of pressing 1: a missed offer
            active.confirming = None
            self.cancel_ring_timer(active)
            self.media.end_confirmation(active.media)
            self._agent_failed(active, leg, 603)
            return
        if active.agent_leg is leg:
            self._end(active, "agent_hangup")

    def _caller_ended(self, active: Active, reason: str) -> None:
        self._end(active, reason)

    # --- overflow and the end ------------------------------------------------------------

    def _overflow(self, active: Active, queue: QueueSettings) -> None:
        call = active.call
        team = call.group.split("/", 1)[0]
        log.info(
            "call %s overflows from %s to %s %s",
            call.call_id,
            call.group,
            queue.overflow_kind,
            queue.overflow_ref,
        )
        call.outcome = "overflowed"
        if queue.overflow_kind == "agent_group":
            target = f"{team}/{queue.overflow_ref}"
            if target in self.config.queues and target != call.group:
                self.states.acd.remove_call(call.call_id, "overflow", now_ms())
                call.group, call.queued_ms, call.outcome = target, now_ms(), ""
                self._enqueue(call, target, call.queued_ms)
                self._sync()
                self._switch_music(active, self.config.queues[target])
                return
        target = q.overflow_dial(team, queue.overflow_kind, queue.overflow_ref)
        if target is not None:
            active.overflow_target = target
            call.state = q.OFFERING
            call.offer_started_ms = now_ms()
            ring_s = max(queue.ring_timeout_s, q.OVERFLOW_RING_S[queue.overflow_kind])
            self._dial_agent(active, "", target, ring_s)
            return
        self._goodbye(active)

    def _end(self, active: Active, reason: str) -> None:
        call = active.call
        if call.state == q.ENDED:
            return
        was = call.state
        at = now_ms()
        self.cancel_ring_timer(active)
        self._cancel_announcement(active)
        if active.fork:
            self.ring_all.cancel_all(active, "caller_abandoned")
        q.ended(call, at, reason)
        if active.agent_leg is not None:
            active.agent_leg.hangup()
            active.agent_leg = None
        if reason != "caller_hangup":
            active.leg.hangup()
        self.media.release(active.media)
        if call.agent and not active.agent_released:
            command = (
                machine.Command("call_end", call_id=call.call_id)
                if was == q.CONNECTED
                else machine.Command("ring_end", call_id=call.call_id, reason="caller_abandoned")
            )
            self.agent_command(call.agent, command)
        if was not in (q.CONNECTED, q.CLOSING):
            self.states.acd.remove_call(call.call_id, call.outcome, at)
        if was == q.CONNECTED and call.agent and not active.agent_released:
            self._learn_handle_time(call)
        self.calls.pop(call.call_id, None)
        self.records.call_ended(call)
        log.info("call %s ended (%s, %s)", call.call_id, call.outcome, reason)

    # --- helpers -------------------------------------------------------------------------

    def _enqueue(self, call: q.QueueCall, group: str, since_ms: int) -> None:
        """Wait in ``group``'s queue with the call's priority, placed as of ``since_ms``."""
        call.enqueued_ms = since_ms
        self.states.acd.enqueue_call(WaitingCall(call.call_id, group, call.priority, since_ms))

    def _switch_music(self, active: Active, queue: QueueSettings) -> None:
        """A waiting caller moved to another group (an overflow) hears that group's music:
        the player stops and starts the new file after its gap (one stream throughout)."""
        file = self.media.music_for(queue.music)
        if file == active.media.music_file:
            return
        active.media.music_file = file
        if active.announcing is None:  # else the music after the announcement is the new one
            self.announcer.resume_music(active.media)

    def cancel_ring_timer(self, active: Active) -> None:
        if active.ring_timer is not None:
            active.ring_timer.cancel()
            active.ring_timer = None

    def agent_command(self, agent: str, command: machine.Command) -> None:
        result = self.states.apply(self.config, agent, command)
        if isinstance(result, Changed):
            self.observe(result)
            self.records.agent_event(result.event)
        else:
            log.warning("agent %s: %s refused (%s)", agent, command.kind, result.code)

    def _follow_sip(self, force: bool) -> None:
        """Registrations and direct calls as the edge reports them (SIP is the truth)."""
        for changed in self.states.follow_sip(self.config, force):
            self.observe(changed)
            if changed.event["from"] != changed.event["to"]:  # a direct call; the stream
                self.records.agent_event(changed.event)  # keeps registration changes too
            log.info(
                "agent %s: %s -> %s (%s)",
                changed.event["agent"],
                changed.event["from"],
                changed.event["to"],
                changed.event["reason"],
            )

    def observe(self, changed: Changed) -> None:
        self.selector.apply(changed.event)
        self._views.clear()

    def _sync(self) -> None:
        """Apply what every process (and the API) changed since the last look: the ACD's
        stream, read without blocking."""
        self._last_id = self.states.acd.follow(self.selector, self._last_id)
        self._views.clear()
