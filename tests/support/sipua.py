"""A small SIP user agent for integration tests (UDP only, pure stdlib).

One UDP socket and one reader thread per SipUA. The reader parses datagrams, drives every
timer (retransmissions) and answers what the test did not ask for; the test-facing API
waits on a condition variable with deadlines and raises TimeoutError that lists the last
messages seen. Message syntax lives in sipmsg.py; this module does transactions (RFC 3261
section 17) and dialogs (section 12) in the simplified form a test needs.
"""

from __future__ import annotations

import collections
import logging
import random
import socket
import threading
import time
from collections.abc import Callable
from typing import Self

from .rtp import RtpEndpoint
from .sipmsg import (
    SipMessage,
    SipParseError,
    build_sdp,
    digest_authorization,
    new_branch,
    new_call_id,
    new_tag,
    parse,
    parse_challenge,
    parse_name_addr,
    parse_sdp_audio,
    parse_uri,
    uri_dest,
)

log = logging.getLogger(__name__)

T1, T2 = 0.5, 4.0  # RFC 3261 17.1.1.1 timer values
REQUEST_RETRANSMIT = 4.0  # retransmit requests for ~4 s (0.5, 1, 2 s gaps), then just wait
RESPONSE_RETRANSMIT = 32.0  # 2xx / non-2xx final to INVITE: until ACK or 64*T1 (13.3.1.4, 17.2.1)
LINGER = 32.0  # keep finished transactions this long to absorb retransmissions
ALLOW = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, MESSAGE, UPDATE"
Addr = tuple[str, int]


class _Retransmitter:
    """Resend `data` at T1, 2*T1, 4*T1... (capped at `cap`) until stopped or `window` ends."""

    def __init__(self, data: bytes, dest: Addr, window: float, cap: float | None = None):
        self.data, self.dest, self.cap, self.interval = data, dest, cap, T1
        now = time.monotonic()
        self.next_at, self.until, self.active = now + T1, now + window, True

    def due(self, now: float) -> bool:
        if not self.active or now >= self.until:
            self.active = False
            return False
        if now < self.next_at:
            return False
        self.interval = min(self.interval * 2, self.cap) if self.cap else self.interval * 2
        self.next_at = now + self.interval
        return True


class _ClientTx:
    def __init__(self, req: SipMessage, dest: Addr, on_response: Callable | None):
        self.req, self.dest, self.on_response = req, dest, on_response
        self.method = req.cseq[1]
        self.final: SipMessage | None = None
        self.ack: tuple[bytes, Addr] | None = None  # re-sent when the final is retransmitted
        self.created = time.monotonic()
        self.done_at: float | None = None
        self.retrans = _Retransmitter(
            req.encode(), dest, REQUEST_RETRANSMIT, None if self.method == "INVITE" else T2
        )


class _ServerTx:
    def __init__(self, req: SipMessage):
        self.req = req
        self.last: bytes | None = None  # last response, repeated on request retransmission
        self.final_status: int | None = None
        self.final_at: float | None = None
        self.retrans: _Retransmitter | None = None
        self.call: IncomingCall | None = None


def _tx_key(msg: SipMessage, method: str) -> tuple[str, str]:
    branch = msg.branch
    if not branch.startswith("z9hG4bK"):  # RFC 3261 17.2.3: pre-3261 peers, match on more
        branch = f"{msg.call_id}|{msg.from_tag}|{msg.cseq[0]}|{msg.headers.values('Via')[0]}"
    return branch, method


def _sdp_addr(ua: SipUA, rtp: RtpEndpoint | None) -> Addr:
    # Without an RtpEndpoint, advertise the discard port: valid SDP, no media expected.
    return tuple(rtp.address) if rtp is not None else (ua.local_ip, 9)


