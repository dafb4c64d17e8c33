"""Every queue test starts from the same group settings (short timers) and agent states."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
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


@pytest.fixture
def agent_api(stack: Stack) -> Iterator[Callable[[str], httpx.Client]]:
    """Log in as a demo agent (its number is its password): an API client with its token."""
    clients: list[httpx.Client] = []

    def login(number: str) -> httpx.Client:
        client = httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=10)
        clients.append(client)
        token = client.post(
            "/auth/agent-login", json={"team": "demo", "number": number, "password": number}
        )
        assert token.status_code == 200, token.text
        client.headers["Authorization"] = f"Bearer {token.json()['token']}"
        return client

    yield login
    for client in clients:
        client.close()
