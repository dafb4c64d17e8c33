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
        dial_targets=tuple(
            DialTarget(a.team, a.number, "extension", a.username) for a in accounts
        ),
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


@pytest.fixture
def store(tmp_path, seeded_template):  # type: ignore[no-untyped-def]
    import shutil

    from store.db import make_engine, make_sessionmaker
    from tests.support.store import SeededStore

    path = tmp_path / "store.sqlite3"
    shutil.copy(seeded_template, path)
    engine = make_engine(f"sqlite:///{path}")
    yield SeededStore(engine, make_sessionmaker(engine), path)
    engine.dispose()
