"""A SipUA over one TLS connection to the proxy (RFC 3261 section 26, RFC 5630).

Same transactions and dialogs as the UDP SipUA; only the transport differs: the UA opens
one TLS connection, verified against the proxy's certificate, and sends and receives
everything on it (RFC 5923-style connection reuse: Kamailio reaches the phone through the
connection the phone registered over). Messages are framed by Content-Length (RFC 3261
18.3). Reads and writes share one lock, as one OpenSSL connection is not thread safe.
"""

from __future__ import annotations

import select
import socket
import ssl
from pathlib import Path

from .sipmsg import SipMessage, new_branch
from .sipua import Addr, SipUA, _ClientTx, log

MAX_MESSAGE = 65535


def split_stream(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Complete SIP messages at the front of a stream, and the incomplete rest.
    CRLF keep-alives (RFC 5626 4.4.1) between messages are dropped."""
    messages = []
    while True:
        buffer = buffer.lstrip(b"\r\n")
        head, sep, _ = buffer.partition(b"\r\n\r\n")
        if not sep:
            return messages, buffer
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() in (b"content-length", b"l"):
                length = int(value.strip() or b"0")
        end = len(head) + len(sep) + length
        if len(buffer) < end:
            return messages, buffer
        messages.append(buffer[:end])
        buffer = buffer[end:]


def client_context(cafile: Path) -> ssl.SSLContext:
    """Trust exactly the proxy's (self-signed) certificate, and check its name."""
    context = ssl.create_default_context(cafile=str(cafile))
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    return context


class TlsSipUA(SipUA):
    def __init__(
        self, username: str, password: str | None, proxy: Addr, cafile: Path, **kwargs: object
    ):
        # Connected before SipUA.__init__ starts the reader thread, which reads self.tls.
        raw = socket.create_connection((proxy[0], int(proxy[1])), timeout=5)
        self.tls = client_context(cafile).wrap_socket(raw, server_hostname=proxy[0])
        self.tls.setblocking(False)
        self.tls_version = self.tls.version()
        self._stream = b""
        super().__init__(username, password, proxy, **kwargs)  # type: ignore[arg-type]
        # SipUA bound a UDP socket it will not use: address the phone by its TLS end.
        self.local_ip, self.port = self.tls.getsockname()[:2]
        self.address = (self.local_ip, self.port)
        self.contact = f"<sip:{username}@{self.local_ip}:{self.port};transport=tls>"

    def _via(self) -> str:
        return f"SIP/2.0/TLS {self.local_ip}:{self.port};branch={new_branch()};rport"

    def _sendto(self, data: bytes, dest: Addr, what: str) -> None:
        with self._cond:  # one lock for reads and writes of the TLS connection
            self._recent.append(f"-> tls {what}")
            view = memoryview(data)
            while view:
                try:
                    view = view[self.tls.send(view) :]
                except (ssl.SSLWantWriteError, ssl.SSLWantReadError):
                    select.select([], [self.tls], [], 0.05)
                except OSError as exc:
                    log.warning("TLS send failed: %s", exc)
                    return

    def _start_tx(self, req: SipMessage, dest: Addr, on_response: object) -> _ClientTx:
        tx = super()._start_tx(req, dest, on_response)  # type: ignore[arg-type]
        tx.retrans.active = False  # RFC 3261 17.1.1.2 / 17.1.2.2: no Timer A/E on TLS
        return tx

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                readable = select.select([self.tls], [], [], 0.05)[0]
            except (OSError, ValueError):  # closed under us
                break
            with self._cond:
                try:
                    if readable or self.tls.pending():
                        self._read()
                    self._on_timers()
                except Exception:  # noqa: BLE001  never let one bad message kill the UA
                    log.exception("%s: error handling TLS data", self.username)
                self._cond.notify_all()

    def _read(self) -> None:
        try:
            data = self.tls.recv(MAX_MESSAGE)
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return
        if not data:
            self._recent.append("<- tls connection closed by the proxy")
            self._stop.set()
            return
        messages, self._stream = split_stream(self._stream + data)
        for message in messages:
            self._on_datagram(message, self.proxy)

    def close(self) -> None:
        super().close()
        try:
            self.tls.close()
        except OSError:
            pass
