"""Call records and agent activity stored in SQL (``store.models.history``)."""

from __future__ import annotations

from sqlalchemy import Engine

from callcontrol.records import Records


class SqlRecords(Records):
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
