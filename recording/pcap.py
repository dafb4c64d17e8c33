"""Read a pcap file's UDP datagrams: what rtpengine's ``--recording-method=pcap`` writes.

rtpengine 10.5 writes classic pcap (not pcapng), link type RAW (``--recording-format=raw``,
the default: each record is an IPv4/IPv6 packet) or Ethernet (``=eth``), one record per
RTP/RTCP packet it *received*, stamped with the arrival time, with a made-up IP/UDP header
from the sender's address to rtpengine's local port. This reads those and the other
usual link types. A last record cut short (a file still being written, a crashed
daemon) ends the capture, flagged ``truncated``. Pure: takes bytes, no I/O.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass

from recording.errors import RecordingError

Address = tuple[str, int]

_MAGIC = {  # magic as read little-endian -> (byte order, fraction of a second per unit)
    0xA1B2C3D4: ("<", 1e-6),
    0xD4C3B2A1: (">", 1e-6),
    0xA1B23C4D: ("<", 1e-9),
    0x4D3CB2A1: (">", 1e-9),
}
_PCAPNG = 0x0A0D0D0A
LINK_ETHERNET, LINK_RAW, LINK_LINUX_SLL, LINK_IPV4, LINK_IPV6 = 1, 101, 113, 228, 229
_LINK_RAW_ALIASES = (12, 14)  # DLT_RAW's number on some systems
_UDP = 17


@dataclass(frozen=True)
class Datagram:
    time: float  # seconds since the epoch: when rtpengine received it
    source: Address
    destination: Address
    payload: bytes


@dataclass(frozen=True)
class Capture:
    link_type: int
    datagrams: tuple[Datagram, ...]
    truncated: bool  # the last record was cut short and left out


def read_pcap(data: bytes) -> Capture:
    """The UDP datagrams of a pcap file's ``data``, in file order (non-UDP is skipped)."""
    if len(data) < 24:
        raise RecordingError(f"not a pcap file: {len(data)} bytes, a header is 24")
    (magic,) = struct.unpack_from("<I", data)
    if magic == _PCAPNG:
        raise RecordingError("pcapng is not read here: rtpengine writes classic pcap")
    if magic not in _MAGIC:
        raise RecordingError(f"not a pcap file: magic {magic:#010x}")
    order, unit = _MAGIC[magic]
    link_type = struct.unpack_from(order + "I", data, 20)[0] & 0x0FFFFFFF  # FCS bits above
    record = struct.Struct(order + "IIII")
    datagrams: list[Datagram] = []
    offset = 24
    while offset < len(data):
        if offset + record.size > len(data):
            return Capture(link_type, tuple(datagrams), truncated=True)
        seconds, fraction, captured, _original = record.unpack_from(data, offset)
        offset += record.size
        if offset + captured > len(data):
            return Capture(link_type, tuple(datagrams), truncated=True)
        frame = data[offset : offset + captured]
        offset += captured
        datagram = _udp(link_type, frame, seconds + fraction * unit)
        if datagram is not None:
            datagrams.append(datagram)
    return Capture(link_type, tuple(datagrams), truncated=False)


def _udp(link_type: int, frame: bytes, time: float) -> Datagram | None:
    if link_type in (LINK_RAW, LINK_IPV4, LINK_IPV6, *_LINK_RAW_ALIASES):
        return _ip(frame, time)
    if link_type == LINK_ETHERNET:
        if len(frame) < 14:
            return None
        ethertype, start = struct.unpack_from("!H", frame, 12)[0], 14
        while ethertype == 0x8100 and len(frame) >= start + 4:  # 802.1Q VLAN tags
            ethertype = struct.unpack_from("!H", frame, start + 2)[0]
            start += 4
        return _ip(frame[start:], time) if ethertype in (0x0800, 0x86DD) else None
    if link_type == LINK_LINUX_SLL:
        return _ip(frame[16:], time) if len(frame) >= 16 else None
    raise RecordingError(f"pcap link type {link_type} is not read here")


def _ip(packet: bytes, time: float) -> Datagram | None:
    if not packet:
        return None
    version = packet[0] >> 4
    if version == 4 and len(packet) >= 20:
        header = (packet[0] & 0x0F) * 4
        total, flags_fragment, protocol = struct.unpack_from("!H2xHxB", packet, 2)
        if protocol != _UDP or flags_fragment & 0x3FFF:  # fragments are not reassembled
            return None
        return _datagram(packet[:total], header, packet[12:16], packet[16:20], time)
    if version == 6 and len(packet) >= 40:
        payload_length, next_header = struct.unpack_from("!HB", packet, 4)
        if next_header != _UDP:  # extension headers are not walked: RTP carries none
            return None
        return _datagram(packet[: 40 + payload_length], 40, packet[8:24], packet[24:40], time)
    return None


def _datagram(
    packet: bytes, header: int, source: bytes, destination: bytes, time: float
) -> Datagram | None:
    if len(packet) < header + 8:
        return None
    source_port, destination_port, length = struct.unpack_from("!HHH", packet, header)
    payload = packet[header + 8 : header + max(length, 8)]
    return Datagram(
        time,
        (str(ipaddress.ip_address(source)), source_port),
        (str(ipaddress.ip_address(destination)), destination_port),
        payload,
    )
