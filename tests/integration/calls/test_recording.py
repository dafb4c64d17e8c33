"""Recording through the real stack: rtpengine records the customer's session, call
control makes the WAV and the row once the call is over; the group's always-on setting.

The caller and the agent send their own tones; during the pause both send a third tone
(a card number read out): the WAV must hold both parties and nothing of the third."""

from __future__ import annotations

import time
import wave
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sqlalchemy import select

from store.models import Recording
from tests.integration.calls.helpers import TONES, call_events, command
from tests.integration.calls.test_in_call import _queue_call_with_agent
from tests.integration.conftest import PhoneFactory
from tests.integration.queue.helpers import (
    AGENT_TONE,
    CALLER_TONE,
    carrier,
    configure_support,
    set_agents,
)
from tests.support.rtp import RtpEndpoint, goertzel_power
from tests.support.stack import Stack
from tests.support.waiting import wait_until

CARD_TONE = TONES["target"]  # what must not be recorded
AGENT = "demo/1001"


def recordings_of(stack: Stack, call_id: str) -> list[dict[str, Any]]:
    with stack.sessions() as session:
        rows = session.scalars(
            select(Recording).where(Recording.call_id == call_id).order_by(Recording.number)
        ).all()
        return [{c: getattr(r, c) for c in ("number", "state", "file", "duration_ms",
                                            "paused_ms", "agent", "group_name")} for r in rows]  # fmt: skip


def ready(stack: Stack, call_id: str, count: int = 1) -> list[dict[str, Any]]:
    def done() -> list[dict[str, Any]] | None:
        rows = recordings_of(stack, call_id)
        finished = len(rows) == count and all(r["state"] != "recording" for r in rows)
        return rows if finished else None

    return wait_until(done, timeout=20, what=f"{count} recording(s) of {call_id} made")


def wav_samples(path: Path) -> tuple[list[int], int]:
    with wave.open(str(path), "rb") as wav:
        assert (wav.getnchannels(), wav.getsampwidth()) == (1, 2)
        frames = wav.readframes(wav.getnframes())
        rate = wav.getframerate()
    samples = [
        int.from_bytes(frames[i : i + 2], "little", signed=True) for i in range(0, len(frames), 2)
    ]
    return samples, rate


def windows(samples: list[int], rate: int) -> list[list[int]]:
    return [samples[i : i + rate // 2] for i in range(0, len(samples) - rate // 2 + 1, rate // 2)]


def test_a_recording_holds_both_parties_and_nothing_of_the_paused_span(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=(AGENT,))
    with carrier(stack) as ua:
        call, incoming, caller_rtp, agent_rtp = _queue_call_with_agent(
            stack, phones, rtp_endpoints, ua
        )
        call_id = call.call_id  # type: ignore[attr-defined]
        started = command(stack, "record", AGENT, call_id, action="start")
        assert started.ok and started.call["recording"] == "on", started  # type: ignore[index]
        again = command(stack, "record", AGENT, call_id, action="start")
        assert (again.status, again.error_id) == (409, "already_recording")
        time.sleep(1.5)
        paused = command(stack, "record", AGENT, call_id, action="pause")
        assert paused.ok and paused.call["recording"] == "paused", paused  # type: ignore[index]
        caller_rtp.tone_hz = agent_rtp.tone_hz = CARD_TONE  # the card number, both ways
        time.sleep(1.5)
        caller_rtp.tone_hz, agent_rtp.tone_hz = CALLER_TONE, AGENT_TONE
        time.sleep(0.1)  # what was sent before reached rtpengine
        resumed = command(stack, "record", AGENT, call_id, action="resume")
        assert resumed.ok and resumed.call["recording"] == "on", resumed  # type: ignore[index]
        time.sleep(1.5)
        assert call.bye().status == 200  # type: ignore[attr-defined]
        incoming.wait_bye()
    [row] = ready(stack, call_id)
    assert row["state"] == "ready" and (row["agent"], row["group_name"]) == ("1001", "support")
    assert 2500 <= row["duration_ms"] <= 4000, row  # 1.5 s + 1.5 s, the pause cut out
    assert row["paused_ms"] >= 1400, row
    samples, rate = wav_samples(stack.settings.var_dir / "recordings" / row["file"])
    assert rate == 8000 and abs(len(samples) / rate * 1000 - row["duration_ms"]) < 100
    halves = windows(samples, rate)
    for tone, who in ((CALLER_TONE, "caller"), (AGENT_TONE, "agent")):
        shares = [round(goertzel_power(w, tone), 2) for w in halves]
        heard = sum(1 for share in shares if share > 0.2)
        assert heard >= len(halves) // 2, f"the {who} is in the recording: {shares}"
    card = [goertzel_power(w, CARD_TONE) for w in halves]
    assert max(card) < 0.02, f"nothing of the paused span: {card}"
    events = call_events(stack, call_id)
    assert [e for e in events if e.startswith("recording_")] == [
        "recording_started", "recording_paused", "recording_resumed", "recording_stopped",
    ]  # fmt: skip


def test_a_group_recording_every_call_records_from_the_answer_on(
    stack: Stack, phones: PhoneFactory, rtp_endpoints: Callable[..., RtpEndpoint]
) -> None:
    set_agents(stack, idle=(AGENT,))
    configure_support(stack, record_calls=True)
    try:
        with carrier(stack) as ua:
            call, incoming, _caller_rtp, _agent_rtp = _queue_call_with_agent(
                stack, phones, rtp_endpoints, ua
            )
            call_id = call.call_id  # type: ignore[attr-defined]
            stopped = command(stack, "record", AGENT, call_id, action="stop")
            assert stopped.ok, "it was recording from the answer on"
            restarted = command(stack, "record", AGENT, call_id, action="start")
            assert restarted.ok, restarted
            time.sleep(1.0)
            assert call.bye().status == 200  # type: ignore[attr-defined]
            incoming.wait_bye()
    finally:
        configure_support(stack, record_calls=False)
    rows = ready(stack, call_id, count=2)
    assert [(r["number"], r["state"]) for r in rows] == [(1, "ready"), (2, "ready")]
    assert rows[1]["duration_ms"] >= 800
