"""The agent panel's HTTP traffic: demo agents log in, sign in, pause and unpause.

Each user takes a demo agent from a per-process pool (1001-1005, the fixed agents of
extensions 5001-5005); with the pool empty the extra user stops. A pause is refused
with 409 while the agent is ringing or on a call (pause only from idle or ACW): that
is the platform working as specified, so it counts as a success; anything else fails.
Demo credentials only.
"""

from __future__ import annotations

from typing import Any

from locust import HttpUser, between, events, task
from locust.exception import StopUser

from store.seed import DEMO_AGENTS, DEMO_TEAM

API = "/api/v1"
PAUSE_REASON = "lunch"  # one of the demo team's pause reasons
_free = list(DEMO_AGENTS)


@events.test_stop.add_listener
def _reset(**_kwargs: Any) -> None:
    _free[:] = list(DEMO_AGENTS)


class AgentUser(HttpUser):
    weight = 1
    wait_time = between(1.0, 3.0)

    def on_start(self) -> None:
        if not _free:
            raise StopUser()
        self.number = _free.pop(0)
        self.headers: dict[str, str] = {}
        with self.client.post(
            f"{API}/auth/agent-login",
            json={"team": DEMO_TEAM, "number": self.number, "password": self.number},
            name="agent login",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"agent login: {response.status_code}")
                return
            self.headers = {"Authorization": f"Bearer {response.json()['token']}"}
        self._post("sign-in")

    def _post(self, action: str, body: dict[str, str] | None = None, busy_ok: bool = False) -> None:
        if not self.headers:
            return
        with self.client.post(
            f"{API}/agent/session/{action}",
            json=body,
            headers=self.headers,
            name=f"agent {action}",
            catch_response=True,
        ) as response:
            if response.status_code == 200 or (busy_ok and response.status_code == 409):
                response.success()
            else:
                response.failure(f"{action}: {response.status_code} {response.text[:200]}")

    @task(3)
    def look(self) -> None:
        if self.headers:
            self.client.get(f"{API}/agent/session", headers=self.headers, name="agent state")

    @task(1)
    def pause_and_unpause(self) -> None:
        self._post("pause", {"reason": PAUSE_REASON}, busy_ok=True)
        self._post("unpause", busy_ok=True)

    def on_stop(self) -> None:
        self._post("unpause", busy_ok=True)  # never leave a demo agent paused
        if hasattr(self, "number"):
            _free.append(self.number)
