"""Recording decisions: start, pause, resume, stop, the call's end, and what is refused."""

from __future__ import annotations

from calls import decide as d
from calls import model as m
from calls.targets import Target
from tests.support.call_model import connected, refused, run


def test_start_pause_resume_stop_records_one_recording() -> None:
    call, actions = run(connected(), d.RecordCommand("start"))
    assert actions[0] == d.Record("start", 1) and call.recording == m.RECORDING_ON
    call, actions = run(call, d.RecordCommand("pause"))
    assert actions[0] == d.Record("pause", 1) and call.recording == m.RECORDING_PAUSED
    call, actions = run(call, d.RecordCommand("resume"))
    assert actions[0] == d.Record("resume", 1) and call.view("n")["recording"] == "on"
    call, actions = run(call, d.RecordCommand("stop"))
    assert actions[0] == d.Record("stop", 1) and call.recording == ""
    assert [a.kind for a in actions if isinstance(a, d.Emit)] == ["recording_stopped"]


def test_a_start_after_a_stop_is_the_calls_next_recording() -> None:
    call, _ = run(connected(), d.RecordCommand("start"), d.RecordCommand("stop"))
    _, actions = run(call, d.RecordCommand("start"))
    assert actions[0] == d.Record("start", 2)


def test_the_calls_end_stops_a_running_or_paused_recording_before_it_finishes() -> None:
    call, _ = run(connected(), d.RecordCommand("start"), d.RecordCommand("pause"))
    call, actions = run(call, d.Ended(m.CUSTOMER))
    stop = actions.index(d.Record("stop", 1))
    finish = next(i for i, a in enumerate(actions) if isinstance(a, d.Finish))
    assert stop < finish and call.state == m.FINISHED and call.recording == ""


def test_a_call_without_a_recording_ends_without_one() -> None:
    _, actions = run(connected(), d.Hangup())
    assert not any(isinstance(a, d.Record) for a in actions)


def test_what_is_refused_changes_nothing() -> None:
    call = connected()
    assert refused(call, d.RecordCommand("pause")).error_id == "not_recording"
    assert refused(call, d.RecordCommand("resume")).error_id == "not_recording"
    assert refused(call, d.RecordCommand("stop")).error_id == "not_recording"
    assert refused(call, d.RecordCommand("rewind")).status == 422
    on, _ = run(call, d.RecordCommand("start"))
    assert refused(on, d.RecordCommand("start")).error_id == "already_recording"
    assert refused(on, d.RecordCommand("resume")).error_id == "not_paused"
    paused, _ = run(on, d.RecordCommand("pause"))
    assert refused(paused, d.RecordCommand("pause")).error_id == "already_paused"


def test_a_click_to_dial_is_recorded_only_once_the_customer_is_on() -> None:
    step = d.click_to_dial(
        "c1", "demo", "demo/1001", Target("extension", "5001"), Target("extension", "5002"), 0
    )
    assert isinstance(step, d.Step)
    assert refused(step.call, d.RecordCommand("start")).error_id == "not_connected"
    call, _ = run(step.call, d.Answered(m.AGENT), d.Answered(m.CUSTOMER))
    call, actions = run(call, d.RecordCommand("start"))
    assert actions[0] == d.Record("start", 1)
