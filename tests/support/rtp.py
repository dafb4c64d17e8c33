"""RTP endpoint for integration tests: send a G.711 tone (mu-law, or A-law), receive, and
measure.

Symmetric RTP: packets are sent from the socket they are received on, which is what
rtpengine needs to latch onto the endpoint. Audio checks use a Goertzel filter over the
last second of received G.711 audio ("A hears 400 Hz, not 700 Hz"). Pure stdlib.
"""

from __future__ import annotations

import collections
import itertools
import math
import random
import socket
import struct
import threading
import time
from typing import Self

SAMPLE_RATE = 8000
_BIAS, _CLIP = 0x84, 32635


def ulaw_encode(sample: int) -> int:
    """16-bit linear PCM -> G.711 mu-law byte (ITU-T G.711, with the usual 0x84 bias)."""
    sign = 0x80 if sample < 0 else 0
    magnitude = min(abs(int(sample)), _CLIP) + _BIAS
    exponent = magnitude.bit_length() - 8  # 0..7 for 0x84..0x7FFF
    mantissa = (magnitude >> (exponent + 3)) & 0x0F
    return ~(sign | (exponent << 4) | mantissa) & 0xFF


def _ulaw_decode(byte: int) -> int:
    u = ~byte & 0xFF
    magnitude = (((u & 0x0F) << 3) + _BIAS) << ((u >> 4) & 0x07)
    return -(magnitude - _BIAS) if u & 0x80 else magnitude - _BIAS


ULAW_DECODE = [_ulaw_decode(b) for b in range(256)]


def alaw_encode(sample: int) -> int:
    """16-bit linear PCM -> G.711 A-law byte (13-bit magnitude, segments, even bits
    inverted)."""
    sign = 0x80 if sample >= 0 else 0
    magnitude = min(abs(int(sample)), 32767) >> 3
    if magnitude < 32:
        exponent, mantissa = 0, magnitude >> 1
    else:
        exponent = magnitude.bit_length() - 5
        mantissa = (magnitude >> exponent) & 0x0F
    return (sign | (exponent << 4) | mantissa) ^ 0x55


def _alaw_decode(byte: int) -> int:
    a = byte ^ 0x55
    exponent, magnitude = (a >> 4) & 0x07, (a & 0x0F) << 4
    magnitude = magnitude + 8 if exponent == 0 else (magnitude + 0x108) << (exponent - 1)
    return magnitude if a & 0x80 else -magnitude


ALAW_DECODE = [_alaw_decode(b) for b in range(256)]
PCMA = 8  # its payload type; PCMU is 0


def goertzel_power(samples, freq_hz: float, rate: int = SAMPLE_RATE) -> float:
    """Share of the signal's energy at freq_hz: ~1.0 for a pure tone there, ~0 if absent.
    (For a sine of amplitude A over N samples |X|^2 = (A*N/2)^2 and sum(x^2) = N*A^2/2.)"""
    n = len(samples)
    energy = sum(v * v for v in samples)
    if n == 0 or energy == 0:
        return 0.0
    coeff = 2.0 * math.cos(2.0 * math.pi * freq_hz / rate)
    s1 = s2 = 0.0
    for v in samples:
        s1, s2 = v + coeff * s1 - s2, s1
    power = s1 * s1 + s2 * s2 - coeff * s1 * s2
    return 2.0 * power / (n * energy)


# A packet this many sequence numbers behind the previous one of its stream was reordered
# on the way (a jitter buffer absorbs it); further behind, a phone drops it as late.
REORDER_PACKETS = 3
# A phone's jitter buffer starts playing after a few packets (baresip's default delay is
# 5-10 packets); until then it keeps the first stream's numbering across SSRCs.
JITTER_START_PACKETS = 10


