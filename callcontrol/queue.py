"""A queued call and the decisions about it: pure, no I/O, unit-tested.

``callcontrol.service`` owns the I/O and asks these functions what to do next:
offer an agent, keep waiting with music, or overflow; why an offer ended; which
candidate to try; what the call record says.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from routing.acd.config import QueueSettings

WAITING, OFFERING, CONNECTED, ENDED = "waiting", "offering", "connected", "ended"
CLOSING = "closing"  # told goodbye (overflow to hang-up with a message), hanging up next
# An agent who just failed an offer for this call is not offered it again for this long
# (others are tried meanwhile; the caller keeps waiting with music either way).
RETRY_SAME_AGENT_MS = 3_000
# The first announcement comes shortly after the caller is answered (music first, so
# the caller knows the line is alive), then one every ``announce_every_s``.
FIRST_ANNOUNCEMENT_MS = 2_000
# Expected wait: until a group has answered calls to learn from, an agent is assumed to
# be busy this long per call (talk + after-call work). New calls weigh 1/4 (an
# exponentially weighted mean, as Asterisk's queue hold time): recent calls count most.
DEFAULT_HANDLE_S = 180.0
HANDLE_WEIGHT = 0.25


@dataclass
class QueueCall:
    call_id: str
    group: str
    caller: str
    dialed: str
    entered_ms: int
    queued_ms: int = 0  # when it joined its current group (an overflow moves it)
    state: str = WAITING
    agent: str = ""
    agent_leg_call_id: str = ""
    offer_started_ms: int = 0
    answered_ms: int = 0
    ended_ms: int = 0
    outcome: str = ""  # answered | abandoned | overflowed | failed
    end_reason: str = ""
    offers: int = 0
    failed_offers: dict[str, int] = field(default_factory=dict)  # agent -> when it failed
    ring_ms: int = 0  # summed over every offer, answered or not
    next_announce_ms: int = 0  # when the next position / wait announcement is due
    priority: int = 0  # from its DID and caller (routing.acd.priority); higher first
    enqueued_ms: int = 0  # its place in the ACD's queue (priority first, then this)

    def __post_init__(self) -> None:
        self.queued_ms = self.queued_ms or self.entered_ms

    def wait_ms(self, now_ms: int) -> int:
        until = self.answered_ms or self.ended_ms or now_ms
        return max(0, until - self.entered_ms)


def next_step(call: QueueCall, queue: QueueSettings, now_ms: int, any_signed_in: bool) -> str:
    """For a waiting call: ``"overflow"``, ``"offer"`` or ``"wait"``."""
    if call.state != WAITING:
        return "wait"
    if queue.max_wait_s > 0 and now_ms - call.queued_ms >= queue.max_wait_s * 1000:
        return "overflow"
    if not any_signed_in and queue.overflow_when_no_agent and queue.overflow_kind != "hangup":
        return "overflow"
    return "offer"


def service_order(calls: list[QueueCall]) -> list[QueueCall]:
    """Waiting calls in the order they are offered agents: highest priority first, then
    the longest waiting (the ACD's ``WaitingCall.sort_key``), so an agent who frees up
    takes the most urgent call it may take."""
    return sorted(calls, key=lambda c: (-c.priority, c.enqueued_ms, c.call_id))


def choose(candidates: list[str], call: QueueCall, now_ms: int) -> list[str]:
    """Candidates in the selector's order, without those that just failed this call."""
    return [
        a
        for a in candidates
        if now_ms - call.failed_offers.get(a, now_ms - RETRY_SAME_AGENT_MS) >= RETRY_SAME_AGENT_MS
    ]


def ring_end_reason(code: int) -> str:
    """Why an offer ended unanswered, from the agent leg's final response."""
    if code in (486, 600):
        return "busy"
    if code in (603, 403):
        return "rejected"
    if code in (404, 410, 480, 484):
        return "unavailable"
    if code in (408, 487):
        return "no_answer"
    return "failed"


def offer_started(call: QueueCall, agent: str, now_ms: int) -> None:
    call.state, call.agent, call.offer_started_ms = OFFERING, agent, now_ms
    call.offers += 1


def offer_failed(call: QueueCall, now_ms: int) -> str:
    """Back to waiting; returns the agent whose offer ended."""
    agent = call.agent
    call.ring_ms += max(0, now_ms - call.offer_started_ms)
    call.failed_offers[agent] = now_ms
    call.state, call.agent, call.agent_leg_call_id = WAITING, "", ""
    return agent


def answered(call: QueueCall, now_ms: int) -> None:
    call.ring_ms += max(0, now_ms - call.offer_started_ms)
    call.state, call.answered_ms = CONNECTED, now_ms
    call.outcome = call.outcome or "answered"  # an overflow stays "overflowed"


def requeued(call: QueueCall, group: str, now_ms: int) -> None:
    """Transferred back into a queue by its agent: waiting again, in ``group``; its
    wait goes on from its first entry (``entered_ms``), its max wait from now."""
    call.group, call.queued_ms, call.state = group, now_ms, WAITING
    call.agent = call.agent_leg_call_id = ""
    call.answered_ms, call.outcome = 0, ""
    call.next_announce_ms = 0


def ended(call: QueueCall, now_ms: int, reason: str) -> None:
    """The call is over: its outcome follows from how far it got."""
    if call.state == OFFERING:
        call.ring_ms += max(0, now_ms - call.offer_started_ms)
    if not call.outcome:
        call.outcome = "abandoned" if reason == "caller_hangup" else "failed"
    call.state, call.ended_ms, call.end_reason = ENDED, now_ms, reason


# --- announcements ---------------------------------------------------------------------


def position(waiting: list[str], call_id: str) -> int | None:
    """1-based place of ``call_id`` among its group's waiting calls, which the ACD index
    lists in service order (priority, then the longest waiting); None if not listed."""
    try:
        return waiting.index(call_id) + 1
    except ValueError:
        return None


def expected_wait_s(place: int, working_agents: int, handle_s: float) -> int | None:
    """Seconds until the caller at ``place`` is likely answered: each of the group's
    ``working_agents`` (signed in, not paused) frees up once per ``handle_s`` on average,
    so ``place`` callers are served in about ``place * handle_s / working_agents``.

    Deliberately simple (no Erlang C): it needs only numbers call control already has,
    errs on the long side, and a caller hears minutes, not seconds. With nobody
    working the wait is unknown: None (the announcement then leaves it out)."""
    if place < 1 or working_agents < 1:
        return None
    return math.ceil(place * handle_s / working_agents)


def learned_handle_s(previous_s: float, handle_s: float) -> float:
    """The group's mean handle time after one more answered call."""
    return previous_s + HANDLE_WEIGHT * (handle_s - previous_s)


def announcement_due(call: QueueCall, queue: QueueSettings, now_ms: int) -> bool:
    """Is a position / wait announcement due for this caller (still waiting for an agent)?"""
    if not queue.announces or call.state not in (WAITING, OFFERING):
        return False
    if call.next_announce_ms == 0:  # just queued: the first comes shortly
        call.next_announce_ms = call.queued_ms + FIRST_ANNOUNCEMENT_MS
    return now_ms >= call.next_announce_ms


def announced(call: QueueCall, queue: QueueSettings, now_ms: int, duration_ms: int) -> None:
    """The next announcement comes ``announce_every_s`` after this one ends."""
    call.next_announce_ms = now_ms + duration_ms + queue.announce_every_s * 1000


# --- ring all: one call offered to several agents at once -----------------------------


def fork_started(call: QueueCall, agents: int, now_ms: int) -> None:
    """Every eligible agent rings at once; the call belongs to none of them yet."""
    call.state, call.agent, call.agent_leg_call_id = OFFERING, "", ""
    call.offer_started_ms = now_ms
    call.offers += agents


def fork_won(call: QueueCall, agent: str, leg_call_id: str) -> None:
    """The first agent to answer takes the call (``answered`` follows once bridged)."""
    call.agent, call.agent_leg_call_id = agent, leg_call_id


def fork_lost(call: QueueCall, agents: list[str], now_ms: int) -> None:
    """No agent of the fork answered: back to waiting; they are not retried at once."""
    call.ring_ms += max(0, now_ms - call.offer_started_ms)
    for agent in agents:
        call.failed_offers[agent] = now_ms
    call.state, call.agent, call.agent_leg_call_id = WAITING, "", ""


# --- overflow --------------------------------------------------------------------------

# How long call control lets an overflow destination ring. A ring group has its own ring
# timeout and failover (served by Kamailio), an external number its carrier's: give them
# room; a single extension gets at least the group's ring timeout.
OVERFLOW_RING_S = {"extension": 30, "ring_group": 120, "external": 120}


def overflow_dial(team: str, kind: str, ref: str) -> str | None:
    """What call control dials through Kamailio for an overflow: ``<team>-<X>`` where X is
    what a phone of the team would dial -- an extension (``demo-5003``), a ring group's
    short number (``demo-600``: the store keeps ring groups' numbers in ``overflow_ref``,
    checked when the group is saved) or an external E.164 number, out through the team's
    trunk (``demo-+15557770000``). None for the kinds that are not dialled (agent group,
    hang-up) or an empty reference."""
    if kind not in OVERFLOW_RING_S or not ref:
        return None
    return f"{team}-{ref}"
