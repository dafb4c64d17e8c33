"""Announcements to waiting callers, for ``QueueService``: position and expected wait in
place of the music every ``announce_every_s``, and the goodbye of an overflow to hang-up.

What is said comes from ``callcontrol.queue`` (position, expected wait, timing) and
``callcontrol.announce`` (the words); ``callcontrol.announcer`` plays it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from callcontrol import queue as q
from callcontrol.announce import announcement
from routing.acd.states import now_ms

if TYPE_CHECKING:
    from callcontrol.active import Active, GroupView
    from callcontrol.announcer import Announcer
    from callcontrol.media import QueueMedia
    from routing.acd.config import AcdConfig
    from routing.acd.selector import Selector
    from routing.acd.states import AgentStates


class Announcements:
    """Mixed into ``QueueService``, whose attributes these are."""

    config: AcdConfig
    states: AgentStates
    selector: Selector
    media: QueueMedia
    announcer: Announcer
    handle_s: dict[str, float]

    def _end(self, active: Active, reason: str) -> None:
        raise NotImplementedError

    def _group_view(self, group: str) -> GroupView:
        raise NotImplementedError

    def _goodbye(self, active: Active, reason: str = "overflow") -> None:
        """Hang up with a message: "all our agents are busy, please call again later"
        (an overflow to hang-up, or an overflow destination that did not answer)."""
        call = active.call
        self._cancel_announcement(active)
        call.state = q.CLOSING  # neither offered nor announced to any more
        self.states.acd.remove_call(call.call_id, call.outcome or "overflow", now_ms())
        said = self.announcer.say(active.media, ["agents_busy"], lambda: self._end(active, reason))
        if said is None:
            self._end(active, reason)

    def _maybe_announce(self, active: Active) -> None:
        call = active.call
        queue = self.config.queues.get(call.group)
        at = now_ms()
        if (
            queue is None
            or active.announcing is not None
            or active.overflow_target
            or not self.announcer.available
            or not q.announcement_due(call, queue, at)
        ):
            return
        place = q.position(self.selector.waiting(call.group), call.call_id)
        wait_s = None
        if queue.announce_wait and place is not None:
            working = self._group_view(call.group).working
            wait_s = q.expected_wait_s(
                place, working, self.handle_s.get(call.group, q.DEFAULT_HANDLE_S)
            )
        words = announcement(place if queue.announce_position else None, wait_s)
        said = self.announcer.say(active.media, words, lambda: self._announced(active))
        q.announced(call, queue, at, said.duration_ms if said else 0)
        if said is not None:
            active.announcing = said.timer

    def _announced(self, active: Active) -> None:
        active.announcing = None
        if active.call.state in (q.WAITING, q.OFFERING):
            self.announcer.resume_music(active.media)

    def _cancel_announcement(self, active: Active) -> None:
        if active.announcing is not None:
            active.announcing.cancel()
            active.announcing = None

    def _learn_handle_time(self, call: q.QueueCall) -> None:
        """An answered call ended: its talk time plus the group's after-call work."""
        handled = (call.ended_ms - call.answered_ms) / 1000 + self._acw_s(call.group)
        self.handle_s[call.group] = q.learned_handle_s(
            self.handle_s.get(call.group, q.DEFAULT_HANDLE_S), handled
        )

    def _recall_handle_times(self, talk_s: dict[str, float]) -> None:
        """Start from the store's recent talk times (every process's answered calls, and
        those before a restart); this process's calls refine them until the next look."""
        for group, talk in talk_s.items():
            self.handle_s[group] = talk + self._acw_s(group)

    def _acw_s(self, group_name: str) -> int:
        group = self.config.groups.get(group_name)
        return group.acw_seconds if group is not None and group.acw_mode != "disabled" else 0
