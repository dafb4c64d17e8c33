"""/api/v1/teams/{team}/music: the team's music on hold, picked per agent group by name
(``music_on_hold``).

``PUT /music/{name}`` with the audio file as the body (any format Debian's sox reads;
MP3 with ``Content-Type: audio/mpeg``) converts it with sox to what call control plays
(``dashboard.audio``), checks it (422 for what is not audio, only silence, shorter than
a second or longer than ten minutes; 413 above ``WebSettings.music_max_bytes``), and
stores it: a row (``store.models.media``) and the WAV under the music directory
(``dashboard.musicfiles``). A name used again replaces the music; the groups that name
it play the new one from their next caller on. Team admins and write keys change music,
read keys read it, like the rest of a team's configuration.

The conversion takes a while (sox): it runs before the write transaction, which only
records the row and swaps the file in, so SQLite's write lock is held for milliseconds.
"""

from __future__ import annotations

import logging
from pathlib import Path as FilePath
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Path, Request, Response, status
from fastapi.responses import FileResponse
from sqlalchemy.orm import Session

from dashboard import audio, musicfiles
from dashboard.deps import (
    PrincipalDep,
    ReadPrincipalDep,
    ReadSessionDep,
    ReadTeamDep,
    SessionDep,
    SettingsDep,
    TeamDep,
)
from dashboard.responses import errors
from dashboard.schemas.media import MusicOut
from dashboard.security import may_configure
from store.errors import Invalid
from store.models import Team
from store.provisioning import music as pm
from store.usage import music_users

log = logging.getLogger("switchboard.api")

router = APIRouter(prefix="/teams/{team}/music", tags=["music on hold"])

MusicName = Annotated[
    str,
    Path(
        pattern=pm.NAME.pattern,
        description="letters, digits, '_' and '-'; 'default' is the built-in music",
    ),
]
AUDIO_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
            "audio/*": {"schema": {"type": "string", "format": "binary"}},
        },
        "description": "the audio file (WAV, FLAC, Ogg Vorbis, AIFF, ...; MP3 as audio/mpeg)",
    }
}


async def read_audio_body(request: Request) -> bytes:
    """The upload, read up to the limit and no further (413 beyond it)."""
    limit: int = request.app.state.settings.music_max_bytes
    declared = request.headers.get("content-length", "")
    body = bytearray()
    if not (declared.isdigit() and int(declared) > limit):
        async for chunk in request.stream():
            body += chunk
            if len(body) > limit:
                break
    if len(body) > limit or (declared.isdigit() and int(declared) > limit):
        log.info("%s %s refused: upload over %d bytes", request.method, request.url.path, limit)
        raise HTTPException(413, f"a music file may have at most {limit} bytes")
    return bytes(body)


AudioBody = Annotated[bytes, Depends(read_audio_body)]


@router.get("", summary="The team's music files")
def list_music(team: TeamDep, principal: PrincipalDep, session: SessionDep) -> list[MusicOut]:
    may_configure(principal, write=False)
    return [MusicOut.of(m, music_users(session, m)) for m in pm.list_music(session, team)]


@router.get("/{name}", summary="One music file, and the agent groups that play it")
def get_music(
    name: MusicName, team: TeamDep, principal: PrincipalDep, session: SessionDep
) -> MusicOut:
    may_configure(principal, write=False)
    music = pm.get_music(session, team, name)
    return MusicOut.of(music, music_users(session, music))


@router.get(
    "/{name}/audio",
    summary="The converted audio, as callers hear it (WAV, 8 kHz mono)",
    response_class=FileResponse,
    responses={200: {"content": {"audio/wav": {}}}},
)
def music_audio(
    name: MusicName,
    team: TeamDep,
    principal: PrincipalDep,
    session: SessionDep,
    settings: SettingsDep,
) -> FileResponse:
    may_configure(principal, write=False)
    music = pm.get_music(session, team, name)
    path = musicfiles.resolve(FilePath(settings.music_dir), music.file)
    if path is None or not path.is_file():
        raise HTTPException(404, f"the audio of music {name} is missing")
    return FileResponse(path, media_type="audio/wav", filename=f"{name}.wav")


@router.put(
    "/{name}",
    openapi_extra=AUDIO_BODY,
    summary="Upload music (created: 201; a name used again replaces its audio: 200)",
    responses={201: {"model": MusicOut, "description": "created"}, **errors(413)},
)
def upload_music(
    name: MusicName,
    request: Request,
    response: Response,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
    settings: SettingsDep,
    body: AudioBody,
) -> MusicOut:
    may_configure(principal, write=True)
    pm.check_music_name(name)
    relative = musicfiles.relative_path(team.slug, name)
    with musicfiles.Placement(FilePath(settings.music_dir), relative) as placing:
        placing.upload.write_bytes(body)
        try:
            converted = audio.convert(
                placing.upload, placing.new, request.headers.get("content-type")
            )
        except audio.AudioRefused as refused:
            raise Invalid("body", refused.reason) from None
        with request.app.state.sessions() as write, write.begin():
            music, created = pm.save_music(
                write,
                _same_team(write, team),
                name,
                file=relative,
                source_format=converted.source_format,
                source_bytes=len(body),
                duration_ms=converted.duration_ms,
                sha256=converted.sha256,
            )
            placing.swap()
            out = MusicOut.of(music, music_users(write, music))
    response.status_code = status.HTTP_201_CREATED if created else status.HTTP_200_OK
    log.info(
        "music %s/%s %s: %s, %d bytes, %d ms",
        team.slug,
        name,
        "created" if created else "replaced",
        converted.source_format,
        len(body),
        converted.duration_ms,
    )
    return out


@router.delete(
    "/{name}",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Delete music no agent group plays (409 in-use names them)",
)
def delete_music(
    name: MusicName,
    request: Request,
    team: ReadTeamDep,
    principal: ReadPrincipalDep,
    session: ReadSessionDep,
    settings: SettingsDep,
) -> None:
    may_configure(principal, write=True)
    with request.app.state.sessions() as write, write.begin():
        music = pm.get_music(write, _same_team(write, team), name)
        relative = music.file
        pm.delete_music(write, music)
    musicfiles.remove(FilePath(settings.music_dir), relative)  # after the commit


def _same_team(session: Session, team: Team) -> Team:
    """The path's team in the write transaction (it was read in the request's own)."""
    found = session.get(Team, team.id)
    if found is None:
        raise HTTPException(404, f"team {team.slug} not found")
    return found
