"""A synchronous Janus client for AudioBridge rooms of plain-RTP participants.

One client is one Janus session on one kept-alive HTTP connection; handles are attached
to it, one per participant (a handle is in at most one room) and one for room-level
requests (create, destroy, mute, kick, list). Safe to share between threads: requests
are serialised (on loopback ~1 ms for a synchronous one, ~2 ms for ack + event).

Requests the AudioBridge handles synchronously (create, destroy, mute, kick, list ...)
are answered in the POST's response. ``join``, ``configure`` and ``leave`` are answered
``ack``, and their result comes as an event of the session, with the request's
transaction: ``GET /janus/<session>?maxev=N`` long-polls for it (Janus holds the GET up
to 30 s, then answers ``keepalive``). The GET returns every event of the session in
order, for every handle, so events of other handles that come first (a participant
joined, left, was kicked, was muted, the room was destroyed) are kept in ``events()``
(the last ``max_kept_events``); Janus queues them until a GET takes them, so each
asynchronous request also drains what came before it.

The stack's Janus never times sessions out (``session_timeout = 0``, launcher/janus.py):
``destroy_session()`` when done, or its handles and participants stay. A Janus restart
loses every session: requests then fail with ``SESSION_NOT_FOUND``.
"""

from __future__ import annotations

import collections
import threading
import time
from typing import Any, Self

import httpx

from conference import protocol
from conference.protocol import (
    AUDIOBRIDGE,
    Forwarder,
    JanusError,
    Json,
    Participant,
    RtpJoined,
)

# Longer than Janus's 30 s long-poll hold: a poll always ends with an answer from Janus,
# never by our giving up on it (an abandoned poll could swallow the next event).
_LONG_POLL_READ_S = 35.0


