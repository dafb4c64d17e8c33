"""A team's caller priorities: callers (a number or its start) served before others."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints

from dashboard.schemas.common import Input, Output
from store.models import CallerPriority
from store.provisioning.skills import MAX_PRIORITY

CallerPrefix = Annotated[str, StringConstraints(pattern=r"^\+?[0-9]{1,20}$")]
Priority = Annotated[int, Field(ge=0, le=MAX_PRIORITY, description="higher is served first")]


class CallerPriorityCreate(Input):
    prefix: CallerPrefix = Field(
        description="the caller's number as the carrier presents it, or its start "
        "(+4930 matches every Berlin caller); the longest matching prefix applies"
    )
    priority: Priority


class CallerPriorityUpdate(Input):
    priority: Priority


class CallerPriorityOut(Output):
    prefix: str
    priority: int

    @classmethod
    def of(cls, row: CallerPriority) -> CallerPriorityOut:
        return cls(prefix=row.prefix, priority=row.priority)