class Dialog:
    """State shared by both ends of a call (RFC 3261 12): route set, CSeq, tags."""

    def __init__(
        self,
        ua: SipUA,
        call_id: str,
        local_tag: str,
        local_hdr: str,
        remote_hdr: str,
        remote_target: str,
        route_set: list[str],
        rtp: RtpEndpoint | None = None,
    ):
        self.ua, self.call_id, self.local_tag = ua, call_id, local_tag
        self.local_hdr, self.remote_hdr, self.remote_target = local_hdr, remote_hdr, remote_target
        self.route_set = route_set
        self.local_cseq, self.remote_cseq = random.randint(1, 1000), None
        self.state = "early"
        self.rtp = rtp
        self.sdp_session, self.sdp_version = random.randint(1, 10**9), 1
        self.direction = "sendrecv"  # of our SDP: sendonly/inactive holds the other side
        self.codec = "PCMU"  # of our SDP (sipmsg.G711)
        self.remote_rtp: Addr | None = None
        self.remote_sdp = b""
        self.requests: list[SipMessage] = []  # in-dialog requests received
        self.bye_request: SipMessage | None = None
        self.acks: dict[int, SipMessage] = {}  # CSeq -> ACK received for our 2xx
        self._pending_2xx: dict[int, _Retransmitter] = {}
        ua._dialogs[(call_id, local_tag)] = self

    def _sdp(self) -> bytes:
        ip, port = _sdp_addr(self.ua, self.rtp)
        return build_sdp(
            self.ua.username, ip, port, self.sdp_session, self.sdp_version, self.direction,
            self.codec,
        )  # fmt: skip

    def _set_remote_sdp(self, body: bytes) -> None:
        if body:
            self.remote_sdp, self.remote_rtp = body, parse_sdp_audio(body) or self.remote_rtp
            # A phone sends where the latest SDP says (a re-INVITE may move the far port).
            if self.rtp is not None and self.rtp.remote is not None and self.remote_rtp:
                self.rtp.remote = self.remote_rtp

    def _next_hop(self) -> Addr:
        # RFC 3261 8.1.2 / 12.2.1.1: send to the first Route, else to the outbound proxy.
        return uri_dest(parse_name_addr(self.route_set[0])[1]) if self.route_set else self.ua.proxy

    def _build(
        self,
        method: str,
        cseq: int | None = None,
        body: bytes = b"",
        extra: list[tuple[str, str]] = (),
    ) -> SipMessage:
        if cseq is None:
            self.local_cseq += 1
            cseq = self.local_cseq
        ruri, routes = self.remote_target, list(self.route_set)
        if routes and "lr" not in parse_uri(parse_name_addr(routes[0])[1])[3]:
            # RFC 3261 12.2.1.1 strict routing: the first route becomes the Request-URI and
            # the remote target is appended as the last Route.
            ruri, routes = parse_name_addr(routes[0])[1], routes[1:] + [f"<{self.remote_target}>"]
        h = [("Via", self.ua._via()), ("Max-Forwards", "70")] + [("Route", r) for r in routes]
        h += [
            ("From", self.local_hdr),
            ("To", self.remote_hdr),
            ("Call-ID", self.call_id),
            ("CSeq", f"{cseq} {method}"),
            ("Contact", self.ua.contact),
            ("User-Agent", "switchboard-test-ua"),
        ] + list(extra)
        if body:
            h.append(("Content-Type", "application/sdp"))
        return SipMessage.request(method, ruri, h, body)

    def _ack_2xx(self, tx: _ClientTx, resp: SipMessage) -> None:
        # RFC 3261 13.2.2.4: the ACK for a 2xx is built like an in-dialog request, with the
        # INVITE's CSeq number, a new branch and the INVITE's credentials; its own transaction.
        auth = [(n, v) for n, v in tx.req.headers.items() if n.lower().endswith("authorization")]
        ack = self._build("ACK", cseq=tx.req.cseq[0], extra=auth)
        tx.ack = (ack.encode(), self._next_hop())
        self.ua._sendto(tx.ack[0], tx.ack[1], ack.summary())

    def _on_request(self, req: SipMessage) -> None:
        """An in-dialog request the test did not ask for: answer it (reader thread)."""
        self.requests.append(req)
        cseq = req.cseq[0]
        if self.remote_cseq is not None and cseq < self.remote_cseq:
            self.ua._respond(req, 500, "Server Internal Error")  # RFC 3261 12.2.2 out of order
            return
        self.remote_cseq = cseq
        if req.method == "BYE":
            self.bye_request, self.state = req, "terminated"
            for r in self._pending_2xx.values():
                r.active = False
            self.ua._respond(req, 200, "OK")
        elif req.method in ("INVITE", "UPDATE"):
            # Re-INVITE / UPDATE: accept and answer with our current (unchanged) SDP; the
            # Contact refreshes the remote target (RFC 3261 12.2.2).
            self._set_remote_sdp(req.body)
            if req.headers.values("Contact"):
                self.remote_target = parse_name_addr(req.headers.values("Contact")[0])[1]
            resp = self.ua._respond(
                req,
                200,
                "OK",
                extra=[("Contact", self.ua.contact), ("Content-Type", "application/sdp")],
                body=self._sdp(),
            )
            if req.method == "INVITE":
                self._pending_2xx[cseq] = self.ua._retransmit(resp, req.source, RESPONSE_RETRANSMIT)
        elif req.method in ("OPTIONS", "INFO", "NOTIFY", "MESSAGE"):
            self.ua._respond(req, 200, "OK", extra=[("Allow", ALLOW)])
        else:
            self.ua._respond(req, 501, "Not Implemented")

    def _on_ack(self, ack: SipMessage) -> None:
        num = ack.cseq[0]
        if num in self._pending_2xx:
            self._pending_2xx.pop(num).active = False
        self.acks[num] = ack
        if self.state == "answered":
            self.state = "confirmed"

    def _transact(
        self, req: SipMessage, timeout: float, what: str, on_2xx: Callable | None = None
    ) -> SipMessage:
        tx = self.ua._start_tx(
            req,
            self._next_hop(),
            lambda tx, m: on_2xx(tx, m) if on_2xx and 200 <= m.status < 300 else None,
        )
        self.ua._wait(lambda: tx.final is not None, timeout, what)
        return tx.final

    def bye(self, timeout: float = 10) -> SipMessage:
        """Hang up (BYE within the dialog); returns the final response."""
        with self.ua._cond:
            req = self._build("BYE")
            for r in self._pending_2xx.values():
                r.active = False
        resp = self._transact(req, timeout, f"final response to BYE ({self.call_id})")
        self.state = "terminated"
        return resp

    def refer(self, refer_to: str, timeout: float = 10) -> SipMessage:
        """REFER the other side to ``refer_to`` (a blind transfer, RFC 3515); the final."""
        with self.ua._cond:
            req = self._build("REFER", extra=[("Refer-To", f"<{refer_to}>")])
        return self._transact(req, timeout, f"final response to REFER ({self.call_id})")

    def reinvite(
        self, rtp: RtpEndpoint | None = None, timeout: float = 10, direction: str | None = None
    ) -> SipMessage:
        """Re-INVITE with a new SDP version (RFC 3264 8), ``direction`` to hold
        (sendonly/inactive) or resume (sendrecv); ACKs a 2xx; returns the final."""
        with self.ua._cond:
            self.direction = direction or self.direction
            self.rtp = rtp if rtp is not None else self.rtp
            self.sdp_version += 1
            req = self._build("INVITE", body=self._sdp())

        def on_2xx(tx, resp):
            self._ack_2xx(tx, resp)
            self._set_remote_sdp(resp.body)
            if resp.headers.values("Contact"):  # RFC 3261 12.2.1.2: target refresh
                self.remote_target = parse_name_addr(resp.headers.values("Contact")[0])[1]

        return self._transact(req, timeout, f"final response to re-INVITE ({self.call_id})", on_2xx)

    def wait_bye(self, timeout: float = 10) -> SipMessage:
        """Wait for the remote BYE (already answered 200 by the reader)."""
        self.ua._wait(lambda: self.bye_request is not None, timeout, f"BYE in {self.call_id}")
        return self.bye_request


