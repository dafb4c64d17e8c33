"""rtpengine's pcaps read (link types, byte orders, damage), RTP parsed, and each party's
stream laid on the recording's timeline and mixed: synthetic captures built here."""

from __future__ import annotations

import math
import struct
from collections.abc import Sequence
from dataclasses import replace

import pytest

from recording import g711
from recording.errors import RecordingError
from recording.mixdown import join, mix_segment
from recording.pcap import Datagram, read_pcap
from recording.rtp import RtpPacket, parse_rtp, rtp_packets
from recording.timeline import RATE, lay_out, split_streams
from tests.support.rtp import goertzel_power

T0 = 1_800_000_000.0  # an arrival time (epoch seconds)
CUSTOMER, AGENT, RTPENGINE = ("127.0.0.1", 40000), ("127.0.0.1", 40002), ("127.0.0.1", 30000)


# --- building captures ---------------------------------------------------------------------


def rtp_bytes(
    seq: int, ts: int, ssrc: int, pt: int = 0, payload: bytes = b"\xff" * 160, **bits: int
) -> bytes:
    """An RTP packet; ``bits``: csrc (count), ext (header extension words), pad (bytes)."""
    csrc, ext, pad = bits.get("csrc", 0), bits.get("ext", 0), bits.get("pad", 0)
    first = 0x80 | (0x20 if pad else 0) | (0x10 if ext else 0) | csrc
    header = struct.pack("!BBHII", first, pt, seq & 0xFFFF, ts & 0xFFFFFFFF, ssrc)
    header += b"\x00\x00\x00\x01" * csrc
    if ext:
        header += struct.pack("!HH", 0xBEDE, ext) + b"\x00" * 4 * ext
    return header + payload + (b"\x00" * (pad - 1) + bytes([pad]) if pad else b"")


def udp_ipv4(source: tuple[str, int], payload: bytes, protocol: int = 17) -> bytes:
    udp = struct.pack("!HHHH", source[1], RTPENGINE[1], 8 + len(payload), 0) + payload
    ip = bytes(int(x) for x in source[0].split("."))
    dst = bytes(int(x) for x in RTPENGINE[0].split("."))
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 0, 0x4000, 64, protocol, 0, ip, dst
    )
    return header + udp


def udp_ipv6(source_port: int, payload: bytes) -> bytes:
    udp = struct.pack("!HHHH", source_port, RTPENGINE[1], 8 + len(payload), 0) + payload
    loopback = b"\x00" * 15 + b"\x01"
    return struct.pack("!IHBB16s16s", 0x60000000, len(udp), 17, 64, loopback, loopback) + udp


def pcap(
    frames: list[tuple[float, bytes]], link: int = 101, order: str = "<", nano: bool = False
) -> bytes:
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(order + "IHHiIII", magic, 2, 4, 0, 0, 65535, link)]
    for at, frame in frames:
        seconds, fraction = divmod(round(at * (1e9 if nano else 1e6)), 10**9 if nano else 10**6)
        out.append(struct.pack(order + "IIII", seconds, fraction, len(frame), len(frame)) + frame)
    return b"".join(out)


def tone(
    source: tuple[str, int],
    hz: float,
    start: float,
    seconds: float,
    ssrc: int = 0x1111,
    pt: int = g711.PCMU,
    ts0: int = 5000,
    amplitude: int = 8000,
) -> list[RtpPacket]:
    """A party sending a tone in 20 ms packets, arriving on time."""
    packets = []
    for n in range(round(seconds * 50)):
        samples = [
            round(amplitude * math.sin(2 * math.pi * hz * (n * 160 + i) / RATE)) for i in range(160)
        ]
        packets.append(
            RtpPacket(
                start + n * 0.02,
                source,
                ssrc,
                n & 0xFFFF,
                (ts0 + n * 160) & 0xFFFFFFFF,
                pt,
                n == 0,
                g711.encode(pt, samples),
            )
        )
    return packets


def by_arrival(*streams: list[RtpPacket]) -> list[RtpPacket]:
    return sorted((p for s in streams for p in s), key=lambda p: p.time)


def power(samples: Sequence[int], hz: float, start_s: float, end_s: float) -> float:
    return goertzel_power(samples[round(start_s * RATE) : round(end_s * RATE)], hz)


# --- pcap ----------------------------------------------------------------------------------


def test_a_raw_ipv4_capture_gives_each_datagram_with_its_sender_and_arrival() -> None:
    data = pcap([(T0, udp_ipv4(CUSTOMER, b"one")), (T0 + 0.020125, udp_ipv4(AGENT, b"two"))])
    capture = read_pcap(data)
    assert capture.link_type == 101 and not capture.truncated
    first, second = capture.datagrams
    assert first == Datagram(T0, CUSTOMER, RTPENGINE, b"one")
    assert (second.source, second.destination, second.payload) == (AGENT, RTPENGINE, b"two")
    assert second.time == pytest.approx(T0 + 0.020125, abs=1e-6)


