"""Sounds a team uploads: music on hold, picked per agent group by name.

The row describes the file; the audio itself is a WAV under the music directory
(``file``, relative to it), converted at upload to what call control plays through
rtpengine (``dashboard.audio``). The name ``default`` is never a row: it is the music
call control generates (``callcontrol.moh``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from store.models.base import Base

DEFAULT_MUSIC = "default"  # call control's own music; no file of a team has this name


class MusicFile(Base):
    __tablename__ = "music_files"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(64))
    file: Mapped[str] = mapped_column(String(300))  # under the music directory
    source_format: Mapped[str] = mapped_column(String(16))  # what sox read: mp3, flac, ...
    source_bytes: Mapped[int] = mapped_column(Integer)  # the upload's size
    duration_ms: Mapped[int] = mapped_column(Integer)  # of the converted audio
    sha256: Mapped[str] = mapped_column(String(64))  # of the converted file
    uploaded_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    __table_args__ = (UniqueConstraint("team_id", "name"),)
