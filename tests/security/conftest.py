"""Security tests of the web/API process: in process (the ``api`` fixtures of tests/api)
or as a real uvicorn web process on 127.0.0.1 with the demo data on a temporary SQLite
file. The SIP attacks (test_sip_*) use the integration suite's real stack (``stack``)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import (  # noqa: F401  (fixtures shared with the API tests)
    acme_admin,
    api,
    api_template,
    demo_admin,
    sysadmin,
)
from tests.integration.conftest import (  # noqa: F401  the real SIP stack, one per session
    phones,
    rtp_endpoints,
    stack,
)
from tests.support.processes import stop
from tests.support.stack import free_port

ROOT = Path(__file__).resolve().parents[2]


@dataclass
class WebProcess:
    url: str
    db_path: Path
    log: Path

    @property
    def db_url(self) -> str:
        return f"sqlite:///{self.db_path}"


def start_web(db_path: Path, log: Path, env: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("SWITCHBOARD_")}
    full_env |= {"SWITCHBOARD_DB_URL": f"sqlite:///{db_path}", **env}
    argv = [
        sys.executable,
        "-m",
        "uvicorn",
        "dashboard.app:create_app",
        "--factory",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
    ]
    with log.open("wb") as out:
        process = subprocess.Popen(argv, cwd=ROOT, env=full_env, stdout=out, stderr=out)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"web process exited: {log.read_text()}")
        try:
            if httpx.get(f"{url}/openapi.json", timeout=1).status_code == 200:
                return process, url
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    process.terminate()
    raise RuntimeError(f"web process not ready in 30 s: {log.read_text()}")


@pytest.fixture
def web_env() -> dict[str, str]:
    """Extra environment of the ``web`` process; tests override this fixture."""
    return {}


@pytest.fixture
def web(
    tmp_path: Path, request: pytest.FixtureRequest, web_env: dict[str, str]
) -> Iterator[WebProcess]:
    db_path = tmp_path / "store.sqlite3"
    shutil.copy(request.getfixturevalue("api_template"), db_path)
    log = tmp_path / "web.log"
    process, url = start_web(db_path, log, web_env)
    try:
        yield WebProcess(url, db_path, log)
    finally:
        stop(process)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/security/test_sip" in str(item.fspath):
            item.add_marker(pytest.mark.integration)