@pytest.mark.parametrize(("order", "nano"), [(">", False), ("<", True), (">", True)])
def test_byte_order_and_nanosecond_captures_read_the_same(order: str, nano: bool) -> None:
    data = pcap([(T0 + 0.5, udp_ipv4(CUSTOMER, b"x"))], order=order, nano=nano)
    (datagram,) = read_pcap(data).datagrams
    assert (datagram.time, datagram.source, datagram.payload) == (T0 + 0.5, CUSTOMER, b"x")


def test_ethernet_with_a_vlan_tag_and_ipv6_captures_are_read() -> None:
    ethernet = b"\x00" * 12 + b"\x81\x00\x00\x05\x08\x00" + udp_ipv4(CUSTOMER, b"eth")
    (eth,) = read_pcap(pcap([(T0, ethernet)], link=1)).datagrams
    assert (eth.source, eth.payload) == (CUSTOMER, b"eth")
    (six,) = read_pcap(pcap([(T0, udp_ipv6(40004, b"six"))])).datagrams
    assert (six.source, six.destination, six.payload) == (("::1", 40004), ("::1", 30000), b"six")


def test_a_capture_cut_short_keeps_its_whole_records_and_says_so() -> None:
    whole = pcap([(T0, udp_ipv4(CUSTOMER, b"a"))])
    data = pcap([(T0, udp_ipv4(CUSTOMER, b"a")), (T0 + 1, udp_ipv4(CUSTOMER, b"b"))])
    for cut in (data[:-5], data[: len(whole) + 10]):  # into the last record's data, header
        capture = read_pcap(cut)
        assert capture.truncated
        assert [d.payload for d in capture.datagrams] == [b"a"]


def test_what_is_not_udp_over_ip_is_skipped() -> None:
    frames = [(T0, udp_ipv4(CUSTOMER, b"tcp", protocol=6)), (T0, b"\x00" * 8), (T0, b"")]
    assert read_pcap(pcap(frames)).datagrams == ()


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"\x0a\x0d\x0d\x0a" + b"\x00" * 28, "pcapng"),
        (b"GIF89a" + b"\x00" * 26, "magic"),
        (b"\xd4\xc3\xb2\xa1", "24"),
        (pcap([(T0, b"\x00" * 20)], link=147), "link type 147"),
    ],
)
def test_a_file_that_is_not_rtpengines_pcap_is_an_error(data: bytes, reason: str) -> None:
    with pytest.raises(RecordingError, match=reason):
        read_pcap(data)


# --- rtp -----------------------------------------------------------------------------------


def datagram(payload: bytes) -> Datagram:
    return Datagram(T0, CUSTOMER, RTPENGINE, payload)


def test_csrcs_header_extensions_and_padding_are_not_audio() -> None:
    packet = parse_rtp(
        datagram(rtp_bytes(7, 1234, 0xABCD, payload=b"\x01\x02", csrc=2, ext=1, pad=4))
    )
    assert packet is not None
    assert (packet.sequence, packet.timestamp, packet.ssrc, packet.payload) == (
        7,
        1234,
        0xABCD,
        b"\x01\x02",
    )


def test_rtcp_stun_and_other_versions_are_not_rtp() -> None:
    receiver_report = struct.pack("!BBHI", 0x80, 201, 1, 0xABCD)
    stun = b"\x00\x01\x00\x00\x21\x12\xa4\x42" + b"\x00" * 12
    version_one = b"\x40" + rtp_bytes(1, 1, 1)[1:]
    assert (
        rtp_packets(
            [datagram(receiver_report + b"\x00" * 4), datagram(stun), datagram(version_one)]
        )
        == []
    )


# --- timeline and mixdown --------------------------------------------------------------------


def test_both_parties_are_heard_where_they_spoke() -> None:
    customer = tone(CUSTOMER, 400, T0, 2.0, ssrc=1)
    agent = tone(AGENT, 1100, T0 + 1.0, 1.0, ssrc=2)  # answers a second later
    mixed = mix_segment(by_arrival(customer, agent))
    assert mixed.duration == pytest.approx(2.0)
    assert mixed.started == T0
    assert [(t.source, t.offset_seconds) for t in mixed.tracks] == [(CUSTOMER, 0.0), (AGENT, 1.0)]
    assert power(mixed.samples, 400, 0.0, 1.0) > 0.95
    assert power(mixed.samples, 1100, 0.0, 1.0) < 0.01
    assert power(mixed.samples, 400, 1.0, 2.0) > 0.4
    assert power(mixed.samples, 1100, 1.0, 2.0) > 0.4


