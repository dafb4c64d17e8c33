"""sipp command lines for the benchmark (pure): scenarios live in loadtests/sipp/."""

from __future__ import annotations

from pathlib import Path

SCENARIOS = Path(__file__).resolve().parent.parent / "sipp"
CARRIER_IP = "127.0.0.2"  # the demo trunk "carrier" is recognised by this source address
DID = "+15550101"  # demo DID -> extension 5000
UAS_USER = "demo-5000"
BUFFER = "4194304"  # socket buffers: the generator must not drop what the proxy sends
RECV_TIMEOUT_MS = 5000  # a lost message fails the call after 5 s instead of hanging it


def common_options(stat: Path, timeout_s: int) -> list[str]:
    """What every benchmark's sipp gets: bounded, quiet, statistics in ``stat``."""
    return [
        "-nostdin",
        "-buff_size",
        BUFFER,
        "-recv_timeout",
        str(RECV_TIMEOUT_MS),
        "-timeout",
        f"{timeout_s}s",
        "-trace_stat",
        "-stf",
        str(stat),
        "-fd",
        "1",
        "-trace_err",
        "-max_log_size",
        "1000000",
    ]


def limit(rate: int, hold_ms: int) -> int:
    """Concurrent calls allowed: a few seconds' worth, so stalls show as a lag."""
    return max(200, int(rate * (hold_ms / 1000 + 2)))


def uac_call(
    proxy: tuple[str, int], scenario: str, rate: int, calls: int, hold_ms: int, stat: Path
) -> list[str]:
    duration = calls / rate
    return [
        "sipp",
        f"{proxy[0]}:{proxy[1]}",
        "-sf",
        str(SCENARIOS / scenario / "uac.xml"),
        "-s",
        DID,
        "-i",
        CARRIER_IP,
        "-p",
        "0",
        "-r",
        str(rate),
        "-m",
        str(calls),
        "-l",
        str(limit(rate, hold_ms)),
        "-d",
        str(hold_ms),
        # sipp writes response times every rtt_freq calls and drops the rest at exit.
        "-trace_rtt",
        "-rtt_freq",
        str(max(1, min(100, calls // 50))),
        *common_options(stat, int(duration + hold_ms / 1000 + RECV_TIMEOUT_MS / 1000 * 3 + 10)),
    ]


def uas(scenario: str, port: int, stat: Path) -> list[str]:
    return [
        "sipp",
        "-sf",
        str(SCENARIOS / scenario / "uas.xml"),
        "-i",
        "127.0.0.1",
        "-p",
        str(port),
        "-nostdin",
        "-buff_size",
        BUFFER,
        "-recv_timeout",
        str(RECV_TIMEOUT_MS * 2),
        "-trace_stat",
        "-stf",
        str(stat),
        "-fd",
        "5",
    ]


def register(
    proxy: tuple[str, int], users_csv: Path, contact: str, rate: int, count: int, stat: Path
) -> list[str]:
    duration = count / rate
    return [
        "sipp",
        f"{proxy[0]}:{proxy[1]}",
        "-sf",
        str(SCENARIOS / "register" / "uac.xml"),
        "-inf",
        str(users_csv),
        "-key",
        "contact",
        contact,
        "-i",
        "127.0.0.1",
        "-p",
        "0",
        "-r",
        str(rate),
        "-m",
        str(count),
        "-l",
        str(limit(rate, 0)),
        *common_options(stat, int(duration + RECV_TIMEOUT_MS / 1000 * 3 + 10)),
    ]


def users_csv(users: list[tuple[str, str]]) -> str:
    """sipp -inf file: username;[authentication username=.. password=..] per line."""
    lines = ["SEQUENTIAL"]
    lines += [f"{u};[authentication username={u} password={p}]" for u, p in users]
    return "\n".join(lines) + "\n"
