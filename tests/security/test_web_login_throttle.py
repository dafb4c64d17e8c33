"""Login throttling: 429 with Retry-After per source IP and per account (web logins and
agent PINs), an exponential but capped lockout that counts only failures, state shared
through Redis, and 6-digit PINs for new agents."""

from __future__ import annotations

import itertools
import shutil
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from fastapi.testclient import TestClient

from dashboard.app import create_app
from dashboard.settings import WebSettings
from dashboard.throttle import (
    Backend,
    LoginThrottle,
    MemoryBackend,
    RedisBackend,
    ThrottlePolicy,
    TooManyAttempts,
    redis_client,
)
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.api.conftest import Api
from tests.api.helpers import Headers, assert_invalid
from tests.support.redis_server import redis_server

LOGIN = "/api/v1/auth/login"
AGENT_LOGIN = "/api/v1/auth/agent-login"


def wrong_web_login(client: TestClient, login: str = DEMO_ADMIN_LOGIN) -> int:
    return client.post(LOGIN, json={"login": login, "password": "not-the-password"}).status_code


def assert_throttled(response_json: dict[str, object], headers: dict[str, str]) -> None:
    assert response_json["status_code"] == 429 and response_json["error_id"] == "too-many-attempts"
    assert int(headers["retry-after"]) >= 1
    assert response_json["details"] == {"retry_after_s": int(headers["retry-after"])}


