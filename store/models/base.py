"""Declarative base, the provisioning version, and the rule that moves it."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Integer, MetaData, event, update
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column

# Stable constraint names, so Alembic migrations are the same on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)

    def __init__(self, **values: Any) -> None:
        """Like the declarative constructor, but column defaults are set at once, so the
        rules in ``store.provisioning`` can read them before the first flush."""
        table = self.__table__  # type: ignore[attr-defined]
        defaults = {
            column.key: column.default.arg
            for column in table.columns
            if column.default is not None and column.default.is_scalar
        }
        for name, value in {**defaults, **values}.items():
            if not hasattr(type(self), name):
                raise TypeError(f"{name!r} is not an attribute of {type(self).__name__}")
            setattr(self, name, value)


class ProvisioningState(Base):
    """One row whose version moves on every provisioning commit (see the bump below)."""

    __tablename__ = "provisioning_state"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(Integer, nullable=False)


# Tables whose changes do not alter routing or agent selection.
_NOT_PROVISIONING = {"provisioning_state", "api_tokens", "audit_log"}


@event.listens_for(Session, "before_flush")
def _bump_provisioning_version(session: Session, _context: object, _instances: object) -> None:
    """Any provisioning change moves the version in the same transaction, so a
    reader never sees new data with an old version (or the other way round)."""
    changed = (*session.new, *session.dirty, *session.deleted)
    if any(getattr(obj, "__tablename__", None) not in _NOT_PROVISIONING for obj in changed):
        session.execute(
            update(ProvisioningState)
            .where(ProvisioningState.id == 1)
            .values(version=ProvisioningState.version + 1)
        )
