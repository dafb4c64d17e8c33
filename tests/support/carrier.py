"""A carrier that wants credentials, for trunk tests: it challenges REGISTER (401) and
INVITE (407) with digest (RFC 2617, qop=auth), accepts only answers made with its
account's password, keeps the Contact a registration left, and calls it back.

Built on the test SIP client (``SipUA``) through its ``screen`` hook: the carrier answers
the requests it challenges or registers; an authorised INVITE becomes an ordinary
``IncomingCall`` of ``carrier.ua``.
"""

from __future__ import annotations

import secrets
import threading
from typing import Self

from .rtp import RtpEndpoint
from .sipmsg import (
    SipMessage,
    SipParseError,
    digest_authorization,
    new_tag,
    parse_challenge,
    parse_name_addr,
)
from .sipua import Call, SipUA

REALM = "carrier.test"


class Carrier:
    def __init__(
        self,
        local_ip: str,
        proxy: tuple[str, int],
        username: str,
        password: str,
        challenge_invites: bool = True,
    ) -> None:
        self.username, self.password = username, password
        self.challenge_invites = challenge_invites
        self.ua = SipUA("carrier", None, proxy, local_ip=local_ip)
        self.ua.screen = self._screen
        self.registered: list[SipMessage] = []  # REGISTERs accepted (with credentials)
        self.challenged: list[SipMessage] = []  # requests answered 401 / 407
        self.refused: list[SipMessage] = []  # requests whose credentials were wrong
        self.authorised_invites: list[SipMessage] = []
        self._nonce = secrets.token_hex(12)
        self._lock = threading.Lock()

    @property
    def address(self) -> tuple[str, int]:
        return self.ua.address

    def close(self) -> None:
        self.ua.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # --- what a test asks ----------------------------------------------------------------

    def wait_registered(self, timeout: float = 10) -> SipMessage:
        self.ua._wait(lambda: self.registered, timeout, "an authorised REGISTER")
        return self.registered[-1]

    def contact(self) -> str:
        """The Contact URI of the latest accepted registration."""
        return parse_name_addr(self.wait_registered().headers.values("Contact")[0])[1]

    def call(self, did: str, rtp: RtpEndpoint | None = None) -> Call:
        """Call ``did`` the way carriers do for a registered account: the Request-URI is
        the registered Contact, To names the number."""
        with self.ua._cond:
            call = Call(self.ua, self.contact(), f"sip:{did}@{self.ua.local_ip}", rtp, None)
            call._send_invite()
        return call

    # --- the server side (reader thread) -------------------------------------------------

    def _screen(self, req: SipMessage) -> bool:
        if req.method == "REGISTER":
            if self._authorised(req, "Authorization"):
                self.registered.append(req)
                contact = req.headers.values("Contact")[0]
                expires = req.headers.get("Expires", "600")
                self.ua._respond(
                    req,
                    200,
                    "OK",
                    to_tag=new_tag(),
                    extra=[("Contact", f"{contact};expires={expires}")],
                )
            else:
                self._challenge(req, 401, "Unauthorized", "WWW-Authenticate")
            return True
        if req.method == "INVITE" and self.challenge_invites:
            if self._authorised(req, "Proxy-Authorization"):
                self.authorised_invites.append(req)
                return False  # an IncomingCall for the test
            self._challenge(req, 407, "Proxy Authentication Required", "Proxy-Authenticate")
            return True
        return False

    def _challenge(self, req: SipMessage, code: int, reason: str, header: str) -> None:
        self.challenged.append(req)
        value = f'Digest realm="{REALM}", nonce="{self._nonce}", qop="auth", algorithm=MD5'
        self.ua._respond(req, code, reason, to_tag=new_tag(), extra=[(header, value)])

    def _authorised(self, req: SipMessage, header: str) -> bool:
        values = req.headers.getlist(header)
        if not values:
            return False
        try:
            answer = parse_challenge(values[0])
        except SipParseError:
            self.refused.append(req)
            return False
        challenge = {"realm": REALM, "nonce": self._nonce, "algorithm": "MD5"}
        if "qop" in answer:
            challenge["qop"] = "auth"
        expected = parse_challenge(
            digest_authorization(
                challenge,
                req.method,
                answer.get("uri", ""),
                self.username,
                self.password,
                nc=int(answer.get("nc", "1"), 16),
                cnonce=answer.get("cnonce"),
            )
        )
        good = (
            answer.get("username") == self.username
            and answer.get("realm") == REALM
            and answer.get("nonce") == self._nonce
            and answer.get("response") == expected["response"]
        )
        if not good:
            self.refused.append(req)
        return good
