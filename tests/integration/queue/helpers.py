"""Shared steps of the queue tests: a carrier caller, agents in a known state, records."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager

import redis

from routing.acd import sqlstore
from routing.acd.events import live_to_wire
from routing.acd.keys import Keys
from routing.acd.model import AgentLive, State, WorkingWay
from routing.acd.redis_store import live_fields, live_from_fields
from tests.support.rtp import RtpEndpoint
from tests.support.sipua import Call, SipUA
from tests.support.stack import Stack
from tests.support.waiting import wait_until

QUEUE_DID = "+15550100"
CARRIER_IP = "127.0.0.2"
MOH_HZ = (523.25, 659.25, 783.99)  # the notes of callcontrol.moh
CALLER_TONE, AGENT_TONE = 400.0, 1100.0
KEYS = Keys()
DEMO_AGENTS = ("demo/1001", "demo/1002", "demo/1003", "demo/1004", "demo/1005")


def redis_client(stack: Stack) -> redis.Redis:
    return redis.Redis(port=stack.settings.redis_port, decode_responses=True)


def agent_live(stack: Stack, agent: str) -> AgentLive:
    fields = redis_client(stack).hgetall(KEYS.agent(agent))
    assert fields, f"no live state for {agent}"
    return live_from_fields(fields)


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def set_agents(
    stack: Stack,
    idle: tuple[str, ...],
    paused: tuple[str, ...] = (),
    signed_out: bool = False,
    agents: tuple[str, ...] = DEMO_AGENTS,
) -> None:
    """Force a known state: ``idle`` agents idle, every other demo agent paused (or signed
    out, as if they were not fixed agents: the state machine would refuse that).

    The version moves past the stored one, so every process's index takes it as newer.
    Whether each agent's phone is registered is the edge's word (its SIP truth in Redis),
    never assumed: a phone the test registers afterwards is reported as it happens, and
    waiting for ``agent_live(...).registered`` then waits for that report.
    """
    client = redis_client(stack)
    truth = {_text(u) for u in client.smembers(KEYS.sip_registered)}
    with stack.sessions() as session:
        configs = sqlstore.read_config(session.connection()).agents
    for i, agent in enumerate(agents):
        # the way in effect a new agent starts with (its configured one; dial-in when it
        # selects its own), so a way a test selected does not leak into the next test
        way = AgentLive.initial(configs[agent]).way if agent in configs else WorkingWay.DIAL_IN
        old = client.hgetall(KEYS.agent(agent))
        version = live_from_fields(old).version if old else 0
        number = agent.partition("/")[2]
        registered = f"demo-{int(number) + 4000}" in truth  # fixed at agent + 4000 (the seed's)
        if agent in idle:
            live = AgentLive(
                state=State.IDLE,
                registered=registered,
                way=way,
                idle_since_ms=1000 + i,
                version=version + 1,
            )
        elif signed_out:
            live = AgentLive(
                state=State.SIGNED_OUT, registered=registered, way=way, version=version + 1
            )
        else:
            live = AgentLive(
                state=State.PAUSED,
                registered=registered,
                way=way,
                version=version + 1,
                pause_reason="training" if agent not in paused else "lunch",
            )
        pipe = client.pipeline()
        pipe.hset(KEYS.agent(agent), mapping=live_fields(live))
        pipe.delete(KEYS.lease(agent), KEYS.holder(agent))
        pipe.zrem(KEYS.offers, agent)
        pipe.zrem(KEYS.acw, agent)
        event = {
            "type": "agent_state",
            "agent": agent,
            "version": live.version,
            "from": str(State.IDLE),
            "to": str(live.state),
            "reason": "test_setup",
            "call_id": "",
            "at_ms": 0,
            "live": live_to_wire(live),
        }
        pipe.xadd(KEYS.events, {"event": json.dumps(event)})
        pipe.execute()


@contextmanager
def carrier(stack: Stack) -> Iterator[SipUA]:
    with SipUA("carrier", None, stack.proxy, local_ip=CARRIER_IP) as ua:
        yield ua


def call_queue(ua: SipUA, rtp: RtpEndpoint) -> Call:
    """Dial the support DID; call control answers at once (music while waiting)."""
    call = ua.invite(QUEUE_DID, rtp=rtp, wait=False)
    response = call.wait_final(timeout=10)
    assert response.status == 200, response.summary()
    rtp.start_sending(call.remote_rtp, tone_hz=CALLER_TONE)
    return call


def hears_music(rtp: RtpEndpoint) -> bool:
    return max(rtp.dominant_power(f) for f in MOH_HZ) > 0.3


def hears(rtp: RtpEndpoint, tone: float, other: float) -> bool:
    return rtp.dominant_power(tone) > 0.5 and rtp.dominant_power(tone) > 10 * rtp.dominant_power(
        other
    )


def configure_support(stack: Stack, **values: object) -> None:
    """Change the demo support group in SQL and wait until call control reloaded it."""
    from sqlalchemy import select

    from store.models import AgentGroup, ProvisioningState

    with stack.sessions() as session, session.begin():
        group = session.scalars(select(AgentGroup).where(AgentGroup.name == "support")).one()
        changed = False
        for name, value in values.items():
            if getattr(group, name) != value:
                setattr(group, name, value)
                changed = True
    if not changed:
        return
    with stack.sessions() as session:
        version = session.scalar(select(ProvisioningState.version))
    wait_until(
        lambda: f"configuration v{version}:" in stack.log("callcontrol"),
        timeout=5,
        what=f"call control reloaded configuration v{version}",
    )


def wait_config_loaded(stack: Stack) -> None:
    """Wait until call control has loaded the store's current configuration version."""
    import re

    from sqlalchemy import select

    from store.models import ProvisioningState

    with stack.sessions() as session:
        version = session.scalar(select(ProvisioningState.version))

    def loaded() -> bool:
        found = re.findall(r"configuration v(\d+):", stack.log("callcontrol"))
        return bool(found) and max(int(v) for v in found) >= version

    wait_until(loaded, timeout=5, what=f"call control loaded configuration v{version}")


