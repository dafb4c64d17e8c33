"""SIP message parsing/building, URI and name-addr helpers, MD5 digest and SDP.

Pure stdlib, no I/O: sipua.py does the transactions and dialogs on top of this.
Only what a test user agent needs (UDP, RFC 3261 syntax as Kamailio/sipp emit it),
but parsing is defensive: anything unparseable raises SipParseError.
"""

from __future__ import annotations

import hashlib
import re
import secrets

# RFC 3261 7.3.3 compact forms (plus a few harmless extras).
COMPACT = {
    "v": "Via",
    "f": "From",
    "t": "To",
    "i": "Call-ID",
    "m": "Contact",
    "l": "Content-Length",
    "c": "Content-Type",
    "k": "Supported",
    "s": "Subject",
    "e": "Content-Encoding",
    "o": "Event",
    "r": "Refer-To",
    "u": "Allow-Events",
}
# Headers whose values may be comma-joined lists (RFC 3261 7.3.1).
_LIST_HEADERS = {"via", "route", "record-route", "contact", "allow", "supported", "require"}


class SipParseError(ValueError):
    """A datagram that is not a SIP message we can use."""


def new_branch() -> str:
    # RFC 3261 8.1.1.7: branches start with the magic cookie "z9hG4bK".
    return "z9hG4bK" + secrets.token_hex(8)


def new_tag() -> str:
    return secrets.token_hex(6)


def new_call_id(host: str) -> str:
    return f"{secrets.token_hex(10)}@{host}"


def split_commas(value: str) -> list[str]:
    """Split a list header at commas outside quotes and <...>."""
    out, cur, quote, angle = [], [], False, False
    for ch in value:
        if ch == '"':
            quote = not quote
        elif not quote and ch == "<":
            angle = True
        elif not quote and ch == ">":
            angle = False
        if ch == "," and not quote and not angle:
            out.append("".join(cur).strip())
            cur = []
        else:
            cur.append(ch)
    if "".join(cur).strip():
        out.append("".join(cur).strip())
    return [v for v in out if v]


class Headers:
    """Ordered, case-insensitive multi-dict; compact names map to their long form."""

    def __init__(self, items: list[tuple[str, str]] | None = None):
        self._items: list[tuple[str, str]] = []
        for name, value in items or []:
            self.add(name, value)

    @staticmethod
    def canon(name: str) -> str:
        name = name.strip()
        return COMPACT.get(name.lower(), name) if len(name) == 1 else name

    def add(self, name: str, value: str) -> None:
        self._items.append((self.canon(name), str(value).strip()))

    def set(self, name: str, value: str) -> None:
        self.remove(name)
        self.add(name, value)

    def remove(self, name: str) -> None:
        key = self.canon(name).lower()
        self._items = [(n, v) for n, v in self._items if n.lower() != key]

    def get(self, name: str, default: str | None = None) -> str | None:
        key = self.canon(name).lower()
        for n, v in self._items:
            if n.lower() == key:
                return v
        return default

    def getlist(self, name: str) -> list[str]:
        """Raw header values in order (a comma-joined line stays one value)."""
        key = self.canon(name).lower()
        return [v for n, v in self._items if n.lower() == key]

    def values(self, name: str) -> list[str]:
        """All values, with comma-joined list headers (Via, Route, ...) split."""
        raw = self.getlist(name)
        if self.canon(name).lower() in _LIST_HEADERS:
            return [v for line in raw for v in split_commas(line)]
        return raw

    def __contains__(self, name: str) -> bool:
        return self.get(name) is not None

    def __getitem__(self, name: str) -> str:
        v = self.get(name)
        if v is None:
            raise KeyError(name)
        return v

    def items(self) -> list[tuple[str, str]]:
        return list(self._items)


