"""rtpengine's DTMF events (``--dtmf-log-dest``): JSON datagrams, one per key press.

A daemon thread reads them and hands each to the SIP reactor; a malformed datagram is
dropped. One listener per host: rtpengine has one destination (see the README).
"""

from __future__ import annotations

import json
import logging
import socket
import threading
from collections.abc import Callable

from callcontrol.sip import SipStack

log = logging.getLogger(__name__)


def parse_event(data: bytes) -> tuple[str, str, int] | None:
    """(call id, source tag, event) of a DTMF datagram, or None."""
    try:
        message = json.loads(data)
        return str(message["callid"]), str(message["source_tag"]), int(message["event"])
    except (ValueError, KeyError, TypeError):
        return None


def listen_dtmf(port: int, sip: SipStack, on_dtmf: Callable[[str, str, int], None]) -> None:
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", port))

    def run() -> None:
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            event = parse_event(data)
            if event is None:
                log.info("ignoring a DTMF datagram: %r", data[:200])
                continue
            sip.call_soon(on_dtmf, *event)

    threading.Thread(target=run, name="dtmf", daemon=True).start()
