"""rtpengine's DTMF events (``--dtmf-log-dest``): JSON datagrams, one per key press,
relayed to every call-control process.

rtpengine sends every call's DTMF to one address, but a feature-code call (``*64``,
``*65``, ...) may be on any call-control process the dispatcher picked. So each process
tries to bind that address; the one that holds it publishes each datagram on a Redis
channel, and every process (the holder too) takes from the channel the events of its
own calls -- ``FeatureService.on_dtmf`` ignores call ids it does not serve. The others
retry the bind every ``REBIND_S``: when the holder dies, another takes over within about
a second (key presses in that gap are lost; the caller keys again). If Redis cannot take
a datagram the holder hands it to its own calls, so one process alone never loses keys.
A malformed datagram is dropped with a log line.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time
from collections.abc import Callable

import redis

from callcontrol.sip import SipStack

log = logging.getLogger(__name__)

REBIND_S = 1.0
OnDtmf = Callable[[str, str, int], None]


def parse_event(data: bytes) -> tuple[str, str, int] | None:
    """(call id, source tag, event) of a DTMF datagram, or None."""
    try:
        message = json.loads(data)
        return str(message["callid"]), str(message["source_tag"]), int(message["event"])
    except (ValueError, KeyError, TypeError):
        return None


def wire(event: tuple[str, str, int]) -> str:
    call_id, source_tag, key = event
    return json.dumps({"callid": call_id, "source_tag": source_tag, "event": key})


class DtmfRelay:
    def __init__(
        self, port: int, client: redis.Redis, channel: str, sip: SipStack, on_dtmf: OnDtmf
    ) -> None:
        self.port, self.client, self.channel = port, client, channel
        self.sip, self.on_dtmf = sip, on_dtmf
        self.holding = threading.Event()  # this process holds rtpengine's DTMF address

    def start(self) -> None:
        threading.Thread(target=self._subscribe, name="dtmf-subscriber", daemon=True).start()
        threading.Thread(target=self._receive, name="dtmf-receiver", daemon=True).start()

    # --- every process: events of its calls from the channel ------------------------------

    def _subscribe(self) -> None:
        while True:
            try:
                pubsub = self.client.pubsub(ignore_subscribe_messages=True)  # type: ignore[no-untyped-call]
                pubsub.subscribe(self.channel)
                for message in pubsub.listen():
                    event = parse_event(message["data"])
                    if event is not None:
                        self.sip.call_soon(self.on_dtmf, *event)
            except redis.RedisError as exc:
                log.warning("DTMF channel lost, subscribing again: %s", exc)
                time.sleep(REBIND_S)

    # --- the one process bound to rtpengine's destination ---------------------------------

    def _receive(self) -> None:
        sock = self._bind()
        log.info("receiving rtpengine's DTMF events on udp:127.0.0.1:%d", self.port)
        self.holding.set()
        while True:
            try:
                data = sock.recv(4096)
            except OSError:
                return
            event = parse_event(data)
            if event is None:
                log.info("ignoring a DTMF datagram: %r", data[:200])
                continue
            try:
                self.client.publish(self.channel, wire(event))
            except redis.RedisError as exc:
                log.warning("DTMF channel unavailable, only this process's calls: %s", exc)
                self.sip.call_soon(self.on_dtmf, *event)

    def _bind(self) -> socket.socket:
        """The DTMF address, once no other process holds it (checked every REBIND_S)."""
        waiting_logged = False
        while True:
            sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            try:
                sock.bind(("127.0.0.1", self.port))
                return sock
            except OSError:
                sock.close()
                if not waiting_logged:
                    log.info("another process receives DTMF on %d; standing by", self.port)
                    waiting_logged = True
                time.sleep(REBIND_S)
