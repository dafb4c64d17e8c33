"""Pieces shared by the resource schemas."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from store.errors import Invalid

ShortNumber = Annotated[str, StringConstraints(pattern=r"^[0-9]{1,6}$")]
E164 = Annotated[str, StringConstraints(pattern=r"^\+[0-9]{7,15}$")]
Name = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.\- ]+$")
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
