"""The web/API user: one method per endpoint, so a new endpoint is one more ``@task``.

Logs in once as the demo team admin (bearer token); public endpoints need none.
"""

from __future__ import annotations

from locust import HttpUser, between, task

from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD, DEMO_TEAM

API = "/api/v1"


class ApiUser(HttpUser):
    weight = 1
    wait_time = between(0.5, 2.0)

    def on_start(self) -> None:
        self.headers: dict[str, str] = {}
        self._login()

    def _login(self) -> None:
        with self.client.post(
            f"{API}/auth/login",
            json={"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD},
            name="login",
            catch_response=True,
        ) as response:
            if response.status_code == 200:
                self.headers = {"Authorization": f"Bearer {response.json()['token']}"}
            else:
                response.failure(f"login: {response.status_code}")

    # --- public -----------------------------------------------------------------------

    @task(2)
    def health(self) -> None:
        self.client.get("/health")

    @task(1)
    def home(self) -> None:
        self.client.get("/")

    # --- with the team admin's token (logged in again first if that failed) ------------

    def _authed(self, path: str) -> None:
        if not self.headers:
            self._login()
        if self.headers:
            self.client.get(path, headers=self.headers)

    @task(2)
    def me(self) -> None:
        self._authed(f"{API}/me")

    @task(2)
    def extensions(self) -> None:
        self._authed(f"{API}/teams/{DEMO_TEAM}/extensions")

    @task(1)
    def agents(self) -> None:
        self._authed(f"{API}/teams/{DEMO_TEAM}/agents")
