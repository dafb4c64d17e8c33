"""``*64``: reading the keys pressed and rtpengine's DTMF datagrams."""

from __future__ import annotations

import pytest

from callcontrol.dtmf import parse_event
from callcontrol.features import parse_sign_in


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ("1006#1006#", ("1006", "1006")),
        ("1006#4321#9", ("1006", "4321")),  # keys after the second # are ignored
        ("*1006#1006#", ("1006", "1006")),
        ("1006#", None),
        ("1006#1006", None),
        ("##", None),
        ("", None),
    ],
)
def test_agent_number_and_password_are_read_once_both_end_with_hash(
    keys: str, expected: tuple[str, str] | None
) -> None:
    assert parse_sign_in(keys) == expected


def test_dtmf_datagram_gives_call_source_tag_and_event() -> None:
    data = (
        b'{"callid":"c1","source_tag":"t1","tags":["b","t1"],"type":"DTMF",'
        b'"timestamp":1,"source_ip":"127.0.0.1","event":11,"duration":80,"volume":10}'
    )
    assert parse_event(data) == ("c1", "t1", 11)
    assert parse_event(b"not json") is None
    assert parse_event(b'{"callid":"c1"}') is None
