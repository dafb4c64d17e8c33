"""SIP users: phones that register (digest auth), answer and call each other, and a
carrier that calls a DID routed to a registered extension and the DID of the demo queue.

Phones take demo extensions from a per-process pool (demo-5000 first, so the
carrier's DID +15550101 has someone to ring; ``LOAD_EXTENSIONS`` narrows it); when
the pool is empty the extra phone stops. Demo credentials only.
"""

from __future__ import annotations

import os
import random
from typing import Any

from locust import between, events, task
from locust.exception import StopUser

from loadtests.users.base import SipUser
from loadtests.users.sip import Message
from loadtests.users.sipclient import CallTimes, SipError
from store.seed import DEMO_EXTENSIONS, DEMO_TEAM, demo_sip_secret

DID = "+15550101"  # demo DID -> extension 5000
QUEUE_DID = "+15550100"  # demo DID -> agent group support: call control answers with music
HOLD_S = 0.5

# LOAD_EXTENSIONS (e.g. "5000,5006,5007") narrows the pool, e.g. to stay off agents' phones.
POOL = [n.strip() for n in os.environ.get("LOAD_EXTENSIONS", ",".join(DEMO_EXTENSIONS)).split(",")]
_free = list(POOL)  # extensions no phone of this process holds
registered: dict[str, str] = {}  # number -> username, of phones registered right now


@events.test_stop.add_listener
def _reset(**_kwargs: Any) -> None:
    _free[:] = list(POOL)
    registered.clear()


def _ok(response: Message) -> Message:
    if response.status != 200:
        raise SipError(f"{response.method}: {response.first_line[8:]}")
    return response


class PhoneUser(SipUser):
    """A registered extension: re-registers (storms), calls colleagues, answers."""

    weight = 3
    wait_time = between(0.5, 1.5)

    def on_start(self) -> None:
        if not _free:
            raise StopUser()
        self.number = _free.pop(0)
        self.username = f"{DEMO_TEAM}-{self.number}"
        self.password = demo_sip_secret(self.number)
        self.client.user = self.username
        if self.timed("REGISTER", self._register) is not None:
            registered[self.number] = self.username

    def _register(self, expires: int = 300) -> Message:
        return _ok(self.client.register(self.username, self.password, expires))

    @task(2)
    def reregister(self) -> None:
        self.timed("REGISTER", self._register)

    @task(1)
    def call_colleague(self) -> None:
        others = [n for n in registered if n != self.number]
        if not others:
            return
        dialed = random.choice(others)
        times = self.timed(
            "INVITE extension",
            lambda: self.client.call(dialed, HOLD_S, (self.username, self.password)),
            elapsed=lambda t: t.answered_s,
        )
        if times is not None and times.ringing_s is not None:
            self._report_ring(times)

    def _report_ring(self, times: CallTimes) -> None:
        self.environment.events.request.fire(
            request_type="SIP",
            name="INVITE→180",
            response_time=(times.ringing_s or 0) * 1000,
            response_length=0,
            exception=None,
            context={},
        )

    def on_stop(self) -> None:
        registered.pop(getattr(self, "number", ""), None)
        if hasattr(self, "number"):
            self.timed("REGISTER expires=0", lambda: self._register(expires=0))
            _free.append(self.number)
        super().on_stop()


class CarrierUser(SipUser):
    """The demo trunk (source address 127.0.0.2) calling the DID of extension 5000, and
    the queue's DID: call control answers at once with music (a queue-call setup), the
    caller hangs up after ``HOLD_S`` (an abandoned call, unless an agent phone was quick)."""

    weight = 1
    local_ip = "127.0.0.2"
    wait_time = between(0.5, 1.5)

    @task
    def call_did(self) -> None:
        if DEMO_EXTENSIONS[0] not in registered:
            return  # nobody to ring yet
        times = self.timed(
            "INVITE DID", lambda: self.client.call(DID, HOLD_S), elapsed=lambda t: t.answered_s
        )
        if times is not None and times.ringing_s is not None:
            self.environment.events.request.fire(
                request_type="SIP",
                name="INVITE→180",
                response_time=times.ringing_s * 1000,
                response_length=0,
                exception=None,
                context={},
            )

    @task
    def call_queue(self) -> None:
        self.timed(
            "INVITE queue",
            lambda: self.client.call(QUEUE_DID, HOLD_S),
            elapsed=lambda t: t.answered_s,
        )
