"""An RTP receiver for many callers at once: one UDP socket per caller, one process.

    python -m loadtests.bench.rtprecv --count 1000 --ports-file ports.csv \\
        --seconds 30 --out stats.json

Binds ``--count`` sockets on ``--host`` (kernel-chosen ports), writes them as a sipp
``-inf`` file (``SEQUENTIAL`` then one port per line; the caller scenario puts its
line in the SDP), then reads every packet until ``--seconds`` have passed and writes
per-second totals as JSON (also when stopped early by SIGTERM).

Arrival times are the kernel's (``SO_TIMESTAMPNS``), taken when the packet reached
the socket, so a receiver that falls behind does not make packets look late; and
``SO_RXQ_OVFL`` reports what a full socket buffer dropped, so losses of the receiver
itself are told apart (``receiver_drops``) from packets that never came.

Per packet, for its stream (socket):

* lost: RTP sequence numbers skipped (counted when the next packet arrives);
* delay: how much later than the stream's earliest packet it came, against the
  sender's media clock (its transit time ``arrival - timestamp / 8000`` minus the
  stream's smallest transit so far). It is **late** when that exceeds ``--late-ms``
  (default 40 ms: a listener with a 40 ms jitter buffer would have run dry), and
  **late-slack** when it exceeds ``--slack-ms`` (default 120 ms, a common adaptive
  jitter buffer's depth). rtpengine 10.5's ``play media`` itself sends in bursts
  (a ~106 ms pause after every ~12 packets, then 10 ms spacing to catch up, on an
  idle machine too), so some 40 ms-late packets are its pacing, not load;
* RFC 3550 interarrival jitter, per stream (reported as percentiles over streams).

Per second (by arrival): packets, lost, late, late-slack, and how many streams got
audio.
Pure stdlib; Linux only (the socket options above).
"""

from __future__ import annotations

import argparse
import json
import os
import select
import signal
import socket
import struct
import sys
import time
from pathlib import Path

SO_TIMESTAMPNS = getattr(socket, "SO_TIMESTAMPNS", 35)
SCM_TIMESTAMPNS = SO_TIMESTAMPNS
SO_RXQ_OVFL = 40
CMSG_SPACE = socket.CMSG_SPACE(16) + socket.CMSG_SPACE(4)
CLOCK_RATE = 8000  # G.711


class Stream:
    __slots__ = (
        "drops",
        "ext_seq",
        "ext_ts",
        "jitter",
        "last_arrival",
        "last_bucket",
        "last_ts",
        "late",
        "lost",
        "min_transit",
        "packets",
        "slack",
        "ssrc",
    )

    def __init__(self) -> None:
        self.ext_seq = -1
        self.last_arrival = 0.0
        self.last_ts = 0
        self.ext_ts = 0
        self.min_transit = 0.0
        self.jitter = 0.0
        self.packets = self.lost = self.late = self.slack = self.drops = 0
        self.last_bucket = -1
        self.ssrc = -1


def _percentile(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered)) - 1))]


_stop = False


def _request_stop(_signum: int, _frame: object) -> None:
    global _stop
    _stop = True


