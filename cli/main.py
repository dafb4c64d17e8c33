"""`switchboard ...` — administration from the shell, on the same store as `make run`.

The store is the one the launcher uses (``SWITCHBOARD_DB_URL``, else var/switchboard.sqlite3).
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session

from launcher.settings import Settings
from store import csv_io
from store import provisioning as p
from store.db import create_schema, make_engine, make_sessionmaker
from store.errors import StoreError
from store.seed import seed_demo

app = typer.Typer(help="Switchboard administration.", no_args_is_help=True)
db_app = typer.Typer(help="The SQL store.", no_args_is_help=True)
app.add_typer(db_app, name="db")


class Kind(str, Enum):
    extensions = "extensions"
    agents = "agents"


def _session() -> tuple[Settings, Session]:
    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    engine = make_engine(settings.database_url)
    return settings, make_sessionmaker(engine)()


def _fail(exc: StoreError) -> None:
    typer.echo(f"error: {exc.message}", err=True)
    for row in exc.details.get("errors", []):
        typer.echo(f"  line {row['line']}: {row['field'] or '-'}: {row['reason']}", err=True)
    raise typer.Exit(1)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Create or migrate the schema to the newest version."""
    settings = Settings.from_env()
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    create_schema(make_engine(settings.database_url))
    typer.echo(f"schema up to date in {settings.database_url}")


@db_app.command("seed-demo")
def db_seed_demo() -> None:
    """Add the README's demo team (once)."""
    settings, session = _session()
    with session, session.begin():
        added = seed_demo(session, settings.sip_realm)
    typer.echo("demo data added" if added else "demo data already present")


@app.command("create-system-admin")
def create_system_admin(
    login: str,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True, confirmation_prompt=True)],
) -> None:
    """Create a system administrator (the first one is made this way)."""
    _, session = _session()
    try:
        with session, session.begin():
            p.create_user(session, None, login, password, "system_admin")
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"system admin {login} created")


@app.command("import")
def import_csv(kind: Kind, team: str, file: Path) -> None:
    """Import extensions or agents of TEAM from a CSV file (all rows or none)."""
    settings, session = _session()
    try:
        with session, session.begin():
            found = p.get_team(session, team)
            text = file.read_text(encoding="utf-8-sig")
            if kind is Kind.extensions:
                count = csv_io.import_extensions(session, found, text, settings.sip_realm)
            else:
                count = csv_io.import_agents(session, found, text)
    except StoreError as exc:
        _fail(exc)
    typer.echo(f"imported {count} {kind.value}")


@app.command("export")
def export_csv(
    kind: Kind, team: str, output: Annotated[Path | None, typer.Option("--output", "-o")] = None
) -> None:
    """Export extensions or agents of TEAM as CSV (secrets are never exported)."""
    _, session = _session()
    try:
        with session:
            found = p.get_team(session, team)
            text = (
                csv_io.export_extensions(session, found)
                if kind is Kind.extensions
                else csv_io.export_agents(session, found)
            )
    except StoreError as exc:
        _fail(exc)
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text)
        typer.echo(f"wrote {output}")


if __name__ == "__main__":
    app()
