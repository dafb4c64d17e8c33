"""Where load goes: loopback addresses only (pure, no Locust import)."""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Mapping

Addr = tuple[str, int]


def loopback(host: str) -> str:
    """``host`` itself when it is a loopback address (or ``localhost``); else stop the run."""
    try:
        ok = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        ok = False
    if not ok:
        raise SystemExit(f"load tests only target loopback addresses, not {host}")
    return host


def sip_proxy(environ: Mapping[str, str] | None = None) -> Addr:
    """``SWITCHBOARD_SIP_ADDRESS`` (host:port, as the launcher sets it), loopback only."""
    value = (environ if environ is not None else os.environ).get(
        "SWITCHBOARD_SIP_ADDRESS", "127.0.0.1:5060"
    )
    host, _, port = value.rpartition(":")
    return (loopback(host), int(port))
