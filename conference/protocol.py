"""The Janus HTTP API and AudioBridge messages, built and read without I/O.

Every request is ``{"janus": <verb>, "transaction": <id>, ...}``. Janus answers each POST
at once: ``success`` (with ``data`` for create/attach, ``plugindata`` for a plugin request
handled synchronously), ``error`` (a Janus error: no such session/handle ...), or ``ack``
for plugin requests handled asynchronously (AudioBridge: join, configure, changeroom,
leave), whose result comes later as an ``event`` with the same transaction, read by
long-polling ``GET /janus/<session>``. A plugin failure is no Janus error: it is a
``success``/``event`` whose plugin data holds ``error_code`` and ``error``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

AUDIOBRIDGE = "janus.plugin.audiobridge"

Json = dict[str, Any]

# Janus core errors (apierror.h)
SESSION_NOT_FOUND = 458
HANDLE_NOT_FOUND = 459
# AudioBridge errors (janus_audiobridge.c)
MISSING_ELEMENT = 483
NO_SUCH_ROOM = 485
ROOM_EXISTS = 486
NOT_JOINED = 487
ID_EXISTS = 490
ALREADY_JOINED = 491
NO_SUCH_USER = 492
NO_SUCH_GROUP = 494
# Not Janus's: a reply that is not what the protocol promises (e.g. no RTP port on join).
BAD_REPLY = -1

SAMPLING_RATES = (8000, 12000, 16000, 24000, 48000)  # what the AudioBridge mixes at
STATIC_PAYLOAD_TYPES = {"pcmu": 0, "pcma": 8}  # opus: dynamic, the caller's choice
MAX_GROUPS = 5  # forwarding groups per room (JANUS_AUDIOBRIDGE_MAX_GROUPS)


class JanusError(RuntimeError):
    """Janus (or its AudioBridge plugin) refused a request: ``code`` and ``reason`` are
    Janus's own (``BAD_REPLY`` for a reply this client cannot use)."""

    def __init__(self, code: int, reason: str, request: str = "") -> None:
        self.code, self.reason, self.request = code, reason, request
        super().__init__(f"{request + ': ' if request else ''}{reason} (Janus error {code})")


@dataclass(frozen=True)
class RtpJoined:
    """A plain-RTP participant in a room: send its audio to ``ip``:``port`` (from the
    address given in the join: Janus's socket is connected to it and takes nothing else)."""

    room: int
    participant_id: int
    ip: str
    port: int
    payload_type: int


@dataclass(frozen=True)
class Forwarder:
    """One entry of ``listforwarders``."""

    stream_id: int
    host: str
    port: int
    ssrc: int
    codec: str
    payload_type: int
    group: str | None = None  # None: the whole room's mix
    always_on: bool = False


@dataclass(frozen=True)
class Participant:
    """One entry of ``listparticipants``."""

    id: int
    muted: bool
    setup: bool  # media flowing: for plain RTP, Janus received a first packet
    display: str | None = None


def new_transaction() -> str:
    return uuid.uuid4().hex[:16]


# --- requests -------------------------------------------------------------------------


def request(verb: str, transaction: str, **fields: Any) -> Json:
    """A Janus API request: ``create``, ``attach``, ``detach``, ``keepalive``, ``destroy``."""
    return {"janus": verb, "transaction": transaction, **fields}


def attach(transaction: str, plugin: str = AUDIOBRIDGE) -> Json:
    return request("attach", transaction, plugin=plugin)


def message(transaction: str, body: Json) -> Json:
    """A plugin request sent to a handle."""
    return request("message", transaction, body=body)


def create_room(
    room: int,
    *,
    sampling_rate: int = 8000,
    prebuffering: int = 2,
    description: str | None = None,
    groups: list[str] | None = None,
) -> Json:
    """A room for plain-RTP participants, gone with Janus (``permanent`` false) and without
    audio-level work. ``prebuffering``: packets buffered per participant before mixing
    (2: ~60 ms through the mixer; Janus's default 6: ~140 ms). ``groups`` (at most 5):
    every participant then joins one, and a forwarder may send one group's mix only
    (groups change forwarders, never what a participant hears)."""
    if sampling_rate not in SAMPLING_RATES:
        raise ValueError(f"sampling rate {sampling_rate}: AudioBridge mixes at {SAMPLING_RATES}")
    body: Json = {
        "request": "create",
        "room": _positive("room", room),
        "permanent": False,
        "sampling_rate": sampling_rate,
        "allow_rtp_participants": True,
        "audiolevel_ext": False,
        "audiolevel_event": False,
        "default_prebuffering": prebuffering,
    }
    if description is not None:
        body["description"] = description
    if groups:
        if len(groups) > MAX_GROUPS:
            raise ValueError(f"{len(groups)} groups: a room has at most {MAX_GROUPS}")
        body["groups"] = list(groups)
    return body


