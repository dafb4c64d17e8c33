"""Reading sipp's output files (pure): ``-trace_stat`` CSV and ``-trace_rtt`` CSV.

``-trace_stat -fd 1`` writes one ``;``-separated row per second plus a final
one; columns ending in ``(C)`` are cumulative. ``-trace_rtt`` writes
``Date_ms;response_time_ms;rtd_no`` per measured response time (1 ms steps).
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SippTotals:
    created: int
    successful: int
    failed: int
    retransmissions: int
    unexpected: int  # FailedUnexpectedMessage(C)
    recv_timeouts: int  # FailedTimeoutOnRecv(C)
    elapsed_s: float  # of the last row
    creation_done_s: float | None  # elapsed when every call had been created, if it was


def _elapsed_seconds(value: str) -> float:
    """``HH:MM:SS`` or ``HH:MM:SS:micro`` -> seconds."""
    parts = value.strip().split(":")
    hours, minutes, seconds = (int(p) for p in parts[:3])
    micro = int(parts[3]) if len(parts) > 3 and parts[3] else 0
    return hours * 3600 + minutes * 60 + seconds + micro / 1e6


def parse_stat_rows(text: str) -> list[dict[str, str]]:
    lines = [line for line in text.splitlines() if line.strip()]
    if not lines:
        return []
    header = lines[0].split(";")
    return [dict(zip(header, line.split(";"), strict=False)) for line in lines[1:]]


def totals(text: str, target_calls: int) -> SippTotals:
    """Cumulative counts from the last row of a ``-trace_stat`` file."""
    rows = parse_stat_rows(text)
    if not rows:
        return SippTotals(0, 0, 0, 0, 0, 0, 0.0, None)

    def count(row: dict[str, str], name: str) -> int:
        try:
            return int(row.get(name, "0") or 0)
        except ValueError:
            return 0

    last = rows[-1]
    creation_done = next(
        (
            _elapsed_seconds(row["ElapsedTime(C)"])
            for row in rows
            if count(row, "TotalCallCreated") >= target_calls
        ),
        None,
    )
    return SippTotals(
        created=count(last, "TotalCallCreated"),
        successful=count(last, "SuccessfulCall(C)"),
        failed=count(last, "FailedCall(C)"),
        retransmissions=count(last, "Retransmissions(C)"),
        unexpected=count(last, "FailedUnexpectedMessage(C)"),
        recv_timeouts=count(last, "FailedTimeoutOnRecv(C)"),
        elapsed_s=_elapsed_seconds(last.get("ElapsedTime(C)", "0:0:0")),
        creation_done_s=creation_done,
    )


def response_times_ms(text: str, rtd: int = 1) -> list[float]:
    """Every response time of timer ``rtd`` in a ``-trace_rtt`` file, in ms."""
    values = []
    for line in text.splitlines()[1:]:
        fields = line.split(";")
        if len(fields) >= 3 and fields[2].strip() == str(rtd):
            try:
                values.append(float(fields[1]))
            except ValueError:
                continue
    return values


def percentile(values: list[float], q: float) -> float | None:
    """Nearest-rank percentile (``q`` in 0..100); None for no values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]
