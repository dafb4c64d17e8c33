"""One benchmark run as a result row (pure): counts, CPU, and whether to trust it.

A run is *rejected* when the load generator, not the proxy, may have been the
limit: a sipp process used >= 90 % of one core over the offered traffic time,
or sipp could not create the calls at the offered rate. Rejected runs are
kept in the results (marked) but never decide a step.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from loadtests.bench.sippstats import SippTotals, percentile

FAILURE_LIMIT = 0.001  # a step is clean below 0.1 % failed calls
CORE_SATURATED = 0.90  # share of one core at which sipp counts as saturated
LAGGING_UAC = 0.60  # a lagging sipp UAC this busy may be the limit itself
NOISY_OTHERS = 0.30  # other processes on the box used this share of a core: flag it
BUSY_OTHERS = 0.50  # ... this much, and the run failed: the machine, not the proxy, may be why


@dataclass(frozen=True)
class RunCpu:
    """CPU seconds spent during one run, by who spent them."""

    kamailio: float
    rtpengine: float
    uac: float
    uas: float
    box: float  # the whole machine, all cores
    wall: float


@dataclass(frozen=True)
class RunRow:
    variant: str  # "calls" | "calls-media" | "register"
    config: str  # "switchboard" | "native"
    rate: int  # offered per second
    rep: int
    duration_s: float
    offered: int
    created: int
    successful: int
    failed: int
    failure_ratio: float
    retransmissions: int
    kamailio_cpu_s: float
    cpu_us_per_call: float | None  # Kamailio CPU (all its processes) per successful call
    kamailio_cores: float  # average cores Kamailio kept busy over the traffic time
    kamailio_idle_cores: float  # the same while idle just before the run (timers, polling)
    rtpengine_cpu_s: float
    uac_core_share: float  # sipp UAC CPU / traffic time (1.0 = one core)
    uas_core_share: float
    others_core_share: float  # everything else on the box during the run
    rejected: bool
    reasons: list[str] = field(default_factory=list)
    noisy: bool = False
    dialogs: int = 0  # Kamailio's processed_dialogs counter moved by this much
    inv180_p50_ms: float | None = None
    inv180_p99_ms: float | None = None
    rtt_samples: int = 0
    sipp_exit: int = 0
    stale_sessions: int = 0  # rtpengine sessions left by earlier runs, deleted before this one

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def rejection_reasons(
    cpu: RunCpu, duration_s: float, offered: int, totals: SippTotals
) -> list[str]:
    reasons = []
    for who, seconds in (("uac", cpu.uac), ("uas", cpu.uas)):
        share = seconds / duration_s if duration_s > 0 else 0.0
        if share >= CORE_SATURATED:
            reasons.append(f"sipp {who} used {share:.0%} of a core")
    # Lagging behind the rate counts against sipp only when sipp itself was busy; an idle
    # sipp lags because calls pile up at its concurrency limit (-l): the proxy is slow.
    uac_busy = duration_s > 0 and cpu.uac / duration_s >= LAGGING_UAC
    if totals.created < offered:
        reasons.append(f"sipp created only {totals.created} of {offered}")
    elif (
        uac_busy
        and totals.creation_done_s is not None
        and totals.creation_done_s > duration_s * 1.25 + 1
    ):
        reasons.append(
            f"sipp needed {totals.creation_done_s:.0f} s to offer {duration_s:.0f} s of calls"
        )
    return reasons


def retry_reason(row: dict[str, Any]) -> str | None:
    """Why a failed run should be run once more: other processes took the CPU."""
    if row["failure_ratio"] > FAILURE_LIMIT and row["others_core_share"] >= BUSY_OTHERS:
        return f"other processes used {row['others_core_share']:.0%} of a core; rerun"
    return None


def make_row(
    *,
    variant: str,
    config: str,
    rate: int,
    rep: int,
    offered: int,
    totals: SippTotals,
    cpu: RunCpu,
    idle_cores: float = 0.0,
    dialogs: int = 0,
    response_ms: list[float] | None = None,
    sipp_exit: int = 0,
    stale_sessions: int = 0,
) -> RunRow:
    duration = offered / rate
    failed = max(totals.created - totals.successful, 0)
    ratio = failed / totals.created if totals.created else 1.0
    reasons = rejection_reasons(cpu, duration, offered, totals)
    others = max(cpu.box - cpu.kamailio - cpu.rtpengine - cpu.uac - cpu.uas, 0.0)
    others_share = others / cpu.wall if cpu.wall > 0 else 0.0
    samples = response_ms or []
    return RunRow(
        variant=variant,
        config=config,
        rate=rate,
        rep=rep,
        duration_s=round(duration, 3),
        offered=offered,
        created=totals.created,
        successful=totals.successful,
        failed=failed,
        failure_ratio=round(ratio, 6),
        retransmissions=totals.retransmissions,
        kamailio_cpu_s=round(cpu.kamailio, 3),
        cpu_us_per_call=(
            round(cpu.kamailio * 1e6 / totals.successful, 1) if totals.successful else None
        ),
        kamailio_cores=round(cpu.kamailio / duration, 3),
        kamailio_idle_cores=round(idle_cores, 4),
        rtpengine_cpu_s=round(cpu.rtpengine, 3),
        uac_core_share=round(cpu.uac / duration, 3),
        uas_core_share=round(cpu.uas / duration, 3),
        others_core_share=round(others_share, 3),
        rejected=bool(reasons),
        reasons=reasons,
        noisy=others_share >= NOISY_OTHERS,
        dialogs=dialogs,
        inv180_p50_ms=percentile(samples, 50),
        inv180_p99_ms=percentile(samples, 99),
        rtt_samples=len(samples),
        sipp_exit=sipp_exit,
        stale_sessions=stale_sessions,
    )
