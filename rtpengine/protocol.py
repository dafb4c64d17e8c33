"""The ng protocol's framing: ``"<cookie> <json dict>"`` both ways, no I/O here.

rtpengine caches replies per cookie, so every request needs a fresh one.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

CONTENT_TYPE = "application/x-rtpengine-ng"


class RtpengineError(RuntimeError):
    """rtpengine answered ``result: error`` (or something that is not ng)."""


def new_cookie() -> str:
    return uuid.uuid4().hex


def encode(cookie: str, command: str, params: dict[str, Any]) -> bytes:
    return f"{cookie} {json.dumps({'command': command, **params})}".encode()


def decode(cookie: str, body: bytes) -> dict[str, Any]:
    """The reply dict for ``cookie``; raises ``RtpengineError`` on any failure."""
    head, _, payload = body.partition(b" ")
    if head.decode(errors="replace") != cookie:
        raise RtpengineError(f"reply cookie {head!r} does not match {cookie!r}")
    try:
        reply = json.loads(payload)
    except ValueError as exc:
        raise RtpengineError(f"reply is not JSON: {payload[:200]!r}") from exc
    if not isinstance(reply, dict):
        raise RtpengineError(f"reply is not a dictionary: {reply!r}")
    if reply.get("result") == "error":
        raise RtpengineError(str(reply.get("error-reason", "unknown error")))
    return reply
