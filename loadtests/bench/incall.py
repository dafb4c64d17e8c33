"""``make bench-incall``: the in-call functions' costs on the real stack.

    python -m loadtests.bench.incall            # the full run (about a minute)
    python -m loadtests.bench.incall --quick    # a few calls (CI smoke)

Starts the stack as the tests do (Redis, rtpengine, Janus, Kamailio, call control) on
free loopback ports with its own demo store, phones from ``tests/support`` (the SIP test
client, RTP endpoints sending tones), and measures:

1. **click-to-dial setup**: the command -> the agent's phone rings; the agent answers
   -> the customer's phone rings; the customer answers -> the customer hears the agent
   (this includes the deliberate wait while the agent's first stream, the ringback, runs
   ``FIRST_STREAM_S``: both phones answer at once here).
2. **attended transfer**: the transfer command -> the caller hears the consultee.
3. **30-party room**: CPU (% of one core) of Janus, rtpengine and call control over a
   window while a queue caller, its agent and 28 added parties (out through the trunk)
   all send audio into one room.
4. **100 held calls**: CPU of rtpengine, Kamailio and call control while 100 queue
   callers, each answered by its own agent (100 agents added to the bench's store), are
   held (music to each caller).

Writes ``loadtests/results/incall.jsonl`` and the ``incall`` section of BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import functools
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from calls.channel import CallChannel, Command
from loadtests import report
from loadtests.bench.procs import tree_cpu_seconds
from store import provisioning as p
from tests.integration.calls.helpers import let_dial_out
from tests.integration.queue.helpers import set_agents
from tests.support.rtp import RtpEndpoint, goertzel_power
from tests.support.sipua import SipUA
from tests.support.stack import Stack, start_stack

CARRIER_IP, FAR_IP = "127.0.0.2", "127.0.0.3"
QUEUE_DID = "+15550100"
TONES = {"customer": 400.0, "agent": 1100.0, "consultee": 1500.0, "added": 700.0}
ROOM_PARTIES = 30
GOAL_ROOM_CPU = 10.0  # % of one core for a 30-party room, in total


def _wait(condition: Callable[[], object], timeout: float = 10.0, what: str = "") -> float:
    """Seconds until ``condition()`` held (polling every 2 ms); raises on timeout."""
    start = time.monotonic()
    while not condition():
        if time.monotonic() - start > timeout:
            raise TimeoutError(what)
        time.sleep(0.002)
    return time.monotonic() - start


HEARD_SAMPLES = 800  # the last 100 ms received: a setup is timed to within that


def _hears(rtp: RtpEndpoint, tone: float) -> bool:
    return goertzel_power(rtp.samples()[-HEARD_SAMPLES:], tone) > 0.5


def _agents(stack: Stack, idle: tuple[str, ...], dial_out: bool = False) -> None:
    """Agents in a known state, as the tests set them (``idle`` idle, others paused)."""
    set_agents(stack, idle=idle)
    for agent in idle if dial_out else ():
        let_dial_out(stack, agent)


def _redis(stack: Stack) -> Any:
    import redis

    return redis.Redis(port=stack.settings.redis_port)


def _cpu_percent(stack: Stack, names: tuple[str, ...], window_s: float) -> dict[str, float]:
    """Each stack process's CPU over the next ``window_s``, in % of one core."""
    pids = {r.spec.name: r.process.pid for r in stack.supervisor.running}
    before = {n: tree_cpu_seconds(pids[n]) for n in names if n in pids}
    time.sleep(window_s)
    after = {n: tree_cpu_seconds(pids[n]) for n in before}
    return {n: round(100 * (after[n] - before[n]) / window_s, 2) for n in before}


