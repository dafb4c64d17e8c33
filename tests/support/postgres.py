"""A throwaway PostgreSQL server (Debian's postgresql 15) for the store tests.

initdb refuses to run as root, so the server runs as the ``postgres`` system user,
in a fresh data directory, listening on a free 127.0.0.1 port.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy as sa

from tests.support.stack import free_port


def pg_bin(name: str) -> str:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    if not found:
        raise RuntimeError(f"PostgreSQL's {name} not found: is the postgresql package installed?")
    return found[-1]


def _as_postgres(*argv: str) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *argv] if os.geteuid() == 0 else list(argv)


@contextmanager
def postgres_server() -> Iterator[str]:
    """Yield a SQLAlchemy URL of the ``postgres`` database of a new server.

    Its directory is made here, not under pytest's tmp (mode 0700, root's), which the
    postgres user could not enter; it is removed afterwards.
    """
    base = Path(tempfile.mkdtemp(prefix="switchboard-pg-"))
    data, sockets = base / "pgdata", base / "pgsock"
    data.mkdir(parents=True)
    sockets.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        for directory in (data, sockets):
            shutil.chown(directory, "postgres")
    port = free_port()
    subprocess.run(
        _as_postgres(
            pg_bin("initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync"
        ),
        check=True,
        capture_output=True,
        timeout=120,
    )
    options = f"-p {port} -k {sockets} -c listen_addresses=127.0.0.1 -c fsync=off"
    subprocess.run(
        _as_postgres(
            pg_bin("pg_ctl"),
            "-D",
            str(data),
            "-o",
            options,
            "-l",
            str(base / "pg.log"),
            "-w",
            "start",
        ),
        check=True,
        capture_output=True,
        timeout=60,
    )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
    finally:
        subprocess.run(
            _as_postgres(pg_bin("pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"),
            capture_output=True,
            timeout=60,
            check=False,  # best effort: the server may already be gone
        )
        shutil.rmtree(base, ignore_errors=True)


def create_database(server_url: str, template: str | None = None) -> str:
    """A new database (a copy of ``template`` if given); returns its URL."""
    name = "t_" + uuid.uuid4().hex[:12]
    engine = sa.create_engine(server_url, isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        suffix = f" TEMPLATE {template}" if template else ""
        connection.exec_driver_sql(f"CREATE DATABASE {name}{suffix}")
    engine.dispose()
    return server_url.rsplit("/", 1)[0] + "/" + name