def provision_agent(stack: Stack, number: str, **fields: object) -> str:
    """Agent ``number`` of demo in group support with ``fields`` (created with its number as
    password, or updated); returns its id once call control knows the change."""
    from sqlalchemy import select

    from store import provisioning as p
    from store.models import Agent

    with stack.sessions() as session, session.begin():
        team = p.get_team(session, "demo")
        if session.scalar(select(Agent).where(Agent.number == number)) is None:
            p.create_agent(session, team, number, number, groups=["support"], **fields)  # type: ignore[arg-type]
        else:
            p.update_agent(session, team, p.get_agent(session, team, number), dict(fields))
    wait_config_loaded(stack)
    return f"demo/{number}"


def call_record(stack: Stack, call_id: str, outcome: str | None = None) -> dict[str, object]:
    """The call's CDR row once it exists (and has ``outcome``, if given)."""
    from sqlalchemy import select

    from store.models import CallRecord

    def row() -> dict[str, object] | None:
        with stack.sessions() as session:
            found = (
                session.execute(select(CallRecord.__table__).where(CallRecord.call_id == call_id))
                .mappings()
                .first()
            )
        if found is None or (outcome is not None and found["outcome"] != outcome):
            return None
        return dict(found)

    return wait_until(row, timeout=8, what=f"CDR of {call_id} with outcome {outcome}")


def leg_records(stack: Stack, call_id: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from store.models import CallLegRecord

    with stack.sessions() as session:
        rows = (
            session.execute(
                select(CallLegRecord.__table__)
                .where(CallLegRecord.call_id == call_id)
                .order_by(CallLegRecord.id)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def activity(stack: Stack, agent_number: str) -> list[dict[str, object]]:
    from sqlalchemy import select

    from store.models import AgentActivity

    with stack.sessions() as session:
        rows = (
            session.execute(
                select(AgentActivity.__table__)
                .where(AgentActivity.agent == agent_number)
                .order_by(AgentActivity.id)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def press_1_until_taken(
    stack: Stack, agent: str, rtp: RtpEndpoint, dest: tuple[str, int], tries: int = 4
) -> None:
    """The agent keys 1 (``confirm_answer``) and again, as a person would, while the call
    is not taken: a key pressed in the moment the prompt starts can be missed."""
    for _ in range(tries):
        send_dtmf(rtp, dest, "1")
        try:
            wait_until(lambda: agent_live(stack, agent).state == "on_call", timeout=2)
            return
        except TimeoutError:
            continue
    raise AssertionError(f"{agent} pressed 1 {tries} times and the call was not taken")


def send_dtmf(rtp: RtpEndpoint, dest: tuple[str, int], keys: str) -> None:
    """Send ``keys`` as RFC 4733 events (PT 101) from the endpoint's own socket."""
    import random
    import struct
    import time as _time

    codes = {**{str(d): d for d in range(10)}, "*": 10, "#": 11}
    seq, ssrc = random.getrandbits(16), random.getrandbits(32)
    timestamp = random.getrandbits(31)
    for key in keys:
        timestamp += 1600
        for i in range(6):
            end = i >= 3  # three end packets, as RFC 4733 2.5.1.4 recommends
            duration = 160 * min(i + 1, 4)
            payload = struct.pack("!BBH", codes[key], (0x80 if end else 0) | 10, duration)
            header = struct.pack(
                "!BBHII",
                0x80,
                (0x80 if i == 0 else 0) | 101,
                seq & 0xFFFF,
                timestamp & 0xFFFFFFFF,
                ssrc,
            )
            rtp.sock.sendto(header + payload, dest)
            seq += 1
            _time.sleep(0.02)
        _time.sleep(0.05)
