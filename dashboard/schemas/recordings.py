"""Recordings of calls (``dashboard.routes.recordings``)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from dashboard.schemas.common import Input, Output


class RecordingIn(Input):
    action: Literal["start", "pause", "resume", "stop"] = Field(
        description="start a recording; pause it (nothing of either party is recorded) and "
        "resume it; stop it (a later start is the call's next recording)"
    )


class RecordingOut(Output):
    id: int
    call_id: str
    number: int = Field(description="the call's 1st, 2nd, ... recording")
    group: str = Field(validation_alias="group_name", description="a queue call's group")
    agent: str
    customer: str
    started_at: datetime
    ended_at: datetime | None
    duration_ms: int = Field(description="audio in the file")
    paused_ms: int = Field(description="left out while paused")
    state: str = Field(description="recording | ready | failed")
    size_bytes: int


class RecordingsOut(Output):
    recordings: list[RecordingOut]
