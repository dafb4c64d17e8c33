"""One real stack per test session; tests provision what they need on top of the demo data."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from tests.support.rtp import RtpEndpoint
from tests.support.sipua import SipUA
from tests.support.stack import Stack, start_stack
from tests.support.waiting import wait_until

PhoneFactory = Callable[..., SipUA]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/integration" in str(item.fspath):
            item.add_marker(pytest.mark.integration)


LOGGED = ("callcontrol", "kamailio", "web")  # whose lines a failed test shows
LOG_OFFSETS = pytest.StashKey[dict[str, int]]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]):  # type: ignore[no-untyped-def]
    """A failed stack test shows what the stack logged while it ran (CI keeps no files)."""
    report = yield
    offsets = item.stash.get(LOG_OFFSETS, None)
    stack = getattr(item, "funcargs", {}).get("stack")
    if report.failed and offsets is not None and isinstance(stack, Stack):
        for name, start in offsets.items():
            path = stack.settings.log_dir / f"{name}.log"
            with path.open("rb") as log:
                log.seek(start)
                lines = log.read().decode(errors="replace").splitlines()[-60:]
            report.sections.append((f"{name} log during the test", "\n".join(lines)))
    return report


@pytest.fixture(autouse=True)
def _log_offsets(request: pytest.FixtureRequest) -> None:
    if "stack" not in request.fixturenames:
        return
    stack: Stack = request.getfixturevalue("stack")
    request.node.stash[LOG_OFFSETS] = {
        name: (stack.settings.log_dir / f"{name}.log").stat().st_size
        for name in LOGGED
        if (stack.settings.log_dir / f"{name}.log").exists()
    }


@pytest.fixture(scope="session")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    running = start_stack(tmp_path_factory.mktemp("stack"))
    try:
        yield running
    finally:
        running.stop()


@pytest.fixture
def phones(stack: Stack) -> Iterator[PhoneFactory]:
    """Registered test phones, unregistered and closed after the test."""
    opened: list[SipUA] = []

    def register(username: str, password: str | None = None, local_ip: str = "127.0.0.1") -> SipUA:
        if password is None:
            password = username.replace("-", "")  # the seed's demo secret scheme
        ua = SipUA(username, password, stack.proxy, local_ip=local_ip)
        opened.append(ua)
        response = ua.register()
        assert response.status == 200, f"{username} did not register: {response.summary()}"
        _wait_reported(stack, username)
        return ua

    yield register
    for ua in opened:  # calls first: an agent must not be unregistered while on one
        ua.hang_up_open_calls()
    for ua in opened:
        try:
            ua.unregister(timeout=2)
        except TimeoutError:
            pass
        ua.close()


def _wait_reported(stack: Stack, username: str) -> None:
    """A test phone is registered once the edge reported it (its SIP truth in Redis) and,
    for a demo agent's own extension (demo-500N: agent 100N), once call control applied
    that to the agent: a call placed at once would otherwise miss the agent."""
    from tests.integration.queue.helpers import KEYS, agent_live, redis_client

    client = redis_client(stack)
    wait_until(
        lambda: client.sismember(KEYS.sip_registered, username),
        timeout=5,
        what=f"the edge reported {username} registered",
    )
    number = username.removeprefix("demo-")
    if username.startswith("demo-500") and number[-1] in "12345" and len(number) == 4:
        agent = f"demo/{int(number) - 4000}"
        wait_until(
            lambda: agent_live(stack, agent).registered,
            timeout=5,
            what=f"call control knows {agent}'s phone registered",
        )


@pytest.fixture
def rtp_endpoints() -> Iterator[Callable[..., RtpEndpoint]]:
    """RTP endpoints for the test's phones; closed after it, and checked for breaks."""
    opened: list[RtpEndpoint] = []
    unchecked: set[int] = set()

    def make(local_ip: str = "127.0.0.1", check_breaks: bool = True) -> RtpEndpoint:
        """``check_breaks=False`` only for a known, documented glitch (see its test)."""
        endpoint = RtpEndpoint(local_ip)
        opened.append(endpoint)
        if not check_breaks:
            unchecked.add(id(endpoint))
        return endpoint

    yield make
    for endpoint in opened:
        endpoint.close()
    # What every test phone received is what a real phone plays: within each stream
    # (SSRC) nothing stepped back, and no stream replaced before a jitter buffer started.
    breaks = {
        f"{e.address[0]}:{e.address[1]}": e.stream_breaks()
        for e in opened
        if id(e) not in unchecked
    }
    assert not any(breaks.values()), f"RTP a phone would drop as late: {breaks}"
