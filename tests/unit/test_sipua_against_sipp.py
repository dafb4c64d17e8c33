"""Prove tests/support/sipua.py and rtp.py against a real SIP stack (sipp 3.6)."""

from __future__ import annotations

import concurrent.futures
import contextlib
import hashlib
import html
import itertools
import logging
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.rtp import RtpEndpoint
from tests.support.sipmsg import SipMessage, new_tag, parse
from tests.support.sipua import SipUA

pytestmark = pytest.mark.skipif(shutil.which("sipp") is None, reason="sipp not installed")
LOCAL = "127.0.0.1"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((LOCAL, 0))
        return s.getsockname()[1]


def udp_port_bound(port: int) -> bool:
    with open("/proc/net/udp") as f:
        return any(line.split()[1].endswith(f":{port:04X}") for line in f.readlines()[1:])


class Sipp:
    """A sipp process bounded by timeouts; kill() in all cases, finish() asserts rc 0."""

    def __init__(self, tmp_path: Path, args: list[str]):
        self.port, self.tmp = free_udp_port(), tmp_path
        self.address = (LOCAL, self.port)
        self.log = open(tmp_path / "sipp.out", "wb")  # noqa: SIM115 - closed in kill()
        # -m 1: one call then exit; -timeout 20s -timeout_error: never hang, fail instead.
        cmd = ["sipp", *args, "-i", LOCAL, "-p", str(self.port), "-mp", str(free_udp_port())]
        cmd += ["-m", "1", "-nostdin", "-timeout", "20s", "-timeout_error"]
        cmd += ["-trace_err", "-trace_msg"]  # logs in tmp_path, shown when a test fails
        self.proc = subprocess.Popen(cmd, cwd=tmp_path, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 5
        while not udp_port_bound(self.port):  # poll until sipp listens, with a deadline
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"sipp did not start:\n{self.diagnostics()}")
            time.sleep(0.02)

    def diagnostics(self) -> str:
        out = []
        for p in sorted(self.tmp.glob("*.log")) + [self.tmp / "sipp.out"]:
            out.append(f"--- {p.name}\n{p.read_bytes()[-4000:].decode(errors='replace')}")
        return "\n".join(out)

    def finish(self, timeout: float = 15) -> None:
        try:
            rc = self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            raise AssertionError(
                f"sipp still running after {timeout}s:\n{self.diagnostics()}"
            ) from None
        assert rc == 0, f"sipp exited {rc}:\n{self.diagnostics()}"

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)
        self.log.close()


@contextlib.contextmanager
def sipp(tmp_path: Path, *args: str, scenario: str | None = None):
    if scenario is not None:
        # sipp rejects variables that are only assigned: <Reference> marks them as used.
        names = {
            n for group in re.findall(r'assign_to="([^"]+)"', scenario) for n in group.split(",")
        }
        ref = f'<Reference variables="{",".join(sorted(names))}"/>\n' if names else ""
        (tmp_path / "scen.xml").write_text(SCENARIO_HEAD + scenario + ref + "</scenario>\n")
        args = ("-sf", "scen.xml", *args)
    run = Sipp(tmp_path, list(args))
    try:
        yield run
    finally:
        run.kill()


SCENARIO_HEAD = '<?xml version="1.0" encoding="ISO-8859-1" ?>\n<scenario name="t">\n'
# Response headers copied from the last request, To without and with a tag added by sipp.
COPY = "[last_Via:]\n[last_From:]\n[last_To:]\n[last_Call-ID:]\n[last_CSeq:]\n"
COPY_TAG = COPY.replace("[last_To:]", "[last_To:];tag=[pid]SIPpTag01[call_number]")
RR = "Record-Route: <sip:[local_ip]:[local_port];lr>\n"
UAS_CONTACT = "Contact: <sip:uas-contact@[local_ip]:[local_port]>\n"
SDP = (
    "Content-Type: application/sdp\nContent-Length: [len]\n\nv=0\no=- 1 1 IN IP4 [local_ip]\ns=-\n"
    "c=IN IP4 [media_ip]\nt=0 0\nm=audio [media_port] RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"
)


