"""RTP headers (RFC 3550) of recorded datagrams: what is audio, from whom. Pure."""

from __future__ import annotations

import struct
from dataclasses import dataclass

from recording.pcap import Address, Datagram


@dataclass(frozen=True)
class RtpPacket:
    time: float  # arrival at rtpengine (the pcap record's time)
    source: Address  # who sent it: one party of the call
    ssrc: int
    sequence: int
    timestamp: int
    payload_type: int
    marker: bool
    payload: bytes


def parse_rtp(datagram: Datagram) -> RtpPacket | None:
    """The RTP packet in ``datagram``; None for RTCP, STUN or anything else."""
    data = datagram.payload
    if len(data) < 12 or data[0] >> 6 != 2:
        return None  # not RTP version 2 (STUN, DTLS, ZRTP start otherwise)
    payload_type = data[1] & 0x7F
    if 64 <= payload_type <= 95:
        return None  # RTCP (packet types 192-223, RFC 5761 section 4)
    offset = 12 + 4 * (data[0] & 0x0F)  # CSRC list
    if data[0] & 0x10:  # header extension (RFC 3550 5.3.1)
        if len(data) < offset + 4:
            return None
        offset += 4 + 4 * struct.unpack_from("!H", data, offset + 2)[0]
    end = len(data)
    if data[0] & 0x20:  # padding: its last byte counts the padding bytes
        end -= data[-1]
    if end < offset:
        return None
    sequence, timestamp, ssrc = struct.unpack_from("!HII", data, 2)
    return RtpPacket(
        datagram.time,
        datagram.source,
        ssrc,
        sequence,
        timestamp,
        payload_type,
        bool(data[1] & 0x80),
        data[offset:end],
    )


def rtp_packets(datagrams: tuple[Datagram, ...] | list[Datagram]) -> list[RtpPacket]:
    return [p for p in map(parse_rtp, datagrams) if p is not None]
