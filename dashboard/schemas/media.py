"""Music on hold files of a team (``dashboard.routes.music``)."""

from __future__ import annotations

from datetime import datetime

from pydantic import Field

from dashboard.schemas.common import Output
from store.db import as_utc
from store.models import MusicFile


class MusicOut(Output):
    name: str = Field(description="what an agent group's music_on_hold names")
    source_format: str = Field(description="the uploaded file's format, as sox read it")
    source_bytes: int = Field(description="the uploaded file's size")
    duration_ms: int = Field(description="of the converted audio, which loops while callers wait")
    sha256: str = Field(description="of the converted file (8 kHz mono 16-bit WAV)")
    uploaded_at: datetime
    used_by: list[str] = Field(description="the agent groups whose callers hear it")

    @classmethod
    def of(cls, music: MusicFile, used_by: list[str]) -> MusicOut:
        return cls(
            name=music.name,
            source_format=music.source_format,
            source_bytes=music.source_bytes,
            duration_ms=music.duration_ms,
            sha256=music.sha256,
            uploaded_at=as_utc(music.uploaded_at),
            used_by=used_by,
        )
