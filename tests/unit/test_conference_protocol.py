"""The Janus/AudioBridge messages (conference.protocol), without I/O: replies as the real
Janus 1.1.2 sends them."""

from __future__ import annotations

import pytest

from conference import protocol
from conference.protocol import Forwarder, JanusError, Participant, RtpJoined

SESSION, HANDLE = 7351784562215852, 4539370284745983


def plugin_reply(data: dict[str, object], janus: str = "success") -> dict[str, object]:
    return {
        "janus": janus,
        "session_id": SESSION,
        "transaction": "t1",
        "sender": HANDLE,
        "plugindata": {"plugin": protocol.AUDIOBRIDGE, "data": data},
    }


def test_requests_and_plugin_messages() -> None:
    assert protocol.request("create", "t1") == {"janus": "create", "transaction": "t1"}
    assert protocol.attach("t2") == {
        "janus": "attach",
        "transaction": "t2",
        "plugin": "janus.plugin.audiobridge",
    }
    assert protocol.message("t3", {"request": "leave"}) == {
        "janus": "message",
        "transaction": "t3",
        "body": {"request": "leave"},
    }
    assert protocol.new_transaction() != protocol.new_transaction()


def test_create_room_is_for_plain_rtp_and_prebuffers_two_packets() -> None:
    assert protocol.create_room(42) == {
        "request": "create",
        "room": 42,
        "permanent": False,
        "sampling_rate": 8000,
        "allow_rtp_participants": True,
        "audiolevel_ext": False,
        "audiolevel_event": False,
        "default_prebuffering": 2,
    }
    wide = protocol.create_room(7, sampling_rate=16000, prebuffering=4, description="sales")
    assert (wide["sampling_rate"], wide["default_prebuffering"], wide["description"]) == (
        16000,
        4,
        "sales",
    )
    with pytest.raises(ValueError, match="sampling rate"):
        protocol.create_room(1, sampling_rate=11025)  # Janus would mix at 16 kHz instead
    for bad in (0, -3, True):
        with pytest.raises(ValueError, match="room"):
            protocol.create_room(bad)


def test_join_rtp_body() -> None:
    assert protocol.join_rtp(42, "127.0.0.1", 40000) == {
        "request": "join",
        "room": 42,
        "codec": "pcmu",
        "muted": False,
        "rtp": {"ip": "127.0.0.1", "port": 40000, "payload_type": 0},
    }
    pcma = protocol.join_rtp(42, "10.0.0.1", 4002, codec="pcma", display="x", participant_id=9)
    assert (pcma["rtp"]["payload_type"], pcma["display"], pcma["id"]) == (8, "x", 9)
    assert (
        protocol.join_rtp(1, "h", 2, codec="opus", payload_type=111)["rtp"]["payload_type"] == 111
    )
    with pytest.raises(ValueError, match="payload_type"):
        protocol.join_rtp(1, "h", 2, codec="opus")
    with pytest.raises(ValueError, match="port"):
        protocol.join_rtp(1, "h", 0)

    with pytest.raises(ValueError, match="ip and port"):
        protocol.join_rtp(1, "h", None)


def test_groups_a_room_joins_and_configures() -> None:
    grouped = protocol.create_room(42, groups=["customer", "heard", "whisper"])
    assert grouped["groups"] == ["customer", "heard", "whisper"]
    assert "groups" not in protocol.create_room(42, groups=[])
    with pytest.raises(ValueError, match="at most 5"):
        protocol.create_room(42, groups=[str(n) for n in range(6)])
    # No address: Janus binds a port it takes packets on from anywhere and sends nothing.
    assert protocol.join_rtp(42, None, None, group="customer") == {
        "request": "join",
        "room": 42,
        "codec": "pcmu",
        "muted": False,
        "rtp": {"payload_type": 0},
        "group": "customer",
    }
    assert protocol.join_rtp(42, "h", 2, muted=True, group="whisper")["muted"] is True
    assert protocol.configure(group="heard", muted=False) == {
        "request": "configure",
        "group": "heard",
        "muted": False,
    }


def test_rtp_forward_of_a_group() -> None:
    assert protocol.rtp_forward(42, "127.0.0.1", 30000, group="heard", ssrc=5) == {
        "request": "rtp_forward",
        "room": 42,
        "host": "127.0.0.1",
        "port": 30000,
        "codec": "pcmu",
        "ptype": 0,
        "ssrc": 5,
        "group": "heard",
    }
    whole = protocol.rtp_forward(42, "h", 2, ssrc=5, codec="pcma", always_on=True)
    assert (whole["codec"], whole["ptype"], whole["always_on"]) == ("pcma", 8, True)
    assert "group" not in whole  # the room's whole mix
    assert protocol.rtp_forward(42, "h", 2, ssrc=5, codec="opus", payload_type=111)["ptype"] == 111
    for bad in ({"codec": "opus"}, {"codec": "pcmu", "payload_type": 8}, {"codec": "g722"}):
        with pytest.raises(ValueError, match="codec|payload"):
            protocol.rtp_forward(42, "h", 2, ssrc=5, **bad)
    with pytest.raises(ValueError, match="ssrc"):
        protocol.rtp_forward(42, "h", 2, ssrc=0)  # Janus would use the stream id instead
    assert protocol.forwarded({"audiobridge": "success", "room": 42, "stream_id": 77}) == 77
    with pytest.raises(JanusError, match="no forwarder"):
        protocol.forwarded({"audiobridge": "success", "room": 42})
    assert protocol.stop_rtp_forward(42, 77) == {
        "request": "stop_rtp_forward",
        "room": 42,
        "stream_id": 77,
    }
    assert protocol.list_forwarders(42) == {"request": "listforwarders", "room": 42}
    listed = {
        "audiobridge": "forwarders",
        "room": 42,
        "rtp_forwarders": [
            {"stream_id": 77, "group": "heard", "ip": "127.0.0.1", "port": 30000,
             "ssrc": 5, "codec": "pcmu", "ptype": 0, "always_on": False},
            {"stream_id": 78, "ip": "::1", "port": 30002, "ssrc": 78, "codec": "opus",
             "ptype": 100, "always_on": True},
        ],
    }  # fmt: skip
    assert protocol.forwarders(listed) == [
        Forwarder(77, "127.0.0.1", 30000, 5, "pcmu", 0, "heard"),
        Forwarder(78, "::1", 30002, 78, "opus", 100, None, always_on=True),
    ]


