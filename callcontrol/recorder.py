"""Carries out the call model's ``Record`` actions (``calls.recording``) with rtpengine,
and turns what rtpengine captured into each recording's WAV and row.

rtpengine records the customer's session (the call's own: the customer's voice and all
the customer hears) as pcap, one file per stretch from ``start recording`` to ``stop
recording``. A pause is a stop, a resume a start: nothing of a paused span is ever written.
Once the call's media is deleted (its files closed), a worker thread mixes the stretches
of each recording into one mono WAV under ``<recordings dir>/calls/<team>/`` and completes the
recording's row (``store.models.Recording``); the SIP reactor never waits on the
database or on the mixing.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine, insert, update
from sqlalchemy.engine import Connection

from calls import model as m
from calls import recording as rec
from recording.files import RECORDING_KEY, Stretch, render_wav, stretches_of
from routing.acd.states import now_ms
from rtpengine import RtpengineClient
from store.models.history import Recording

log = logging.getLogger(__name__)

CLOSE_WAIT_S = 10.0  # a call's media is deleted within this after it finished, or never
CLOSE_POLL_S = 0.2


def _at(ms: int) -> datetime:
    return datetime.fromtimestamp(ms / 1000, UTC)


@dataclass
class Take:
    """One recording of a call, while the call lasts."""

    call_id: str
    number: int
    team: str
    agent: str  # agent number
    customer: str
    group: str
    started_ms: int
    spans: list[list[int]] = field(default_factory=list)  # [start, end] ms recorded
    ended_ms: int = 0

    @property
    def paused_ms(self) -> int:
        recorded = sum(end - start for start, end in self.spans)
        return max(0, (self.ended_ms or now_ms()) - self.started_ms - recorded)

    @property
    def file(self) -> str:
        """Where its WAV goes under the recordings dir (a Call-ID may hold any character)."""
        return f"calls/{_safe(self.team)}/{_safe(self.call_id)}-{self.number}.wav"


class Recorder:
    def __init__(
        self,
        rtpengine: RtpengineClient,
        engine: Engine | None,
        root: Path,
        node: str,
        media_gone: Callable[[str], bool] | None = None,
    ) -> None:
        """``root``: rtpengine's ``--recording-dir`` (its ``pcaps/``) and where the WAVs go.
        ``media_gone(session)``: whether rtpengine deleted a session (its files closed)."""
        self.rtpengine, self.engine, self.root, self.node = rtpengine, engine, root, node
        self.media_gone = media_gone or self._deleted
        self.takes: dict[str, list[Take]] = {}  # call id -> its recordings
        self._work: queue.Queue[Callable[[], None]] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name="recorder", daemon=True)
        self._thread.start()

    # --- the call model's actions (SIP reactor thread) ------------------------------------

    def act(self, call: m.Call, session: str, action: str, number: int, group: str = "") -> None:
        at = now_ms()
        if action in (rec.START, rec.RESUME):  # a new pcap, tagged with its recording
            self.rtpengine.start_recording(session, metadata=f"{RECORDING_KEY}={number}")
        else:
            self.rtpengine.stop_recording(session)
        if action == rec.START:
            take = Take(
                call.id, number, call.team, call.agent.rpartition("/")[2],
                _customer(call), group, at, spans=[[at, 0]],
            )  # fmt: skip
            self.takes.setdefault(call.id, []).append(take)
            self._put(lambda: self._insert(take))
            log.info("call %s: recording %d started", call.id, number)
            return
        found = self._take(call.id, number)
        if found is None:
            log.warning("call %s: no recording %d to %s", call.id, number, action)
            return
        take = found
        if action == rec.RESUME:
            take.spans.append([at, 0])
        elif take.spans and not take.spans[-1][1]:  # pause or stop: the stretch ends
            take.spans[-1][1] = at
        if action == rec.STOP:
            take.ended_ms = at
        log.info("call %s: recording %d %s", call.id, number, action)

    def call_finished(self, call_id: str, session: str) -> None:
        """The call is over: once its media is deleted, its recordings become WAVs."""
        takes = self.takes.pop(call_id, [])
        at = now_ms()
        for take in takes:
            take.ended_ms = take.ended_ms or at
            if take.spans and not take.spans[-1][1]:
                take.spans[-1][1] = take.ended_ms
        if takes:
            self._put(lambda: self._render_after_close(session, takes))

    def _take(self, call_id: str, number: int) -> Take | None:
        return next((t for t in self.takes.get(call_id, []) if t.number == number), None)

    # --- the worker thread -------------------------------------------------------------------

    def _put(self, work: Callable[[], None]) -> None:
        self._work.put(work)

    def _run(self) -> None:
        while True:
            work = self._work.get()
            try:
                work()
            except Exception:
                log.exception("recording work failed")

    def _deleted(self, session: str) -> bool:
        return session not in self.rtpengine.list_calls()

    def _render_after_close(self, session: str, takes: list[Take]) -> None:
        deadline = time.monotonic() + CLOSE_WAIT_S
        while not self.media_gone(session) and time.monotonic() < deadline:
            time.sleep(CLOSE_POLL_S)
        expected = sum(len(t.spans) for t in takes)  # one file per start or resume
        stretches = stretches_of(self.root, session)
        while len(stretches) < expected and time.monotonic() < deadline:
            time.sleep(CLOSE_POLL_S)  # rtpengine writes the metadata as it closes a file
            stretches = stretches_of(self.root, session)
        made = [self._render(t, [s for s in stretches if s.recording == t.number]) for t in takes]
        if not all(made):
            return  # rtpengine's files stay for a person to look at
        for stretch in stretches:  # the WAVs hold them now: no second copy of the audio
            for path in (stretch.pcap, stretch.metadata):
                path.unlink(missing_ok=True)

    def _render(self, take: Take, stretches: list[Stretch]) -> bool:
        take.ended_ms = take.ended_ms or now_ms()
        if take.spans and not take.spans[-1][1]:
            take.spans[-1][1] = take.ended_ms
        out = self.root / take.file
        values: dict[str, object] = {"ended_at": _at(take.ended_ms), "paused_ms": take.paused_ms}
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            duration_ms = render_wav([s.pcap for s in stretches], out)
        except Exception:
            log.exception("call %s: recording %d could not be made", take.call_id, take.number)
            values |= {"state": "failed"}
            self._write(lambda conn: _update(conn, take, values))
            return False
        else:
            values |= {
                "state": "ready",
                "file": take.file,
                "duration_ms": duration_ms,
                "size_bytes": out.stat().st_size,
            }
            log.info(
                "call %s: recording %d ready, %d ms from %d stretch(es)",
                take.call_id, take.number, duration_ms, len(stretches),
            )  # fmt: skip
        self._write(lambda conn: _update(conn, take, values))
        return True

    def _insert(self, take: Take) -> None:
        values = {
            "call_id": take.call_id,
            "number": take.number,
            "node": self.node,
            "team": take.team,
            "group_name": take.group,
            "agent": take.agent,
            "customer": take.customer,
            "started_at": _at(take.started_ms),
            "duration_ms": 0,
            "paused_ms": 0,
            "state": "recording",
            "file": "",
            "size_bytes": 0,
        }
        self._write(lambda conn: conn.execute(insert(Recording).values(**values)))

    def _write(self, write: Callable[[Connection], object]) -> None:
        if self.engine is None:
            return
        with self.engine.begin() as conn:
            write(conn)


def _update(conn: Connection, take: Take, values: dict[str, object]) -> None:
    conn.execute(
        update(Recording)
        .where(Recording.call_id == take.call_id, Recording.number == take.number)
        .values(**values)
    )


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9@._-]", "_", name).lstrip(".") or "_"


def _customer(call: m.Call) -> str:
    customer = call.party(m.CUSTOMER)
    if customer is None:
        return ""
    return str(customer.target) if customer.target is not None else customer.label
