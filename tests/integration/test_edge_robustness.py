"""The edge keeps serving through junk, and runs the native routing module."""

from __future__ import annotations

import re

from tests.integration.conftest import PhoneFactory
from tests.support.sipmsg import SipMessage, new_call_id, new_tag
from tests.support.sipua import SipUA
from tests.support.stack import Stack

JUNK = [
    b"\x00\x01\x02garbage",
    b"INVITE sip:5002@127.0.0.1 SIP/2.0\r\nVia: broken\r\n\r\n",
    b"REGISTER sip:127.0.0.1 SIP/2.0\r\nCSeq: x REGISTER\r\nContent-Length: 99999\r\n\r\n",
    b"OPTIONS sip:127.0.0.1 SIP/9.9\r\n\r\n",
    "INVITE sip:ü@127.0.0.1 SIP/2.0\r\n\r\n".encode(),
]


def test_native_directory_is_used_by_kamailio_workers(stack: Stack, phones: PhoneFactory) -> None:
    phones("demo-5001")  # makes at least one worker load the directory
    log = stack.log("kamailio")
    loaded = re.findall(r"routing directory v\d+ loaded in pid \d+ \(([\w.]+)\)", log)
    assert loaded, "no worker reported loading the routing directory"
    assert set(loaded) == {"routing._native.Directory"}, loaded


def test_malformed_requests_crash_nothing_and_service_continues(
    stack: Stack, phones: PhoneFactory
) -> None:
    with SipUA("junk", None, stack.proxy) as sender:
        for datagram in JUNK * 5:
            sender.send_raw(datagram)
        # A well-formed request right after the junk is still answered.
        assert (
            sender.options(f"sip:{stack.settings.sip_host}:{stack.settings.sip_port}").status == 200
        )
    assert stack.supervisor.first_exited() is None
    assert phones("demo-5001") is not None  # registration still works


def test_unsupported_method_gets_405(stack: Stack) -> None:
    with SipUA("demo-5001", "demo5001", stack.proxy) as phone:
        request = SipMessage.request(
            "MESSAGE",
            f"sip:demo-5002@{stack.settings.sip_host}",
            [
                ("Via", phone._via()),
                ("Max-Forwards", "70"),
                ("From", f"<{phone.aor}>;tag={new_tag()}"),
                ("To", f"<sip:demo-5002@{stack.settings.sip_host}>"),
                ("Call-ID", new_call_id("127.0.0.1")),
                ("CSeq", "1 MESSAGE"),
            ],
        )
        assert phone.request(request).status == 405
