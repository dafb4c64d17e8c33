"""An agent group's own music on hold through the real stack: uploaded through the web
API (an MP3, converted by sox), picked for the group, and heard by its callers instead of
the default music -- while queued, on hold, and after a transfer back into the queue --
and a change is used from the next call on, without a restart."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from store.models import ProvisioningState
from store.seed import DEMO_ADMIN_LOGIN, DEMO_ADMIN_PASSWORD
from tests.integration.calls.helpers import command
from tests.integration.calls.test_in_call import _queue_call_with_agent, listen
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CARRIER_IP,
    MOH_HZ,
    call_queue,
    carrier,
    configure_support,
    hears,
    hears_music,
    set_agents,
)
from tests.support.rtp import RtpEndpoint
from tests.support.sounds import tone_file
from tests.support.stack import Stack
from tests.support.waiting import wait_until

TONE_HZ = 1700.0  # no note of the default music, no test phone's tone
MUSIC = "tone1700"


@pytest.fixture
def admin(stack: Stack) -> Iterator[httpx.Client]:
    """The demo team's admin on the stack's web API; the group's music is the default
    again afterwards and the test's music deleted."""
    client = httpx.Client(base_url=f"{stack.web_url}/api/v1", timeout=30)
    login = client.post(
        "/auth/login", json={"login": DEMO_ADMIN_LOGIN, "password": DEMO_ADMIN_PASSWORD}
    )
    assert login.status_code == 200, login.text
    client.headers["Authorization"] = f"Bearer {login.json()['token']}"
    yield client
    pick(stack, client, "default")
    client.delete(f"/teams/demo/music/{MUSIC}")
    client.close()


def upload_tone(client: httpx.Client, tmp_path: Path) -> None:
    mp3 = tone_file(tmp_path / "tone.mp3", TONE_HZ)
    response = client.put(
        f"/teams/demo/music/{MUSIC}",
        content=mp3.read_bytes(),
        headers={"Content-Type": "audio/mpeg"},
    )
    assert response.status_code in (200, 201), response.text


def pick(stack: Stack, client: httpx.Client, music: str) -> None:
    """The support group plays ``music``; returns once call control reloaded it."""
    changed = client.patch("/teams/demo/agent-groups/support", json={"music_on_hold": music})
    assert changed.status_code == 200, changed.text
    with stack.sessions() as session:
        version = session.scalar(select(ProvisioningState.version))
    wait_until(
        lambda: f"configuration v{version}:" in stack.log("callcontrol"),
        timeout=5,
        what=f"call control reloaded configuration v{version}",
    )


def hears_tone(rtp: RtpEndpoint) -> bool:
    """The uploaded tone is what is heard, and nothing of the default music."""
    return rtp.dominant_power(TONE_HZ) > 0.5 and max(rtp.dominant_power(f) for f in MOH_HZ) < 0.05


def test_queued_callers_hear_the_groups_uploaded_music_and_the_default_once_it_is_back(
    stack: Stack,
    admin: httpx.Client,
    rtp_endpoints: Callable[..., RtpEndpoint],
    tmp_path: Path,
) -> None:
    upload_tone(admin, tmp_path)
    pick(stack, admin, MUSIC)
    set_agents(stack, idle=())  # everyone paused: the callers wait with music
    with carrier(stack) as ua:
        rtp = rtp_endpoints(CARRIER_IP)
        call = call_queue(ua, rtp)
        wait_until(lambda: hears_tone(rtp), timeout=5, what="the group's own music")
        listen(rtp, seconds=2)  # the file (3 s) loops on: still the tone, never the default
        assert hears_tone(rtp), (
            rtp.dominant_power(TONE_HZ),
            [rtp.dominant_power(f) for f in MOH_HZ],
        )
        assert call.bye().status == 200

        pick(stack, admin, "default")  # the next call, same processes: the default music
        again_rtp = rtp_endpoints(CARRIER_IP)
        again = call_queue(ua, again_rtp)
        wait_until(lambda: hears_music(again_rtp), timeout=5, what="the default music")
        assert again_rtp.dominant_power(TONE_HZ) < 0.05
        assert again.bye().status == 200