class SipMessage:
    """A SIP request (method/uri) or response (status/reason)."""

    def __init__(self, start_line: str, headers: Headers | None = None, body: bytes = b""):
        self.start_line = start_line
        self.headers = headers or Headers()
        self.body = body
        self.source: tuple[str, int] | None = None  # (ip, port) a received message came from
        self.method = self.uri = self.reason = None
        self.status = None
        parts = start_line.split(" ", 2)
        if parts[0] == "SIP/2.0":
            if len(parts) < 2 or not parts[1].isdigit() or len(parts[1]) != 3:
                raise SipParseError(f"bad status line {start_line!r}")
            self.status = int(parts[1])
            self.reason = parts[2] if len(parts) > 2 else ""
        else:
            if len(parts) != 3 or parts[2] != "SIP/2.0" or not re.fullmatch(r"[A-Za-z]+", parts[0]):
                raise SipParseError(f"bad request line {start_line!r}")
            self.method, self.uri = parts[0].upper(), parts[1]

    # -- construction -------------------------------------------------------------
    @classmethod
    def request(
        cls, method: str, uri: str, headers: list[tuple[str, str]], body: bytes = b""
    ) -> SipMessage:
        return cls(f"{method} {uri} SIP/2.0", Headers(headers), body)

    @classmethod
    def response_to(
        cls,
        req: SipMessage,
        status: int,
        reason: str,
        to_tag: str | None = None,
        extra: list[tuple[str, str]] | None = None,
        body: bytes = b"",
        record_route: bool = False,
    ) -> SipMessage:
        """RFC 3261 8.2.6.2: copy Via (all, in order), From, To, Call-ID, CSeq; add a To
        tag if the request had none. 12.1.1: a dialog-creating response copies Record-Route."""
        h = Headers()
        for v in req.headers.getlist("Via"):
            h.add("Via", v)
        if record_route:
            for v in req.headers.getlist("Record-Route"):
                h.add("Record-Route", v)
        h.add("From", req.headers.get("From", ""))
        to = req.headers.get("To", "")
        if to_tag and "tag" not in parse_name_addr(to)[2]:
            to += f";tag={to_tag}"
        h.add("To", to)
        h.add("Call-ID", req.headers.get("Call-ID", ""))
        h.add("CSeq", req.headers.get("CSeq", ""))
        for name, value in extra or []:
            h.add(name, value)
        return cls(f"SIP/2.0 {status} {reason}", h, body)

    def encode(self) -> bytes:
        self.headers.set("Content-Length", str(len(self.body)))
        lines = [self.start_line] + [f"{n}: {v}" for n, v in self.headers.items()]
        return ("\r\n".join(lines) + "\r\n\r\n").encode() + self.body

    # -- convenience --------------------------------------------------------------
    @property
    def is_request(self) -> bool:
        return self.method is not None

    @property
    def call_id(self) -> str:
        return self.headers.get("Call-ID", "")

    @property
    def cseq(self) -> tuple[int, str]:
        num, _, method = self.headers.get("CSeq", "").partition(" ")
        if not num.strip().isdigit():
            raise SipParseError("bad CSeq")
        return int(num), method.strip().upper()

    @property
    def from_tag(self) -> str | None:
        return parse_name_addr(self.headers.get("From", ""))[2].get("tag")

    @property
    def to_tag(self) -> str | None:
        return parse_name_addr(self.headers.get("To", ""))[2].get("tag")

    @property
    def top_via(self) -> tuple[str, dict[str, str]]:
        """(sent-by, params) of the topmost Via."""
        vias = self.headers.values("Via")
        if not vias:
            raise SipParseError("no Via")
        proto_sentby, params = _split_params(vias[0])
        if len(proto_sentby.split()) < 2:
            raise SipParseError(f"bad Via {vias[0]!r}")
        return proto_sentby.split()[-1], params

    @property
    def branch(self) -> str:
        return self.top_via[1].get("branch", "")

    def summary(self) -> str:
        try:
            cs = "{} {}".format(*self.cseq)
        except SipParseError:
            cs = "?"
        first = f"{self.method} {self.uri}" if self.is_request else f"{self.status} {self.reason}"
        return f"{first} [CSeq {cs}, Call-ID {self.call_id[:24]}]"

    def __repr__(self) -> str:
        return f"<SipMessage {self.summary()}>"


