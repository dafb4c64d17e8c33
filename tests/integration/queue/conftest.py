"""Every queue test starts from the same group settings (short timers) and agent states."""

from __future__ import annotations

import pytest

from tests.integration.queue.helpers import configure_support
from tests.support.stack import Stack

SUPPORT_DEFAULTS = {
    "strategy": "longest_idle",
    "ring_timeout_s": 2,
    "max_wait_s": 60,
    "acw_mode": "disabled",
    "acw_seconds": 2,
    "overflow_kind": "hangup",
    "overflow_ref": "",
    "music_on_hold": "default",
    "announce_agent": False,
    "confirm_answer": False,
}


@pytest.fixture(autouse=True)
def support_group(stack: Stack) -> None:
    configure_support(stack, **SUPPORT_DEFAULTS)
