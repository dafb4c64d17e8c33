"""Rate stepping, run rejection and summaries of the proxy benchmark (pure parts)."""

from __future__ import annotations

from typing import Any

from loadtests.bench.results import RunCpu, make_row, rejection_reasons
from loadtests.bench.sippstats import SippTotals
from loadtests.bench.stepping import Stepper, run_order, step_verdict, summarize

CONFIGS = ("switchboard", "native")


def done(created: int, successful: int, creation_done_s: float | None = 5.0) -> SippTotals:
    return SippTotals(created, successful, created - successful, 0, 0, 0, 6.0, creation_done_s)


def cpu(kamailio: float = 5.0, uac: float = 1.0, uas: float = 1.0, box: float = 8.0) -> RunCpu:
    return RunCpu(kamailio=kamailio, rtpengine=0.0, uac=uac, uas=uas, box=box, wall=6.0)


def row(
    config: str,
    rate: int,
    failure_ratio: float,
    rejected: bool = False,
    cpu_us: float = 300.0,
    rep: int = 0,
) -> dict[str, Any]:
    return {
        "variant": "calls",
        "config": config,
        "rate": rate,
        "rep": rep,
        "failure_ratio": failure_ratio,
        "rejected": rejected,
        "cpu_us_per_call": cpu_us,
        "inv180_p99_ms": 4.0,
        "uac_core_share": 0.3,
        "uas_core_share": 0.2,
        "kamailio_cores": 1.0,
        "kamailio_idle_cores": 0.01,
    }


def test_make_row_counts_unfinished_calls_as_failed_and_cpu_per_completed_call() -> None:
    r = make_row(
        variant="calls",
        config="native",
        rate=1000,
        rep=0,
        offered=5000,
        totals=done(5000, 4990),
        cpu=cpu(kamailio=2.5),
    )
    assert r.failed == 10 and r.failure_ratio == 0.002
    assert r.cpu_us_per_call == round(2.5e6 / 4990, 1)
    assert r.kamailio_cores == 0.5  # 2.5 s of CPU over 5 s of traffic
    assert not r.rejected


def test_given_a_sipp_process_near_a_full_core_then_the_run_is_rejected() -> None:
    reasons = rejection_reasons(cpu(uac=4.6), 5.0, 5000, done(5000, 5000))
    assert reasons == ["sipp uac used 92% of a core"]


def test_given_sipp_could_not_offer_the_rate_then_the_run_is_rejected() -> None:
    assert rejection_reasons(cpu(), 5.0, 5000, done(4000, 4000, None)) == [
        "sipp created only 4000 of 5000"
    ]
    late = rejection_reasons(cpu(uac=3.5), 5.0, 5000, done(5000, 5000, creation_done_s=9.0))
    assert late and "needed 9 s" in late[0]


def test_given_an_idle_sipp_lagging_then_the_proxy_held_calls_up_and_the_run_counts() -> None:
    # Calls piled up at sipp's concurrency limit because the proxy answered slowly.
    assert rejection_reasons(cpu(uac=1.0), 5.0, 5000, done(5000, 3000, creation_done_s=9.0)) == []


def test_others_share_is_what_the_box_spent_beyond_the_measured_processes() -> None:
    r = make_row(
        variant="calls",
        config="native",
        rate=1000,
        rep=0,
        offered=5000,
        totals=done(5000, 5000),
        cpu=cpu(kamailio=2.0, uac=1.0, uas=1.0, box=7.0),
    )
    assert r.others_core_share == 0.5  # 3 s over 6 s of wall time
    assert r.noisy


def test_repetitions_alternate_the_order_of_the_configs() -> None:
    assert run_order(CONFIGS, 0) == ["switchboard", "native"]
    assert run_order(CONFIGS, 1) == ["native", "switchboard"]


def test_a_step_is_clean_when_the_median_accepted_run_is_within_a_tenth_of_a_percent() -> None:
    assert (
        step_verdict([row("native", 1, 0.0), row("native", 1, 0.0), row("native", 1, 0.5)])
        == "clean"
    )
    assert (
        step_verdict([row("native", 1, 0.002), row("native", 1, 0.0), row("native", 1, 0.01)])
        == "failed"
    )
    # A rejected run never decides: here only the clean one counts.
    assert step_verdict([row("native", 1, 0.0), row("native", 1, 0.9, rejected=True)]) == "clean"
    assert step_verdict([row("native", 1, 0.0, rejected=True)]) == "inconclusive"


def test_stepper_stops_a_config_at_its_first_step_that_is_not_clean() -> None:
    stepper = Stepper(CONFIGS)
    stepper.record("switchboard", 1000, "clean")
    stepper.record("native", 1000, "clean")
    stepper.record("switchboard", 2000, "failed")
    stepper.record("native", 2000, "clean")
    assert stepper.active() == ("native",)
    assert stepper.clean == {"switchboard": 1000, "native": 2000}
    stepper.record("native", 3000, "inconclusive")
    assert stepper.active() == ()


def test_summary_gives_highest_clean_rates_their_limits_and_the_ratios() -> None:
    rows = [
        row("switchboard", 1000, 0.0, cpu_us=400.0),
        row("native", 1000, 0.0, cpu_us=320.0),
        row("switchboard", 2000, 0.01),
        row("native", 2000, 0.0),
        row("native", 3000, 0.0, rejected=True),
    ]
    s = summarize(rows, CONFIGS)
    sb, nat = s["configs"]["switchboard"], s["configs"]["native"]
    assert (sb["highest_clean"], sb["lower_bound"]) == (1000, False)
    assert sb["limited_by"] == "failures at 2000/s"
    assert (nat["highest_clean"], nat["lower_bound"]) == (2000, True)
    assert nat["limited_by"] == "load generator at 3000/s"
    assert s["rate_ratio"] == 0.5
    assert s["cpu_ratio_by_rate"][1000] == 1.25


def test_summary_of_a_config_clean_everywhere_is_a_lower_bound() -> None:
    s = summarize([row("switchboard", 40, 0.0), row("native", 40, 0.0)], CONFIGS)
    assert s["configs"]["native"]["limited_by"] == "clean at every step run"
    assert s["configs"]["native"]["lower_bound"] is True
    assert s["rate_ratio"] == 1.0


def test_a_failed_run_on_a_busy_machine_is_run_again_once() -> None:
    from loadtests.bench.results import retry_reason

    busy = {"failure_ratio": 0.02, "others_core_share": 0.8}
    assert retry_reason(busy) and "80%" in retry_reason(busy)  # type: ignore[operator]
    assert retry_reason({"failure_ratio": 0.02, "others_core_share": 0.1}) is None
    assert retry_reason({"failure_ratio": 0.0, "others_core_share": 0.9}) is None