def test_given_300_wrong_web_logins_then_429_with_retry_after_comes_within_the_free_failures(
    api: Api,
) -> None:
    statuses = [wrong_web_login(api.client) for _ in range(300)]
    first = statuses.index(429)
    assert first == ThrottlePolicy().account_free  # the 5 free failures, then locked
    assert set(statuses[first:]) == {429}
    response = api.client.post(LOGIN, json={"login": DEMO_ADMIN_LOGIN, "password": "x"})
    assert_throttled(response.json(), dict(response.headers))
    # Locked: even the right password is refused now, so a guess made now cannot win.
    right = {"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
    assert api.client.post(LOGIN, json=right).status_code == 429


def test_given_pin_guessing_then_the_agent_is_locked_and_the_right_pin_is_refused_meanwhile(
    api: Api,
) -> None:
    def guess(number: str, pin: str) -> int:
        body = {"team": "demo", "number": number, "password": pin}
        return api.client.post(AGENT_LOGIN, json=body).status_code

    statuses = [guess("1001", f"{n:04d}") for n in range(8)]
    assert statuses.index(429) == ThrottlePolicy().account_free
    assert guess("1001", "1001") == 429  # locked: the right PIN is refused too
    assert guess("1002", "1002") == 200  # another agent of the team is not locked
    # The rest of a 300-guess run: 429 throughout ("1001" is guess 1001, never reached,
    # and "0103" -- the attempt 103 -- never succeeds).
    statuses += [guess("1001", f"{n:04d}") for n in range(8, 300)]
    assert 200 not in statuses and set(statuses[5:]) == {429}


def test_given_many_accounts_tried_from_one_address_then_the_address_gets_429(
    tmp_path: Path, api_template: Path
) -> None:
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    settings = WebSettings(db_url=f"sqlite:///{path}", throttle=ThrottlePolicy(ip_failures=12))
    with TestClient(create_app(settings)) as client:
        statuses = [wrong_web_login(client, f"user{i}@demo") for i in range(20)]
        assert statuses[:12] == [401] * 12 and set(statuses[12:]) == {429}
        response = client.post(LOGIN, json={"login": "fresh@demo", "password": "whatever"})
        assert response.status_code == 429 and "address" in response.json()["message"]


def test_given_failures_below_the_limit_when_the_user_logs_in_then_the_count_starts_over(
    api: Api,
) -> None:
    free = ThrottlePolicy().account_free
    right = {"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
    for _ in range(3):
        assert [wrong_web_login(api.client) for _ in range(free - 1)] == [401] * (free - 1)
        assert api.client.post(LOGIN, json=right).status_code == 200


# --- the policy, on a controlled clock, in memory and in a real Redis --------------------


class Clock:
    def __init__(self) -> None:
        self.now = 1_000_000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    with redis_server(tmp_path_factory.mktemp("redis")) as server:
        yield server.url


@pytest.fixture(params=["memory", "redis"])
def backend(request: pytest.FixtureRequest) -> Backend:
    if request.param == "memory":
        return MemoryBackend()
    client = redis.Redis.from_url(request.getfixturevalue("redis_url"))
    client.flushdb()
    return RedisBackend(client)


def test_lockout_doubles_from_the_fifth_failure_and_is_capped(backend: Backend) -> None:
    clock = Clock()
    policy = ThrottlePolicy(ip_failures=10_000, account_cap_s=60)
    throttle = LoginThrottle(policy, backend, clock)
    account = "user:ann@demo"
    locks = []
    for _ in range(30):
        try:
            throttle.begin("192.0.2.1", account)
        except TooManyAttempts as refused:
            locks.append(refused.retry_after_s)
            clock.now += refused.retry_after_s  # wait it out, then fail again
            continue
        locks.append(0)
        clock.now += 0.001
    # Four free failures; the fifth locks 1 s, then 2, 4, ... never more than the cap.
    observed = [lock for lock in locks if lock]
    assert locks[:5] == [0, 0, 0, 0, 0]
    assert observed[:4] == [1, 2, 4, 8] and max(observed) == 60
    assert all(b >= a for a, b in itertools.pairwise(observed))


def test_attempts_while_locked_do_not_extend_the_lock(backend: Backend) -> None:
    clock = Clock()
    throttle = LoginThrottle(ThrottlePolicy(ip_failures=10_000), backend, clock)
    for _ in range(5):
        throttle.begin("192.0.2.1", "agent:demo:1001")
    for _ in range(50):  # hammering the locked account
        with pytest.raises(TooManyAttempts) as refused:
            throttle.begin("192.0.2.1", "agent:demo:1001")
        assert refused.value.retry_after_s == 1
    clock.now += 1.0
    throttle.begin("192.0.2.1", "agent:demo:1001").succeeded()  # the real agent, at last
    for _ in range(4):  # and the count starts over
        throttle.begin("192.0.2.1", "agent:demo:1001")


def test_failures_are_forgotten_after_the_memory_time(backend: Backend) -> None:
    clock = Clock()
    policy = ThrottlePolicy(ip_failures=10_000, account_memory_s=900)
    throttle = LoginThrottle(policy, backend, clock)
    for _ in range(4):
        throttle.begin("192.0.2.1", "user:bob@demo")
    clock.now += 901
    for _ in range(4):  # four free failures again
        throttle.begin("192.0.2.1", "user:bob@demo")


def test_two_web_processes_share_the_limits_through_redis(redis_url: str) -> None:
    redis.Redis.from_url(redis_url).flushdb()
    clock = Clock()
    policy = ThrottlePolicy(ip_failures=10_000)
    first = LoginThrottle(policy, RedisBackend(redis.Redis.from_url(redis_url)), clock)
    second = LoginThrottle(policy, RedisBackend(redis.Redis.from_url(redis_url)), clock)
    for throttle in (first, second, first, second, first):
        throttle.begin("192.0.2.1", "user:carol@demo")
    with pytest.raises(TooManyAttempts):
        second.begin("192.0.2.1", "user:carol@demo")


def test_without_redis_the_process_keeps_limiting_in_memory() -> None:
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
    client = redis_client(f"redis://127.0.0.1:{port}/0")
    throttle = LoginThrottle(ThrottlePolicy(ip_failures=10_000), RedisBackend(client), Clock())
    for _ in range(5):
        throttle.begin("192.0.2.1", "user:dan@demo")
    with pytest.raises(TooManyAttempts):
        throttle.begin("192.0.2.1", "user:dan@demo")


# --- 6-digit PINs for new agents -------------------------------------------------------


def test_new_agents_need_pins_of_six_digits(api: Api, demo_admin: Headers) -> None:
    base = "/api/v1/teams/demo/agents"
    agent = {"number": "1200", "binding": "dynamic", "groups": ["support"]}
    for short in ("1234", "12345"):
        response = api.client.post(base, headers=demo_admin, json={**agent, "password": short})
        assert "6-12" in assert_invalid(response, "password")["reason"] or "6" in response.text
    assert (
        api.client.post(base, headers=demo_admin, json={**agent, "password": "123456"}).status_code
        == 201
    )
    response = api.client.patch(f"{base}/1001", headers=demo_admin, json={"password": "4321"})
    assert_invalid(response, "password")
    csv_text = (
        "number,password,binding,groups\n1300,1234,dynamic,support\n1301,130100,dynamic,support\n"
    )
    response = api.client.post(
        "/api/v1/teams/demo/import/agents",
        headers={**demo_admin, "Content-Type": "text/csv"},
        content=csv_text,
    )
    assert response.status_code == 422, response.text
    assert [(e["line"], e["field"]) for e in response.json()["details"]["errors"]] == [
        (2, "password")
    ]
    # The demo agents keep their 4-digit PINs.
    response = api.client.post(
        AGENT_LOGIN, json={"team": "demo", "number": "1003", "password": "1003"}
    )
    assert response.status_code == 200