def destroy_room(room: int) -> Json:
    return {"request": "destroy", "room": room, "permanent": False}


def join_rtp(
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
) -> Json:
    """Join ``room`` as a plain-RTP participant whose audio comes from (and whose mix
    goes to) ``ip``:``port``. ``payload_type``: the static one of pcmu/pcma by default.
    Without an address the participant only talks: Janus takes its packets from any
    source and sends it nothing (its socket is connected only to an address given).
    In a room with groups, ``group`` is required (Janus: "Missing element (group)")."""
    if (ip is None) != (port is None):
        raise ValueError(f"an address is ip and port, or neither: {ip!r}:{port!r}")
    if payload_type is None:
        if codec not in STATIC_PAYLOAD_TYPES:
            raise ValueError(f"codec {codec!r} needs an explicit payload_type")
        payload_type = STATIC_PAYLOAD_TYPES[codec]
    body: Json = {
        "request": "join",
        "room": room,
        "codec": codec,
        "muted": muted,
        "rtp": {"payload_type": payload_type},
    }
    if ip is not None and port is not None:
        body["rtp"] |= {"ip": ip, "port": _positive("port", port)}
    if group is not None:
        body["group"] = group
    if display is not None:
        body["display"] = display
    if participant_id is not None:
        body["id"] = participant_id
    return body


def configure(
    *, muted: bool | None = None, volume: int | None = None, group: str | None = None
) -> Json:
    """Change the participant of the handle it is sent to; ``volume``: percent (100 = as
    is); ``group``: the forwarding group it is in. Janus applies ``group`` before
    ``muted`` (each takes effect at the mixer's next 20 ms tick)."""
    body: Json = {"request": "configure"}
    if group is not None:
        body["group"] = group
    if muted is not None:
        body["muted"] = muted
    if volume is not None:
        body["volume"] = volume
    return body


def rtp_forward(
    room: int,
    host: str,
    port: int,
    *,
    group: str | None = None,
    ssrc: int,
    codec: str = "pcmu",
    payload_type: int | None = None,
    always_on: bool = False,
) -> Json:
    """Send the room's mix (``group``'s only, if given) as RTP to ``host``:``port``, with
    the SSRC ``ssrc`` throughout, from the room's one forwarding socket (unbound: an
    ephemeral port, not a participant's). A forwarder's sequence numbers and timestamps
    start at 0 and run on, one packet per 20 ms, silence included, while the room has a
    participant (``always_on``: even while it has none). For pcmu/pcma Janus sends the
    static payload type whatever ``ptype`` says; opus needs ``payload_type`` (dynamic)."""
    if codec in STATIC_PAYLOAD_TYPES:
        if payload_type not in (None, STATIC_PAYLOAD_TYPES[codec]):
            raise ValueError(
                f"codec {codec!r} is sent as payload type {STATIC_PAYLOAD_TYPES[codec]}"
            )
        payload_type = STATIC_PAYLOAD_TYPES[codec]
    elif codec != "opus":
        raise ValueError(f"codec {codec!r}: forwarders send opus, pcmu or pcma")
    elif payload_type is None or not 96 <= payload_type <= 127:
        raise ValueError(f"opus needs a dynamic payload_type (96-127), not {payload_type!r}")
    body: Json = {
        "request": "rtp_forward",
        "room": room,
        "host": host,
        "port": _positive("port", port),
        "codec": codec,
        "ptype": payload_type,
        "ssrc": _positive("ssrc", ssrc),
    }
    if group is not None:
        body["group"] = group
    if always_on:
        body["always_on"] = True
    return body


def forwarded(data: Json, what: str = "rtp_forward") -> int:
    """The stream id of a new forwarder (to stop it)."""
    if data.get("audiobridge") != "success" or not isinstance(data.get("stream_id"), int):
        raise JanusError(BAD_REPLY, f"no forwarder: {data!r:.200}", what)
    return int(data["stream_id"])


def stop_rtp_forward(room: int, stream_id: int) -> Json:
    return {"request": "stop_rtp_forward", "room": room, "stream_id": stream_id}


