"""BENCHMARKS.md sections and the plot, from result rows and their summaries.

The markdown is pure (rows in, text out); ``plot()`` draws a PNG with matplotlib.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from loadtests.bench.results import CORE_SATURATED, FAILURE_LIMIT

Row = dict[str, Any]
LABELS = {
    "calls": "calls without media",
    "calls-media": "calls with rtpengine offer/answer/delete",
    "register": "REGISTER with digest auth",
}
PROXY_INTRO = (
    "A carrier call (sipp UAC at 127.0.0.2, the demo trunk) to DID +15550101 routed to "
    "extension demo-5000 (a registered sipp UAS): trunk by source address, DID lookup, "
    "registrar lookup, record-route, dialog tracking; with media, rtpengine "
    "offer/answer/delete on every call. Switchboard is Kamailio as `make run` starts it "
    "(KEMI Python + the Rust module); the native config is "
    "`loadtests/bench/native-cfg/kamailio.cfg`, the same routing with htables."
)
REGISTER_INTRO = (
    "Each registration is REGISTER → 401 challenge → REGISTER with credentials → 200 "
    "(demo extensions 5001-5009 in turn, HA1 checked, contact saved in usrloc). "
    "µs/call below is Kamailio CPU per completed registration (two requests)."
)
CONFIG_LABELS = {
    "switchboard": "Switchboard (KEMI + native module)",
    "native": "native kamailio.cfg",
}


def _rate(value: int | None, lower_bound: bool) -> str:
    if value is None:
        return "none clean"
    return f"{'≥ ' if lower_bound else ''}{value:,}/s"


def _us(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value * 100:.2f} %"


def summary_table(variant: str, summary: dict[str, Any], goal_rate: int) -> str:
    sb, nat = summary["configs"]["switchboard"], summary["configs"]["native"]
    ratio = summary.get("rate_ratio")
    ratio_text = "–" if ratio is None else f"{ratio:.2f}"
    meets = (
        ratio is not None
        and ratio >= 0.9
        and (goal_rate == 0 or (sb["highest_clean"] or 0) >= goal_rate)
    )
    goal = "ratio ≥ 0.9" + (f" and ≥ {goal_rate:,}/s" if goal_rate else "")
    return (
        f"| {LABELS[variant]} | {_rate(sb['highest_clean'], sb['lower_bound'])} "
        f"({sb['limited_by']}) | {_rate(nat['highest_clean'], nat['lower_bound'])} "
        f"({nat['limited_by']}) | {ratio_text} | {goal}: {'met' if meets else '**missed**'} |"
    )


def per_rate_table(summary: dict[str, Any], with_latency: bool) -> str:
    sb = summary["configs"]["switchboard"]["per_rate"]
    nat = summary["configs"]["native"]["per_rate"]
    header = (
        "| offered/s | Switchboard µs/call | native µs/call | Switchboard ÷ native CPU "
        "| failures (median, S / N) | verdict (S / N) | sipp UAC / UAS peak core share |"
    )
    if with_latency:
        header += " p99 INVITE→180 ms (S / N) |"
    lines = [header, "|" + "---|" * (header.count("|") - 1)]
    for rate in sorted(set(sb) | set(nat)):
        a, b = sb.get(rate, {}), nat.get(rate, {})
        cpu_ratio = summary.get("cpu_ratio_by_rate", {}).get(rate)
        uac = max(a.get("uac_core_share_max", 0), b.get("uac_core_share_max", 0))
        uas = max(a.get("uas_core_share_max", 0), b.get("uas_core_share_max", 0))
        line = (
            f"| {rate:,} | {_us(a.get('cpu_us_per_call'))} | {_us(b.get('cpu_us_per_call'))} "
            f"| {'–' if cpu_ratio is None else f'{cpu_ratio:.2f}'} "
            f"| {_pct(a.get('failure_ratio_median'))} / {_pct(b.get('failure_ratio_median'))} "
            f"| {a.get('verdict', '–')} / {b.get('verdict', '–')} | {uac:.0%} / {uas:.0%} |"
        )
        if with_latency:
            line += f" {_us(a.get('inv180_p99_ms'))} / {_us(b.get('inv180_p99_ms'))} |"
        lines.append(line)
    return "\n".join(lines)


def idle_line(rows: list[Row]) -> str:
    """Kamailio's CPU while idle (timers; the KEMI edge's rtimer also polls the store)."""
    parts = []
    for config in ("switchboard", "native"):
        idle = sorted(r.get("kamailio_idle_cores", 0.0) for r in rows if r["config"] == config)
        if idle:
            parts.append(f"{CONFIG_LABELS[config]} {idle[len(idle) // 2] * 100:.1f} %")
    return "Idle Kamailio CPU between runs (median, % of one core): " + ", ".join(parts) + "."


def rejected_list(rows: list[Row]) -> str:
    rejected = [r for r in rows if r["rejected"]]
    noisy = [r for r in rows if r["noisy"] and not r["rejected"]]
    parts = []
    if rejected:
        parts.append(
            "Rejected runs (the load generator or other processes may have been the limit; "
            "kept in the JSON lines, not used for verdicts): "
            + "; ".join(
                f"{r['variant']} {r['config']} {r['rate']:,}/s rep {r['rep']}: "
                + ", ".join(r["reasons"])
                for r in rejected
            )
            + "."
        )
    else:
        parts.append("No run was rejected for a saturated load generator.")
    if noisy:
        parts.append(
            f"{len(noisy)} accepted run(s) shared the machine with other busy processes "
            "(≥ 30 % of a core; marked `noisy` in the JSON lines)."
        )
    return " ".join(parts)


def method(facts: dict[str, Any], params: dict[str, Any]) -> str:
    return (
        f"Machine: {facts['cores']} cores, {facts['cpu_model'] or 'unknown CPU'}, kernel "
        f"{facts['kernel']}; Kamailio 5.6.3 with {params['workers']} UDP workers, "
        f"`-m {params['shm_mb']}` shm"
        + (f" and `{params['kamailio_args']}`" if params.get("kamailio_args") else "")
        + ", both configs started side by side with the same "
        f"rtpengine; sipp on the same machine. Each step runs every config "
        f"{params['reps']}× for {params['duration_s']:g} s, interleaved (order alternating); "
        f"a step is clean when the median failure ratio is ≤ {FAILURE_LIMIT:.1%}; a config "
        f"stops at its first step that is not clean. Kamailio CPU is user+system time of all "
        f"its processes (from /proc) over the run, divided by the completed calls. A run is "
        f"rejected when a sipp process used ≥ {CORE_SATURATED:.0%} of a core or could not "
        f"offer the rate. Run at {params['started']} in {params['elapsed_s']:.0f} s."
    )


def proxy_section(
    rows: list[Row],
    summaries: dict[str, dict[str, Any]],
    facts: dict[str, Any],
    params: dict[str, Any],
    command: str,
    plot_name: str,
    notes: str,
) -> str:
    call_rows = [r for r in rows if r["variant"] in ("calls", "calls-media")]
    parts = [
        "## Proxy calls per second: Switchboard vs a native kamailio.cfg",
        "",
        PROXY_INTRO,
        "",
        f"Command: `{command}`",
        "",
        method(facts, params),
        "",
        "| variant | Switchboard highest clean | native highest clean | ratio | goal |",
        "|---|---|---|---|---|",
    ]
    for variant, goal in (("calls", 5000), ("calls-media", 0)):
        if variant in summaries:
            parts.append(summary_table(variant, summaries[variant], goal))
    for variant in ("calls", "calls-media"):
        if variant in summaries:
            parts += [
                "",
                f"### {LABELS[variant]}",
                "",
                per_rate_table(summaries[variant], with_latency=True),
            ]
    parts += ["", idle_line(call_rows), rejected_list(call_rows), "", f"![proxy CPS]({plot_name})"]
    if notes:
        parts += ["", notes.strip()]
    return "\n".join(parts)


def register_section(
    rows: list[Row],
    summary: dict[str, Any],
    facts: dict[str, Any],
    params: dict[str, Any],
    command: str,
    plot_name: str,
    notes: str,
) -> str:
    reg_rows = [r for r in rows if r["variant"] == "register"]
    parts = [
        "## REGISTER per second with digest auth: Switchboard vs a native kamailio.cfg",
        "",
        REGISTER_INTRO,
        "",
        f"Command: `{command}`",
        "",
        method(facts, params),
        "",
        "| variant | Switchboard highest clean | native highest clean | ratio | goal |",
        "|---|---|---|---|---|",
        summary_table("register", summary, 5000),
        "",
        per_rate_table(summary, with_latency=False),
        "",
        idle_line(reg_rows) + " " + rejected_list(reg_rows),
        "",
        f"![REGISTER/s]({plot_name})",
    ]
    if notes:
        parts += ["", notes.strip()]
    return "\n".join(parts)


def plot(summaries: dict[str, dict[str, Any]], path: Path) -> Path:
    """CPU per call and failures against the offered rate, one column per variant."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    variants = [v for v in ("calls", "calls-media", "register") if v in summaries]
    fig, axes = plt.subplots(2, len(variants), figsize=(5 * len(variants), 7), squeeze=False)
    for col, variant in enumerate(variants):
        cpu_ax, fail_ax = axes[0][col], axes[1][col]
        for config, style in (("switchboard", "o-"), ("native", "s--")):
            per_rate = summaries[variant]["configs"][config]["per_rate"]
            rates = sorted(per_rate)
            cpu = [per_rate[r]["cpu_us_per_call"] for r in rates]
            fails = [
                (per_rate[r]["failure_ratio_median"] or 0.0) * 100
                if per_rate[r]["failure_ratio_median"] is not None
                else float("nan")
                for r in rates
            ]
            cpu_ax.plot(
                rates,
                [c if c is not None else float("nan") for c in cpu],
                style,
                label=CONFIG_LABELS[config],
            )
            fail_ax.plot(rates, fails, style, label=CONFIG_LABELS[config])
            best = summaries[variant]["configs"][config]["highest_clean"]
            if best:
                fail_ax.axvline(best, linestyle=":", color=cpu_ax.lines[-1].get_color())
        cpu_ax.set_title(LABELS[variant])
        cpu_ax.set_ylabel("Kamailio CPU µs per call")
        cpu_ax.set_ylim(bottom=0)
        fail_ax.axhline(FAILURE_LIMIT * 100, color="red", linewidth=0.8)
        fail_ax.set_yscale("symlog", linthresh=0.1)
        fail_ax.set_ylim(bottom=0)
        fail_ax.set_ylabel("failed % (median); red: 0.1 %")
        fail_ax.set_xlabel("offered per second")
        cpu_ax.legend(fontsize=8)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return path
