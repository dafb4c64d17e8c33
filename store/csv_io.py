"""Bulk import and export of extensions and agents as CSV (the seed's "import data").

An import checks every row, each in its own savepoint, and reports every bad row
with its line number; if any row is bad, nothing of the file is kept (the caller's
transaction is rolled back when ``ImportRejected`` propagates).
Exports never contain secrets.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from store import provisioning as p
from store.errors import Invalid, StoreError
from store.models import Agent, Extension, Team
from store.provisioning.agents import NEW_PIN_DIGITS
from store.provisioning.skills import agent_penalties

EXTENSION_COLUMNS = ("number", "kind", "sip_secret", "phone_number", "owner", "agent_mode")
AGENT_COLUMNS = (
    "number",
    "password",
    "binding",
    "working_way",
    "extension",
    "groups",
    "owner",
    "skills",  # name:level;name:level (e.g. french:5;billing:3)
    "penalties",  # group:penalty;... (groups not named: 0)
)
MAX_ROWS = 10_000


class ImportRejected(StoreError):
    status_code = 422
    error_id = "import-rejected"

    def __init__(self, errors: list[dict[str, Any]]) -> None:
        super().__init__(f"{len(errors)} bad row(s); nothing was imported", {"errors": errors})


def _blank_to_none(row: dict[str, str | None]) -> dict[str, str | None]:
    return {k: (v.strip() if v and v.strip() else None) for k, v in row.items()}


def _flag(value: str | None, field: str) -> bool:
    if value is None or value.lower() in ("0", "false", "no", "n"):
        return False
    if value.lower() in ("1", "true", "yes", "y"):
        return True
    raise Invalid(field, "true or false")


class _Lines:
    """The file's physical lines, counted: ``csv`` does not say which line it refused."""

    def __init__(self, text: str) -> None:
        self._lines = iter(io.StringIO(text))
        self.number = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = next(self._lines)
        self.number += 1
        return line


def _levels(value: str | None, field: str) -> dict[str, int]:
    """``french:5;billing:3`` as a dict; the values' ranges are the store's to check."""
    out: dict[str, int] = {}
    for item in (value or "").split(";"):
        if not item.strip():
            continue
        name, sep, number = item.partition(":")
        if not sep or not number.strip().isdigit() or name.strip() in out:
            raise Invalid(field, f"name:number pairs separated by ';', got {item!r}")
        out[name.strip()] = int(number)
    return out


def _pairs(values: dict[str, int]) -> str:
    return ";".join(f"{k}:{v}" for k, v in sorted(values.items()))


def _csv_problem(exc: csv.Error) -> str:
    if "new-line" in str(exc):
        return "a carriage return or line break inside an unquoted cell"
    return f"not valid CSV: {exc}"


def _import(
    session: Session,
    text: str,
    columns: tuple[str, ...],
    required: tuple[str, ...],
    create_row: Callable[[dict[str, str | None]], object],
) -> int:
    lines = _Lines(text)
    reader = csv.DictReader(lines)
    try:
        header = tuple(reader.fieldnames or ())
    except csv.Error as exc:
        raise ImportRejected(
            [{"line": 1, "field": "header", "reason": _csv_problem(exc)}]
        ) from None
    unknown = [c for c in header if c not in columns]
    missing = [c for c in required if c not in header]
    if unknown or missing or not header:
        reason = (
            f"unknown column(s) {', '.join(unknown)}"
            if unknown
            else f"missing column(s) {', '.join(missing or required)}"
        )
        raise ImportRejected(
            [{"line": 1, "field": "header", "reason": f"{reason}; columns: {', '.join(columns)}"}]
        )
    errors: list[dict[str, Any]] = []
    created = 0
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # a malformed line: reported like any other bad line
            errors.append({"line": lines.number, "field": "", "reason": _csv_problem(exc)})
            continue
        line = reader.line_num
        if created + len(errors) >= MAX_ROWS:
            errors.append({"line": line, "field": "", "reason": f"more than {MAX_ROWS} rows"})
            break
        if None in row:  # more cells than columns
            errors.append({"line": line, "field": "", "reason": "more cells than columns"})
            continue
        savepoint = session.begin_nested()
        try:
            create_row(_blank_to_none(row))
            savepoint.commit()
            created += 1
        except StoreError as exc:
            savepoint.rollback()
            errors.append(
                {"line": line, "field": exc.details.get("field", ""), "reason": exc.message}
            )
    if errors:
        raise ImportRejected(errors)
    return created


def import_extensions(session: Session, team: Team, text: str, realm: str) -> int:
    def create(row: dict[str, str | None]) -> object:
        return p.create_extension(
            session,
            team,
            row.get("number") or "",
            realm,
            kind=row.get("kind") or "sip",
            sip_secret=row.get("sip_secret"),
            phone_number=row.get("phone_number"),
            owner=row.get("owner"),
            agent_mode=_flag(row.get("agent_mode"), "agent_mode"),
        )

    return _import(session, text, EXTENSION_COLUMNS, ("number",), create)


def import_agents(
    session: Session, team: Team, text: str, allowed_group: Callable[[str], bool] = lambda _g: True
) -> int:
    """``allowed_group`` lets a group administrator import only into their own groups."""

    def create(row: dict[str, str | None]) -> object:
        groups = [g.strip() for g in (row.get("groups") or "").split(";") if g.strip()]
        for group in groups:
            if not allowed_group(group):
                raise Invalid("groups", f"you may not import agents into group {group}")
        return p.create_agent(
            session,
            team,
            row.get("number") or "",
            row.get("password") or "",
            groups=groups,
            binding=row.get("binding") or "fixed",
            extension=row.get("extension"),
            working_way=row.get("working_way") or "all",
            owner=row.get("owner"),
            min_pin_digits=NEW_PIN_DIGITS,
            skills=_levels(row.get("skills"), "skills"),
            penalties=_levels(row.get("penalties"), "penalties"),
        )

    return _import(session, text, AGENT_COLUMNS, ("number", "password", "groups"), create)


def _write(columns: tuple[str, ...], rows: list[dict[str, str]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue()


def export_extensions(session: Session, team: Team) -> str:
    rows = session.scalars(
        select(Extension).where(Extension.team_id == team.id).order_by(Extension.number)
    )
    return _write(
        EXTENSION_COLUMNS,
        [
            {
                "number": e.number,
                "kind": e.kind,
                "sip_secret": "",
                "phone_number": e.phone_number or "",
                "owner": e.owner.login if e.owner else "",
                "agent_mode": "true" if e.agent_mode else "false",
            }
            for e in rows
        ],
    )


def export_agents(
    session: Session, team: Team, include: Callable[[Agent], bool] = lambda _a: True
) -> str:
    rows = session.scalars(select(Agent).where(Agent.team_id == team.id).order_by(Agent.number))
    return _write(
        AGENT_COLUMNS,
        [
            {
                "number": a.number,
                "password": "",
                "binding": a.binding,
                "working_way": a.working_way,
                "extension": a.extension.number if a.extension else "",
                "groups": ";".join(sorted(g.name for g in a.groups)),
                "owner": a.owner.login if a.owner else "",
                "skills": _pairs(a.skills or {}),
                "penalties": _pairs({g: n for g, n in agent_penalties(session, a).items() if n}),
            }
            for a in rows
            if include(a)
        ],
    )
