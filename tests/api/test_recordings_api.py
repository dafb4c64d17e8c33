"""/api/v1/teams/{team}/recordings: who lists and downloads which recording.

Rows and files are what call control writes (``callcontrol.recorder``); here they are put
in the store directly, the app reading them is real."""

from __future__ import annotations

import shutil
import wave
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert

from dashboard.app import create_app
from dashboard.settings import WebSettings
from store import provisioning as p
from store.db import make_engine, make_sessionmaker
from store.models import Recording
from tests.api.conftest import ACME_ADMIN, Api
from tests.api.helpers import Headers, agent

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


@pytest.fixture
def recorded(tmp_path: Path, api_template: Path) -> Iterator[Api]:
    """The app with recordings of demo's 1001 (support) and 1009 (sales), and acme's."""
    path = tmp_path / "store.sqlite3"
    shutil.copy(api_template, path)
    url = f"sqlite:///{path}"
    files = tmp_path / "recordings"
    for team, name in (
        ("calls/demo", "q1-1.wav"),
        ("calls/demo", "c2-1.wav"),
        ("calls/acme", "a1-1.wav"),
    ):
        (files / team).mkdir(parents=True, exist_ok=True)
        with wave.open(str(files / team / name), "wb") as out:
            out.setnchannels(1)
            out.setsampwidth(2)
            out.setframerate(8000)
            out.writeframes(b"\x00\x01" * 800)
    engine = make_engine(url)
    with make_sessionmaker(engine)() as session, session.begin():  # 1009: sales, not support
        demo = p.get_team(session, "demo")
        p.create_agent_group(session, demo, "sales")
        p.create_agent(session, demo, "1009", "1009", groups=["sales"], binding="dynamic")
    rows = [
        ("q1", "demo", "support", "1001", "calls/demo/q1-1.wav", "ready", T0),
        ("c2", "demo", "", "1009", "calls/demo/c2-1.wav", "ready", T0 + timedelta(hours=1)),
        ("c3", "demo", "", "1009", "", "recording", T0 + timedelta(hours=2)),
        ("a1", "acme", "support", "1001", "calls/acme/a1-1.wav", "ready", T0),
    ]
    with engine.begin() as conn:
        for call_id, team, group, number, file, state, at in rows:
            conn.execute(
                insert(Recording.__table__).values(
                    call_id=call_id, number=1, node="cc-test", team=team, group_name=group,
                    agent=number, customer="+15550001111", started_at=at,
                    ended_at=at + timedelta(seconds=10), duration_ms=10_000, paused_ms=0,
                    state=state, file=file, size_bytes=1644,
                )
            )  # fmt: skip
    settings = WebSettings(db_url=url, recordings_dir=str(files))
    with TestClient(create_app(settings)) as client:
        yield Api(client, make_sessionmaker(engine))
    engine.dispose()


def calls_listed(api: Api, headers: Headers, team: str = "demo", **query: str) -> list[str]:
    response = api.client.get(f"/api/v1/teams/{team}/recordings", headers=headers, params=query)
    assert response.status_code == 200, response.text
    return [r["call_id"] for r in response.json()["recordings"]]


def group_admin(api: Api, login: str, record: bool) -> Headers:
    admin = api.token("admin@demo", "demo-admin-web")
    made = api.client.post(
        "/api/v1/teams/demo/users",
        headers=admin,
        json={"login": login, "password": "lead-password-1", "role": "user"},
    )
    assert made.status_code == 201, made.text
    put = api.client.put(
        f"/api/v1/teams/demo/agent-groups/support/admins/{login}",
        headers=admin,
        json={"record": record},
    )
    assert put.status_code == 200, put.text
    return api.token(login, "lead-password-1")


def test_a_team_admin_lists_the_teams_recordings_newest_first_and_filters(
    recorded: Api,
) -> None:
    admin = recorded.token("admin@demo", "demo-admin-web")
    assert calls_listed(recorded, admin) == ["c3", "c2", "q1"]
    assert calls_listed(recorded, admin, agent="1001") == ["q1"]
    assert calls_listed(recorded, admin, call="c2") == ["c2"]
    since = (T0 + timedelta(minutes=30)).isoformat()
    until = (T0 + timedelta(minutes=90)).isoformat()
    assert calls_listed(recorded, admin, **{"from": since, "to": until}) == ["c2"]


def test_the_audio_is_the_wav_file_and_a_recording_still_running_is_409(recorded: Api) -> None:
    admin = recorded.token("admin@demo", "demo-admin-web")
    rows = recorded.client.get("/api/v1/teams/demo/recordings", headers=admin).json()
    ids = {r["call_id"]: r["id"] for r in rows["recordings"]}
    audio = recorded.client.get(f"/api/v1/teams/demo/recordings/{ids['q1']}/audio", headers=admin)
    assert audio.status_code == 200 and audio.headers["content-type"] == "audio/wav"
    assert audio.content[:4] == b"RIFF" and len(audio.content) == 44 + 1600
    running = recorded.client.get(f"/api/v1/teams/demo/recordings/{ids['c3']}/audio", headers=admin)
    assert running.status_code == 409, running.text


def test_an_agent_hears_only_its_own_calls(recorded: Api) -> None:
    mine = agent(recorded, "1009", "1009")
    assert calls_listed(recorded, mine) == ["c3", "c2"]
    admin = recorded.token("admin@demo", "demo-admin-web")
    rows = recorded.client.get("/api/v1/teams/demo/recordings", headers=admin).json()
    q1 = next(r["id"] for r in rows["recordings"] if r["call_id"] == "q1")
    assert (
        recorded.client.get(f"/api/v1/teams/demo/recordings/{q1}", headers=mine).status_code == 404
    )
    audio = f"/api/v1/teams/demo/recordings/{q1}/audio"
    assert recorded.client.get(audio, headers=mine).status_code == 404


def test_a_group_admin_with_the_record_right_hears_the_groups_calls_without_it_none(
    recorded: Api,
) -> None:
    lead = group_admin(recorded, "lead@demo", record=True)
    assert calls_listed(recorded, lead) == ["q1"]  # support's; 1009's calls are sales'

    helper = group_admin(recorded, "helper@demo", record=False)
    assert calls_listed(recorded, helper) == []


def test_another_teams_recordings_do_not_exist(recorded: Api) -> None:
    acme = recorded.token(*ACME_ADMIN)
    assert calls_listed(recorded, acme, team="acme") == ["a1"]
    admin = recorded.token("admin@demo", "demo-admin-web")
    rows = recorded.client.get("/api/v1/teams/demo/recordings", headers=admin).json()
    q1 = next(r["id"] for r in rows["recordings"] if r["call_id"] == "q1")
    assert (
        recorded.client.get(f"/api/v1/teams/acme/recordings/{q1}", headers=acme).status_code == 404
    )
    assert recorded.client.get("/api/v1/teams/demo/recordings", headers=acme).status_code == 404
    assert recorded.client.get("/api/v1/teams/demo/recordings").status_code == 401