def list_forwarders(room: int) -> Json:
    return {"request": "listforwarders", "room": room}


def mute(room: int, participant_id: int, muted: bool = True) -> Json:
    """Mute (or unmute) another participant, from any handle (a moderator's)."""
    return {"request": "mute" if muted else "unmute", "room": room, "id": participant_id}


def kick(room: int, participant_id: int) -> Json:
    return {"request": "kick", "room": room, "id": participant_id}


def leave() -> Json:
    return {"request": "leave"}


def list_participants(room: int) -> Json:
    return {"request": "listparticipants", "room": room}


def exists(room: int) -> Json:
    return {"request": "exists", "room": room}


def _positive(name: str, value: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, not {value!r}")
    return value


# --- replies --------------------------------------------------------------------------


def check(reply: Any, what: str = "") -> Json:
    """``reply`` as a JSON object; raises ``JanusError`` for a Janus ``error``."""
    if not isinstance(reply, dict):
        raise JanusError(BAD_REPLY, f"not a JSON object: {reply!r:.200}", what)
    if reply.get("janus") == "error":
        error = reply.get("error") or {}
        raise JanusError(int(error.get("code", BAD_REPLY)), str(error.get("reason", "")), what)
    return reply


def success_id(reply: Any, what: str = "") -> int:
    """The new session's or handle's id from a ``create``/``attach`` reply."""
    reply = check(reply, what)
    try:
        if reply["janus"] != "success":
            raise KeyError("janus")
        return int(reply["data"]["id"])
    except (KeyError, TypeError, ValueError):
        raise JanusError(BAD_REPLY, f"no id in {reply!r:.200}", what) from None


def is_ack(reply: Any, what: str = "") -> bool:
    return check(reply, what).get("janus") == "ack"


def plugin_data(reply: Any, what: str = "") -> Json:
    """The plugin's answer in a ``success`` reply or an ``event``; raises ``JanusError``
    for a Janus error or a plugin error (``error_code``)."""
    reply = check(reply, what)
    data = (reply.get("plugindata") or {}).get("data")
    if not isinstance(data, dict):
        raise JanusError(BAD_REPLY, f"no plugin data in {reply!r:.200}", what)
    if "error_code" in data:
        raise JanusError(int(data["error_code"]), str(data.get("error", "")), what)
    return data


def event_data(event: Json) -> Json | None:
    """An event's plugin data, or None for a Janus event (``detached``, ``hangup`` ...)."""
    data = (event.get("plugindata") or {}).get("data")
    return data if isinstance(data, dict) else None


def events(body: Any) -> list[Json]:
    """The events of a long-poll answer (one object, or a list with ``maxev`` > 1),
    without the ``keepalive`` Janus sends when nothing happened for 30 s."""
    items = body if isinstance(body, list) else [body]
    return [e for e in items if isinstance(e, dict) and e.get("janus") != "keepalive"]


def joined(data: Json, what: str = "join") -> RtpJoined:
    """The ``joined`` answer to a plain-RTP join. Janus joins the participant even when it
    could not bind an RTP port (it only logs it): then ``rtp`` is missing."""
    rtp = data.get("rtp")
    if data.get("audiobridge") != "joined" or not isinstance(rtp, dict):
        raise JanusError(BAD_REPLY, f"joined without an RTP address: {data!r:.200}", what)
    return RtpJoined(
        room=int(data["room"]),
        participant_id=int(data["id"]),
        ip=str(rtp["ip"]),
        port=int(rtp["port"]),
        payload_type=int(rtp["payload_type"]),
    )


def participants(data: Json) -> list[Participant]:
    return [
        Participant(
            id=int(p["id"]),
            muted=bool(p.get("muted", False)),
            setup=bool(p.get("setup", False)),
            display=p.get("display"),
        )
        for p in data.get("participants", [])
    ]


def forwarders(data: Json) -> list[Forwarder]:
    """The answer to ``listforwarders``."""
    return [
        Forwarder(
            stream_id=int(f["stream_id"]),
            host=str(f["ip"]),
            port=int(f["port"]),
            ssrc=int(f.get("ssrc", 0)),
            codec=str(f.get("codec", "opus")),
            payload_type=int(f.get("ptype", 0)),
            group=f.get("group"),
            always_on=bool(f.get("always_on", False)),
        )
        for f in data.get("rtp_forwarders", [])
    ]
