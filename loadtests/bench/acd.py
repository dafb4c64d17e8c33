"""ACD selection benchmark (`make bench-acd`): native vs Python reference vs Redis alone.

One generated center per size (1k, 10k, 50k agents in 1k queues; one waiting call per
queue; longest-idle groups with skills, penalties and a relaxation step; some agents
paused, unregistered or signed out) is built in a private redis-server through the real
adapter. The native and the reference selectors are loaded from it as call control
loads them (snapshot of the stream's state), and a Redis-only selector -- a Lua script
over per-group sorted sets, the best Redis can do alone -- gets the same data. All three
answer the same question (the best agent for a random waiting call) and must agree on it.

Then select-and-claim: native selection plus the claim's Redis round trip (claim.lua),
timed together; the claimed agent is released untimed and the index follows the stream.

One JSON line per (implementation, size): impl, agents, queues, p50_us, p99_us, ops_per_s.
``--smoke``: tiny sizes, a second or two, for the test suite.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager
from dataclasses import dataclass
from itertools import repeat
from pathlib import Path
from typing import Any

import redis

from loadtests import report
from routing.acd import PySelector, build_selector
from routing.acd.assign import assign
from routing.acd.machine import Accepted, Command
from routing.acd.model import AgentConfig, GroupConfig, Membership, PenaltyStep, WaitingCall
from routing.acd.native import native_module
from routing.acd.redis_store import Claim, RedisAcd
from routing.acd.selector import Selector

NOW = 1_700_000_000_000  # the center's clock (ms); queries are asked at this instant
SKILLS = ["en", "es", "fr", "de", "billing", "tech"]


@dataclass(frozen=True)
class Plan:
    sizes: tuple[int, ...]
    queues: int
    native_ops: int
    python_ops: int
    redis_ops: int
    claim_ops: int


FULL = Plan((1_000, 10_000, 50_000), 1_000, 50_000, 2_000, 4_000, 3_000)
SMOKE = Plan((60, 150), 10, 300, 50, 50, 30)


# The center.


def generate(agents: int, queues: int, seed: int) -> tuple[list[GroupConfig], list[AgentConfig]]:
    rng = random.Random(seed)
    groups = [
        GroupConfig(
            f"q{q:04d}",
            skills={rng.choice(SKILLS): 2} if rng.random() < 0.3 else {},
            penalty_steps=(PenaltyStep(20, 2),),
        )
        for q in range(queues)
    ]
    configs = []
    for n in range(agents):
        primary = groups[n % queues].name
        memberships = [Membership(primary)]
        if rng.random() < 0.5:
            other = rng.choice(groups).name
            if other != primary:
                memberships.append(Membership(other, penalty=rng.choice([1, 2])))
        skills = {s: rng.randint(1, 5) for s in rng.sample(SKILLS, rng.randint(2, 4))}
        configs.append(AgentConfig(f"agent{n:05d}", skills=skills, memberships=tuple(memberships)))
    return groups, configs


def build_center(
    acd: RedisAcd, groups: list[GroupConfig], configs: list[AgentConfig], seed: int
) -> list[WaitingCall]:
    """Configure everything through the adapter; most agents idle since a random instant.
    Returns the waiting calls, one per queue."""
    rng = random.Random(seed)
    for group in groups:
        acd.configure_group(group)
    acd.configure_agents(configs)
    signed_in, registered, paused = [], [], []
    for config in configs:
        fate, at = rng.random(), NOW - rng.randint(0, 600_000)
        if fate >= 0.05:  # else signed out
            signed_in.append((config.agent_id, Command("sign_in"), at))
        if fate >= 0.12:  # else signed in with the extension not registered
            registered.append((config.agent_id, Command("registration", registered=True), at))
        if 0.12 <= fate < 0.20:
            paused.append((config.agent_id, Command("pause", reason="break"), at))
    for batch in (signed_in, registered, paused):
        for start in range(0, len(batch), 1000):
            outcomes = acd.apply_many(batch[start : start + 1000])
            assert all(isinstance(o, Accepted) for o in outcomes), outcomes
    calls = []
    for group in groups:
        call_skills = {rng.choice(SKILLS): 1} if rng.random() < 0.2 else {}
        call = WaitingCall(
            f"call-{group.name}",
            group.name,
            rng.randint(0, 2),
            NOW - rng.randint(0, 60_000),
            call_skills,
        )
        acd.enqueue_call(call)
        calls.append(call)
    return calls


# The Redis-only selector: longest idle over a per-group sorted set, checks in Lua.

REDIS_ONLY_SELECT = """
local call = redis.call('HMGET', KEYS[1], 'group', 'enqueued_ms', 'skills')
if not call[1] then return false end
local group = redis.call('HMGET', 'bench:group:' .. call[1], 'skills', 'max_penalty', 'steps')
local required = cjson.decode(group[1])
for skill, level in pairs(cjson.decode(call[3])) do
  if not required[skill] or required[skill] < level then required[skill] = level end
