"""A small UDP SIP client for load tests: REGISTER with digest auth, calls, auto-answer.

Plain ``socket`` + ``threading``: under Locust (which monkey-patches them with
gevent) every client is cooperative; in a plain process it works with threads.
One socket and one reader per client. The reader hands responses to the
waiting transaction and answers requests by itself like a phone that picks up
at once: INVITE -> 180 + 200 (with SDP), BYE/OPTIONS/CANCEL -> 200, ACK -> nothing.
Retransmission follows RFC 3261 timer A/E (T1 doubling) until a response arrives.
"""

from __future__ import annotations

import queue
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from loadtests.users.sip import (
    Message,
    digest_authorization,
    new_branch,
    new_call_id,
    new_tag,
    parse,
    parse_challenge,
    response_to,
)

T1 = 0.5
Addr = tuple[str, int]


class SipError(Exception):
    """A transaction ended without the wanted final response."""


@dataclass(frozen=True)
class CallTimes:
    ringing_s: float | None  # INVITE -> first 180
    answered_s: float  # INVITE -> 200 (after any 407 round)
    ended_s: float  # BYE -> 200


def _sdp(ip: str, session: int) -> str:
    return (
        f"v=0\r\no=- {session} 1 IN IP4 {ip}\r\ns=-\r\nc=IN IP4 {ip}\r\nt=0 0\r\n"
        "m=audio 9 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\n"
        "a=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n"
    )


