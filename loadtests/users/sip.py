"""SIP message text for the Locust SIP client (pure: no sockets, no clock).

Just what a load client needs: build requests and responses, parse a datagram
into a start line and headers, and answer a digest challenge (RFC 2617 MD5,
``qop=auth``) from a password.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field

_PARAM = re.compile(r'(\w+)=(?:"([^"]*)"|([^,\s]+))')


def new_branch() -> str:
    return "z9hG4bK" + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(4)


def new_call_id() -> str:
    return secrets.token_hex(12)


@dataclass
class Message:
    first_line: str
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: str = ""

    @property
    def is_response(self) -> bool:
        return self.first_line.startswith("SIP/2.0 ")

    @property
    def status(self) -> int:
        return int(self.first_line.split(" ", 2)[1]) if self.is_response else 0

    @property
    def method(self) -> str:
        if self.is_response:
            return self.header("CSeq").split()[-1]
        return self.first_line.split(" ", 1)[0]

    def header(self, name: str) -> str:
        return next((v for n, v in self.headers if n.lower() == name.lower()), "")

    def all(self, name: str) -> list[str]:
        return [v for n, v in self.headers if n.lower() == name.lower()]

    @property
    def branch(self) -> str:
        match = re.search(r"branch=([^;,\s]+)", self.header("Via"))
        return match.group(1) if match else ""

    @property
    def to_tag(self) -> str:
        match = re.search(r";tag=([^;>\s]+)", self.header("To"))
        return match.group(1) if match else ""

    def encode(self) -> bytes:
        lines = [self.first_line, *(f"{n}: {v}" for n, v in self.headers if n != "Content-Length")]
        lines.append(f"Content-Length: {len(self.body.encode())}")
        return ("\r\n".join(lines) + "\r\n\r\n" + self.body).encode()


_COMPACT = {
    "v": "Via",
    "f": "From",
    "t": "To",
    "i": "Call-ID",
    "m": "Contact",
    "l": "Content-Length",
}


def parse(data: bytes) -> Message:
    """One datagram -> Message; raises ValueError on anything unparseable."""
    text = data.decode("utf-8", errors="replace")
    head, _, body = text.partition("\r\n\r\n")
    lines = head.split("\r\n")
    if not lines or not (lines[0].startswith("SIP/2.0 ") or " SIP/2.0" in lines[0]):
        raise ValueError("not a SIP message")
    headers = []
    for line in lines[1:]:
        name, sep, value = line.partition(":")
        if not sep:
            raise ValueError(f"bad header line {line!r}")
        name = name.strip()
        headers.append((_COMPACT.get(name, name), value.strip()))
    return Message(lines[0], headers, body)


def response_to(
    request: Message,
    status: int,
    reason: str,
    to_tag: str = "",
    extra: list[tuple[str, str]] | None = None,
    body: str = "",
) -> Message:
    """A response copying Via, From, To (+ tag), Call-ID, CSeq and Record-Route."""
    headers = [(n, v) for n, v in request.headers if n.lower() in ("via", "record-route")]
    to = request.header("To")
    if to_tag and ";tag=" not in to:
        to += f";tag={to_tag}"
    headers += [
        ("From", request.header("From")),
        ("To", to),
        ("Call-ID", request.header("Call-ID")),
        ("CSeq", request.header("CSeq")),
    ]
    headers += extra or []
    return Message(f"SIP/2.0 {status} {reason}", headers, body)


def parse_challenge(value: str) -> dict[str, str]:
    """``Digest realm="x", nonce="y", qop="auth"`` -> {"realm": "x", ...}."""
    _, _, params = value.partition(" ")
    return {
        m.group(1).lower(): m.group(2) if m.group(2) is not None else m.group(3)
        for m in _PARAM.finditer(params)
    }


def _md5(text: str) -> str:
    return hashlib.md5(text.encode()).hexdigest()  # SIP digest (RFC 2617) is MD5


def digest_authorization(
    challenge: dict[str, str],
    method: str,
    uri: str,
    username: str,
    password: str,
    cnonce: str | None = None,
    nc: int = 1,
) -> str:
    """The Authorization / Proxy-Authorization value answering ``challenge``."""
    realm, nonce = challenge.get("realm", ""), challenge.get("nonce", "")
    ha1 = _md5(f"{username}:{realm}:{password}")
    ha2 = _md5(f"{method}:{uri}")
    parts = [
        f'username="{username}"',
        f'realm="{realm}"',
        f'nonce="{nonce}"',
        f'uri="{uri}"',
        "algorithm=MD5",
    ]
    if "auth" in challenge.get("qop", "").split(","):
        cnonce = cnonce or secrets.token_hex(8)
        count = f"{nc:08x}"
        response = _md5(f"{ha1}:{nonce}:{count}:{cnonce}:auth:{ha2}")
        parts += [f'response="{response}"', "qop=auth", f"nc={count}", f'cnonce="{cnonce}"']
    else:
        parts.append(f'response="{_md5(f"{ha1}:{nonce}:{ha2}")}"')
    if "opaque" in challenge:
        parts.append(f'opaque="{challenge["opaque"]}"')
    return "Digest " + ", ".join(parts)
