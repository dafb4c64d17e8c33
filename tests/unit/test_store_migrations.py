"""Migrations on a database that already holds data, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import Engine, text

from store.db import make_engine
from store.migrate import alembic_config, upgrade


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    else:
        from tests.support.postgres import create_database

        server_url, _template = request.getfixturevalue("postgres_template")
        url = create_database(server_url)
    engine = make_engine(url)
    yield engine
    engine.dispose()


def migrate_to(engine: Engine, revision: str) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def given_team_demo_at(engine: Engine, revision: str, rows: str) -> None:
    """The schema at ``revision``, team 1 ``demo``, then ``rows`` (one INSERT) in it."""
    migrate_to(engine, revision)
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (id, slug, name) VALUES (1, 'demo', 'Demo')"))
        conn.execute(text(rows))


def test_existing_trunk_addresses_are_allowed_to_their_teams(empty_engine: Engine) -> None:
    given_team_demo_at(
        empty_engine,
        "0003_announcements",
        "INSERT INTO trunks (team_id, name, address, username, port, codecs,"
        " strip_digits, add_prefix, max_calls) VALUES"
        " (1, 'carrier', '127.0.0.2', NULL, 5060, 'PCMU', 0, '', 0),"
        " (1, 'login-only', NULL, 'acct', 5060, 'PCMU', 0, '', 0)",
    )
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        rows = conn.execute(text("SELECT team_id, network FROM team_trunk_addresses")).all()
    assert [tuple(r) for r in rows] == [(1, "127.0.0.2")]


def test_team_logins_get_their_team_and_the_demo_login_is_kept(empty_engine: Engine) -> None:
    given_team_demo_at(
        empty_engine,
        "0004_trunk_addresses",
        "INSERT INTO users (id, team_id, login, display_name, password_hash, role) VALUES"
        " (1, 1, 'admin@demo', '', 'x', 'team_admin'),"
        " (2, 1, 'alice', '', 'x', 'user'),"
        " (3, 1, 'bob@example.com', '', 'x', 'user'),"
        " (4, 1, 'carol@demo', '', 'x', 'user'),"
        " (5, 1, 'carol', '', 'x', 'user'),"
        " (6, NULL, 'root@example.com', '', 'x', 'system_admin')",
    )
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        logins = dict(conn.execute(text("SELECT id, login FROM users")).all())
    assert logins == {
        1: "admin@demo",
        2: "alice@demo",
        3: "bob@example.com@demo",
        4: "carol@demo",
        5: "carol-5@demo",
        6: "root@example.com",
    }


def test_existing_pause_reasons_keep_the_codes_star_65_gave_them(empty_engine: Engine) -> None:
    given_team_demo_at(
        empty_engine,
        "0010_skills",
        "INSERT INTO pause_reasons (id, team_id, name) VALUES"
        " (7, 1, 'training'), (8, 1, 'lunch'), (9, 1, 'meeting')",
    )
    upgrade(empty_engine)
    with empty_engine.connect() as conn:
        codes = dict(conn.execute(text("SELECT name, code FROM pause_reasons")).all())
    assert codes == {"lunch": 1, "meeting": 2, "training": 3}  # by name, as *65 counted


def test_trunk_passwords_are_encrypted_by_the_upgrade_and_decrypted_by_the_downgrade(
    empty_engine: Engine,
) -> None:
    from store import encryption

    given_team_demo_at(
        empty_engine,
        "0007_recordings",
        "INSERT INTO trunks (team_id, name, address, username, password, port, codecs,"
        " strip_digits, add_prefix, max_calls) VALUES"
        " (1, 'carrier', '127.0.0.2', NULL, NULL, 5060, 'PCMU', 0, '', 0),"
        " (1, 'voip', NULL, 'acct', 'plain-pw', 5060, 'PCMU', 0, '', 0)",
    )
    migrate_to(empty_engine, "0008_trunk_secrets")
    with empty_engine.connect() as conn:
        rows = conn.execute(
            text("SELECT name, password_encrypted, contact_user FROM trunks ORDER BY name")
        ).all()
    assert rows[0] == ("carrier", None, None)
    assert "plain-pw" not in rows[1][1] and encryption.decrypt(rows[1][1]) == "plain-pw"
    assert rows[1][2].startswith("sbt")  # a registering trunk's Contact user

    config = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0007_recordings")
    with empty_engine.connect() as conn:
        back = conn.execute(text("SELECT name, password FROM trunks ORDER BY name")).all()
    assert [tuple(r) for r in back] == [("carrier", None), ("voip", "plain-pw")]