class SipClient:
    def __init__(self, proxy: Addr, local_ip: str = "127.0.0.1", user: str = "load") -> None:
        self.proxy = proxy
        self.user = user
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, 0))
        self.sock.settimeout(0.2)
        self.address: Addr = self.sock.getsockname()
        self._pending: dict[str, queue.Queue[Message]] = {}
        self._answered: dict[str, Message] = {}  # INVITE branch -> our 200 (for retransmissions)
        self._closed = threading.Event()
        self._reader = threading.Thread(target=self._read, name=f"sip-{user}", daemon=True)
        self._reader.start()

    # --- plumbing -------------------------------------------------------------------

    def close(self) -> None:
        self._closed.set()
        self._reader.join(timeout=1)
        self.sock.close()

    def _send(self, message: Message, dest: Addr | None = None) -> None:
        self.sock.sendto(message.encode(), dest or self.proxy)

    def _read(self) -> None:
        while not self._closed.is_set():
            try:
                data, source = self.sock.recvfrom(65535)
                message = parse(data)
            except TimeoutError:
                continue
            except (OSError, ValueError):
                if self._closed.is_set():
                    return
                continue
            if message.is_response:
                waiting = self._pending.get(message.branch)
                if waiting is not None:
                    waiting.put(message)
            else:
                self._answer(message, source)

    def _answer(self, request: Message, source: Addr) -> None:
        """Behave like a phone that answers every call at once."""
        method = request.method
        if method == "ACK":
            return
        if method == "INVITE":
            previous = self._answered.get(request.branch)
            if previous is not None:  # a retransmitted INVITE: repeat the final answer
                self._send(previous, source)
                return
            tag = new_tag()
            contact = [("Contact", f"<sip:{self.user}@{self.address[0]}:{self.address[1]}>")]
            self._send(response_to(request, 180, "Ringing", tag, contact), source)
            ok = response_to(
                request,
                200,
                "OK",
                tag,
                [*contact, ("Content-Type", "application/sdp")],
                _sdp(self.address[0], int(time.time())),
            )
            if len(self._answered) > 1000:
                self._answered.clear()
            self._answered[request.branch] = ok
            self._send(ok, source)
            return
        self._send(response_to(request, 200, "OK", new_tag()), source)

    def _via(self, branch: str) -> tuple[str, str]:
        return ("Via", f"SIP/2.0/UDP {self.address[0]}:{self.address[1]};branch={branch};rport")

    def transaction(
        self,
        request: Message,
        timeout: float = 5.0,
        on_provisional: Callable[[Message], None] | None = None,
    ) -> Message:
        """Send ``request`` (retransmitted until answered) and return its final response."""
        branch = request.branch
        inbox: queue.Queue[Message] = queue.Queue()
        self._pending[branch] = inbox
        try:
            deadline = time.monotonic() + timeout
            interval, next_send, answered = T1, 0.0, False
            while True:
                now = time.monotonic()
                if now >= deadline:
                    raise SipError(f"{request.method}: no final response in {timeout:g} s")
                if not answered and now >= next_send:
                    self._send(request)
                    next_send, interval = now + interval, min(interval * 2, 4.0)
                wait_until = deadline if answered else min(deadline, next_send)
                try:
                    response = inbox.get(timeout=max(0.001, wait_until - now))
                except queue.Empty:
                    continue
                answered = True  # any response stops retransmitting (an INVITE's 1xx too)
                if response.status >= 200:
                    return response
                if on_provisional is not None:
                    on_provisional(response)
        finally:
            del self._pending[branch]

    # --- what a phone does ----------------------------------------------------------

    def register(
        self, username: str, password: str, expires: int = 300, timeout: float = 5.0
    ) -> Message:
        """REGISTER, answer the 401 with digest credentials; the final response."""
        host = f"{self.proxy[0]}:{self.proxy[1]}"
        call_id, tag = new_call_id(), new_tag()

        def build(cseq: int, auth: str | None) -> Message:
            headers = [
                self._via(new_branch()),
                ("Max-Forwards", "70"),
                ("From", f"<sip:{username}@{self.proxy[0]}>;tag={tag}"),
                ("To", f"<sip:{username}@{self.proxy[0]}>"),
                ("Call-ID", call_id),
                ("CSeq", f"{cseq} REGISTER"),
                ("Contact", f"<sip:{username}@{self.address[0]}:{self.address[1]}>"),
                ("Expires", str(expires)),
            ]
            if auth:
                headers.append(("Authorization", auth))
            return Message(f"REGISTER sip:{host} SIP/2.0", headers)

        response = self.transaction(build(1, None), timeout)
        if response.status == 401:
            challenge = parse_challenge(response.header("WWW-Authenticate"))
            auth = digest_authorization(challenge, "REGISTER", f"sip:{host}", username, password)
            response = self.transaction(build(2, auth), timeout)
        return response

    def call(
        self,
        dialed: str,
        hold_s: float = 0.0,
        credentials: tuple[str, str] | None = None,
        timeout: float = 8.0,
    ) -> CallTimes:
        """INVITE ``dialed`` through the proxy (answering a 407 with ``credentials``),
        ACK the 200, hold, BYE. Raises SipError unless the call is answered and ended."""
        host = f"{self.proxy[0]}:{self.proxy[1]}"
        uri = f"sip:{dialed}@{host}"
        call_id, tag = new_call_id(), new_tag()
        from_user = credentials[0] if credentials else self.user
        from_ = f"<sip:{from_user}@{self.address[0]}>;tag={tag}"
        started = time.monotonic()
        ringing: list[float] = []

        def invite(cseq: int, auth: str | None) -> Message:
            headers = [
                self._via(new_branch()),
                ("Max-Forwards", "70"),
                ("From", from_),
                ("To", f"<{uri}>"),
                ("Call-ID", call_id),
                ("CSeq", f"{cseq} INVITE"),
                ("Contact", f"<sip:{from_user}@{self.address[0]}:{self.address[1]}>"),
                ("Content-Type", "application/sdp"),
            ]
            if auth:
                headers.append(("Proxy-Authorization", auth))
            return Message(f"INVITE {uri} SIP/2.0", headers, _sdp(self.address[0], cseq))

        def on_provisional(response: Message) -> None:
            if response.status == 180 and not ringing:
                ringing.append(time.monotonic() - started)

        request = invite(1, None)
        response = self.transaction(request, timeout, on_provisional)
        cseq = 1
        if response.status == 407 and credentials:
            self._ack_failure(request, response)
            challenge = parse_challenge(response.header("Proxy-Authenticate"))
            auth = digest_authorization(challenge, "INVITE", uri, *credentials)
            cseq = 2
            request = invite(cseq, auth)
            response = self.transaction(request, timeout, on_provisional)
        if response.status != 200:
            if response.status >= 300:
                self._ack_failure(request, response)
            raise SipError(f"INVITE {dialed}: {response.first_line[8:]}")
        answered = time.monotonic() - started
        routes = [
            route.strip()
            for value in reversed(response.all("Record-Route"))
            for route in reversed(re.split(r",\s*(?=<)", value))
        ]
        target = contact_uri(response.header("Contact")) or uri
        to = response.header("To")
        self._send(self._in_dialog("ACK", target, routes, from_, to, call_id, cseq))
        if hold_s > 0:
            time.sleep(hold_s)
        bye_started = time.monotonic()
        bye = self._in_dialog("BYE", target, routes, from_, to, call_id, cseq + 1)
        final = self.transaction(bye, timeout)
        if final.status != 200:
            raise SipError(f"BYE: {final.first_line[8:]}")
        return CallTimes(ringing[0] if ringing else None, answered, time.monotonic() - bye_started)

    def _in_dialog(
        self,
        method: str,
        target: str,
        routes: list[str],
        from_: str,
        to: str,
        call_id: str,
        cseq: int,
    ) -> Message:
        headers = [self._via(new_branch()), ("Max-Forwards", "70")]
        headers += [("Route", route) for route in routes]
        headers += [("From", from_), ("To", to), ("Call-ID", call_id), ("CSeq", f"{cseq} {method}")]
        return Message(f"{method} {target} SIP/2.0", headers)

    def _ack_failure(self, invite: Message, response: Message) -> None:
        """ACK for a non-2xx final response: same branch, hop by hop (RFC 3261 17.1.1.3)."""
        headers = [
            ("Via", invite.header("Via")),
            ("Max-Forwards", "70"),
            ("From", invite.header("From")),
            ("To", response.header("To")),
            ("Call-ID", invite.header("Call-ID")),
            ("CSeq", f"{invite.header('CSeq').split()[0]} ACK"),
        ]
        self._send(Message(f"ACK {invite.first_line.split()[1]} SIP/2.0", headers))


def contact_uri(value: str) -> str:
    """The URI of a Contact header value: ``"Anonymous" <sip:a@h:5070>;expires=60`` ->
    ``sip:a@h:5070`` (call control names itself; a bare URI has no angle brackets)."""
    bracketed = re.search(r"<([^>]*)>", value)
    if bracketed:
        return bracketed.group(1).strip()
    return value.split(";", 1)[0].strip()