class Call(Dialog):
    """The caller's side: created by SipUA.invite()."""

    def __init__(
        self, ua: SipUA, ruri: str, to_uri: str, rtp: RtpEndpoint | None, extra_headers: dict | None
    ):
        tag = new_tag()
        super().__init__(
            ua, new_call_id(ua.local_ip), tag, f"<{ua.aor}>;tag={tag}", f"<{to_uri}>", ruri, [], rtp
        )
        self.ruri, self.extra_headers = ruri, dict(extra_headers or {})
        self.provisional: list[int] = []
        self.provisional_responses: list[SipMessage] = []
        self.status: int | None = None
        self.response: SipMessage | None = None
        self.challenge: SipMessage | None = None  # the 401/407 we answered, if any
        self.cancelled = False
        self._invite: SipMessage | None = None
        self._tx: _ClientTx | None = None

    def _send_invite(self, auth: tuple[str, str] | None = None) -> None:
        self.local_cseq += 1
        h = [
            ("Via", self.ua._via()),
            ("Max-Forwards", "70"),
            ("From", self.local_hdr),
            ("To", self.remote_hdr),
            ("Call-ID", self.call_id),
            ("CSeq", f"{self.local_cseq} INVITE"),
            ("Contact", self.ua.contact),
            ("Allow", ALLOW),
            ("User-Agent", "switchboard-test-ua"),
            ("Content-Type", "application/sdp"),
        ] + list(self.extra_headers.items())
        if auth:
            h.append(auth)
        self._invite = SipMessage.request("INVITE", self.ruri, h, self._sdp())
        self._tx = self.ua._start_tx(self._invite, self.ua.proxy, self._on_response)

    def _on_response(self, tx: _ClientTx, resp: SipMessage) -> None:  # reader thread
        if tx is not self._tx:
            return
        if resp.status < 200:
            self.provisional.append(resp.status)
            self.provisional_responses.append(resp)
            return
        if resp.status in (401, 407) and self.challenge is None and not self.cancelled:
            auth = self.ua._authorization(resp, "INVITE", self.ruri)
            if auth:  # RFC 3261 22.2: retry once, same Call-ID, CSeq+1 (the 4xx was ACKed)
                self.challenge = resp
                self._send_invite(auth)
                return
        self.status, self.response = resp.status, resp
        if resp.status >= 300:
            self.state = "terminated"
            return
        # RFC 3261 12.1.2: remote tag from To, route set = Record-Route reversed,
        # remote target = Contact of the 2xx.
        self.remote_hdr = resp.headers.get("To")
        self.route_set = list(reversed(resp.headers.values("Record-Route")))
        if resp.headers.values("Contact"):
            self.remote_target = parse_name_addr(resp.headers.values("Contact")[0])[1]
        self.state = "confirmed"
        self._set_remote_sdp(resp.body)
        self._ack_2xx(tx, resp)

    def wait_provisional(self, code: int | None = None, timeout: float = 10) -> SipMessage:
        def seen():
            return any(code in (None, r.status) for r in self.provisional_responses)

        self.ua._wait(
            lambda: seen() or self.status is not None, timeout, f"provisional {code or ''}"
        )
        if not seen():
            raise AssertionError(f"final {self.status} arrived before provisional {code}")
        return [r for r in self.provisional_responses if code in (None, r.status)][-1]

    def wait_final(self, timeout: float = 10) -> SipMessage:
        self.ua._wait(
            lambda: self.status is not None, timeout, f"final response to INVITE {self.ruri}"
        )
        return self.response

    def cancel(self, timeout: float = 10) -> SipMessage | None:
        """CANCEL the pending INVITE (RFC 3261 9.1); returns the CANCEL's final response
        (None if the INVITE already had a final). Afterwards call.status is 487 normally;
        if a 2xx won the race, the call is ACKed and hung up with BYE."""
        # 9.1: a CANCEL must not be sent before a provisional response arrived.
        self.ua._wait(
            lambda: self.provisional or self.status is not None,
            timeout,
            "provisional before CANCEL",
        )
        with self.ua._cond:
            if self.status is not None:
                return None
            self.cancelled = True
            inv = self._invite
            # Same Request-URI, Call-ID, From, To, CSeq number and top Via (branch) and the
            # same Route headers as the INVITE.
            h = [("Via", inv.headers.values("Via")[0]), ("Max-Forwards", "70")]
            h += [("Route", r) for r in inv.headers.getlist("Route")]
            h += [(n, inv.headers.get(n)) for n in ("From", "To", "Call-ID")]
            h.append(("CSeq", f"{inv.cseq[0]} CANCEL"))
            cancel = SipMessage.request("CANCEL", inv.uri, h)
            tx = self.ua._start_tx(cancel, self._tx.dest, None)
        self.ua._wait(lambda: tx.final is not None, timeout, "final response to CANCEL")
        self.wait_final(timeout)
        if self.status is not None and 200 <= self.status < 300:
            self.bye(timeout)
        return tx.final