def parse(data: bytes) -> SipMessage:
    """Parse one UDP datagram (RFC 3261 7, 18.3). Raises SipParseError."""
    head, sep, body = data.partition(b"\r\n\r\n")
    if not sep:
        head, sep, body = data.partition(b"\n\n")  # tolerate bare LF
    try:
        text = head.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SipParseError(f"header not UTF-8: {exc}") from None
    lines = text.replace("\r\n", "\n").split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)  # RFC 3261 7.5: ignore leading empty lines
    if not lines:
        raise SipParseError("empty message")
    headers = Headers()
    cur: list[str] | None = None
    items: list[list[str]] = []
    for line in lines[1:]:
        if line[:1] in (" ", "\t") and cur is not None:
            cur[1] += " " + line.strip()  # RFC 3261 7.3.1 line folding
            continue
        name, colon, value = line.partition(":")
        if not colon or not name.strip() or " " in name.strip():
            raise SipParseError(f"bad header line {line!r}")
        cur = [name, value]
        items.append(cur)
    for name, value in items:
        headers.add(name, value)
    msg = SipMessage(lines[0].strip(), headers)
    clen = headers.get("Content-Length")
    if clen is not None:
        if not clen.isdigit():
            raise SipParseError(f"bad Content-Length {clen!r}")
        if int(clen) > len(body):  # RFC 3261 18.3: short body over UDP -> discard
            raise SipParseError("body shorter than Content-Length")
        body = body[: int(clen)]
    msg.body = body
    for name in ("Via", "From", "To", "Call-ID", "CSeq"):
        if name not in headers:
            raise SipParseError(f"missing {name}")
    _ = msg.cseq, msg.top_via  # raise SipParseError unless usable
    return msg


# -- name-addr, URI, params ---------------------------------------------------------
def _split_params(value: str) -> tuple[str, dict[str, str]]:
    """'x;a=1;b' -> ('x', {'a': '1', 'b': ''}); keys lower-cased."""
    parts = value.split(";")
    params = {}
    for p in parts[1:]:
        k, _, v = p.partition("=")
        if k.strip():
            params[k.strip().lower()] = v.strip().strip('"')
    return parts[0].strip(), params


def parse_name_addr(value: str) -> tuple[str, str, dict[str, str]]:
    """(display-name, uri, header params) of a From/To/Contact/Route value.
    RFC 3261 20.10: without <>, parameters after the URI belong to the header."""
    value = value.strip()
    if "<" in value:
        display, _, rest = value.partition("<")
        uri, _, params = rest.partition(">")
        return display.strip().strip('"'), uri.strip(), _split_params("x" + params)[1]
    uri, params = _split_params(value)
    return "", uri, params


def parse_uri(uri: str) -> tuple[str | None, str, int | None, dict[str, str]]:
    """'sip:user@host:port;params' -> (user, host, port or None, uri params)."""
    m = re.match(
        r"^sips?:(?:([^@]*)@)?(\[[^\]]+\]|[^:;?]+)(?::(\d+))?([^?]*)", uri.strip(), re.IGNORECASE
    )
    if not m:
        raise SipParseError(f"bad SIP URI {uri!r}")
    user, host, port, params = m.groups()
    if user is not None:
        user = user.split(":", 1)[0]  # drop a password part
    return user, host.strip("[]"), int(port) if port else None, _split_params("x" + params)[1]


def uri_dest(uri: str) -> tuple[str, int]:
    """Where to send a request for this URI over UDP: maddr/host and port (default 5060).
    No DNS (RFC 3263) - tests use IP literals."""
    _, host, port, params = parse_uri(uri)
    return params.get("maddr", host), port or 5060


# -- digest authentication (RFC 2617 / RFC 8760 MD5 only) -----------------------------
def parse_challenge(value: str) -> dict[str, str]:
    """'Digest realm="x", nonce="y", qop="auth"' -> {'realm': 'x', ...}."""
    scheme, _, rest = value.strip().partition(" ")
    if scheme.lower() != "digest":
        raise SipParseError(f"unsupported auth scheme {scheme!r}")
    out = {}
    for m in re.finditer(r'([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))', rest):
        out[m.group(1).lower()] = m.group(2) if m.group(2) is not None else m.group(3)
    return out


