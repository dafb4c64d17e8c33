"""Schema migrations with Alembic, configured in code (no alembic.ini to keep in step).

``upgrade(url)`` brings any database to the newest schema and adds the single
provisioning-state row; `switchboard db upgrade` and `make run` call it.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from store.models import ProvisioningState

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(engine: Engine) -> None:
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")
    with Session(engine) as session, session.begin():
        if session.get(ProvisioningState, 1) is None:
            session.add(ProvisioningState(id=1, version=1))