def send(text: str, attrs: str = "") -> str:
    return f"<send {attrs}><![CDATA[\n{text}\n]]></send>\n"


def recv(what: str, action: str = "", attrs: str = "") -> str:
    kind = "response" if what.isdigit() else "request"
    body = f"<action>{action}</action>" if action else ""
    return f'<recv {kind}="{what}" {attrs}>{body}</recv>\n'


def check(regexp: str, header: str | None = None) -> str:
    """sipp fails the call unless the received message matches `regexp`."""
    where = f'search_in="hdr" header="{header}"' if header else 'search_in="msg"'
    var = "m" + hashlib.md5(regexp.encode()).hexdigest()[:8]
    return f'<ereg regexp="{html.escape(regexp)}" {where} check_it="true" assign_to="{var}"/>'


ROUTE_TO_SIPP = check(r"<sip:127\.0\.0\.1:[0-9]+;lr>", "Route:")


# -- (1) our UA calls the built-in sipp UAS -------------------------------------------------
def test_invite_builtin_uas(tmp_path):
    with (
        sipp(tmp_path, "-sn", "uas") as uas,
        SipUA("alice", None, uas.address) as ua,
        RtpEndpoint() as rtp,
    ):
        call = ua.invite("service", rtp=rtp)
        assert call.status == 200, call.response
        assert 180 in call.provisional
        assert call.remote_rtp is not None and call.remote_rtp[0] == LOCAL
        assert call.bye().status == 200
        uas.finish()  # the built-in uas lingers 4 s (timewait) before it exits


# -- (2) the built-in sipp UAC calls our UA ---------------------------------------------------
def test_builtin_uac_calls_us(tmp_path):
    with (
        SipUA("bob", None, (LOCAL, 9)) as ua,
        RtpEndpoint() as rtp,
        sipp(tmp_path, "-sn", "uac", f"{LOCAL}:{ua.port}", "-s", "bob") as uac,
    ):
        inc = ua.wait_incoming(timeout=10)
        assert inc.request.method == "INVITE" and inc.remote_rtp is not None
        inc.ring()
        inc.answer(rtp)
        assert inc.wait_ack(timeout=10).method == "ACK"
        assert inc.wait_bye(timeout=10).method == "BYE"
        assert inc.state == "terminated"
        uac.finish()


# -- (3) RTP tones, measured with Goertzel -------------------------------------------------
def test_rtp_tones_are_told_apart():
    with RtpEndpoint() as a, RtpEndpoint() as b:
        a.start_sending(b.address, tone_hz=400)
        b.start_sending(a.address, tone_hz=700)
        a.wait_received(55, timeout=5)  # > 1 s of audio: the measuring window is full
        b.wait_received(55, timeout=5)
        assert a.received_from[b.address] >= 55 and b.received_from[a.address] >= 55
        assert a.dominant_power(700) > 0.9 and a.dominant_power(400) < 0.01
        assert b.dominant_power(400) > 0.9 and b.dominant_power(700) < 0.01


# -- (4) junk datagrams do not kill the reader -------------------------------------------------
JUNK = [
    b"",
    b"\r\n\r\n",
    bytes(range(256)),
    os.urandom(1400),
    b"\xc3\x28\xa0\xa1 not utf-8\r\n\r\n",
    b"INVITE sip:x@y SIP/2.0\r\n\r\n",  # no mandatory headers
    b"SIP/2.0 2000 OK\r\nVia: x\r\n\r\n",
    b"HELLO\r\n\r\n",
    b"INVITE sip:x SIP/3.0\r\n\r\n",
    (  # bad CSeq
        b"OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bK1\r\n"
        b"From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: j1\r\nCSeq: x OPTIONS\r\n\r\n"
    ),
    (  # body shorter than Content-Length
        b"MESSAGE sip:a@b SIP/2.0\r\nVia: SIP/2.0/UDP 1.2.3.4\r\nFrom: <sip:x@y>;tag=1\r\n"
        b"To: <sip:a@b>\r\nCall-ID: j2\r\nCSeq: 1 MESSAGE\r\nContent-Length: 500\r\n\r\nshort"
    ),
    b"Via SIP/2.0/UDP no colon\r\n" * 3,
    b"A" * 60000,
    (  # a response that matches no transaction
        b"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKnone\r\n"
        b"From: <sip:x@y>;tag=1\r\nTo: <sip:a@b>\r\nCall-ID: nobody\r\nCSeq: 1 INVITE\r\n\r\n"
    ),
]