def test_jitter_does_not_move_audio_and_a_lost_packet_leaves_its_silence() -> None:
    sent = tone(CUSTOMER, 400, T0, 1.0)
    jittered = [replace(p, time=p.time + (0.015 if n % 3 else 0.0)) for n, p in enumerate(sent)]
    lost = jittered[:20] + jittered[21:]  # packet 20: 0.40-0.42 s
    track = lay_out(split_streams(lost)[0], T0)
    assert track is not None and (track.start, len(track.samples)) == (0, RATE)
    assert set(track.samples[round(0.40 * RATE) : round(0.42 * RATE)]) == {0}
    assert list(track.samples[:3200]) == list(
        g711.decode(0, b"".join(p.payload for p in sent[:20]))
    )


def test_a_duplicated_packet_is_not_heard_twice() -> None:
    sent = tone(CUSTOMER, 400, T0, 1.0)
    once = mix_segment(sent).samples
    twice = mix_segment(
        sorted(sent + [replace(sent[10], time=sent[10].time + 0.05)], key=lambda p: p.time)
    )
    assert twice.samples == once


def test_a_timestamp_that_wraps_around_32_bits_stays_continuous() -> None:
    sent = tone(CUSTOMER, 400, T0, 1.0, ts0=(1 << 32) - 160 * 25)
    mixed = mix_segment(sent)
    assert mixed.duration == pytest.approx(1.0)
    assert power(mixed.samples, 400, 0.0, 1.0) > 0.95


def test_a_sender_that_restarts_its_timestamps_is_placed_by_arrival() -> None:
    first = tone(CUSTOMER, 400, T0, 1.0, ts0=900_000)
    after_hold = tone(CUSTOMER, 400, T0 + 3.0, 1.0, ts0=1000)  # same SSRC, clock restarted
    mixed = mix_segment(first + after_hold)
    assert mixed.duration == pytest.approx(4.0)
    assert power(mixed.samples, 400, 3.0, 4.0) > 0.95
    assert set(mixed.samples[round(1.0 * RATE) : round(3.0 * RATE)]) == {0}  # the hold


def test_a_new_ssrc_from_the_same_party_is_its_own_track() -> None:
    before = tone(AGENT, 700, T0, 1.0, ssrc=5)
    after = tone(AGENT, 1100, T0 + 1.0, 1.0, ssrc=6, ts0=77)
    mixed = mix_segment(before + after)
    assert [(t.ssrc, t.offset_seconds) for t in mixed.tracks] == [(5, 0.0), (6, 1.0)]
    assert power(mixed.samples, 1100, 1.0, 2.0) > 0.95


def test_pcma_is_decoded_and_dtmf_and_comfort_noise_are_skipped() -> None:
    audio = tone(CUSTOMER, 700, T0, 1.0, pt=g711.PCMA)
    events = [replace(p, payload_type=101, payload=b"\x05\x8a\x03\x20") for p in audio[:5]]
    noise = [replace(audio[0], payload_type=13, payload=b"\x40")]
    mixed = mix_segment(by_arrival(audio, events, noise))
    assert mixed.skipped_packets == 6
    assert power(mixed.samples, 700, 0.0, 1.0) > 0.95


def test_two_loud_parties_are_clipped_not_wrapped() -> None:
    customer = tone(CUSTOMER, 400, T0, 0.2, ssrc=1, amplitude=30000)
    agent = tone(AGENT, 400, T0, 0.2, ssrc=2, amplitude=30000)
    samples = mix_segment(by_arrival(customer, agent)).samples
    assert max(samples) == 32767 and min(samples) == -32768


def test_stretches_are_joined_in_time_order_with_the_pause_between_them_cut() -> None:
    before = mix_segment(by_arrival(tone(CUSTOMER, 400, T0, 1.0), tone(AGENT, 1100, T0, 1.0)))
    after = mix_segment(tone(AGENT, 700, T0 + 6.0, 0.5))  # 5 s paused
    joined = join([after, before])
    assert (joined.duration, joined.segments, joined.started) == (1.5, (0.0, 1.0), T0)
    assert power(joined.samples, 700, 1.0, 1.5) > 0.95
    assert [t.offset_seconds for t in joined.tracks] == [0.0, 0.0, 1.0]
    spaced = join([before, after], gap_seconds=0.25)
    assert spaced.duration == 1.75 and spaced.segments == (0.0, 1.25)
    assert set(spaced.samples[RATE : RATE + RATE // 4]) == {0}


def test_nothing_recorded_is_an_empty_mixdown() -> None:
    assert len(mix_segment([]).samples) == 0
    assert join([mix_segment([]), mix_segment([])]).duration == 0.0
