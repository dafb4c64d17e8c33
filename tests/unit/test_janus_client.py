"""The Janus client (conference.janus) against a fake Janus on httpx's MockTransport: the
requests the whisper recipe (conference.whisper) sends, and how answers are read. The
real Janus: tests/integration/conference/test_janus_whisper.py."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from conference import JanusClient, JanusError, protocol
from conference import whisper as plan
from conference.protocol import Forwarder, RtpJoined

SESSION, ROOM = 7351784562215852, 42
ASYNCHRONOUS = ("join", "configure", "leave", "changeroom")  # answered ack, then an event


class FakeJanus:
    """Answers like Janus 1.1.2: one session, handles 1, 2, ...; plugin bodies kept in
    ``bodies`` as (handle, body); ``answers`` gives each request's plugin data."""

    def __init__(self) -> None:
        self.bodies: list[tuple[int, dict[str, Any]]] = []
        self.pending: list[dict[str, Any]] = []  # events for the next long poll
        self.handles = 0
        self.answers: dict[str, dict[str, Any]] = {}

    def __call__(self, request: httpx.Request) -> httpx.Response:
        parts = request.url.path.strip("/").split("/")[1:]  # after "janus"
        if request.method == "GET":
            events, self.pending = self.pending, []
            return httpx.Response(200, json=events or {"janus": "keepalive"})
        sent = json.loads(request.content)
        tx, verb = sent["transaction"], sent["janus"]
        if verb == "create":
            return httpx.Response(
                200, json={"janus": "success", "transaction": tx, "data": {"id": SESSION}}
            )
        if verb == "attach":
            self.handles += 1
            return httpx.Response(
                200, json={"janus": "success", "transaction": tx, "data": {"id": self.handles}}
            )
        if verb != "message":
            return httpx.Response(200, json={"janus": "success", "transaction": tx})
        handle, body = int(parts[1]), sent["body"]
        self.bodies.append((handle, body))
        data = self.answers.get(body["request"], {"audiobridge": "success"})
        reply = {"transaction": tx, "sender": handle, "session_id": SESSION,
                 "plugindata": {"plugin": protocol.AUDIOBRIDGE, "data": data}}  # fmt: skip
        if body["request"] in ASYNCHRONOUS:
            self.pending.append({"janus": "event", **reply})
            return httpx.Response(
                200, json={"janus": "ack", "transaction": tx, "session_id": SESSION}
            )
        return httpx.Response(200, json={"janus": "success", **reply})


@pytest.fixture
def janus() -> FakeJanus:
    return FakeJanus()


@pytest.fixture
def client(janus: FakeJanus) -> Iterator[JanusClient]:
    with JanusClient("http://janus.test/janus", transport=httpx.MockTransport(janus)) as c:
        c.create_session()
        yield c


def test_janus_whisper_recipe_requests(client: JanusClient, janus: FakeJanus) -> None:
    control, customer, supervisor = client.attach(), client.attach(), client.attach()
    client.create_room(control, ROOM, groups=list(plan.GROUPS))
    janus.answers["join"] = {
        "audiobridge": "joined", "room": ROOM, "id": 9, "participants": [],
        "rtp": {"ip": "127.0.0.1", "port": 20000, "payload_type": 0},
    }  # fmt: skip
    joined = client.join_rtp(customer, ROOM, None, None, group=plan.CUSTOMER_GROUP)
    assert joined == RtpJoined(ROOM, 9, "127.0.0.1", 20000, 0)
    janus.answers["rtp_forward"] = {
        "audiobridge": "success", "room": ROOM, "group": "heard", "stream_id": 77,
        "host": "127.0.0.1", "port": 30000,
    }  # fmt: skip
    ear = client.rtp_forward(control, ROOM, "127.0.0.1", 30000, group=plan.EAR_GROUP, ssrc=5)
    assert ear == 77
    for mode in (plan.WHISPER, plan.BARGE, plan.MONITOR):
        mix = plan.supervisor_mix(mode)
        client.configure(supervisor, group=mix.group, muted=mix.muted)
    client.stop_rtp_forward(control, ROOM, ear)

    assert janus.bodies == [
        (control, {
            "request": "create", "room": ROOM, "permanent": False, "sampling_rate": 8000,
            "allow_rtp_participants": True, "audiolevel_ext": False, "audiolevel_event": False,
            "default_prebuffering": 2, "groups": ["customer", "heard", "whisper"],
        }),
        (customer, {  # no ip/port: Janus takes its packets from anywhere, sends it nothing
            "request": "join", "room": ROOM, "codec": "pcmu", "muted": False,
            "rtp": {"payload_type": 0}, "group": "customer",
        }),
        (control, {
            "request": "rtp_forward", "room": ROOM, "host": "127.0.0.1", "port": 30000,
            "codec": "pcmu", "ptype": 0, "ssrc": 5, "group": "heard",
        }),
        (supervisor, {"request": "configure", "group": "whisper", "muted": False}),
        (supervisor, {"request": "configure", "group": "heard", "muted": False}),
        (supervisor, {"request": "configure", "group": "whisper", "muted": True}),
        (control, {"request": "stop_rtp_forward", "room": ROOM, "stream_id": 77}),
    ]  # fmt: skip


def test_janus_forwarders_listed_and_refusals_raised(client: JanusClient, janus: FakeJanus) -> None:
    control = client.attach()
    janus.answers["listforwarders"] = {
        "audiobridge": "forwarders", "room": ROOM,
        "rtp_forwarders": [{
            "stream_id": 77, "group": "heard", "ip": "127.0.0.1", "port": 30000, "ssrc": 5,
            "codec": "pcmu", "ptype": 0, "always_on": False,
        }],
    }  # fmt: skip
    assert client.list_forwarders(control, ROOM) == [
        Forwarder(77, "127.0.0.1", 30000, 5, "pcmu", 0, "heard")
    ]
    janus.answers["configure"] = {
        "audiobridge": "event",
        "error_code": 494,
        "error": "No such group (nobody)",
    }
    with pytest.raises(JanusError) as refused:
        client.configure(control, group="nobody")
    assert (refused.value.code, refused.value.request) == (protocol.NO_SUCH_GROUP, "configure")
    janus.answers["rtp_forward"] = {"audiobridge": "success", "room": ROOM}  # no stream id
    with pytest.raises(JanusError, match="no forwarder"):
        client.rtp_forward(control, ROOM, "127.0.0.1", 30000, group=None, ssrc=5)