def test_junk_does_not_kill_reader(caplog):
    caplog.set_level(logging.INFO, logger="tests.support.sipua")
    with SipUA("a", None, (LOCAL, 9)) as a, SipUA("b", None, a.address) as b:
        for data in JUNK:
            b.send_raw(data)
        # The reader must still answer, both through the API and to hand-made requests.
        assert b.options(ruri=f"sip:a@{LOCAL}:{a.port}", timeout=5).status == 200
        raw = (
            f"OPTIONS sip:a@{LOCAL}:{a.port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP {LOCAL}:{b.port};branch=z9hG4bKraw1\r\n"
            f"From: <sip:b@{LOCAL}>;tag=r1\r\nTo: <sip:a@{LOCAL}>\r\nCall-ID: raw-1\r\n"
            "CSeq: 7 OPTIONS\r\nContent-Length: 0\r\n\r\n"
        ).encode()
        b.send_raw(raw)
        resp = b.wait_response(lambda m: m.call_id == "raw-1", timeout=5)
        assert resp.status == 200 and resp.cseq == (7, "OPTIONS")
        assert a.is_alive() and b.is_alive()
        with pytest.raises(TimeoutError, match="raw-2|no matching response"):
            b.wait_response(lambda m: m.call_id == "raw-2", timeout=0.3)
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "reader hit an exception"


def test_lost_request_is_retransmitted():
    """Timer A/E: the same REGISTER again after 0.5 s, then 1 s; the third copy is answered."""
    with (
        socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as proxy,
        SipUA("carol", None, (LOCAL, 9)) as ua,
        concurrent.futures.ThreadPoolExecutor(1) as pool,
    ):
        proxy.bind((LOCAL, 0))
        proxy.settimeout(5)
        ua.proxy = proxy.getsockname()
        future = pool.submit(ua.register)
        copies = []
        for _ in range(3):
            data, addr = proxy.recvfrom(65535)
            copies.append((time.monotonic(), data))
        proxy.sendto(SipMessage.response_to(parse(data), 200, "OK", new_tag()).encode(), addr)
        assert future.result(timeout=5).status == 200
    assert len({data for _, data in copies}) == 1  # same branch, same bytes
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(copies)]
    assert 0.4 < gaps[0] < 0.9 and 0.9 < gaps[1] < 1.6, gaps  # doubling from T1 = 0.5 s


# -- REGISTER with digest (qop=auth), checked by sipp's verifyauth -----------------------------
def register_scenario(password: str) -> str:
    challenge = (
        'WWW-Authenticate: Digest realm="switchboard.test", nonce="4f1c2b", opaque="op9", '
        'qop="auth", algorithm=MD5\nContent-Length: 0\n'
    )
    return (
        recv("REGISTER")
        + send("SIP/2.0 401 Unauthorized\n" + COPY_TAG + challenge)
        + recv("REGISTER", f'<verifyauth assign_to="ok" username="alice" password="{password}"/>')
        + '<nop hide="true" test="ok" next="good"/>\n'
        + send("SIP/2.0 403 Forbidden\n" + COPY + "Content-Length: 0\n", 'next="end"')
        + '<label id="good"/>\n'
        + send("SIP/2.0 200 OK\n" + COPY + "[last_Contact:]\nContent-Length: 0\n")
        + recv("REGISTER", check(r"^ *0 *$", "Expires:"))  # unregister: no new challenge
        + send("SIP/2.0 200 OK\n" + COPY + "Content-Length: 0\n")
        + '<label id="end"/>\n'
    )


