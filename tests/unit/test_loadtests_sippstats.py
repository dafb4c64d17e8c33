"""Reading sipp's -trace_stat and -trace_rtt files (loadtests.bench.sippstats)."""

from __future__ import annotations

from loadtests.bench.sippstats import percentile, response_times_ms, totals

HEADER = (
    "StartTime;ElapsedTime(C);TotalCallCreated;SuccessfulCall(C);FailedCall(C);"
    "Retransmissions(C);FailedUnexpectedMessage(C);FailedTimeoutOnRecv(C);"
)


def stat_file(*rows: tuple[str, int, int, int]) -> str:
    """Rows of (elapsed, created, successful, failed), like sipp -fd 1 writes them."""
    lines = [HEADER]
    for elapsed, created, ok, failed in rows:
        lines.append(f"2026-01-01\t00:00:00;{elapsed};{created};{ok};{failed};3;1;{failed - 1};")
    return "\n".join(lines) + "\n"


def test_given_a_finished_run_when_reading_totals_then_the_last_row_counts() -> None:
    text = stat_file(
        ("00:00:01", 1000, 900, 0), ("00:00:02", 2000, 1990, 2), ("00:00:03", 2000, 1998, 2)
    )
    t = totals(text, target_calls=2000)
    assert (t.created, t.successful, t.failed) == (2000, 1998, 2)
    assert (t.retransmissions, t.unexpected, t.recv_timeouts) == (3, 1, 1)
    assert t.elapsed_s == 3.0
    assert t.creation_done_s == 2.0  # the first row where every call had been created


def test_given_sipp_fell_behind_when_reading_totals_then_creation_is_not_done() -> None:
    t = totals(stat_file(("00:00:05", 1500, 1500, 1)), target_calls=2000)
    assert t.created == 1500 and t.creation_done_s is None


def test_given_no_stat_file_content_then_totals_are_zero() -> None:
    t = totals("", target_calls=10)
    assert (t.created, t.successful, t.creation_done_s) == (0, 0, None)


def test_elapsed_with_microseconds_is_parsed() -> None:
    text = stat_file(("00:01:02:500000", 10, 10, 1))
    assert totals(text, 10).elapsed_s == 62.5


def test_response_times_of_one_timer_are_read_in_ms() -> None:
    text = "Date_ms;response_time_ms;rtd_no\n1.0;3;1\n2.0;7;2\n3.0;12;1\nbroken\n"
    assert response_times_ms(text) == [3.0, 12.0]
    assert response_times_ms(text, rtd=2) == [7.0]


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]  # 1..100
    assert percentile(values, 99) == 99.0
    assert percentile(values, 50) == 50.0
    assert percentile([5.0], 99) == 5.0
    assert percentile([], 99) is None
