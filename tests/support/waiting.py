"""Wait for a condition with a deadline: tests never sleep and hope."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def wait_until(
    condition: Callable[[], T], timeout: float = 5.0, interval: float = 0.02, what: str = ""
) -> T:
    """Return the first truthy value of ``condition()``; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    last: T = condition()
    while not last:
        if time.monotonic() > deadline:
            raise TimeoutError(f"not true after {timeout} s: {what or condition!r} (last {last!r})")
        time.sleep(interval)
        last = condition()
    return last
