"""Music files of a team (``store.models.media``) and the agent groups that name them.

The rows only; the audio files are placed by the API (``dashboard.routes.music``), in
the same transaction's lifetime, so a row never names a file that is not there.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from store.errors import InUse, Invalid
from store.models import MusicFile, Team
from store.models.media import DEFAULT_MUSIC
from store.provisioning.common import in_team
from store.usage import music_users

NAME = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")


def check_music_name(name: str) -> None:
    """The name of a file to upload: letters, digits, ``_`` and ``-``; never ``default``."""
    if not NAME.match(name):
        raise Invalid("name", "1-64 letters, digits, '_' or '-'")
    if name == DEFAULT_MUSIC:
        raise Invalid("name", f"{DEFAULT_MUSIC!r} is the built-in music; choose another name")


def get_music(session: Session, team: Team, name: str) -> MusicFile:
    return in_team(session, MusicFile, team.id, f"music {name}", name=name)


def list_music(session: Session, team: Team) -> list[MusicFile]:
    return list(
        session.scalars(
            select(MusicFile).where(MusicFile.team_id == team.id).order_by(MusicFile.name)
        )
    )


def find_music(session: Session, team: Team, name: str) -> MusicFile | None:
    return session.scalars(
        select(MusicFile).where(MusicFile.team_id == team.id, MusicFile.name == name)
    ).one_or_none()


def save_music(
    session: Session,
    team: Team,
    name: str,
    *,
    file: str,
    source_format: str,
    source_bytes: int,
    duration_ms: int,
    sha256: str,
) -> tuple[MusicFile, bool]:
    """Create the row, or describe the new audio of an existing one; True when created."""
    check_music_name(name)
    music = find_music(session, team, name)
    created = music is None
    if music is None:
        music = MusicFile(team_id=team.id, name=name)
        session.add(music)
    music.file, music.source_format, music.source_bytes = file, source_format, source_bytes
    music.duration_ms, music.sha256 = duration_ms, sha256
    music.uploaded_at = datetime.now(UTC)
    session.flush()
    return music, created


def delete_music(session: Session, music: MusicFile) -> None:
    used_by = music_users(session, music)
    if used_by:
        raise InUse(f"music {music.name} is used by {', '.join(used_by)}", {"used_by": used_by})
    session.delete(music)
    session.flush()


def check_group_music(session: Session, team: Team, name: str) -> None:
    """An agent group's ``music_on_hold``: ``default`` or a music file of the team."""
    if name != DEFAULT_MUSIC and find_music(session, team, name) is None:
        raise Invalid(
            "music_on_hold",
            f"team {team.slug} has no music {name!r}: upload it first "
            f"(PUT /teams/{team.slug}/music/{name}) or use {DEFAULT_MUSIC!r}",
        )