@pytest.mark.parametrize("password,expected", [("s3cret", 200), ("wrong", 403)])
def test_register_digest(tmp_path, password, expected):
    with (
        sipp(tmp_path, scenario=register_scenario("s3cret")) as uas,
        SipUA("alice", password, uas.address, domain="switchboard.test") as ua,
    ):
        assert ua.register(expires=60).status == expected
        if expected == 200:
            assert ua.unregister().status == 200
        uas.finish()


# -- INVITE: 401/407 + digest (no qop), Record-Route/loose routing, re-INVITE, BYE ---------------
@pytest.mark.parametrize("code", [401, 407])
def test_invite_auth_record_route_reinvite(tmp_path, code):
    digest = ' Digest realm="switchboard.test", nonce="a1b2c3"\nContent-Length: 0\n'
    if code == 401:  # sipp's verifyauth reads only the Authorization header
        challenge = "SIP/2.0 401 Unauthorized\n" + COPY_TAG + "WWW-Authenticate:" + digest
        verified = (
            recv("INVITE", '<verifyauth assign_to="ok" username="alice" password="pw"/>')
            + '<nop hide="true" test="ok" next="good"/>\n'
            + send("SIP/2.0 403 Forbidden\n" + COPY_TAG + "Content-Length: 0\n")
            + '<label id="good"/>\n'
        )
    else:  # Proxy-Authorization: compare with an RFC 2617 (no qop) response computed here
        challenge = "SIP/2.0 407 Proxy Authentication Required\n" + COPY_TAG
        challenge += "Proxy-Authenticate:" + digest
        ha1 = hashlib.md5(b"alice:switchboard.test:pw").hexdigest()
        ha2 = hashlib.md5(f"INVITE:sip:agent@{LOCAL}".encode()).hexdigest()
        response = hashlib.md5(f"{ha1}:a1b2c3:{ha2}".encode()).hexdigest()
        verified = recv("INVITE", check(f'response="{response}"', "Proxy-Authorization:"))
    in_dialog = ROUTE_TO_SIPP + check(r"^(ACK|BYE|INVITE) sip:uas-contact@")
    scen = (
        recv("INVITE")
        + send(challenge)
        + recv("ACK")
        + verified
        + send("SIP/2.0 180 Ringing\n" + COPY_TAG + RR + UAS_CONTACT + "Content-Length: 0\n")
        + send("SIP/2.0 200 OK\n" + COPY_TAG + RR + UAS_CONTACT + SDP, 'retrans="500"')
        + recv("ACK", in_dialog)
        + recv("INVITE", in_dialog + check(r"o=alice [0-9]+ 2 IN IP4"))  # new SDP version
        + send("SIP/2.0 200 OK\n" + COPY + UAS_CONTACT + SDP, 'retrans="500"')
        + recv("ACK", in_dialog)
        + recv("BYE", in_dialog)
        + send("SIP/2.0 200 OK\n" + COPY + "Content-Length: 0\n")
    )
    with (
        sipp(tmp_path, scenario=scen) as uas,
        SipUA("alice", "pw", uas.address) as ua,
        RtpEndpoint() as rtp1,
        RtpEndpoint() as rtp2,
    ):
        call = ua.invite("agent", rtp=rtp1)
        assert call.challenge is not None and call.challenge.status == code
        assert call.status == 200 and call.provisional == [180]
        assert call.route_set and call.remote_target.startswith("sip:uas-contact@")
        assert call.reinvite(rtp2).status == 200
        assert call.bye().status == 200
        uas.finish()


# -- caller CANCEL ---------------------------------------------------------------------------
def test_caller_cancel(tmp_path):
    scen = (
        recv(
            "INVITE",
            '<ereg regexp="([0-9]+) INVITE" search_in="hdr" header="CSeq:" assign_to="all,n"/>',
        )
        + send("SIP/2.0 180 Ringing\n" + COPY_TAG + "Content-Length: 0\n")
        + recv("CANCEL")
        + send("SIP/2.0 200 OK\n" + COPY + "Content-Length: 0\n")
        + send(
            "SIP/2.0 487 Request Terminated\n[last_Via:]\n[last_From:]\n"
            "[last_To:];tag=[pid]SIPpTag01[call_number]\n[last_Call-ID:]\nCSeq: [$n] INVITE\n"
            "Content-Length: 0\n"
        )
        + recv("ACK")
    )
    with sipp(tmp_path, scenario=scen) as uas, SipUA("alice", None, uas.address) as ua:
        call = ua.invite("queue", wait=False)
        call.wait_provisional(180, timeout=5)
        assert call.cancel(timeout=5).status == 200
        assert call.status == 487
        uas.finish()