class JanusClient:
    def __init__(
        self,
        url: str,
        timeout: float = 5.0,
        *,
        max_kept_events: int = 1000,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        """``url``: the Janus API, e.g. ``http://127.0.0.1:8088/janus``. ``timeout``: for a
        request, and for the event that answers an asynchronous one. ``transport``: httpx's
        (a fake Janus in unit tests)."""
        self.url = url.rstrip("/")
        self.timeout = timeout
        # Janus's HTTP server (libmicrohttpd) closes a connection idle for 120 s: let ours
        # go before that rather than reuse one that may be closing.
        limits = httpx.Limits(max_connections=1, keepalive_expiry=60.0)
        self._http = httpx.Client(timeout=timeout, limits=limits, transport=transport)
        self._lock = threading.RLock()
        self._events: collections.deque[Json] = collections.deque(maxlen=max_kept_events)
        self.session_id: int | None = None

    # --- plumbing -------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (the session stays in Janus: see ``destroy_session``)."""
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        try:
            if self.session_id is not None:
                self.destroy_session()
        except (JanusError, httpx.HTTPError):
            pass  # Janus gone already: nothing left to clean up
        finally:
            self.close()

    def _post(self, path: str, body: Json, what: str) -> Any:
        try:
            response = self._http.post(self.url + path, json=body)
            response.raise_for_status()
            return response.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise JanusError(protocol.BAD_REPLY, f"HTTP: {exc!r}", what) from exc

    def _session_path(self) -> str:
        if self.session_id is None:
            raise JanusError(protocol.SESSION_NOT_FOUND, "no session: call create_session()")
        return f"/{self.session_id}"

    def _poll(self, what: str) -> list[Json]:
        try:
            response = self._http.get(
                self.url + self._session_path(),
                params={"maxev": 100},
                timeout=httpx.Timeout(self.timeout, read=_LONG_POLL_READ_S),
            )
            if response.status_code == 404:  # the long poll's answer for an unknown session
                raise JanusError(protocol.SESSION_NOT_FOUND, "no such session", what)
            response.raise_for_status()
            return protocol.events(response.json())
        except (httpx.HTTPError, ValueError) as exc:
            raise JanusError(protocol.BAD_REPLY, f"long poll: {exc!r}", what) from exc

    def _wait_event(self, transaction: str, what: str) -> Json:
        """The event answering ``transaction``; other events are kept for ``events()``."""
        deadline = time.monotonic() + self.timeout
        while True:
            for event in self._poll(what):
                if event.get("transaction") == transaction:
                    return event
                self._events.append(event)
            if time.monotonic() > deadline:
                raise JanusError(protocol.BAD_REPLY, f"no answer within {self.timeout} s", what)

    # --- the Janus session and its handles --------------------------------------------

    def info(self) -> Json:
        """``GET /janus/info``: version, plugins and transports loaded."""
        try:
            response = self._http.get(self.url + "/info")
            response.raise_for_status()
            return protocol.check(response.json(), "info")
        except (httpx.HTTPError, ValueError) as exc:
            raise JanusError(protocol.BAD_REPLY, f"HTTP: {exc!r}", "info") from exc

    def create_session(self) -> int:
        with self._lock:
            tx = protocol.new_transaction()
            reply = self._post("", protocol.request("create", tx), "create session")
            self.session_id = protocol.success_id(reply, "create session")
            self._events.clear()
            return self.session_id

    def destroy_session(self) -> None:
        """Janus detaches every handle of the session (participants leave their rooms)."""
        with self._lock:
            tx = protocol.new_transaction()
            reply = self._post(self._session_path(), protocol.request("destroy", tx), "destroy")
            protocol.check(reply, "destroy session")
            self.session_id = None

    def keepalive(self) -> None:
        """Only needed when Janus's ``session_timeout`` is not 0 (the stack's is 0)."""
        with self._lock:
            tx = protocol.new_transaction()
            reply = self._post(self._session_path(), protocol.request("keepalive", tx), "keepalive")
            protocol.check(reply, "keepalive")

    def attach(self, plugin: str = AUDIOBRIDGE) -> int:
        """A new handle on ``plugin``; returns its id."""
        with self._lock:
            reply = self._post(
                self._session_path(), protocol.attach(protocol.new_transaction(), plugin), "attach"
            )
            return protocol.success_id(reply, "attach")

    def detach(self, handle: int) -> None:
        """Drop a handle (its participant, if any, leaves its room)."""
        with self._lock:
            tx = protocol.new_transaction()
            path = f"{self._session_path()}/{handle}"
            protocol.check(self._post(path, protocol.request("detach", tx), "detach"), "detach")

    def events(self) -> list[Json]:
        """The events not answering a request of ours, seen so far (then forgotten)."""
        with self._lock:
            kept = list(self._events)
            self._events.clear()
            return kept

    # --- plugin requests ----------------------------------------------------------------

    def send(self, handle: int, body: Json) -> Json:
        """A plugin request on ``handle``; returns the plugin's answer (its ``data``),
        waiting for the event when Janus acknowledges it first. Raises ``JanusError``."""
        what = str(body.get("request", "message"))
        with self._lock:
            tx = protocol.new_transaction()
            path = f"{self._session_path()}/{handle}"
            reply = self._post(path, protocol.message(tx, body), what)
            if protocol.is_ack(reply, what):
                reply = self._wait_event(tx, what)
            return protocol.plugin_data(reply, what)

    def create_room(
        self,
        handle: int,
        room: int,
        *,
        sampling_rate: int = 8000,
        prebuffering: int = 2,
        description: str | None = None,
        groups: list[str] | None = None,
    ) -> None:
        """A non-permanent room for plain-RTP participants (``protocol.create_room``)."""
        self.send(
            handle,
            protocol.create_room(
                room,
                sampling_rate=sampling_rate,
                prebuffering=prebuffering,
                description=description,
                groups=groups,
            ),
        )

    def destroy_room(self, handle: int, room: int) -> None:
        """Participants are removed (their handles stay attached: detach them)."""
        self.send(handle, protocol.destroy_room(room))

    def room_exists(self, handle: int, room: int) -> bool:
        return bool(self.send(handle, protocol.exists(room)).get("exists"))

    def list_participants(self, handle: int, room: int) -> list[Participant]:
        return protocol.participants(self.send(handle, protocol.list_participants(room)))

    def join_rtp(
        self,
        handle: int,
        room: int,
        ip: str | None,
        port: int | None,
        *,
        codec: str = "pcmu",
        payload_type: int | None = None,
        muted: bool = False,
        display: str | None = None,
        participant_id: int | None = None,
        group: str | None = None,
    ) -> RtpJoined:
        """Join ``room`` on ``handle`` as a plain-RTP participant at ``ip``:``port``
        (symmetric: Janus sends the mix there, from the port it returns, once it received
        a first packet there; without an address it only listens to the participant).
        Returns the participant id and Janus's address."""
        body = protocol.join_rtp(
            room,
            ip,
            port,
            codec=codec,
            payload_type=payload_type,
            muted=muted,
            display=display,
            participant_id=participant_id,
            group=group,
        )
        return protocol.joined(self.send(handle, body))

    def configure(
        self,
        handle: int,
        *,
        muted: bool | None = None,
        volume: int | None = None,
        group: str | None = None,
    ) -> None:
        """Change the handle's own participant (mute/unmute it, its volume in percent, its
        forwarding group)."""
        self.send(handle, protocol.configure(muted=muted, volume=volume, group=group))

    def rtp_forward(
        self,
        handle: int,
        room: int,
        host: str,
        port: int,
        *,
        group: str | None,
        ssrc: int,
        codec: str = "pcmu",
        payload_type: int | None = None,
        always_on: bool = False,
    ) -> int:
        """Forward ``group``'s mix (the whole room's if None) to ``host``:``port`` as one
        RTP stream of SSRC ``ssrc`` (``protocol.rtp_forward``); returns the forwarder's
        stream id."""
        body = protocol.rtp_forward(
            room,
            host,
            port,
            group=group,
            ssrc=ssrc,
            codec=codec,
            payload_type=payload_type,
            always_on=always_on,
        )
        return protocol.forwarded(self.send(handle, body))

    def stop_rtp_forward(self, handle: int, room: int, stream_id: int) -> None:
        self.send(handle, protocol.stop_rtp_forward(room, stream_id))

    def list_forwarders(self, handle: int, room: int) -> list[Forwarder]:
        return protocol.forwarders(self.send(handle, protocol.list_forwarders(room)))

    def mute(self, handle: int, room: int, participant_id: int, muted: bool = True) -> None:
        """Mute or unmute any participant of ``room`` (from a room-level handle)."""
        self.send(handle, protocol.mute(room, participant_id, muted))

    def kick(self, handle: int, room: int, participant_id: int) -> None:
        """Remove a participant (its handle stays attached: detach it)."""
        self.send(handle, protocol.kick(room, participant_id))

    def leave(self, handle: int) -> None:
        """The handle's participant leaves its room (the handle can join again)."""
        self.send(handle, protocol.leave())