class IncomingCall(Dialog):
    """The callee's side of an INVITE received by the UA (SipUA.wait_incoming())."""

    def __init__(self, ua: SipUA, req: SipMessage, stx: _ServerTx):
        tag = new_tag()
        contact = req.headers.values("Contact")
        super().__init__(
            ua,
            req.call_id,
            tag,
            f"{req.headers['To']};tag={tag}",
            req.headers["From"],
            parse_name_addr(contact[0])[1] if contact else req.uri,
            # RFC 3261 12.1.1: the UAS keeps Record-Route in order as its route set.
            req.headers.values("Record-Route"),
        )
        self.request, self._stx = req, stx
        self.remote_cseq = req.cseq[0]
        self.cancel_request: SipMessage | None = None
        self._set_remote_sdp(req.body)
        self.state = "incoming"

    def _reply(self, code: int, reason: str, body: bytes = b"") -> SipMessage:
        if self._stx.final_status is not None:
            raise RuntimeError(
                f"INVITE {self.call_id} already got a final {self._stx.final_status}"
                f" (state {self.state}): cannot send {code}"
            )
        extra = [("Contact", self.ua.contact), ("Allow", ALLOW)]
        if body:
            extra.append(("Content-Type", "application/sdp"))
        return self.ua._respond(
            self.request,
            code,
            reason,
            to_tag=self.local_tag,
            extra=extra,
            body=body,
            record_route=code < 300,
        )

    def ring(self, code: int = 180, reason: str = "Ringing") -> SipMessage:
        with self.ua._cond:
            resp = self._reply(code, reason)
            self.state = "ringing"
            return resp

    def answer(self, rtp: RtpEndpoint | None = None, codec: str = "PCMU") -> SipMessage:
        """200 OK with SDP (``codec``: PCMU or PCMA), retransmitted until the ACK arrives
        (RFC 3261 13.3.1.4)."""
        with self.ua._cond:
            self.rtp, self.codec = rtp, codec
            resp = self._reply(200, "OK", self._sdp())
            self.state = "answered"
            self._pending_2xx[self.remote_cseq] = self.ua._retransmit(
                resp, self.request.source, RESPONSE_RETRANSMIT
            )
            return resp

    def reject(self, code: int = 486, reason: str = "Busy Here") -> SipMessage:
        """Final non-2xx, retransmitted until the ACK (RFC 3261 17.2.1)."""
        with self.ua._cond:
            resp = self._reply(code, reason)
            self.state = "rejected"
            return resp

    def wait_ack(self, timeout: float = 10) -> SipMessage:
        num = self.request.cseq[0]
        self.ua._wait(lambda: num in self.acks, timeout, f"ACK for our final ({self.call_id})")
        return self.acks[num]

    def wait_cancel(self, timeout: float = 10) -> SipMessage:
        self.ua._wait(lambda: self.cancel_request is not None, timeout, f"CANCEL ({self.call_id})")
        return self.cancel_request


