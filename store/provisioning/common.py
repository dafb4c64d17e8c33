"""Small helpers shared by the provisioning modules."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from store.errors import Duplicate, Invalid, NotFound

T = TypeVar("T")


def one(session: Session, statement: Select[tuple[T]], what: str) -> T:
    found = session.scalars(statement).one_or_none()
    if found is None:
        raise NotFound(f"{what} not found")
    return found


def in_team(session: Session, model: type[T], team_id: int, what: str, **keys: Any) -> T:
    """The ``model`` row of ``team_id`` with natural key ``keys``, or NotFound."""
    statement = select(model).where(model.team_id == team_id)  # type: ignore[attr-defined]
    for column, value in keys.items():
        statement = statement.where(getattr(model, column) == value)
    return one(session, statement, what)


def refuse_duplicate(
    session: Session, model: type[Any], team_id: int, what: str, **keys: Any
) -> None:
    statement = select(model.id).where(model.team_id == team_id)
    for column, value in keys.items():
        statement = statement.where(getattr(model, column) == value)
    if session.scalar(statement) is not None:
        raise Duplicate(f"{what} already exists", {"field": next(iter(keys)), **keys})


def apply(obj: object, changes: dict[str, Any], fields: tuple[str, ...]) -> None:
    """Set the plain ``fields`` present in ``changes``."""
    for name in fields:
        if name in changes:
            setattr(obj, name, changes[name])


@contextmanager
def referenced_by(field: str) -> Iterator[None]:
    """Objects named in the input: a missing one is bad input naming ``field`` (422), not a
    missing resource (404, which the API keeps for the object in the path)."""
    try:
        yield
    except NotFound as missing:
        raise Invalid(field, missing.message) from None