def test_participant_and_room_requests() -> None:
    assert protocol.configure(muted=True) == {"request": "configure", "muted": True}
    assert protocol.configure(volume=150) == {"request": "configure", "volume": 150}
    assert protocol.mute(42, 9) == {"request": "mute", "room": 42, "id": 9}
    assert protocol.mute(42, 9, muted=False) == {"request": "unmute", "room": 42, "id": 9}
    assert protocol.kick(42, 9) == {"request": "kick", "room": 42, "id": 9}
    assert protocol.leave() == {"request": "leave"}
    assert protocol.destroy_room(42) == {"request": "destroy", "room": 42, "permanent": False}
    assert protocol.list_participants(42) == {"request": "listparticipants", "room": 42}
    assert protocol.exists(42) == {"request": "exists", "room": 42}


def test_session_and_handle_ids() -> None:
    assert protocol.success_id({"janus": "success", "transaction": "t", "data": {"id": 5}}) == 5
    with pytest.raises(JanusError) as no_id:
        protocol.success_id({"janus": "ack", "transaction": "t"}, "attach")
    assert no_id.value.code == protocol.BAD_REPLY and no_id.value.request == "attach"


def test_janus_errors_and_plugin_errors() -> None:
    core = {
        "janus": "error",
        "session_id": SESSION,
        "transaction": "t3d",
        "error": {"code": 459, "reason": "No such handle 99 in session 7351784562215852"},
    }
    with pytest.raises(JanusError) as handle:
        protocol.plugin_data(core, "list")
    assert (handle.value.code, handle.value.request) == (protocol.HANDLE_NOT_FOUND, "list")
    assert "No such handle 99" in handle.value.reason
    assert str(handle.value).startswith("list: No such handle 99")

    plugin = plugin_reply(
        {"audiobridge": "event", "error_code": 486, "error": "Room 42 already exists"}
    )
    with pytest.raises(JanusError) as exists:
        protocol.plugin_data(plugin)
    assert (exists.value.code, exists.value.reason) == (486, "Room 42 already exists")

    for not_janus in ([], "x", {"janus": "success"}):
        with pytest.raises(JanusError) as bad:
            protocol.plugin_data(not_janus)
        assert bad.value.code == protocol.BAD_REPLY


def test_ack_then_event() -> None:
    assert protocol.is_ack({"janus": "ack", "session_id": SESSION, "transaction": "t5"})
    assert not protocol.is_ack(plugin_reply({"audiobridge": "created", "room": 42}))
    event = plugin_reply({"audiobridge": "destroyed", "room": 42}, janus="event")
    assert protocol.event_data(event) == {"audiobridge": "destroyed", "room": 42}
    assert protocol.event_data({"janus": "detached", "sender": HANDLE}) is None


def test_long_poll_answers() -> None:
    event = plugin_reply({"audiobridge": "joined"}, janus="event")
    assert protocol.events(event) == [event]  # maxev=1: one object
    assert protocol.events([event, event]) == [event, event]  # maxev>1: a list
    assert protocol.events({"janus": "keepalive"}) == []  # nothing within 30 s


def test_joined_gives_where_to_send() -> None:
    data = {
        "audiobridge": "joined",
        "room": 42,
        "id": 8357351708539696,
        "participants": [],
        "rtp": {"ip": "127.0.0.1", "port": 48000, "payload_type": 0},
    }
    assert protocol.joined(data) == RtpJoined(42, 8357351708539696, "127.0.0.1", 48000, 0)
    # Janus joins even when it could not bind an RTP port; then there is no "rtp".
    with pytest.raises(JanusError, match="without an RTP address"):
        protocol.joined({k: v for k, v in data.items() if k != "rtp"})


def test_participants_list() -> None:
    data = {
        "audiobridge": "participants",
        "room": 42,
        "participants": [
            {"id": 1, "setup": True, "muted": False, "display": "400 Hz"},
            {"id": 2, "setup": False, "muted": True},
        ],
    }
    assert protocol.participants(data) == [
        Participant(1, muted=False, setup=True, display="400 Hz"),
        Participant(2, muted=True, setup=False),
    ]