class RtpEndpoint:
    def __init__(self, local_ip: str = "127.0.0.1"):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind((local_ip, 0))
        self.sock.settimeout(0.1)
        self.address: tuple[str, int] = self.sock.getsockname()
        self._cond = threading.Condition()
        self.received_from: dict[tuple[str, int], int] = collections.Counter()  # packets per source
        self.bytes_from: dict[tuple[str, int], int] = collections.Counter()
        self.received_total = 0
        self.payload_types: dict[int, int] = collections.Counter()
        self.dtmf_events: list[int] = []  # RFC 4733 events, once per event (end bit)
        self._samples: collections.deque[int] = collections.deque(maxlen=SAMPLE_RATE)  # last second
        self._dtmf_seen: set[tuple[int, int]] = set()
        # Every RTP packet received: its source and header (SSRC, sequence, timestamp),
        # what a phone's jitter buffer judges a stream by (see stream_breaks()).
        self.headers: list[tuple[tuple[str, int], int, int, int]] = []
        # sender state (read by the sender thread on every packet, so it can be re-pointed)
        self.remote: tuple[str, int] | None = None
        self.tone_hz, self.ptime_ms, self.payload_type = 400.0, 20, 0
        self.sent_total = 0
        self._ssrc = random.getrandbits(32)
        self._seq, self._ts, self._phase = random.getrandbits(16), random.getrandbits(32), 0
        self._send_stop = threading.Event()
        self._sender: threading.Thread | None = None
        self._stop = threading.Event()
        self._receiver = threading.Thread(
            target=self._recv_loop, name=f"rtp-rx-{self.address[1]}", daemon=True
        )
        self._receiver.start()

    # -- sending --------------------------------------------------------------------------
    def start_sending(
        self,
        remote: tuple[str, int],
        tone_hz: float = 400.0,
        ptime_ms: int = 20,
        payload_type: int = 0,
    ) -> None:
        """Send a sine tone as G.711 RTP every ptime_ms until stop(). Calling it again while
        sending re-points the stream (new remote/tone) without restarting seq/timestamp.
        The payload is A-law for payload_type 8 (PCMA), else mu-law."""
        with self._cond:
            self.remote, self.tone_hz = (remote[0], int(remote[1])), float(tone_hz)
            self.ptime_ms, self.payload_type = ptime_ms, payload_type
        if self._sender is None or not self._sender.is_alive():
            self._send_stop.clear()
            self._sender = threading.Thread(
                target=self._send_loop, name=f"rtp-tx-{self.address[1]}", daemon=True
            )
            self._sender.start()

    def next_sequence(self, seq: int) -> None:
        """Send the next packet with sequence number ``seq`` (a phone's random start)."""
        with self._cond:
            self._seq = seq & 0xFFFF

    def _packet(self, marker: bool) -> bytes:
        n = SAMPLE_RATE * self.ptime_ms // 1000
        w = 2.0 * math.pi * self.tone_hz / SAMPLE_RATE
        encode = alaw_encode if self.payload_type == PCMA else ulaw_encode
        payload = bytes(encode(round(8000 * math.sin(w * (self._phase + i)))) for i in range(n))
        header = struct.pack(
            "!BBHII",
            0x80,
            (0x80 if marker else 0) | (self.payload_type & 0x7F),
            self._seq,
            self._ts,
            self._ssrc,
        )
        self._seq = (self._seq + 1) & 0xFFFF
        self._ts = (self._ts + n) & 0xFFFFFFFF
        self._phase = (self._phase + n) % SAMPLE_RATE  # keeps the phase continuous for integer Hz
        return header + payload

    def _send_loop(self) -> None:
        next_at, marker = time.monotonic(), True
        while not self._send_stop.wait(max(0.0, next_at - time.monotonic())):
            with self._cond:
                data, dest = self._packet(marker), self.remote
            marker = False
            try:
                self.sock.sendto(data, dest)
                self.sent_total += 1
            except OSError:
                pass  # e.g. closing; the loop ends on the stop event
            next_at += self.ptime_ms / 1000.0
            if time.monotonic() - next_at > 0.2:  # resynchronise after a stall, no bursts
                next_at = time.monotonic()

    def stop(self) -> None:
        """Stop sending (receiving continues until close())."""
        self._send_stop.set()
        if self._sender is not None:
            self._sender.join(timeout=2)

    # -- receiving ------------------------------------------------------------------------
    def _recv_loop(self) -> None:
        while not self._stop.is_set():
            try:
                data, addr = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                if self._stop.is_set():
                    return
                continue
            with self._cond:
                self.received_from[addr] += 1
                self.bytes_from[addr] += len(data)
                self.received_total += 1
                self._parse(data, addr)
                self._cond.notify_all()

    def _parse(self, data: bytes, source: tuple[str, int] = ("", 0)) -> None:
        if len(data) < 12 or data[0] >> 6 != 2:
            return  # not RTP version 2
        offset = 12 + 4 * (data[0] & 0x0F)  # CSRC list
        if data[0] & 0x10 and len(data) >= offset + 4:  # header extension (RFC 3550 5.3.1)
            offset += 4 + 4 * struct.unpack("!H", data[offset + 2 : offset + 4])[0]
        end = len(data) - (data[-1] if data[0] & 0x20 else 0)  # padding
        payload, pt = data[offset:end], data[1] & 0x7F
        self.payload_types[pt] += 1
        seq, ts, ssrc = struct.unpack("!HII", data[2:12])
        self.headers.append((source, ssrc, seq, ts))
        if pt == 0:
            self._samples.extend(ULAW_DECODE[b] for b in payload)
        elif pt == PCMA:
            self._samples.extend(ALAW_DECODE[b] for b in payload)
        elif pt == 101 and len(payload) >= 4 and payload[1] & 0x80:  # RFC 4733 end of event
            key = (struct.unpack("!I", data[8:12])[0], struct.unpack("!I", data[4:8])[0])
            if key not in self._dtmf_seen:
                self._dtmf_seen.add(key)
                self.dtmf_events.append(payload[0])

    def stream_breaks(self) -> list[str]:
        """Where the RTP received is not a stream a phone plays: within one SSRC, a
        sequence number or timestamp that goes back (a jitter buffer drops those packets
        as late); losses (jumps forward) are no break, nor a packet up to
        ``REORDER_PACKETS`` behind (reordered on the way: jitter buffers exist for that).
        And a second SSRC before the first stream delivered ``JITTER_START_PACKETS``: a
        jitter buffer that has not started yet does not reset on an SSRC change, so it
        keeps the first stream's numbering and drops a new stream that starts behind it
        for good (baresip 1.0 does; seen as a caller hearing nothing for the whole call).
        Once it has started, phones take each new SSRC as a new stream."""
        with self._cond:
            headers = list(self.headers)
        breaks = []
        run = 1  # packets of the current SSRC so far
        started = False  # the first stream ran long enough for a jitter buffer to start
        for n, ((_, ssrc0, seq0, ts0), (source, ssrc, seq, ts)) in enumerate(
            itertools.pairwise(headers), start=1
        ):
            where = f"packet {n} from {source[0]}:{source[1]}"
            started = started or run >= JITTER_START_PACKETS
            if ssrc != ssrc0:
                if not started:
                    breaks.append(f"{where}: SSRC {ssrc0:#x} -> {ssrc:#x} after only {run} packets")
                run = 1
                continue
            run += 1
            if 0 < (seq0 - seq) & 0xFFFF <= REORDER_PACKETS:
                continue  # reordered on the way: a jitter buffer puts it back in place
            if (seq - seq0) & 0xFFFF >= 0x8000:
                breaks.append(f"{where}: sequence {seq0} -> {seq}")
            elif (ts - ts0) & 0xFFFFFFFF >= 0x80000000:
                breaks.append(f"{where}: timestamp {ts0} -> {ts}")
        return breaks

    def samples(self) -> list[int]:
        """Decoded G.711 samples of the last second received (all sources, arrival order)."""
        with self._cond:
            return list(self._samples)

    def dominant_power(self, freq_hz: float) -> float:
        """Share of the last second's received energy at freq_hz (0..~1)."""
        return goertzel_power(self.samples(), freq_hz)

    def clear(self) -> None:
        """Forget counters and audio, e.g. before checking who is heard after a change."""
        with self._cond:
            self.received_from.clear()
            self.bytes_from.clear()
            self.payload_types.clear()
            self.received_total = 0
            self._samples.clear()
            self.dtmf_events.clear()

    def wait_received(
        self, n: int, timeout: float = 5.0, source: tuple[str, int] | None = None
    ) -> int:
        """Wait until n packets arrived (from `source` if given); returns the count."""

        def count():
            return self.received_from.get(source, 0) if source else self.received_total

        with self._cond:
            if not self._cond.wait_for(lambda: count() >= n, timeout):
                raise TimeoutError(
                    f"RTP {self.address}: {count()} of {n} packets within {timeout}s; "
                    f"sources {dict(self.received_from)}"
                )
            return count()

    def close(self) -> None:
        self.stop()
        self._stop.set()
        self._receiver.join(timeout=2)
        self.sock.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
