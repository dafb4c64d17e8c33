"""/teams/{team}/music: upload (converted by sox, size-limited, validated), list, read,
delete, and agent groups picking a team's music by name."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from httpx import Response

from dashboard.app import create_app
from dashboard.settings import WebSettings
from routing.acd.sqlstore import read_config
from store.db import make_engine, make_sessionmaker
from tests.api.conftest import Api
from tests.api.helpers import Headers, api_key, assert_in_use, assert_invalid
from tests.support.rtp import goertzel_power
from tests.support.sounds import silence_file, tone_file, wav_samples

BASE = "/api/v1/teams/demo/music"
GROUPS = "/api/v1/teams/demo/agent-groups"
MAX_BYTES = 400_000  # this app's limit (the default is 20 MiB)
TONE_HZ = 1700.0
SMALL = {"rate": 16000, "channels": 1}  # a WAV well under the limit


@pytest.fixture
def music_dir(tmp_path: Path) -> Path:
    return tmp_path / "moh"


@pytest.fixture
def api(tmp_path: Path, api_template: Path, music_dir: Path) -> Iterator[Api]:
    """The API tests' app, with its music under the test's own directory."""
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    url = f"sqlite:///{path}"
    app = create_app(WebSettings(db_url=url, music_dir=str(music_dir), music_max_bytes=MAX_BYTES))
    engine = make_engine(url)
    with TestClient(app) as client:
        yield Api(client, make_sessionmaker(engine))
    engine.dispose()


def upload(api: Api, headers: Headers, name: str, file: Path, content_type: str = "") -> Response:
    extra = {"Content-Type": content_type} if content_type else {}
    response: Response = api.client.put(
        f"{BASE}/{name}", headers=headers | extra, content=file.read_bytes()
    )
    return response


def test_an_mp3_is_converted_to_the_music_format_listed_and_heard_as_its_tone(
    api: Api, demo_admin: Headers, music_dir: Path, tmp_path: Path
) -> None:
    mp3 = tone_file(tmp_path / "tone.mp3", TONE_HZ)  # 44.1 kHz stereo
    created = upload(api, demo_admin, "tone", mp3, "audio/mpeg")
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["name"] == "tone" and body["source_format"] == "mp3"
    assert body["source_bytes"] == mp3.stat().st_size and body["used_by"] == []
    assert 2900 <= body["duration_ms"] <= 3100, body
    assert [m["name"] for m in api.client.get(BASE, headers=demo_admin).json()] == ["tone"]
    assert api.client.get(f"{BASE}/tone", headers=demo_admin).json() == body

    audio = api.client.get(f"{BASE}/tone/audio", headers=demo_admin)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    rate, channels, samples = wav_samples(audio.content, tmp_path / "heard.wav")
    assert (rate, channels) == (8000, 1)
    assert goertzel_power(samples[8000:16000], TONE_HZ, 8000) > 0.9
    assert (music_dir / "teams" / "demo" / "tone.wav").read_bytes() == audio.content
    assert [p.name for p in (music_dir / "teams" / "demo").iterdir()] == ["tone.wav"]


def test_an_upload_under_a_used_name_replaces_the_audio(
    api: Api, demo_admin: Headers, music_dir: Path, tmp_path: Path
) -> None:
    first = upload(api, demo_admin, "tone", tone_file(tmp_path / "a.wav", 600.0, **SMALL))
    assert first.status_code == 201
    again = upload(api, demo_admin, "tone", tone_file(tmp_path / "b.flac", 900.0))
    assert again.status_code == 200, again.text
    assert again.json()["source_format"] == "flac"
    assert again.json()["sha256"] != first.json()["sha256"]
    _, _, samples = wav_samples(
        (music_dir / "teams/demo/tone.wav").read_bytes(), tmp_path / "heard.wav"
    )
    assert goertzel_power(samples[:8000], 900.0, 8000) > 0.9
    assert len(api.client.get(BASE, headers=demo_admin).json()) == 1


@pytest.mark.parametrize(
    ("make", "content_type", "reason"),
    [
        (lambda d: _bytes(d / "junk", b"not audio at all " * 100), "", "not an audio file"),
        (lambda d: _bytes(d / "junk", b"\x00\x01junk" * 300), "audio/mpeg", "could not read"),
        (lambda d: _bytes(d / "empty", b""), "", "not an audio file"),
        (lambda d: silence_file(d / "silence.flac"), "", "only silence"),
        (lambda d: silence_file(d / "zero.wav", 0), "", "zero length"),
        (lambda d: tone_file(d / "click.wav", 440.0, seconds=0.2), "", "at least 1 s"),
    ],
    ids=["not-audio", "not-an-mp3", "empty", "silence", "zero-length", "too-short"],
)
def test_an_upload_that_is_no_usable_music_is_422_and_nothing_is_stored(
    api: Api,
    demo_admin: Headers,
    music_dir: Path,
    tmp_path: Path,
    make: object,
    content_type: str,
    reason: str,
) -> None:
    file = make(tmp_path)  # type: ignore[operator]
    refused = upload(api, demo_admin, "bad", file, content_type)
    details = assert_invalid(refused, "body")
    assert reason in details["reason"], details
    assert str(tmp_path) not in refused.text  # no server path
    assert api.client.get(BASE, headers=demo_admin).json() == []
    assert list((music_dir / "teams" / "demo").iterdir()) == []  # the staging dir is gone


def test_an_upload_over_the_limit_is_413_and_nothing_is_stored(
    api: Api, demo_admin: Headers, music_dir: Path, tmp_path: Path
) -> None:
    big = tone_file(tmp_path / "big.wav", 440.0, seconds=3)  # ~530 kB of 44.1 kHz stereo
    assert big.stat().st_size > MAX_BYTES
    refused = upload(api, demo_admin, "big", big)
    assert refused.status_code == 413, refused.text
    body = refused.json()
    assert body["error_id"] == "too-large" and str(MAX_BYTES) in body["message"]
    assert api.client.get(BASE, headers=demo_admin).json() == []
    assert not music_dir.exists() or not any(music_dir.rglob("*.wav"))


def test_the_names_default_and_odd_ones_are_refused(
    api: Api, demo_admin: Headers, tmp_path: Path
) -> None:
    tone = tone_file(tmp_path / "t.wav", 440.0, **SMALL)
    assert_invalid(upload(api, demo_admin, "default", tone), "name")
    assert_invalid(upload(api, demo_admin, "a%20b", tone), "name")
    assert api.client.get(f"{BASE}/nothing", headers=demo_admin).status_code == 404


def test_a_group_picks_the_teams_music_by_name_and_it_cannot_be_deleted_while_used(
    api: Api, demo_admin: Headers, music_dir: Path, tmp_path: Path
) -> None:
    unknown = api.client.patch(
        f"{GROUPS}/support", headers=demo_admin, json={"music_on_hold": "jingle"}
    )
    assert "no music 'jingle'" in assert_invalid(unknown, "music_on_hold")["reason"]
    created = api.client.post(
        GROUPS, headers=demo_admin, json={"name": "sales", "music_on_hold": "jingle"}
    )
    assert_invalid(created, "music_on_hold")
    assert (
        upload(api, demo_admin, "jingle", tone_file(tmp_path / "j.ogg", 700.0)).status_code == 201
    )

    picked = api.client.patch(
        f"{GROUPS}/support", headers=demo_admin, json={"music_on_hold": "jingle"}
    )
    assert picked.status_code == 200 and picked.json()["music_on_hold"] == "jingle"
    with api.sessions() as session:  # what call control reads (routing.acd.sqlstore)
        queues = read_config(session.connection()).queues
    assert queues["demo/support"].music == "teams/demo/jingle.wav"
    assert queues["acme/support"].music == ""  # another team's group: the default
    assert api.client.get(f"{BASE}/jingle", headers=demo_admin).json()["used_by"] == [
        "agent group support"
    ]
    assert_in_use(api.client.delete(f"{BASE}/jingle", headers=demo_admin), "agent group support")
    assert (music_dir / "teams/demo/jingle.wav").is_file()

    back = api.client.patch(
        f"{GROUPS}/support", headers=demo_admin, json={"music_on_hold": "default"}
    )
    assert back.status_code == 200
    assert api.client.delete(f"{BASE}/jingle", headers=demo_admin).status_code == 204
    assert not (music_dir / "teams/demo/jingle.wav").exists()
    assert api.client.get(f"{BASE}/jingle", headers=demo_admin).status_code == 404


def test_read_keys_read_write_keys_upload_and_other_teams_see_nothing(
    api: Api, demo_admin: Headers, acme_admin: Headers, tmp_path: Path
) -> None:
    tone = tone_file(tmp_path / "t.wav", 440.0, **SMALL)
    reader, writer = api_key(api, "demo", "read"), api_key(api, "demo", "write")
    assert upload(api, reader, "tone", tone).status_code == 403
    assert upload(api, writer, "tone", tone).status_code == 201
    assert [m["name"] for m in api.client.get(BASE, headers=reader).json()] == ["tone"]
    assert api.client.get(f"{BASE}/tone", headers=acme_admin).status_code == 404
    assert api.client.delete(f"{BASE}/tone", headers=reader).status_code == 403
    assert api.client.get("/api/v1/teams/acme/music", headers=acme_admin).json() == []


def _bytes(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path
