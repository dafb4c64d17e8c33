"""Names a request body uses to refer to other objects: logins and lists without repeats."""

from __future__ import annotations

from typing import Annotated

from pydantic import AfterValidator, StringConstraints

from dashboard.schemas.common import Destination, Name, ShortNumber, visible

Login = Annotated[
    str,
    StringConstraints(min_length=3, max_length=200, pattern=r"^[^\s/]+$"),
    AfterValidator(visible),
]


def distinct(values: list[str]) -> list[str]:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value} is listed twice")
        seen.add(value)
    return values


Names = Annotated[list[Name], AfterValidator(distinct)]
Logins = Annotated[list[Login], AfterValidator(distinct)]
ShortNumbers = Annotated[list[ShortNumber], AfterValidator(distinct)]


def hangup() -> Destination:
    return Destination(kind="hangup", ref="")