def _percentiles(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    return {
        "n": len(ordered),
        "p50_ms": round(1000 * statistics.median(ordered), 1),
        "p95_ms": round(1000 * ordered[max(0, int(len(ordered) * 0.95) - 1)], 1),
    }


def click_to_dial(stack: Stack, channel: CallChannel, calls: int) -> dict[str, Any]:
    agent_ua = SipUA("demo-5001", "demo5001", stack.proxy)
    customer_ua = SipUA("demo-5002", "demo5002", stack.proxy)
    rings, customer_rings, bridged = [], [], []
    try:
        for ua in (agent_ua, customer_ua):
            ua.register()
        for _ in range(calls):
            _agents(stack, idle=("demo/1001",), dial_out=True)
            agent_rtp, customer_rtp = RtpEndpoint(), RtpEndpoint()
            try:
                start = time.monotonic()
                reply = channel.request(Command("dial", "demo/1001", "", {"to": "5002"}))
                if not reply.ok:
                    raise RuntimeError(f"click-to-dial refused: {reply}")
                _wait(agent_ua.has_incoming, what="agent rings")
                rings.append(time.monotonic() - start)
                incoming = agent_ua.wait_incoming()
                incoming.answer(agent_rtp)
                answered = time.monotonic()
                agent_rtp.start_sending(incoming.remote_rtp, tone_hz=TONES["agent"])
                _wait(customer_ua.has_incoming, what="customer rings")
                customer_rings.append(time.monotonic() - answered)
                ringing = customer_ua.wait_incoming()
                ringing.answer(customer_rtp)
                customer_answered = time.monotonic()
                customer_rtp.start_sending(ringing.remote_rtp, tone_hz=TONES["customer"])
                _wait(
                    functools.partial(_hears, customer_rtp, TONES["agent"]),
                    what="customer hears agent",
                )
                bridged.append(time.monotonic() - customer_answered)
                channel.request(Command("hangup", "demo/1001", str(reply.call["id"]), {}))  # type: ignore[index]
                incoming.wait_bye()
                ringing.wait_bye()
            finally:
                agent_rtp.close()
                customer_rtp.close()
    finally:
        for ua in (agent_ua, customer_ua):
            ua.close()
    return {
        "command_to_agent_rings": _percentiles(rings),
        "agent_answer_to_customer_rings": _percentiles(customer_rings),
        "customer_answer_to_hears_agent": _percentiles(bridged),
    }


def _queue_call(
    stack: Stack, carrier: SipUA, agent_ua: SipUA
) -> tuple[Any, Any, RtpEndpoint, RtpEndpoint]:
    caller_rtp, agent_rtp = RtpEndpoint(CARRIER_IP), RtpEndpoint()
    call = carrier.invite(QUEUE_DID, rtp=caller_rtp, wait=False)
    if call.wait_final(timeout=10).status != 200:
        raise RuntimeError("the queue did not answer")
    caller_rtp.start_sending(call.remote_rtp, tone_hz=TONES["customer"])
    incoming = agent_ua.wait_incoming(timeout=10)
    incoming.answer(agent_rtp)
    agent_rtp.start_sending(incoming.remote_rtp, tone_hz=TONES["agent"])
    _wait(functools.partial(_hears, caller_rtp, TONES["agent"]), what="caller hears agent")
    channel = CallChannel(_redis(stack))
    _wait(lambda: channel.view(call.call_id) is not None, what="the call's view")  # as the API
    return call, incoming, caller_rtp, agent_rtp


def attended_transfer(stack: Stack, channel: CallChannel, calls: int) -> dict[str, Any]:
    agent_ua = SipUA("demo-5001", "demo5001", stack.proxy)
    consultee_ua = SipUA("demo-5003", "demo5003", stack.proxy)
    carrier = SipUA("carrier", None, stack.proxy, local_ip=CARRIER_IP)
    times, opened = [], []
    try:
        for ua in (agent_ua, consultee_ua):
            ua.register()
        for _ in range(calls):
            _agents(stack, idle=("demo/1001",))
            call, incoming, caller_rtp, agent_rtp = _queue_call(stack, carrier, agent_ua)
            consultee_rtp = RtpEndpoint()
            opened += [caller_rtp, agent_rtp, consultee_rtp]
            consulted = channel.request(
                Command("consult", "demo/1001", call.call_id, {"to": "5003"})
            )
            if not consulted.ok:
                raise RuntimeError(f"consult refused: {consulted}")
            ringing = consultee_ua.wait_incoming(timeout=10)
            ringing.answer(consultee_rtp)
            consultee_rtp.start_sending(ringing.remote_rtp, tone_hz=TONES["consultee"])
            _wait(
                functools.partial(_hears, agent_rtp, TONES["consultee"]),
                what="agent hears consultee",
            )
            start = time.monotonic()
            view = channel.view(call.call_id) or {}
            reply = channel.request(
                Command("transfer", "demo/1001", call.call_id, {}), node=str(view.get("node", ""))
            )
            if not reply.ok:
                raise RuntimeError(f"transfer refused: {reply}")
            _wait(
                functools.partial(_hears, caller_rtp, TONES["consultee"]),
                what="caller hears consultee",
            )
            times.append(time.monotonic() - start)
            call.bye()
            ringing.wait_bye()
            incoming.wait_bye()
            for rtp in (caller_rtp, agent_rtp, consultee_rtp):  # hung-up phones go quiet
                rtp.close()
    finally:
        for ua in (agent_ua, consultee_ua, carrier):
            ua.close()
        for rtp in opened:
            rtp.close()
    return {"transfer_to_caller_hears_consultee": _percentiles(times)}


def room_cpu(stack: Stack, channel: CallChannel, window_s: float) -> dict[str, Any]:
    far = SipUA("far", None, stack.proxy, local_ip=FAR_IP)
    with stack.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        p.create_trunk(session, team, "bench-far", address=far.local_ip, port=far.port)
        p.update_team(session, team, {"default_trunk": "bench-far"})
    time.sleep(2.0)  # the edge reloads the store within a second
    agent_ua = SipUA("demo-5001", "demo5001", stack.proxy)
    carrier = SipUA("carrier", None, stack.proxy, local_ip=CARRIER_IP)
    opened: list[RtpEndpoint] = []
    try:
        agent_ua.register()
        _agents(stack, idle=("demo/1001",))
        call, incoming, caller_rtp, agent_rtp = _queue_call(stack, carrier, agent_ua)
        opened += [caller_rtp, agent_rtp]
        for n in range(ROOM_PARTIES - 2):
            view = channel.view(call.call_id) or {}
            reply = channel.request(
                Command("conference", "demo/1001", call.call_id, {"to": f"+1555777{n:04d}"}),
                node=str(view.get("node", "")),
            )
            if not reply.ok:
                raise RuntimeError(f"adding party {n} refused: {reply}")
            ringing = far.wait_incoming(timeout=10)
            rtp = RtpEndpoint(FAR_IP)
            opened.append(rtp)
            ringing.answer(rtp)
            rtp.start_sending(ringing.remote_rtp, tone_hz=TONES["added"])
        _wait(
            lambda: all(r.received_total > 50 for r in opened), timeout=15, what="all hear the room"
        )
        cpu = _cpu_percent(stack, ("janus", "rtpengine", "callcontrol"), window_s)
        channel.request(
            Command("hangup", "demo/1001", call.call_id, {}),
            node=str((channel.view(call.call_id) or {}).get("node", "")),
        )
        incoming.wait_bye()
    finally:
        for ua in (agent_ua, carrier, far):
            ua.close()
        for rtp in opened:
            rtp.close()
    return {
        "parties": ROOM_PARTIES,
        "window_s": window_s,
        "cpu_percent": cpu,
        "total_percent": round(sum(cpu.values()), 2),
    }


HELD_CALLS = 100
HELD_AGENTS = tuple(f"demo/{2000 + n}" for n in range(HELD_CALLS))  # at extensions 6000+


def _provision_held_agents(stack: Stack) -> None:
    """100 more agents of the support group, each at its own extension (2000+n at 6000+n,
    the seed's rule), in the bench's own store."""
    from tests.support.store import REALM

    with stack.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        for agent in HELD_AGENTS:
            number = agent.partition("/")[2]
            extension = str(int(number) + 4000)
            p.create_extension(session, team, extension, REALM, sip_secret=f"demo{extension}")
            p.create_agent(session, team, number, number, groups=["support"], extension=extension)


def held_calls_cpu(
    stack: Stack, channel: CallChannel, window_s: float, calls: int
) -> dict[str, Any]:
    """``calls`` queue calls answered by as many agents, all held (the caller hears music,
    nothing of the agent): CPU of rtpengine, Kamailio and call control over a window."""
    _provision_held_agents(stack)
    time.sleep(2.0)  # call control and the edge reload the store within a second
    agents = HELD_AGENTS[:calls]
    phones = [_agent_phone(stack, a) for a in agents]
    carrier = SipUA("carrier", None, stack.proxy, local_ip=CARRIER_IP)
    opened: list[RtpEndpoint] = []
    legs: list[tuple[Any, Any]] = []
    try:
        for phone in phones:
            phone.register()
        demo = ("demo/1001", "demo/1002", "demo/1003", "demo/1004", "demo/1005")
        set_agents(stack, idle=agents, agents=demo + HELD_AGENTS)
        _wait(
            lambda: all(stack_agent_registered(stack, a) for a in agents),
            timeout=20,
            what="the edge reported every phone registered",
        )
        by_user = {phone.username: phone for phone in phones}
        for _ in agents:
            caller_rtp = RtpEndpoint(CARRIER_IP)
            opened.append(caller_rtp)
            call = carrier.invite(QUEUE_DID, rtp=caller_rtp, wait=False)
            if call.wait_final(timeout=10).status != 200:
                raise RuntimeError("the queue did not answer")
            caller_rtp.start_sending(call.remote_rtp, tone_hz=TONES["customer"])
            incoming = _next_offer(by_user)
            agent_rtp = RtpEndpoint()  # listens only: a held agent is not heard anyway
            opened.append(agent_rtp)
            incoming.answer(agent_rtp)
            _wait(functools.partial(channel.view, call.call_id), what="the call's view")
            legs.append((call, incoming))
        for call, _incoming in legs:
            view = channel.view(call.call_id) or {}
            agent = str(view.get("agent", ""))
            reply = channel.request(
                Command("hold", agent, call.call_id, {}), node=str(view.get("node", ""))
            )
            if not reply.ok:
                raise RuntimeError(f"hold refused: {reply}")
        time.sleep(1.0)  # every player started
        cpu = _cpu_percent(stack, ("rtpengine", "kamailio", "callcontrol"), window_s)
        hearing = sum(1 for r in opened[::2] if _music_heard(r))
        for call, incoming in legs:
            call.bye()
            incoming.wait_bye()
    finally:
        for ua in (*phones, carrier):
            ua.close()
        for rtp in opened:
            rtp.close()
    return {
        "calls": len(legs),
        "hearing_music": hearing,
        "window_s": window_s,
        "cpu_percent": cpu,
        "total_percent": round(sum(cpu.values()), 2),
    }


def _agent_phone(stack: Stack, agent: str) -> SipUA:
    extension = str(int(agent.partition("/")[2]) + 4000)
    return SipUA(f"demo-{extension}", f"demo{extension}", stack.proxy)


def stack_agent_registered(stack: Stack, agent: str) -> bool:
    from tests.integration.queue.helpers import agent_live

    return agent_live(stack, agent).registered


def _next_offer(phones: dict[str, SipUA]) -> Any:
    """The offer of the call just placed, at whichever agent's phone it rings."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        for phone in phones.values():
            if phone.has_incoming():
                return phone.wait_incoming(timeout=1)
        time.sleep(0.01)
    raise RuntimeError("no agent was offered the call")


def _music_heard(rtp: RtpEndpoint) -> bool:
    from tests.integration.queue.helpers import MOH_HZ

    return sum(goertzel_power(rtp.samples(), f) for f in MOH_HZ) > 0.3


def render(result: dict[str, Any]) -> str:
    c2d, transfer, room = result["click_to_dial"], result["attended_transfer"], result["room"]
    held = result["held"]
    rows = [
        ("click-to-dial: command → agent's phone rings", c2d["command_to_agent_rings"]),
        (
            "click-to-dial: agent answers → customer's phone rings",
            c2d["agent_answer_to_customer_rings"],
        ),
        (
            "click-to-dial: customer answers → hears the agent",
            c2d["customer_answer_to_hears_agent"],
        ),
        (
            "attended transfer: command → caller hears the consultee",
            transfer["transfer_to_caller_hears_consultee"],
        ),
    ]
    lines = [
        "## In-call functions: setup times and a 30-party room",
        "",
        (
            f"Run {result['at']} on {result['machine']['cores']} cores "
            f"({result['machine']['cpu_model']}), `make bench-incall`: the real stack on "
            "loopback, phones answering at once."
        ),
        "",
        "| step | calls | p50 ms | p95 ms |",
        "|---|---|---|---|",
        *(f"| {name} | {v['n']} | {v['p50_ms']} | {v['p95_ms']} |" for name, v in rows),
        "",
        (
            f"30-party room ({room['parties']} parties sending G.711 into one Janus "
            f"AudioBridge room, {room['window_s']} s window), CPU in % of one core:"
        ),
        "",
        "| process | CPU % |",
        "|---|---|",
        *(f"| {name} | {pct} |" for name, pct in room["cpu_percent"].items()),
        f"| **total** (goal ≤ {GOAL_ROOM_CPU:g} %) | **{room['total_percent']}** |",
        "",
        (
            f"{held['calls']} concurrent held calls (queue callers sending G.711, each answered "
            f"by its own agent, then held: music from rtpengine, nothing of the agent; "
            f"{held['hearing_music']} of them heard the music in the window), "
            f"{held['window_s']} s window, CPU in % of one core:"
        ),
        "",
        "| process | CPU % |",
        "|---|---|",
        *(f"| {name} | {pct} |" for name, pct in held["cpu_percent"].items()),
        f"| **total** | **{held['total_percent']}** |",
        "",
        (
            "The customer hears the agent as soon as it answers; the agent hears ringback "
            "until the customer's stream replaces it, no earlier than 0.5 s after the "
            "ringback began (`callcontrol/media.py` `FIRST_STREAM_S`). Every party sends RTP "
            "through two rtpengine sessions (Kamailio's for its leg, call control's toward "
            "the room): rtpengine's share is most of the total."
        ),
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a few calls, a short window")
    parser.add_argument("--no-report", action="store_true", help="print, write nothing")
    args = parser.parse_args(argv)
    calls, window = (3, 3.0) if args.quick else (20, 10.0)
    with tempfile.TemporaryDirectory(prefix="bench-incall-") as work:
        stack = start_stack(Path(work), with_web=False)
        try:
            channel = CallChannel(_redis(stack))
            result = {
                "at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "machine": report.machine_facts(),
                "click_to_dial": click_to_dial(stack, channel, calls),
                "attended_transfer": attended_transfer(stack, channel, calls),
                "room": room_cpu(stack, channel, window),
                "held": held_calls_cpu(stack, channel, window, 10 if args.quick else HELD_CALLS),
            }
        except Exception:
            Path("/tmp/bench-incall-callcontrol.log").write_text(stack.log("callcontrol"))
            Path("/tmp/bench-incall-kamailio.log").write_text(stack.log("kamailio"))
            Path("/tmp/bench-incall-rtpengine.log").write_text(stack.log("rtpengine"))
            raise
        finally:
            stack.stop()
    markdown = render(result)
    print(markdown)
    if not args.no_report and not args.quick:
        report.write_jsonl("incall", [result])
        report.update_section("incall", markdown)
    return 0


if __name__ == "__main__":
    sys.exit(main())
