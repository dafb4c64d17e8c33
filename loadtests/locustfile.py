"""Switchboard under Locust: SIP phones and a carrier through Kamailio (extension, DID and
queue calls), the web API, and agents signing in and pausing through it.

    make load                                   # starts a stack, runs this headless, stops it
    LOAD_SHAPE=spike LOAD_USERS=12 LOAD_SECONDS=60 make load

Against a running `make run` (loopback only):

    SWITCHBOARD_SIP_ADDRESS=127.0.0.1:5060 .venv/bin/locust -f loadtests/locustfile.py \\
        --headless --host http://127.0.0.1:8000

The shape (LOAD_SHAPE = ramp | steady | spike, LOAD_USERS, LOAD_SECONDS, capped
at 50 users and 600 s) bounds every run and stops it. At the end the thresholds
(LOAD_FAIL_RATIO, default 1 %; LOAD_P95_MS, default 500 ms per request name)
decide the exit code.
"""

from __future__ import annotations

import os
from typing import Any
from urllib.parse import urlparse

from locust import events
from locust.env import Environment

from loadtests import shapes, thresholds
from loadtests.users.agents import AgentUser
from loadtests.users.api import ApiUser
from loadtests.users.phones import CarrierUser, PhoneUser
from loadtests.users.target import loopback, sip_proxy

__all__ = ["AgentUser", "ApiUser", "CarrierUser", "LoadShape", "PhoneUser"]

LoadShape = shapes.from_env(os.environ)  # the only shape class here: Locust uses it


@events.init.add_listener
def _only_loopback(environment: Environment, **_kwargs: Any) -> None:
    sip_proxy()  # raises SystemExit for a non-loopback SIP target
    host = environment.host or ""
    if host:
        loopback(urlparse(host).hostname or "")


@events.quitting.add_listener
def _gate(environment: Environment, **_kwargs: Any) -> None:
    limits = thresholds.Limits(
        fail_ratio=float(os.environ.get("LOAD_FAIL_RATIO", "0.01")),
        p95_ms=float(os.environ.get("LOAD_P95_MS", "500")),
    )
    entries = [
        thresholds.Entry(
            f"{s.method} {s.name}",
            s.num_requests,
            s.num_failures,
            s.get_response_time_percentile(0.95) or 0.0,
        )
        for s in environment.stats.entries.values()
    ]
    found = thresholds.problems(entries, limits)
    for problem in found:
        print(f"THRESHOLD FAILED: {problem}")
    if found:
        environment.process_exit_code = 1
    else:
        print(
            f"thresholds passed (failures <= {limits.fail_ratio:.1%}, p95 <= {limits.p95_ms:g} ms)"
        )