end
local waited = tonumber(ARGV[1]) - tonumber(call[2])
local allowed = tonumber(group[2])
for _, step in ipairs(cjson.decode(group[3])) do
  if waited >= step[1] * 1000 and step[2] > allowed then allowed = step[2] end
end
local ready, penalties = 'bench:ready:' .. call[1], 'bench:penalty:' .. call[1]
local start = 0
while true do
  local batch = redis.call('ZRANGE', ready, start, start + 15)
  if #batch == 0 then return false end
  for _, agent in ipairs(batch) do
    local fits = tonumber(redis.call('HGET', penalties, agent)) <= allowed
    for skill, level in pairs(required) do
      if fits then
        local have = redis.call('HGET', 'bench:skills:' .. agent, skill)
        fits = have ~= false and tonumber(have) >= level
      end
    end
    if fits then return agent end
  end
  start = start + 16
end
"""


def load_redis_only(
    client: redis.Redis,
    reference: PySelector,
    groups: list[GroupConfig],
    configs: list[AgentConfig],
    calls: list[WaitingCall],
) -> None:
    """The same center in the Redis-only selector's layout."""
    pipe = client.pipeline(transaction=False)
    for g in groups:
        steps = json.dumps([[s.after_s, s.max_penalty] for s in g.penalty_steps])
        skills = json.dumps(g.skills) if g.skills else "{}"
        pipe.hset(
            f"bench:group:{g.name}",
            mapping={"skills": skills, "max_penalty": g.max_penalty, "steps": steps},
        )
    for config in configs:
        live = reference.live(config.agent_id)
        if config.skills:
            pipe.hset(f"bench:skills:{config.agent_id}", mapping=dict(config.skills.items()))
        for m in config.memberships:
            pipe.hset(f"bench:penalty:{m.group}", config.agent_id, m.penalty)
            if live is not None and live.ready:
                pipe.zadd(f"bench:ready:{m.group}", {config.agent_id: live.idle_since_ms})
    for call in calls:
        skills = json.dumps(call.skills) if call.skills else "{}"  # cjson: {} not []
        fields: dict[Any, Any] = {
            "group": call.group,
            "enqueued_ms": call.enqueued_ms,
            "skills": skills,
        }
        pipe.hset(f"bench:call:{call.call_id}", mapping=fields)
    pipe.execute()


# Measuring.


@contextmanager
def no_gc() -> Iterator[None]:
    """Time without the cyclic collector's pauses, as ``timeit`` does."""
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def percentiles(samples_ns: list[int]) -> tuple[float, float]:
    ordered = sorted(samples_ns)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return statistics.median(ordered) / 1000, p99 / 1000


Select = Callable[[str, int, int, int], object]  # (call, now, seed, limit) -> agents