# -- callee side: hang up with BYE through the route set; reject; remote CANCEL ----------------
UAC_INVITE = (
    "INVITE sip:bob@[remote_ip]:[remote_port] SIP/2.0\n"
    "Via: SIP/2.0/UDP [local_ip]:[local_port];branch=[branch]\n"
    "From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]\n"
    "To: <sip:bob@[remote_ip]:[remote_port]>\nCall-ID: [call_id]\nCSeq: 1 INVITE\n"
    "Contact: <sip:uac-contact@[local_ip]:[local_port]>\n" + RR + "Max-Forwards: 70\n" + SDP
)


def uac_request(method: str, branch: str = "[branch]", cseq: int = 1, to_tag: bool = True) -> str:
    return (
        f"{method} sip:bob@[remote_ip]:[remote_port] SIP/2.0\n"
        f"Via: SIP/2.0/UDP [local_ip]:[local_port];branch={branch}\n"
        "From: <sip:sipp@[local_ip]:[local_port]>;tag=[pid]SIPpTag00[call_number]\n"
        f"To: <sip:bob@[remote_ip]:[remote_port]>{'[peer_tag_param]' if to_tag else ''}\n"
        "Call-ID: [call_id]\n"
        f"CSeq: {cseq} {method}\nMax-Forwards: 70\nContent-Length: 0\n"
    )


def test_callee_hangs_up(tmp_path):
    scen = (
        send(UAC_INVITE, 'retrans="500"')
        + recv("180", attrs='optional="true"')
        + recv("200")
        + send(uac_request("ACK"))
        + recv("BYE", ROUTE_TO_SIPP + check(r"^BYE sip:uac-contact@"))
        + send("SIP/2.0 200 OK\n" + COPY + "Content-Length: 0\n")
    )
    with (
        SipUA("bob", None, (LOCAL, 9)) as ua,
        RtpEndpoint() as rtp,
        sipp(tmp_path, f"{LOCAL}:{ua.port}", scenario=scen) as uac,
    ):
        inc = ua.wait_incoming()
        inc.ring()
        inc.answer(rtp)
        inc.wait_ack()
        assert inc.route_set and inc.bye().status == 200
        uac.finish()


def test_callee_rejects(tmp_path):
    # The ACK for a non-2xx reuses the INVITE's branch (RFC 3261 17.1.1.3): [branch-2].
    scen = send(UAC_INVITE, 'retrans="500"') + recv("486") + send(uac_request("ACK", "[branch-2]"))
    with (
        SipUA("bob", None, (LOCAL, 9)) as ua,
        sipp(tmp_path, f"{LOCAL}:{ua.port}", scenario=scen) as uac,
    ):
        inc = ua.wait_incoming()
        inc.reject(486)
        assert inc.wait_ack(timeout=5).method == "ACK"
        uac.finish()


def test_callee_sees_cancel(tmp_path):
    scen = (
        send(UAC_INVITE, 'retrans="500"')
        + recv("180")
        + send(uac_request("CANCEL", "[branch-2]", to_tag=False))
        + recv("200")
        + recv("487")
        + send(uac_request("ACK", "[branch-5]"))
    )
    with (
        SipUA("bob", None, (LOCAL, 9)) as ua,
        sipp(tmp_path, f"{LOCAL}:{ua.port}", scenario=scen) as uac,
    ):
        inc = ua.wait_incoming()
        inc.ring()
        assert inc.wait_cancel(timeout=5).method == "CANCEL"
        assert inc.wait_ack(timeout=5).method == "ACK"
        assert inc.state == "cancelled"
        uac.finish()