def test_a_held_caller_and_a_caller_transferred_back_to_the_queue_hear_the_groups_music(
    stack: Stack,
    admin: httpx.Client,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    tmp_path: Path,
) -> None:
    upload_tone(admin, tmp_path)
    pick(stack, admin, MUSIC)
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    second_phone = phones("demo-5002")
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        held = command(stack, "hold", "demo/1001", call.call_id)  # type: ignore[attr-defined]
        assert held.ok, held
        wait_until(lambda: hears_tone(caller_rtp), what="the group's music on hold")
        resumed = command(stack, "resume", "demo/1001", call.call_id)  # type: ignore[attr-defined]
        assert resumed.ok, resumed
        wait_until(lambda: hears(caller_rtp, AGENT_TONE, TONE_HZ), what="the agent again")

        moved = command(stack, "transfer", "demo/1001", call.call_id, to="group:support")  # type: ignore[attr-defined]
        assert moved.ok, moved
        incoming.wait_bye()  # type: ignore[attr-defined]
        offer = second_phone.wait_incoming(timeout=5)  # offered again meanwhile
        offer.ring()
        wait_until(lambda: hears_tone(caller_rtp), what="the group's music back in the queue")
        assert call.bye().status == 200  # type: ignore[attr-defined]
        offer.wait_cancel()  # the offer ends with the caller


def test_a_caller_transferred_to_the_queue_while_held_hears_the_music_as_one_stream(
    stack: Stack,
    admin: httpx.Client,
    phones: PhoneFactory,
    rtp_endpoints: Callable[..., RtpEndpoint],
    tmp_path: Path,
) -> None:
    """The hold's player stops and the queue's starts: after the player's gap, so its
    timestamps never step back (``rtp_endpoints`` checks every stream received)."""
    upload_tone(admin, tmp_path)
    pick(stack, admin, MUSIC)
    set_agents(stack, idle=("demo/1001", "demo/1002"))
    second_phone = phones("demo-5002")
    with carrier(stack) as ua:
        call, incoming, caller_rtp, _agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        held = command(stack, "hold", "demo/1001", call.call_id)  # type: ignore[attr-defined]
        assert held.ok, held
        wait_until(lambda: hears_tone(caller_rtp), what="the group's music on hold")
        moved = command(stack, "transfer", "demo/1001", call.call_id, to="group:support")  # type: ignore[attr-defined]
        assert moved.ok, moved
        incoming.wait_bye()  # type: ignore[attr-defined]
        offer = second_phone.wait_incoming(timeout=5)
        offer.ring()
        listen(caller_rtp, seconds=1)
        wait_until(lambda: hears_tone(caller_rtp), what="the group's music in the queue")
        assert call.bye().status == 200  # type: ignore[attr-defined]
        offer.wait_cancel()
    breaks = caller_rtp.stream_breaks()
    assert not breaks, breaks


def test_a_caller_overflowing_into_another_group_hears_that_groups_music(
    stack: Stack,
    admin: httpx.Client,
    rtp_endpoints: Callable[..., RtpEndpoint],
    tmp_path: Path,
) -> None:
    upload_tone(admin, tmp_path)
    created = admin.post("/teams/demo/agent-groups", json={"name": "vip", "music_on_hold": MUSIC})
    assert created.status_code == 201, created.text
    try:
        configure_support(stack, max_wait_s=2, overflow_kind="agent_group", overflow_ref="vip")
        set_agents(stack, idle=())  # support's agents all paused: the caller overflows
        with carrier(stack) as ua:
            rtp = rtp_endpoints(CARRIER_IP)
            call = call_queue(ua, rtp)
            wait_until(lambda: hears_music(rtp), timeout=5, what="support's (default) music")
            wait_until(lambda: hears_tone(rtp), timeout=8, what="vip's music after the overflow")
            assert call.bye().status == 200
    finally:
        configure_support(stack, max_wait_s=60, overflow_kind="hangup", overflow_ref="")
        assert admin.delete("/teams/demo/agent-groups/vip").status_code == 204