class SipUA:
    """One SIP phone on one UDP socket; `proxy` is the outbound proxy for every request
    outside a dialog (and inside one when the route set is empty)."""

    def __init__(
        self,
        username: str,
        password: str | None,
        proxy: Addr,
        local_ip: str = "127.0.0.1",
        domain: str | None = None,
        auth_username: str | None = None,
    ):
        self.username, self.password, self.proxy = username, password, (proxy[0], int(proxy[1]))
        # The digest username; differs from the AOR's user only in tests of identity checks.
        self.auth_username = auth_username or username
        self.domain = domain or proxy[0]  # may carry a port: "127.0.0.1:5070"
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, 0))
        self.sock.settimeout(0.05)  # timer granularity of the reader loop
        self.local_ip, self.port = self.sock.getsockname()
        self.address: Addr = (self.local_ip, self.port)
        self.aor = f"sip:{username}@{self.domain}"
        self.contact = f"<sip:{username}@{self.local_ip}:{self.port}>"
        self.unsolicited: list[SipMessage] = []  # out-of-dialog requests other than INVITE
        # Sees every new out-of-dialog request (not CANCEL/ACK) first, on the reader thread;
        # True: it answered the request itself (e.g. a digest challenge, tests/support/carrier.py).
        self.screen: Callable[[SipMessage], bool] | None = None
        self._cond = threading.Condition(threading.RLock())
        self._client_txs: dict[tuple[str, str], _ClientTx] = {}
        self._server_txs: dict[tuple[str, str], _ServerTx] = {}
        self._dialogs: dict[tuple[str, str], Dialog] = {}
        self._retransmitters: list[_Retransmitter] = []
        self._incoming: collections.deque[IncomingCall] = collections.deque()
        self._stray: collections.deque[SipMessage] = collections.deque(maxlen=200)
        self._recent: collections.deque[str] = collections.deque(maxlen=40)
        self._reg_call_id, self._reg_cseq = new_call_id(self.local_ip), 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"sipua-{username}", daemon=True)
        self._thread.start()

    # -- public API ---------------------------------------------------------------
    def register(self, expires: int = 300, timeout: float = 10) -> SipMessage:
        """REGISTER, answering one digest challenge; returns the final response."""
        ruri = f"sip:{self.domain}"

        def build(auth=None):
            with self._cond:
                self._reg_cseq += 1  # RFC 3261 10.2: same Call-ID, increasing CSeq
                h = [
                    ("Via", self._via()),
                    ("Max-Forwards", "70"),
                    ("From", f"<{self.aor}>;tag={new_tag()}"),
                    ("To", f"<{self.aor}>"),
                    ("Call-ID", self._reg_call_id),
                    ("CSeq", f"{self._reg_cseq} REGISTER"),
                    ("Contact", self.contact),
                    ("Expires", str(expires)),
                    ("User-Agent", "switchboard-test-ua"),
                ]
                return SipMessage.request("REGISTER", ruri, h + ([auth] if auth else []))

        resp = self.request(build(), timeout=timeout)
        auth = self._authorization(resp, "REGISTER", ruri) if resp.status in (401, 407) else None
        return self.request(build(auth), timeout=timeout) if auth else resp

    def unregister(self, timeout: float = 10) -> SipMessage:
        return self.register(expires=0, timeout=timeout)

    def options(self, ruri: str | None = None, timeout: float = 10) -> SipMessage:
        h = [
            ("Via", self._via()),
            ("Max-Forwards", "70"),
            ("From", f"<{self.aor}>;tag={new_tag()}"),
            ("To", f"<{ruri or self.aor}>"),
            ("Call-ID", new_call_id(self.local_ip)),
            ("CSeq", "1 OPTIONS"),
            ("Contact", self.contact),
        ]
        return self.request(
            SipMessage.request("OPTIONS", ruri or f"sip:{self.domain}", h), timeout=timeout
        )

    def request(self, req: SipMessage, dest: Addr | None = None, timeout: float = 10) -> SipMessage:
        """Send any non-INVITE request in its own client transaction; return the final."""
        tx = self._start_tx(req, dest or self.proxy, None)
        self._wait(lambda: tx.final is not None, timeout, f"final response to {req.summary()}")
        return tx.final

    def invite(
        self,
        target_user: str,
        *,
        rtp: RtpEndpoint | None = None,
        extra_headers: dict | None = None,
        ruri: str | None = None,
        timeout: float = 10,
        wait: bool = True,
    ) -> Call:
        """INVITE via the proxy. With wait=True returns once a final response arrived;
        wait=False returns at once (use call.wait_provisional / wait_final / cancel)."""
        uri = ruri or f"sip:{target_user}@{self.domain}"
        with self._cond:
            call = Call(self, uri, uri, rtp, extra_headers)
            call._send_invite()
        if wait:
            call.wait_final(timeout)
        return call

    def has_incoming(self) -> bool:
        """True when an INVITE is waiting to be taken by wait_incoming()."""
        with self._cond:
            return bool(self._incoming)

    def wait_incoming(self, timeout: float = 10) -> IncomingCall:
        """The next new INVITE (retransmissions are absorbed); nothing is answered yet."""
        self._wait(lambda: self._incoming, timeout, "incoming INVITE")
        with self._cond:
            return self._incoming.popleft()

    def send_raw(self, data: bytes, to: Addr | None = None) -> None:
        self._sendto(data, to or self.proxy, f"raw {data[:40]!r}")

    def wait_response(
        self, predicate: Callable[[SipMessage], bool], timeout: float = 10
    ) -> SipMessage:
        """The next response that matches no transaction of ours (e.g. one to send_raw())
        and satisfies predicate; responses are buffered, so it may have arrived already."""
        found: list[SipMessage] = []

        def match():
            for m in self._stray:
                if predicate(m):
                    self._stray.remove(m)
                    found.append(m)
                    return True
            return False

        self._wait(match, timeout, "matching response")
        return found[0]

    def received(self) -> list[str]:
        """Summaries of the latest datagrams that reached this phone (newest last)."""
        with self._cond:
            return [line for line in self._recent if line.startswith("<-")]

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        self.hang_up_open_calls()
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def vanish(self) -> None:
        """Gone without a word, as a phone pulled off the network: no BYE, no unregister,
        nothing answered from now on."""
        self._stop.set()
        self._thread.join(timeout=2)
        self.sock.close()

    def hang_up_open_calls(self, timeout: float = 2) -> None:
        """End what a test left open (it failed half-way, or did not care): a caller left
        waiting in a queue or an agent left on a call would be offered to the next test.
        Confirmed calls get a BYE, pending INVITEs a CANCEL, unanswered ones a 480."""
        with self._cond:
            dialogs = list(self._dialogs.values())
        for dlg in dialogs:
            try:
                if dlg.state in ("confirmed", "answered"):
                    dlg.bye(timeout)
                elif isinstance(dlg, Call) and dlg.status is None and dlg._invite is not None:
                    dlg.cancel(timeout)
                elif isinstance(dlg, IncomingCall) and dlg.state in ("incoming", "ringing"):
                    dlg.reject(480, "Temporarily Unavailable")
            except (TimeoutError, RuntimeError) as exc:
                log.info("%s: leaving %s open: %s", self.username, dlg.call_id, exc)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- internals: sending, waiting ------------------------------------------------------
    def _via(self) -> str:
        return f"SIP/2.0/UDP {self.local_ip}:{self.port};branch={new_branch()};rport"

    def _sendto(self, data: bytes, dest: Addr, what: str) -> None:
        with self._cond:
            self._recent.append(f"-> {dest[0]}:{dest[1]} {what}")
        try:
            self.sock.sendto(data, dest)
        except OSError as exc:
            log.warning("send to %s failed: %s", dest, exc)

    def _wait(self, predicate: Callable[[], object], timeout: float, what: str) -> None:
        with self._cond:
            if not self._cond.wait_for(predicate, timeout):
                recent = "\n  ".join(list(self._recent)[-12:]) or "(nothing)"
                raise TimeoutError(
                    f"{self.username}: no {what} within {timeout}s; last messages:\n  {recent}"
                )

    def _authorization(self, resp: SipMessage, method: str, uri: str) -> tuple[str, str] | None:
        if self.password is None:
            return None
        name = "Proxy-Authenticate" if resp.status == 407 else "WWW-Authenticate"
        for value in resp.headers.getlist(name):
            try:
                chal = parse_challenge(value)
                value = digest_authorization(chal, method, uri, self.auth_username, self.password)
            except SipParseError:
                continue  # e.g. a SHA-256 challenge next to the MD5 one
            return ("Proxy-Authorization" if resp.status == 407 else "Authorization"), value
        return None

    def _start_tx(self, req: SipMessage, dest: Addr, on_response: Callable | None) -> _ClientTx:
        with self._cond:
            tx = _ClientTx(req, dest, on_response)
            self._client_txs[_tx_key(req, tx.method)] = tx
            self._retransmitters.append(tx.retrans)
            self._sendto(tx.retrans.data, dest, req.summary())
            return tx

    def _retransmit(self, msg: SipMessage, dest: Addr, window: float) -> _Retransmitter:
        r = _Retransmitter(msg.encode(), dest, window, T2)
        self._retransmitters.append(r)
        return r

    def _respond(
        self,
        req: SipMessage,
        code: int,
        reason: str,
        *,
        to_tag: str | None = None,
        extra: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        record_route: bool = False,
    ) -> SipMessage:
        resp = SipMessage.response_to(req, code, reason, to_tag, extra, body, record_route)
        data = resp.encode()
        stx = self._server_txs.get(_tx_key(req, req.method))
        if stx is not None:
            stx.last = data
            if code >= 200 and stx.final_status is None:
                stx.final_status, stx.final_at = code, time.monotonic()
                if req.method == "INVITE" and code >= 300:  # 17.2.1: repeat until the ACK
                    stx.retrans = self._retransmit(resp, req.source, RESPONSE_RETRANSMIT)
        # RFC 3261 18.2.2 with rport (RFC 3581): answer to the request's source address.
        self._sendto(data, req.source, resp.summary())
        return resp

    # -- internals: the reader thread ---------------------------------------------------
    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                data = None
            except OSError:
                if self._stop.is_set():
                    break
                data = None
            with self._cond:
                try:
                    if data is not None:
                        self._on_datagram(data, addr)
                    self._on_timers()
                except Exception:  # never let one bad message kill the UA
                    log.exception(
                        "%s: error handling datagram from %s: %r",
                        self.username,
                        data and addr,
                        data,
                    )
                self._cond.notify_all()

    def _on_timers(self) -> None:
        now = time.monotonic()
        for r in self._retransmitters:
            if r.due(now):
                self._sendto(r.data, r.dest, "(retransmission)")
        self._retransmitters = [r for r in self._retransmitters if r.active]
        for key, tx in list(self._client_txs.items()):
            # A pending INVITE stays (a queue may ring for minutes); a pending non-INVITE
            # gives up after 64*T1 (Timer F, RFC 3261 17.1.2.2).
            if (tx.done_at and now - tx.done_at > LINGER) or (
                not tx.done_at and tx.method != "INVITE" and now - tx.created > 2 * LINGER
            ):
                del self._client_txs[key]
        for key, stx in list(self._server_txs.items()):
            if stx.final_at and now - stx.final_at > LINGER:
                del self._server_txs[key]

    def _on_datagram(self, data: bytes, addr: Addr) -> None:
        if not data.strip():
            return  # RFC 5626 CRLF keep-alive
        try:
            msg = parse(data)
        except SipParseError as exc:
            log.info("%s: dropping junk from %s: %s", self.username, addr, exc)
            self._recent.append(f"<- {addr[0]}:{addr[1]} junk ({exc})")
            return
        msg.source = addr
        self._recent.append(f"<- {addr[0]}:{addr[1]} {msg.summary()}")
        if msg.is_request:
            self._on_request(msg)
        else:
            self._on_response(msg)

    def _on_response(self, resp: SipMessage) -> None:
        tx = self._client_txs.get(_tx_key(resp, resp.cseq[1]))
        if tx is None:
            self._stray.append(resp)
            return
        if tx.final is not None:
            # A retransmitted final: repeat our ACK (13.2.2.4, 17.1.1.3). A 2xx from another
            # fork (other To tag) gets the first dialog's ACK: forking is out of scope here.
            if tx.ack and resp.status >= 200:
                self._sendto(tx.ack[0], tx.ack[1], "ACK (again)")
            return
        if resp.status < 200:
            if tx.method == "INVITE":
                tx.retrans.active = False  # 17.1.1.2: a provisional stops Timer A
        else:
            tx.final, tx.done_at, tx.retrans.active = resp, time.monotonic(), False
            if tx.method == "INVITE" and resp.status >= 300:
                # RFC 3261 17.1.1.3: the client transaction ACKs non-2xx finals itself: same
                # Request-URI, Call-ID, From, CSeq number, top Via (branch) and Route as the
                # INVITE, To from the response.
                inv = tx.req
                h = [("Via", inv.headers.values("Via")[0]), ("Max-Forwards", "70")]
                h += [("Route", r) for r in inv.headers.getlist("Route")]
                h += [
                    ("From", inv.headers["From"]),
                    ("To", resp.headers["To"]),
                    ("Call-ID", inv.call_id),
                    ("CSeq", f"{inv.cseq[0]} ACK"),
                ]
                ack = SipMessage.request("ACK", inv.uri, h)
                tx.ack = (ack.encode(), tx.dest)
                self._sendto(tx.ack[0], tx.dest, ack.summary())
        if tx.on_response:
            tx.on_response(tx, resp)

    def _on_request(self, req: SipMessage) -> None:
        if req.method == "ACK":
            stx = self._server_txs.get(_tx_key(req, "INVITE"))
            if stx is not None and (stx.final_status or 0) >= 300:  # ACK for our non-2xx
                if stx.retrans:
                    stx.retrans.active = False
                if stx.call is not None:
                    stx.call.acks[req.cseq[0]] = req
                return
            dlg = self._dialogs.get((req.call_id, req.to_tag))
            if dlg is not None:
                dlg._on_ack(req)
            return
        key = _tx_key(req, req.method)
        if key in self._server_txs:  # a retransmission: repeat the last response (17.2.1/17.2.2)
            stx = self._server_txs[key]
            if stx.last:
                self._sendto(stx.last, req.source, "(response again)")
            return
        stx = self._server_txs[key] = _ServerTx(req)
        if req.method == "CANCEL":
            self._on_cancel(req)
            return
        if req.to_tag:
            dlg = self._dialogs.get((req.call_id, req.to_tag))
            if dlg is None:
                self._respond(req, 481, "Call/Transaction Does Not Exist")
            else:
                dlg._on_request(req)
            return
        if self.screen is not None and self.screen(req):
            return
        if req.method == "INVITE":
            stx.call = IncomingCall(self, req, stx)
            self._incoming.append(stx.call)
            return
        self.unsolicited.append(req)
        if req.method in ("OPTIONS", "NOTIFY", "MESSAGE", "INFO"):
            self._respond(req, 200, "OK", extra=[("Allow", ALLOW), ("Accept", "application/sdp")])
        elif req.method == "BYE":
            self._respond(req, 481, "Call/Transaction Does Not Exist")
        else:
            self._respond(req, 501, "Not Implemented")

    def _on_cancel(self, req: SipMessage) -> None:
        # RFC 3261 9.2: a CANCEL matches the INVITE server transaction by branch. Answer
        # 200; if the INVITE has no final yet, answer it 487 (and wait for the ACK).
        inv = self._server_txs.get(_tx_key(req, "INVITE"))
        if inv is None or inv.call is None:
            self._respond(req, 481, "Call/Transaction Does Not Exist")
            return
        self._respond(req, 200, "OK")
        call = inv.call
        if inv.final_status is None:
            call.cancel_request, call.state = req, "cancelled"
            call._reply(487, "Request Terminated")
