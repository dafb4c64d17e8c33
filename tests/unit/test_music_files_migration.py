"""Migration 0009: the teams' music files table, on SQLite and PostgreSQL, both ways."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import Engine, inspect, text
from sqlalchemy.exc import IntegrityError

from store.migrate import alembic_config
from tests.unit.test_store_migrations import empty_engine, given_team_demo_at, migrate_to

__all__ = ["empty_engine"]


def test_music_files_are_one_per_team_and_name_and_go_with_a_downgrade(
    empty_engine: Engine,
) -> None:
    given_team_demo_at(empty_engine, "0008_trunk_secrets", "SELECT 1")
    migrate_to(empty_engine, "0009_music_on_hold")
    row = (
        "INSERT INTO music_files (team_id, name, file, source_format, source_bytes,"
        " duration_ms, sha256, uploaded_at) VALUES (1, 'jingle', 'teams/demo/jingle.wav',"
        " 'mp3', 10, 3000, 'x', CURRENT_TIMESTAMP)"
    )
    with empty_engine.begin() as conn:
        conn.execute(text(row))
    with pytest.raises(IntegrityError), empty_engine.begin() as conn:  # one 'jingle' a team
        conn.execute(text(row))
    config = alembic_config(empty_engine.url.render_as_string(hide_password=False))
    with empty_engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0008_trunk_secrets")
    assert "music_files" not in inspect(empty_engine).get_table_names()
