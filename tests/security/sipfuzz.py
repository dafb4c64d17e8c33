"""A bounded, deterministic corpus of malformed SIP for the edge (pure, no I/O).

``corpus()`` returns the same 263 cases every run (197 over UDP, 66 over TCP), from
hand-written families and seeded mutations: broken start lines, wrong SIP versions, broken and missing headers, bad
Content-Length and Via, binary junk, bytes that are not UTF-8 in the Request-URI and
headers, over-long headers, truncated messages. Each case's Call-ID (where it has one)
carries the case id, so a line of Kamailio's log (its prefix names the Call-ID) points
back at the message that caused it.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass

SEED = 20261202
HOST = b"127.0.0.1"  # the proxy, as Request-URIs and To name it
SDP = (
    b"v=0\r\no=- 1 1 IN IP4 127.0.0.9\r\ns=-\r\nc=IN IP4 127.0.0.9\r\nt=0 0\r\n"
    b"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
)
NON_UTF8 = [b"\xff\xfe", b"\xc3\x28", b"j\xfcrgen", b"\xed\xa0\x80", b"\x80", b"5\xe9002"]


@dataclass(frozen=True)
class FuzzCase:
    id: str  # e.g. "udp-037-nonutf8-ruri-user": transport, number, family
    transport: str  # "udp" or "tcp"
    data: bytes

    @property
    def call_id(self) -> str:
        """The marker every Call-ID of this case starts with (may be absent from data)."""
        return "fuzz-" + self.id.split("-", 2)[1] + self.id[0]


class Message:
    """A well-formed request to break: start line, ordered headers, body."""

    def __init__(self, marker: bytes, method: bytes, ruri: bytes, via: bytes, body: bytes = b""):
        self.start = b"%s %s SIP/2.0" % (method, ruri)
        self.headers: list[tuple[bytes, bytes]] = [
            (b"Via", via),
            (b"Max-Forwards", b"70"),
            (b"From", b"<sip:fuzz@127.0.0.9>;tag=f" + marker),
            (b"To", b"<sip:fuzz@" + HOST + b">"),
            (b"Call-ID", marker + b"@127.0.0.9"),
            (b"CSeq", b"1 " + method),
            (b"Contact", b"<sip:fuzz@127.0.0.9>"),
        ]
        if body:
            self.headers.append((b"Content-Type", b"application/sdp"))
        self.body = body
        self.content_length: bytes | None = b"%d" % len(body)

    def set(self, name: bytes, value: bytes | None) -> Message:
        """Replace (or, with None, drop) every header of that name; append if absent."""
        kept = [(n, v) for n, v in self.headers if n.lower() != name.lower()]
        if name.lower() == b"content-length":
            self.content_length = value
        elif value is not None:
            index = next((i for i, (n, _) in enumerate(self.headers) if n == name), len(kept))
            kept.insert(min(index, len(kept)), (name, value))
        self.headers = kept
        return self

    def get(self, name: bytes) -> bytes:
        return next(v for n, v in self.headers if n.lower() == name.lower())

    def add(self, name: bytes, value: bytes) -> Message:
        self.headers.append((name, value))
        return self

    def encode(self, eol: bytes = b"\r\n") -> bytes:
        lines = [self.start] + [n + b": " + v for n, v in self.headers]
        if self.content_length is not None:
            lines.append(b"Content-Length: " + self.content_length)
        return eol.join(lines) + eol + eol + self.body


MessageFactory = Callable[..., Message]


def _families(new: MessageFactory, rng: random.Random) -> Iterator[tuple[str, bytes]]:
    """(family, bytes) for one transport; ``new(method, ruri, body)`` makes a valid base."""
    ruri = b"sip:5002@" + HOST

    def start(line: bytes, method: bytes = b"INVITE") -> bytes:
        msg = new(method, ruri)
        msg.start = line
        return msg.encode()

    # -- start lines and SIP versions ----------------------------------------------
    for line in (
        b"INVITE  sip:5002@127.0.0.1  SIP/2.0",
        b"INVITE sip:5002@127.0.0.1",
        b"INVITE SIP/2.0",
        b"sip:5002@127.0.0.1 SIP/2.0",
        b"INV\x00ITE sip:5002@127.0.0.1 SIP/2.0",
        b"INVITE sip:5002@127.0.0.1 SIP/2.0 trailing",
        b"INVITE sip:5002@127.0.0.1 sip/2.0",
        b"INVITE sip:5002@127.0.0.1 SIP/1.0",
        b"INVITE sip:5002@127.0.0.1 SIP/2.1",
        b"OPTIONS sip:127.0.0.1 SIP/9.9",
        b"REGISTER sip:127.0.0.1 HTTP/1.1",
        b"GET / HTTP/1.1",
        b"\tINVITE\tsip:5002@127.0.0.1\tSIP/2.0",
        b"A" * 2000 + b" sip:5002@127.0.0.1 SIP/2.0",
        b"INVITE sip: SIP/2.0",
        b"INVITE sip:@ SIP/2.0",
        b"INVITE sip:5002@ SIP/2.0",
        b"INVITE tel:+15550101 SIP/2.0",
        b"INVITE <sip:5002@127.0.0.1> SIP/2.0",
        b"INVITE sip:5002@[::1 SIP/2.0",
        b"INVITE sip:5002@127.0.0.1:99999 SIP/2.0",
        b"INVITE sip:5002@127.0.0.1:-1 SIP/2.0",
        b"INVITE sips:5002@127.0.0.1;transport= SIP/2.0",
        b"INVITE sip:5002@127.0.0.1;;;=;lr= SIP/2.0",
        b"INVITE sip:%00%ff@127.0.0.1 SIP/2.0",
        b"SIP/2.0 200 OK",
        b"SIP/2.0 999 Strange",
        b"SIP/2.0 abc OK",
        b"SIP/2.0 180",
    ):
        yield "start-line", start(line)

    # -- broken headers ----------------------------------------------------------------
    def header(name: bytes, value: bytes | None, method: bytes = b"INVITE") -> bytes:
        return (
            new(method, ruri if method != b"REGISTER" else b"sip:" + HOST).set(name, value).encode()
        )

    for name, value, method in (
        (b"CSeq", b"x INVITE", b"INVITE"),
        (b"CSeq", b"-1 INVITE", b"INVITE"),
        (b"CSeq", b"99999999999999999999 INVITE", b"INVITE"),
        (b"CSeq", b"1", b"INVITE"),
        (b"CSeq", b"1 OPTIONS", b"INVITE"),
        (b"CSeq", b"", b"REGISTER"),
        (b"Call-ID", b"", b"INVITE"),
        (b"From", b"garbage", b"INVITE"),
        (b"From", b"<sip:fuzz@127.0.0.9", b"REGISTER"),
        (b"From", b"<sip:fuzz@127.0.0.9>", b"INVITE"),  # no tag
        (b"To", b"<sip:", b"INVITE"),
        (b"To", b"<sip:demo-5001@127.0.0.1>;tag=", b"BYE"),
        (b"To", b"sip:demo-5001@127.0.0.1;tag=x", b"ACK"),
        (b"Max-Forwards", b"-1", b"INVITE"),
        (b"Max-Forwards", b"abc", b"OPTIONS"),
        (b"Max-Forwards", b"0", b"REGISTER"),
        (b"Max-Forwards", b"99999999999", b"INVITE"),
        (b"Contact", b"*", b"INVITE"),
        (b"Contact", b"<sip:fuzz@", b"REGISTER"),
        (b"Contact", b"<sip:fuzz@127.0.0.9>;expires=-5", b"REGISTER"),
        (b"Expires", b"abc", b"REGISTER"),
        (b"Expires", b"-1", b"REGISTER"),
        (b"Authorization", b"Digest", b"REGISTER"),
        (b"Authorization", b'Digest username="', b"REGISTER"),
        (b"Proxy-Authorization", b"Basic Zm9vOmJhcg==", b"INVITE"),
        (b"Route", b"<sip:127.0.0.1;lr", b"INVITE"),
        (b"Record-Route", b"<<<>>>", b"INVITE"),
        (b"Content-Type", b"application/sdp;;;", b"INVITE"),
        (b"X-Empty", b"", b"OPTIONS"),
    ):
        yield "header", header(name, value, method)
    yield (
        "header-no-colon",
        start(b"INVITE sip:5002@127.0.0.1 SIP/2.0").replace(
            b"Max-Forwards: 70", b"Max-Forwards 70"
        ),
    )
    yield "header-space-in-name", new(b"OPTIONS", ruri).add(b"Bad Name", b"x").encode()
    yield (
        "header-fold-first",
        start(b"INVITE sip:5002@127.0.0.1 SIP/2.0").replace(b"\r\nVia:", b"\r\n folded\r\nVia:", 1),
    )
    yield "header-nul", new(b"INVITE", ruri).add(b"Subject", b"a\x00b").encode()
    yield "header-bare-lf", new(b"INVITE", ruri).encode(eol=b"\n")
    yield "header-bare-cr", new(b"INVITE", ruri).encode(eol=b"\r")
    yield "header-two-call-ids", new(b"INVITE", ruri).add(b"Call-ID", b"second@x").encode()
    yield "header-sdp-garbage", new(b"INVITE", ruri, b"v=0\r\nm=audio x\r\n\x00\xff").encode()

    # -- Content-Length ---------------------------------------------------------------
    for value in (
        b"99999999999999",
        b"-1",
        b"abc",
        b"4294967296",
        b" 5 ",
        b"10",
        b"",
    ):
        yield "content-length", new(b"OPTIONS", ruri).set(b"Content-Length", value).encode()
    yield "content-length-short", new(b"INVITE", ruri, SDP).set(b"Content-Length", b"0").encode()
    yield "content-length-two", new(b"OPTIONS", ruri).add(b"Content-Length", b"7").encode()
    yield "content-length-absent", new(b"INVITE", ruri, SDP).set(b"Content-Length", None).encode()

    # -- Via -------------------------------------------------------------------------
    for via in (
        None,
        b"",
        b"SIP/2.0/XYZ 127.0.0.9:5060;branch=z9hG4bKx",
        b"SIP/2.0/UDP 127.0.0.9:5060",
        b"SIP/2.0/UDP 127.0.0.9:5060;branch=",
        b"SIP/2.0/UDP [::1:5060;branch=z9hG4bKx",
        b"SIP/2.0/UDP 127.0.0.9:0;branch=z9hG4bKx",
        b"SIP/2.0/UDP 127.0.0.9:70000;branch=z9hG4bKx",
        b"SIP/2.0/UDP 127.0.0.9;rport=abc;branch=z9hG4bKx",
        b"SIP/2.0/UDP 127.0.0.9;received=999.1.1.1;branch=z9hG4bKx",
        b"SIP/2.0/UDP",
        b",".join([b"SIP/2.0/UDP 127.0.0.9:5060;branch=z9hG4bK%d" % i for i in range(100)]),
    ):
        yield "via", new(b"INVITE", ruri).set(b"Via", via).encode()

    # -- missing mandatory headers ---------------------------------------------------------
    for name in (b"Call-ID", b"CSeq", b"From", b"To", b"Max-Forwards"):
        yield "missing", new(b"INVITE", ruri).set(name, None).encode()
    yield "missing-all", b"INVITE sip:5002@127.0.0.1 SIP/2.0\r\n\r\n"
    yield "missing-cseq-register", new(b"REGISTER", b"sip:" + HOST).set(b"CSeq", None).encode()

    # -- bytes that are no UTF-8 (the Request-URI's user part reaches Python as $rU) ---------
    for method in (b"INVITE", b"OPTIONS", b"REGISTER", b"MESSAGE", b"SUBSCRIBE"):
        for junk in NON_UTF8[:3]:
            yield "nonutf8-ruri-user", new(method, b"sip:" + junk + b"@" + HOST).encode()
    yield "nonutf8-ruri-host", new(b"INVITE", b"sip:5002@\xff\xfe.invalid").encode()
    yield "nonutf8-ruri-param", new(b"INVITE", ruri + b";x=\xff").encode()
    for name, value, method in (
        (b"To", b"<sip:\xff\xfe@127.0.0.1>", b"REGISTER"),
        (b"To", b"<sip:demo-5001@127.0.0.1>", b"REGISTER"),  # control: a plain To
        (b"From", b'"j\xfcrgen" <sip:fuzz@127.0.0.9>;tag=x', b"INVITE"),
        (b"From", b"<sip:\xc3\x28@127.0.0.9>;tag=x", b"INVITE"),
        (b"Contact", b"<sip:\xed\xa0\x80@127.0.0.9>", b"REGISTER"),
        (b"Authorization", b'Digest username="\xff", realm="switchboard"', b"REGISTER"),
        (b"User-Agent", b"\xff" * 40, b"OPTIONS"),
        (b"X-Switchboard-Queue", b"\xff\xfe", b"INVITE"),
    ):
        yield "nonutf8-header", header(name, value, method)
    msg = new(b"INVITE", ruri)
    yield "nonutf8-call-id", msg.set(b"Call-ID", msg.get(b"Call-ID") + b"\x80\x81").encode()
    # Both at once: what routing logs about a failure must not fail on the Call-ID.
    msg = new(b"INVITE", b"sip:\xff5002@" + HOST)
    yield "nonutf8-ruri-and-call-id", msg.set(b"Call-ID", msg.get(b"Call-ID") + b"\xff").encode()

    # -- over-long -------------------------------------------------------------------------
    for size in (8_000, 30_000, 60_000):
        yield "long-header", new(b"OPTIONS", ruri).add(b"X-Long", b"a" * size).encode()
    yield (
        "long-many-headers",
        b"".join(
            [new(b"OPTIONS", ruri).encode()[:-4]]
            + [b"\r\nX-H%d: %s" % (i, b"b" * 100) for i in range(300)]
            + [b"\r\n\r\n"]
        ),
    )
    yield "long-ruri-user", new(b"INVITE", b"sip:" + b"5" * 10_000 + b"@" + HOST).encode()
    msg = new(b"INVITE", ruri)
    yield "long-call-id", msg.set(b"Call-ID", msg.get(b"Call-ID") + b"c" * 10_000).encode()
    yield (
        "long-via-branch",
        new(b"OPTIONS", ruri)
        .encode()
        .replace(b";branch=z9hG4bK", b";branch=z9hG4bK" + b"z" * 5_000, 1),
    )

    # -- truncated ----------------------------------------------------------------------
    def invite() -> bytes:
        return new(b"INVITE", ruri, SDP).encode()

    def register() -> bytes:
        return new(b"REGISTER", b"sip:" + HOST).encode()

    for base in (invite, register):
        for cut in sorted(rng.sample(range(1, len(base()) - 1), 8)):
            yield "truncated", base()[:cut]

    # -- binary junk ---------------------------------------------------------------------
    for _ in range(16):
        yield "binary", rng.randbytes(rng.choice((1, 3, 17, 200, 1400)))
    for _ in range(6):
        yield "binary-after-start", b"INVITE sip:5002@127.0.0.1 SIP/2.0\r\n" + rng.randbytes(300)

    # -- seeded mutations of a valid INVITE / REGISTER ---------------------------------------
    for _ in range(30):
        data = bytearray(rng.choice((invite, register))())
        for _ in range(rng.randint(1, 4)):
            op, pos = rng.randrange(4), rng.randrange(len(data))
            if op == 0:
                data[pos] = rng.randrange(256)  # flip a byte
            elif op == 1:
                del data[pos : pos + rng.randint(1, 20)]  # cut a few bytes
            elif op == 2:
                data[pos:pos] = rng.randbytes(rng.randint(1, 8))  # insert junk
            else:
                lines = bytes(data).split(b"\r\n")
                lines.insert(rng.randrange(len(lines)), rng.choice(lines))  # repeat a line
                data = bytearray(b"\r\n".join(lines))
        yield "mutation", bytes(data)


class _Builder:
    """Makes each case's valid base message, with that case's marker in Call-ID, tags, branch."""

    def __init__(self, transport: str, udp_via: tuple[str, int]) -> None:
        self.transport, self.number = transport, 0
        self.via_host, self.via_port = udp_via if transport == "udp" else ("127.0.0.9", 9)

    def __call__(self, method: bytes, ruri: bytes, body: bytes = b"") -> Message:
        marker = b"fuzz-%03d%s" % (self.number, self.transport[0].encode())
        via = b"SIP/2.0/%s %s:%d;branch=z9hG4bK%s;rport" % (
            self.transport.upper().encode(),
            self.via_host.encode(),
            self.via_port,
            marker,
        )
        return Message(marker, method, ruri, via, body)


def corpus(
    udp_via: tuple[str, int] = ("127.0.0.9", 5099), tcp_every: int = 3, seed: int = SEED
) -> list[FuzzCase]:
    """Every case over UDP and every ``tcp_every``-th one again over TCP; the same list for
    the same arguments. Vias name ``udp_via`` with ``rport``: replies go to the sender."""
    cases: list[FuzzCase] = []
    for transport in ("udp", "tcp"):
        builder = _Builder(transport, udp_via)
        for family, data in _families(builder, random.Random(f"{seed}-{transport}")):
            if transport == "udp" or builder.number % tcp_every == 0:
                cases.append(
                    FuzzCase(f"{transport}-{builder.number:03d}-{family}", transport, data)
                )
            builder.number += 1
    return cases