def _md5(s: str) -> str:
    return hashlib.md5(s.encode()).hexdigest()


def digest_authorization(
    chal: dict[str, str],
    method: str,
    uri: str,
    username: str,
    password: str,
    nc: int = 1,
    cnonce: str | None = None,
) -> str:
    """Build the Authorization / Proxy-Authorization value answering `chal`."""
    algorithm = chal.get("algorithm", "MD5")
    if algorithm.upper() not in ("MD5", "MD5-SESS"):
        raise SipParseError(f"unsupported digest algorithm {algorithm}")
    realm, nonce = chal.get("realm", ""), chal.get("nonce", "")
    cnonce = cnonce or secrets.token_hex(8)
    ha1 = _md5(f"{username}:{realm}:{password}")
    if algorithm.upper() == "MD5-SESS":
        ha1 = _md5(f"{ha1}:{nonce}:{cnonce}")
    ha2 = _md5(f"{method}:{uri}")
    qops = [q.strip() for q in chal.get("qop", "").split(",") if q.strip()]
    parts = [f'username="{username}"', f'realm="{realm}"', f'nonce="{nonce}"', f'uri="{uri}"']
    if "auth" in qops:
        ncs = f"{nc:08x}"
        resp = _md5(f"{ha1}:{nonce}:{ncs}:{cnonce}:auth:{ha2}")
        parts += [f'response="{resp}"', "qop=auth", f"nc={ncs}", f'cnonce="{cnonce}"']
    else:  # RFC 2069 compatibility: no qop
        parts.append(f'response="{_md5(f"{ha1}:{nonce}:{ha2}")}"')
    parts.append(f"algorithm={algorithm}")
    if "opaque" in chal:
        parts.append(f'opaque="{chal["opaque"]}"')
    return "Digest " + ", ".join(parts)


# -- SDP (RFC 4566 / 3264), just audio ------------------------------------------------
# G.711's static payload types (RFC 3551): the codecs the test RTP endpoint speaks.
G711 = {"PCMU": 0, "PCMA": 8}


def build_sdp(
    user: str,
    ip: str,
    port: int,
    sess_id: int,
    version: int,
    direction: str = "sendrecv",
    codec: str = "PCMU",
) -> bytes:
    """Offer/answer for ``codec`` (PCMU/8000, PT 0, or PCMA/8000, PT 8) plus
    telephone-event/8000 (PT 101, RFC 4733); ``direction``: sendonly / inactive puts the
    other side on hold (RFC 3264 8.4)."""
    pt = G711[codec]
    lines = [
        "v=0",
        f"o={user or '-'} {sess_id} {version} IN IP4 {ip}",
        "s=switchboard-test",
        f"c=IN IP4 {ip}",
        "t=0 0",
        f"m=audio {port} RTP/AVP {pt} 101",
        f"a=rtpmap:{pt} {codec}/8000",
        "a=rtpmap:101 telephone-event/8000",
        "a=fmtp:101 0-16",
        "a=ptime:20",
        f"a={direction}",
    ]
    return ("\r\n".join(lines) + "\r\n").encode()


def parse_sdp_audio(body: bytes) -> tuple[str, int] | None:
    """(connection ip, port) of the first m=audio; media-level c= wins over session c=."""
    session_ip = media_ip = port = None
    section = "session"
    for line in body.decode("utf-8", "replace").splitlines():
        line = line.strip()
        if line.startswith("m="):
            if port is not None:
                break  # only the first audio stream
            f = line[2:].split()
            section = "audio" if len(f) > 1 and f[0] == "audio" and f[1].isdigit() else "other"
            if section == "audio":
                port = int(f[1])
        elif line.startswith("c=") and section != "other":
            f = line[2:].split()
            if len(f) >= 3:
                ip = f[2].split("/")[0]
                if section == "session":
                    session_ip = ip
                else:
                    media_ip = ip
    ip = media_ip or session_ip
    if ip is None or port is None:
        return None
    return ip, port