def receive(
    socks: list[socket.socket], seconds: float, late_ms: float, slack_ms: float
) -> dict[str, object]:
    late_s, slack_s = late_ms / 1000.0, slack_ms / 1000.0
    streams = {s.fileno(): Stream() for s in socks}
    by_fd = {s.fileno(): s for s in socks}
    # second -> [packets, lost, late, late beyond the slack, active streams]
    buckets: dict[int, list[int]] = {}
    poller = select.epoll(sizehint=len(socks))
    for fd in by_fd:
        poller.register(fd, select.EPOLLIN)
    unpack_hdr = struct.Struct("!BBHII").unpack_from
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0 or _stop:
                break
            for fd, _mask in poller.poll(min(left, 0.5)):
                sock, st = by_fd[fd], streams[fd]
                while True:
                    try:
                        data, anc, _flags, _addr = sock.recvmsg(2048, CMSG_SPACE)
                    except BlockingIOError:
                        break
                    arrival = 0.0
                    for level, kind, cdata in anc:
                        if level == socket.SOL_SOCKET and kind == SCM_TIMESTAMPNS:
                            sec, nsec = struct.unpack("qq", cdata[:16])
                            arrival = sec + nsec / 1e9
                        elif level == socket.SOL_SOCKET and kind == SO_RXQ_OVFL:
                            st.drops = struct.unpack("I", cdata[:4])[0]
                    if not arrival:
                        arrival = time.time()
                    if len(data) < 12:
                        continue
                    _vpxcc, _mpt, seq, ts, ssrc = unpack_hdr(data)
                    second = int(arrival)
                    b = buckets.get(second)
                    if b is None:
                        b = buckets[second] = [0, 0, 0, 0, 0]
                    b[0] += 1
                    st.packets += 1
                    if st.last_bucket != second:
                        st.last_bucket = second
                        b[4] += 1
                    if st.ext_seq < 0 or ssrc != st.ssrc:
                        st.ssrc, st.ext_seq, st.ext_ts = ssrc, seq, 0
                        st.last_arrival, st.last_ts, st.min_transit = arrival, ts, arrival
                        continue
                    delta = (seq - st.ext_seq) & 0xFFFF
                    if delta == 0 or delta > 0x8000:  # duplicate or reordered: no verdict
                        continue
                    if delta > 1:
                        st.lost += delta - 1
                        b[1] += delta - 1
                    st.ext_seq += delta
                    gap = arrival - st.last_arrival
                    d_ts = ((ts - st.last_ts) & 0xFFFFFFFF) / CLOCK_RATE
                    if d_ts > 10:  # a jump of the sender's clock: start over from here
                        st.min_transit = arrival - st.ext_ts / CLOCK_RATE
                        d_ts = 0.0
                    st.ext_ts += round(d_ts * CLOCK_RATE)
                    transit = arrival - st.ext_ts / CLOCK_RATE
                    st.min_transit = min(st.min_transit, transit)
                    delay = transit - st.min_transit
                    if delay > late_s:
                        st.late += 1
                        b[2] += 1
                        if delay > slack_s:
                            st.slack += 1
                            b[3] += 1
                    if d_ts:
                        st.jitter += (abs(gap - d_ts) - st.jitter) / 16
                    st.last_arrival, st.last_ts = arrival, ts
    finally:
        poller.close()
    jitters = [st.jitter * 1000 for st in streams.values() if st.packets > 1]
    return {
        "sockets": len(socks),
        "streams_with_packets": sum(1 for st in streams.values() if st.packets),
        "packets": sum(st.packets for st in streams.values()),
        "lost": sum(st.lost for st in streams.values()),
        "late": sum(st.late for st in streams.values()),
        "late_slack": sum(st.slack for st in streams.values()),
        "receiver_drops": sum(st.drops for st in streams.values()),
        "jitter_ms_p50": _percentile(jitters, 50),
        "jitter_ms_p99": _percentile(jitters, 99),
        "jitter_ms_max": max(jitters) if jitters else None,
        "late_ms": late_ms,
        "slack_ms": slack_ms,
        "buckets": [[sec, *vals] for sec, vals in sorted(buckets.items())],
    }


def bind_sockets(host: str, count: int, rcvbuf: int) -> list[socket.socket]:
    socks = []
    for _ in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, SO_TIMESTAMPNS, 1)
        s.setsockopt(socket.SOL_SOCKET, SO_RXQ_OVFL, 1)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
        s.bind((host, 0))
        s.setblocking(False)
        socks.append(s)
    return socks


def window(stats: dict[str, object], start: float, end: float) -> dict[str, int]:
    """Totals of the whole seconds within [start, end) of epoch time."""
    rows = [b for b in stats["buckets"] if start <= b[0] and b[0] + 1 <= end]  # type: ignore[union-attr]
    return {
        "seconds": len(rows),
        "packets": sum(b[1] for b in rows),
        "lost": sum(b[2] for b in rows),
        "late": sum(b[3] for b in rows),
        "late_slack": sum(b[4] for b in rows),
        "active_min": min((b[5] for b in rows), default=0),
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(
        prog="python -m loadtests.bench.rtprecv",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--host", default="127.0.0.2")
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--ports-file", type=Path, required=True)
    p.add_argument("--seconds", type=float, required=True)
    p.add_argument("--out", type=Path, required=True)
    p.add_argument("--late-ms", type=float, default=40.0)
    p.add_argument("--slack-ms", type=float, default=120.0)
    p.add_argument("--rcvbuf", type=int, default=1 << 18)
    args = p.parse_args(argv)
    signal.signal(signal.SIGTERM, _request_stop)  # stop early, still writing the results
    socks = bind_sockets(args.host, args.count, args.rcvbuf)
    tmp = args.ports_file.with_suffix(".tmp")
    tmp.write_text("SEQUENTIAL\n" + "".join(f"{s.getsockname()[1]}\n" for s in socks))
    os.replace(tmp, args.ports_file)  # the parent starts the callers once this exists
    stats = receive(socks, args.seconds, args.late_ms, args.slack_ms)
    for s in socks:
        s.close()
    args.out.write_text(json.dumps(stats))
    return 0


if __name__ == "__main__":
    sys.exit(main())
