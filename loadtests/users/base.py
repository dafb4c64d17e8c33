"""The abstract SIP user: one SipClient, every transaction reported to Locust.

Targets are checked to be loopback addresses (``target``): a load run never leaves the box.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, TypeVar

from locust import User

from loadtests.users.sipclient import SipClient
from loadtests.users.target import sip_proxy

T = TypeVar("T")


class SipUser(User):
    abstract = True
    local_ip = "127.0.0.1"

    def __init__(self, environment: Any) -> None:
        super().__init__(environment)
        self.client = SipClient(sip_proxy(), self.local_ip, user=type(self).__name__)

    def timed(
        self, name: str, action: Callable[[], T], elapsed: Callable[[T], float] | None = None
    ) -> T | None:
        """Run one SIP transaction (or call) and report it as a Locust request.

        ``elapsed`` picks the time to report from the result (default: wall time).
        """
        started = time.perf_counter()
        result: T | None = None
        exception: Exception | None = None
        try:
            result = action()
        except Exception as exc:  # noqa: BLE001 (every failure is a failed request, not a crash)
            exception = exc
        took = time.perf_counter() - started
        if result is not None and elapsed is not None:
            took = elapsed(result)
        self.environment.events.request.fire(
            request_type="SIP",
            name=name,
            response_time=took * 1000,
            response_length=0,
            exception=exception,
            context={},
        )
        return result

    def on_stop(self) -> None:
        self.client.close()
