"""API fuzzing with schemathesis against /openapi.json (``make fuzz``; slow, so not in the
default run): every operation, in process, on the demo data in a temporary SQLite file,
as the demo team admin. Checks: no 5xx, status codes, content types, headers and bodies
as the document declares. Bounded: FUZZ_EXAMPLES examples per operation (default 25)."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from dashboard.app import create_app
from dashboard.settings import WebSettings
from dashboard.throttle import ThrottlePolicy
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.api.conftest import add_acme
from tests.support.store import seeded_store

pytestmark = pytest.mark.slow
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "25"))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


def _app() -> tuple[object, dict[str, str]]:
    directory = Path(tempfile.mkdtemp(prefix="switchboard-fuzz-"))
    path = directory / "store.sqlite3"
    store = seeded_store(f"sqlite:///{path}", path)
    add_acme(store.sessions)
    store.engine.dispose()
    settings_ = WebSettings(
        db_url=f"sqlite:///{path}",
        throttle=ThrottlePolicy(ip_failures=10**9, account_free=10**9),
        redis_url="redis://127.0.0.1:1/0",  # /health: a dead Redis is its 503, declared
    )
    app = create_app(settings_)
    with TestClient(app) as client:
        token = client.post(
            "/api/v1/auth/login", json={"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
        ).json()["token"]
    shutil.copy(path, directory / "seeded.sqlite3")
    return app, {"Authorization": f"Bearer {token}"}


APP, ADMIN = _app()
# /health probes the real Redis and rtpengine: its 503 here is its (declared) answer.
schema = schemathesis.openapi.from_asgi("/openapi.json", APP).exclude(path="/health")


@schema.parametrize()
@settings(
    max_examples=EXAMPLES,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_operations_answer_as_documented(case: schemathesis.Case) -> None:
    if case.path_parameters and "team" in case.path_parameters:
        case.path_parameters["team"] = "demo"  # mostly our own team, not only 404s
    case.call_and_validate(headers=ADMIN, checks=CHECKS)
