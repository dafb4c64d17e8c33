"""Pieces shared by the resource schemas."""

from __future__ import annotations

import unicodedata
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PlainSerializer,
    StringConstraints,
)

from store.db import as_utc
from store.errors import Invalid

# Characters a person cannot see or that reorder what they see: control (NUL, newline,
# escape, ...), format (zero-width space and joiners, bidirectional overrides and
# isolates, BOM, soft hyphen), line and paragraph separators, surrogates, unassigned.
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp", "Cn"})


def visible(value: str) -> str:
    """Refuse text with hidden characters: one login or name must not look like another."""
    for position, char in enumerate(value):
        if unicodedata.category(char) in HIDDEN_CATEGORIES:
            raise ValueError(
                "must not contain control, zero-width or bidirectional characters "
                f"(U+{ord(char):04X} at position {position})"
            )
    return value


Text = Annotated[str, AfterValidator(visible)]


def _utc(moment: datetime) -> str:
    return as_utc(moment).astimezone(UTC).isoformat()


UtcDatetime = Annotated[
    datetime,
    PlainSerializer(_utc, return_type=str, when_used="json"),
    Field(json_schema_extra={"format": "date-time"}),
]

ShortNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,6}$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[0-9]{7,15}$")]
Name = Annotated[
    str,
    StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\- ]+$"),
    AfterValidator(visible),
]
DestinationKind = Literal["extension", "ring_group", "agent_group", "external", "hangup"]


class Input(BaseModel):
    """Every request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


class Update(Input):
    """A PATCH body: only the fields sent change; ``null`` only where ``nullable`` allows."""

    nullable: ClassVar[frozenset[str]] = frozenset()

    def changes(self) -> dict[str, Any]:
        changes = self.model_dump(exclude_unset=True)
        for name, value in changes.items():
            if value is None and name not in self.nullable:
                raise Invalid(name, "must not be null")
        return changes


class Output(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class Destination(Input):
    kind: DestinationKind
    ref: str = Field(
        "",
        max_length=64,
        description="extension/ring group number, group name, E.164 number; empty for hangup",
    )


class DestinationOut(Output):
    kind: str
    ref: str
