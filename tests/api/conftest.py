"""The real app on a real (seeded, SQLite) store, driven through HTTP with TestClient.

Credentials: ``sysadmin`` (system admin), ``demo_admin`` (demo's team admin, from the
seed), ``acme_admin`` (team admin of a second team ``acme`` with its own objects).
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker

from dashboard.app import create_app
from dashboard.settings import WebSettings
from store import provisioning as p
from store.db import make_engine, make_sessionmaker
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.support.store import REALM, seeded_store

SYSADMIN = ("root@system", "system-admin-pass")
ACME_ADMIN = ("admin@acme", "acme-admin-pass")
TEST_DEMO_TRUNKS = ["127.0.0.2", "127.0.0.9"]


def add_acme(sessions: sessionmaker[Session]) -> None:
    """A second team with objects named like demo's, to prove isolation."""
    with sessions() as session, session.begin():
        p.create_user(session, None, *SYSADMIN, "system_admin")
        acme = p.create_team(session, "acme", "Acme Corp")
        p.create_user(session, acme, *ACME_ADMIN, "team_admin")
        p.create_extension(session, acme, "5001", REALM, sip_secret="acme-secret-1")
        p.create_pause_reason(session, acme, "lunch")
        p.create_agent_group(session, acme, "support", pause_reasons=["lunch"])
        p.create_agent(session, acme, "1001", "4321", groups=["support"], extension="5001")
        p.set_allowed_trunk_addresses(session, acme, ["127.0.0.4"])
        p.create_trunk(session, acme, "carrier", address="127.0.0.4")
        # Demo's tests make trunks at 127.0.0.9 (a system admin's allowance, as in production).
        p.set_allowed_trunk_addresses(session, p.get_team(session, "demo"), TEST_DEMO_TRUNKS)
        p.create_did(session, acme, "+15550200", {"kind": "agent_group", "ref": "support"})


@pytest.fixture(scope="session")
def api_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("api-template") / "store.sqlite3"
    store = seeded_store(f"sqlite:///{path}", path)
    add_acme(store.sessions)
    store.engine.dispose()
    return path


@dataclass
class Api:
    client: TestClient
    sessions: sessionmaker[Session]

    def token(self, login: str, password: str) -> dict[str, str]:
        response = self.client.post(
            "/api/v1/auth/login", json={"login": login, "password": password}
        )
        assert response.status_code == 200, response.text
        return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def api(tmp_path: Path, api_template: Path) -> Iterator[Api]:
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    url = f"sqlite:///{path}"
    app = create_app(WebSettings(db_url=url))
    engine = make_engine(url)
    with TestClient(app) as client:
        yield Api(client, make_sessionmaker(engine))
    engine.dispose()


@pytest.fixture
def demo_admin(api: Api) -> dict[str, str]:
    return api.token(DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD)


@pytest.fixture
def acme_admin(api: Api) -> dict[str, str]:
    return api.token(*ACME_ADMIN)


@pytest.fixture
def sysadmin(api: Api) -> dict[str, str]:
    return api.token(*SYSADMIN)