def measure(select: Select, calls: list[str], ops: int, seed: int) -> tuple[float, float, float]:
    """(p50 µs, p99 µs, ops/s) of ``select`` over random waiting calls. Each implementation
    is called the same way, its own method straight from the loop (no wrapper), so the
    harness adds the same small cost to all of them."""
    rng = random.Random(seed)
    order = [rng.choice(calls) for _ in range(ops)]
    for call_id in order[: max(1, ops // 10)]:
        select(call_id, NOW, 0, 1)  # warm up
    clock = time.perf_counter_ns
    samples = []
    for call_id in order:
        t0 = clock()
        select(call_id, NOW, 0, 1)
        samples.append(clock() - t0)
    t0 = clock()
    deque(map(select, order, repeat(NOW), repeat(0), repeat(1)), maxlen=0)
    ops_per_s = ops / ((clock() - t0) / 1e9)
    p50, p99 = percentiles(samples)
    return p50, p99, ops_per_s


def select_and_claim(
    acd: RedisAcd, selector: Selector, last_id: str, calls: list[str], ops: int, seed: int
) -> tuple[float, float, float]:
    """Native selection + the claim round trip, timed; release and follow untimed."""
    rng = random.Random(seed)
    clock = time.perf_counter_ns
    samples: list[int] = []
    busy_ns = 0
    while len(samples) < ops:
        call_id = rng.choice(calls)
        t0 = clock()
        outcome = assign(
            selector, acd, call_id, call_id.removeprefix("call-"), NOW, rng.getrandbits(64)
        )
        elapsed = clock() - t0
        if not isinstance(outcome, Claim):
            continue  # nobody can take this call: not a claim
        samples.append(elapsed)
        busy_ns += elapsed
        released = acd.release(outcome, NOW)
        assert isinstance(released, Accepted), released
        last_id = acd.follow(selector, last_id)
    p50, p99 = percentiles(samples)
    return p50, p99, len(samples) / (busy_ns / 1e9)


def row(base: dict[str, Any], impl: str, p50: float, p99: float, rate: float) -> dict[str, Any]:
    """One result line, printed as it is measured."""
    line = base | {"impl": impl, "p50_us": round(p50, 2), "p99_us": round(p99, 2)}
    line["ops_per_s"] = round(rate)
    line["load_avg_1m"] = round(os.getloadavg()[0], 2)  # the shared machine's state then
    print(json.dumps(line), flush=True)
    return line


def run_size(client: redis.Redis, agents: int, plan: Plan) -> list[dict[str, Any]]:
    client.flushall()
    acd = RedisAcd(client)
    groups, configs = generate(agents, plan.queues, seed=agents)
    started = time.monotonic()
    waiting = build_center(acd, groups, configs, seed=agents)
    calls = [call.call_id for call in waiting]
    native, reference = build_selector(prefer_native=True), PySelector()
    last_id = acd.bootstrap(native)
    acd.bootstrap(reference)
    load_redis_only(client, reference, groups, configs, waiting)
    redis_only = client.register_script(REDIS_ONLY_SELECT)
    print(f"# {agents} agents: center built in {time.monotonic() - started:.1f} s", file=sys.stderr)

    def redis_select(call_id: str, now_ms: int = NOW, _seed: int = 0, _limit: int = 1) -> list[str]:
        found = redis_only(keys=[f"bench:call:{call_id}"], args=[now_ms])
        return [found.decode()] if found else []

    disagreements = [
        c for c in calls if not native.select(c, NOW) == reference.select(c, NOW) == redis_select(c)
    ]
    assert not disagreements, f"the selectors disagree on {disagreements[:5]}"
    base = {"agents": agents, "queues": plan.queues}

    def redis_get(call_id: str, _now: int = NOW, _seed: int = 0, _limit: int = 1) -> object:
        return client.get(acd.keys.call(call_id))  # the floor of any Redis round trip here

    impls: list[tuple[str, Select, int]] = [
        ("native", native.select, plan.native_ops),
        ("python", reference.select, plan.python_ops),
        ("redis_lua", redis_select, plan.redis_ops),
        ("redis_get", redis_get, plan.redis_ops),
    ]
    rows = []
    for impl, op, ops in impls:
        with no_gc():
            rows.append(row(base, impl, *measure(op, calls, ops, seed=agents)))
    with no_gc():
        claims = select_and_claim(acd, native, last_id, calls, plan.claim_ops, seed=agents)
    rows.append(row(base, "native+redis_claim", *claims))
    return rows


# Reporting.


def markdown(rows: list[dict[str, Any]], plot: Path, md_path: Path, command: str) -> str:
    facts = report.machine_facts()
    machine = (
        f"{facts['cores']} cores, {facts['cpu_model']}, Linux {facts['kernel']}, "
        f"Python {facts['python']}, shared with other engineers' work"
    )
    center = (
        f"Center: agents in {rows[0]['queues']} queues (about half also in a second queue "
        "with a penalty), longest idle with skills, a penalty relaxation step, one waiting "
        "call per queue, ~80 % of agents ready. One operation = the best agent for a random "
        "waiting call; all three implementations agreed on every call before timing. "
        "`native+redis_claim` = native selection + the atomic claim in Redis (claim.lua, "
        "one round trip over loopback), as call control does it. `redis_get` is not a "
        "selector: a plain GET, the floor of any Redis round trip on this machine at the time."
    )
    table = [
        f"| {r['impl']} | {r['agents']} | {r['queues']} | {r['p50_us']} | {r['p99_us']} "
        f"| {r['ops_per_s']} | {r['load_avg_1m']} |"
        for r in rows
    ]
    return "\n".join(
        [
            "## ACD agent selection",
            "",
            f"`{command}` -- {machine}; `load`: the 1-minute load average as the line was measured.",
            "",
            center,
            "",
            "| impl | agents | queues | p50 µs | p99 µs | ops/s | load |",
            "|---|---:|---:|---:|---:|---:|---:|",
            *table,
            "",
            "Goals (reported, not asserted):",
            "",
            *goals(rows),
            "",
            f"![ACD selection p99 by size]({os.path.relpath(plot, md_path.parent)})",
        ]
    )


def goals(rows: list[dict[str, Any]]) -> list[str]:
    by = {(r["impl"], r["agents"]): r for r in rows}
    sizes = sorted({r["agents"] for r in rows})
    middle = 10_000 if 10_000 in sizes else sizes[len(sizes) // 2]
    native_p99 = by[("native", middle)]["p99_us"]
    lines = [
        f"- native p99 at {middle} agents ≤ 20 µs: **{native_p99} µs** {_mark(native_p99 <= 20)}"
    ]
    for other in ("python", "redis_lua"):
        ratios = [by[("native", s)]["ops_per_s"] / by[(other, s)]["ops_per_s"] for s in sizes]
        shown = ", ".join(f"{x:.0f}×" for x in ratios)
        lines.append(
            f"- native ≥ 20× {other} in ops/s (by size): **{shown}** {_mark(min(ratios) >= 20)}"
        )
    growth = by[("native", sizes[-1])]["p99_us"] / by[("native", sizes[0])]["p99_us"]
    lines.append(
        f"- native p99 at {sizes[-1]} ≤ 2× at {sizes[0]}: **{growth:.2f}×** {_mark(growth <= 2)}"
    )
    claim = max(by[("native+redis_claim", s)]["p99_us"] for s in sizes)
    lines.append(
        f"- select-and-claim p99 ≤ 1 ms: **{claim} µs** (worst size) {_mark(claim <= 1000)}"
    )
    return lines


def _mark(ok: bool) -> str:
    return "✓" if ok else "✗ (missed)"


def draw(rows: list[dict[str, Any]], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(8, 5))
    for impl in dict.fromkeys(r["impl"] for r in rows):
        points = sorted((r["agents"], r["p99_us"]) for r in rows if r["impl"] == impl)
        ax.plot(*zip(*points, strict=True), marker="o", label=impl)
    ax.set(
        xscale="log",
        yscale="log",
        xlabel="agents",
        ylabel="p99 latency (µs)",
        title="ACD: best agent for a waiting call",
    )
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)


# The redis-server of the run.


@contextmanager
def private_redis() -> Iterator[redis.Redis]:
    with closing(socket.socket()) as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with tempfile.TemporaryDirectory(prefix="bench-acd-") as data_dir:
        process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "yes",
                "--dir",
                data_dir,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        client = redis.Redis(host="127.0.0.1", port=port)
        try:
            deadline = time.monotonic() + 10
            while True:
                try:
                    client.ping()
                    break
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.02)
            yield client
        finally:
            client.close()
            process.terminate()
            process.wait(timeout=10)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--smoke", action="store_true", help="tiny sizes, for the test suite")
    parser.add_argument("--benchmarks-md", type=Path, default=report.BENCHMARKS_MD)
    args = parser.parse_args(argv)
    if native_module() is None:
        print("routing._native is not built: run `make install`", file=sys.stderr)
        return 1
    plan = SMOKE if args.smoke else FULL
    rows: list[dict[str, Any]] = []
    with private_redis() as client:
        for agents in plan.sizes:
            rows += run_size(client, agents, plan)
    plot = report.RESULTS_DIR / "acd.png"
    draw(rows, plot)
    report.write_jsonl("acd", rows)
    command = "make bench-acd" + (" (--smoke)" if args.smoke else "")
    report.update_section(
        "acd", markdown(rows, plot, args.benchmarks_md, command), args.benchmarks_md
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
