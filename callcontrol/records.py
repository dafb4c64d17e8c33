"""Call records and agent activity: what call control reports about calls and agents.

This base class only logs; ``callcontrol.history`` stores them in SQL.
"""

from __future__ import annotations

import logging
from typing import Any

from callcontrol.queue import QueueCall

log = logging.getLogger(__name__)


class Records:
    def call_started(self, call: QueueCall) -> None:
        pass

    def call_answered(self, call: QueueCall) -> None:
        pass

    def call_ended(self, call: QueueCall) -> None:
        log.info(
            "CDR %s group=%s caller=%s agent=%s outcome=%s wait_ms=%d ring_ms=%d offers=%d",
            call.call_id,
            call.group,
            call.caller,
            call.agent,
            call.outcome,
            call.wait_ms(call.ended_ms),
            call.ring_ms,
            call.offers,
        )

    def offer_started(self, call: QueueCall, agent: str, target: str) -> None:
        pass

    def offer_missed(self, call: QueueCall, agent: str, reason: str, leg_call_id: str = "") -> None:
        pass

    def agent_event(self, event: dict[str, Any]) -> None:
        pass
