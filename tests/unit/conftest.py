from __future__ import annotations

import pytest

from routing.model import DialTarget, Did, SipAccount, Snapshot, Trunk
from store.secrets import sip_ha1

REALM = "switchboard"


def account(team: str, number: str) -> SipAccount:
    return SipAccount(team, number, sip_ha1(f"{team}-{number}", REALM, f"{team}{number}"))


@pytest.fixture
def snapshot() -> Snapshot:
    """demo and acme, each with extensions 5001 and 5002; demo's DIDs and carrier."""
    accounts = tuple(account(t, n) for t in ("demo", "acme") for n in ("5000", "5001", "5002"))
    return Snapshot(
        version=3,
        accounts=accounts,
        dial_targets=tuple(DialTarget(a.team, a.number, "extension", a.username) for a in accounts),
        dids=(
            Did("+15550100", "demo", "agent_group", "support"),
            Did("+15550101", "demo", "extension", "demo-5000"),
            Did("+15550200", "acme", "extension", "acme-5000"),
        ),
        trunks=(Trunk("carrier", "demo", "127.0.0.2"), Trunk("acme-carrier", "acme", "127.0.0.4")),
    )


@pytest.fixture(scope="session")
def seeded_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    """Migrate and seed once (argon2 hashing is slow on purpose); tests get copies."""
    from tests.support.store import seeded_store

    path = tmp_path_factory.mktemp("template") / "store.sqlite3"
    seeded_store(f"sqlite:///{path}", path).engine.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A PostgreSQL server with a migrated, seeded template database."""
    from tests.support.postgres import create_database, postgres_server
    from tests.support.store import seeded_store

    with postgres_server() as server_url:
        template_url = create_database(server_url)
        seeded_store(template_url).engine.dispose()
        yield server_url, template_url.rsplit("/", 1)[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request, tmp_path):  # type: ignore[no-untyped-def]
    """A seeded store, once on SQLite and once on PostgreSQL for every test using it."""
    import shutil

    from store.db import make_engine, make_sessionmaker
    from tests.support.store import SeededStore

    if request.param == "sqlite":
        path = tmp_path / "store.sqlite3"
        shutil.copy(request.getfixturevalue("seeded_template"), path)
        url = f"sqlite:///{path}"
    else:
        from tests.support.postgres import create_database

        server_url, template = request.getfixturevalue("postgres_template")
        path = None
        url = create_database(server_url, template)
    engine = make_engine(url)
    yield SeededStore(engine, make_sessionmaker(engine), path)
    engine.dispose()
