"""The command line, environment and readiness check of every service.

Pure data built from ``Settings``: the supervisor starts them, tests start the
same specs on free ports.
"""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from launcher.janus import write_janus_config
from launcher.settings import ROOT, Settings
from launcher.tls import ensure_certificate


@dataclass(frozen=True)
class ServiceSpec:
    name: str
    argv: list[str]
    ready: Callable[[], bool]
    env: dict[str, str] = field(default_factory=dict)


def redis_spec(s: Settings) -> ServiceSpec:
    data_dir = s.var_dir / "redis"
    data_dir.mkdir(parents=True, exist_ok=True)
    return ServiceSpec(
        "redis",
        [
            "redis-server",
            "--bind",
            "127.0.0.1",
            "--port",
            str(s.redis_port),
            "--dir",
            str(data_dir),
            "--save",
            "",
            "--appendonly",
            "yes",
            "--daemonize",
            "no",
            "--protected-mode",
            "yes",
        ],
        ready=lambda: _redis_pong(s.redis_port),
    )


def rtpengine_spec(s: Settings) -> ServiceSpec:
    recordings = s.var_dir / "recordings"
    recordings.mkdir(parents=True, exist_ok=True)
    return ServiceSpec(
        "rtpengine",
        [
            "rtpengine",
            "--config-file=none",
            "--foreground",
            "--log-stderr",
            "--table=-1",
            "--interface=127.0.0.1",
            f"--listen-ng=127.0.0.1:{s.rtpengine_ng_port}",
            f"--listen-http=127.0.0.1:{s.rtpengine_http_port}",
            f"--listen-cli=127.0.0.1:{s.rtpengine_cli_port}",
            f"--port-min={s.rtp_port_min}",
            f"--port-max={s.rtp_port_max}",
            f"--recording-dir={recordings}",
            "--recording-method=pcap",
            "--delete-delay=0",
            # A port freed by one call and given to the next can still get a few packets
            # meant for the old one (Janus's participants, a phone that hung up): prefer
            # the address the SDP names over whoever sent first, or a new caller's port
            # latches onto a stranger and the caller hears nothing (bench-incall saw it).
            "--endpoint-learning=heuristic",
            f"--pidfile={s.run_dir / 'rtpengine.pid'}",
            f"--dtmf-log-dest=127.0.0.1:{s.rtpengine_dtmf_port}",
        ],
        ready=lambda: _http_ok(f"http://127.0.0.1:{s.rtpengine_http_port}/ping"),
    )


def janus_spec(s: Settings) -> ServiceSpec:
    """Janus with only the AudioBridge plugin and its HTTP API (config: launcher/janus.py)."""
    config = write_janus_config(s)
    return ServiceSpec(
        "janus",
        ["janus", "--config", str(config), "--configs-folder", str(config.parent)],
        ready=lambda: _http_ok(f"http://127.0.0.1:{s.janus_http_port}/janus/info"),
    )


def kamailio_argv(s: Settings, check_only: bool = False) -> list[str]:
    certificate, private_key = ensure_certificate(s)
    defines = {
        "SIP_LISTEN_UDP": f"udp:{s.sip_host}:{s.sip_port}",
        "SIP_LISTEN_TCP": f"tcp:{s.sip_host}:{s.sip_port}",
        "SIP_LISTEN_TLS": f"tls:{s.sip_host}:{s.sip_tls_port}",
        "TLS_CERTIFICATE": f'"{certificate}"',
        "TLS_PRIVATE_KEY": f'"{private_key}"',
        "RTPENGINE_SOCK": f'"udp:127.0.0.1:{s.rtpengine_ng_port}"',
        "KEMI_SCRIPT": f'"{ROOT / "kamailio" / "kemi.py"}"',
        "CTL_SOCKET": f'"unix:{s.run_dir / "kamailio_ctl"}"',
        "UDP_WORKERS": str(s.kamailio_workers),
        "TOPOS_REDIS_SERVER": f'"name=topos;addr=127.0.0.1;port={s.redis_port};db=1"',
        "DISPATCHER_LIST": f'"{write_dispatcher_list(s)}"',
        "DIALOG_KA_INTERVAL": str(s.dialog_keepalive_s),
        "UAC_REG_DB": f'"text://{write_uacreg_placeholder(s)}"',
        "UAC_REG_CONTACT": f'"{s.sip_contact_address or f"{s.sip_host}:{s.sip_port}"}"',
    }
    if s.topology_hiding:
        defines["WITH_TOPOLOGY_HIDING"] = "1"  # kamailio.cfg then includes topos.cfg
    argv = ["kamailio", "-f", str(ROOT / "kamailio" / "kamailio.cfg")]
    for name, value in defines.items():
        argv += ["-A", f"{name}={value}"]
    if check_only:
        return [*argv, "-c"]
    return [
        # TLSF for shared (-x) and private (-X) memory: the default q_malloc's linear
        # bucket scan was ~40 % of worker CPU under load (BENCHMARKS.md, proxy section).
        *argv,
        "-DD",
        "-E",
        "-x",
        "tlsf",
        "-X",
        "tlsf",
        "-m",
        str(s.kamailio_shm_mb),
        "-M",
        "32",
        "-P",
        str(s.run_dir / "kamailio.pid"),
        "-Y",
        str(s.run_dir),
    ]


def write_dispatcher_list(s: Settings) -> Path:
    """Kamailio's dispatcher set 1: the call-control processes (probed with OPTIONS)."""
    s.run_dir.mkdir(parents=True, exist_ok=True)
    path = s.run_dir / "dispatcher.list"
    path.write_text(
        "".join(f"1 sip:127.0.0.1:{port};transport=udp 0 0\n" for port in callcontrol_ports(s))
    )
    return path


def write_uacreg_placeholder(s: Settings) -> Path:
    """The empty db_text ``uacreg`` table (and its version row) that Kamailio's uac module
    loads once at start: it enables registrations only with a database. The records
    themselves come from the store over RPC (routing/adapters/trunks.py), so no password
    is ever written here."""
    directory = s.run_dir / "uacreg"
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "version").write_text(
        "id(int,auto) table_name(string) table_version(int) \n0:uacreg:5\n"
    )
    (directory / "uacreg").write_text(
        "id(int,auto) l_uuid(string) l_username(string) l_domain(string) r_username(string) "
        "r_domain(string) realm(string) auth_username(string) auth_password(string) "
        "auth_ha1(string) auth_proxy(string) expires(int) flags(int) reg_delay(int) "
        "contact_addr(string) socket(string) \n"
    )
    return directory


def switchboard_env(s: Settings) -> dict[str, str]:
    """What the KEMI script and the web app need to find the project and store."""
    return {
        "SWITCHBOARD_ROOT": str(ROOT),
        "SWITCHBOARD_SITE_PACKAGES": s.site_packages,
        "SWITCHBOARD_DB_URL": s.database_url,
        "SWITCHBOARD_SIP_REALM": s.sip_realm,
        "SWITCHBOARD_REDIS_URL": f"redis://127.0.0.1:{s.redis_port}/0",
        "SWITCHBOARD_RTPENGINE_URL": f"http://127.0.0.1:{s.rtpengine_http_port}",
        "SWITCHBOARD_JANUS_URL": f"http://127.0.0.1:{s.janus_http_port}/janus",
        "SWITCHBOARD_SIP_ADDRESS": f"{s.sip_host}:{s.sip_port}",
        "SWITCHBOARD_CALLCONTROL_SIP_PORT": str(s.callcontrol_sip_port),
        "SWITCHBOARD_RTPENGINE_DTMF_PORT": str(s.rtpengine_dtmf_port),
        "SWITCHBOARD_ACD_LEASE_MS": str(s.acd_lease_ms),
        "SWITCHBOARD_VAR_DIR": str(s.var_dir),
        "SWITCHBOARD_TOPOLOGY_HIDING": str(s.topology_hiding),
        "SWITCHBOARD_SECRET_KEY_FILE": str(s.key_file),
    }


def kamailio_spec(s: Settings) -> ServiceSpec:
    return ServiceSpec(
        "kamailio",
        kamailio_argv(s),
        ready=lambda: sip_options_answered(s.sip_host, s.sip_port),
        env=switchboard_env(s),
    )


def web_spec(s: Settings) -> ServiceSpec:
    return ServiceSpec(
        "web",
        [
            s.python,
            "-m",
            "uvicorn",
            "dashboard.app:create_app",
            "--factory",
            "--host",
            s.web_host,
            "--port",
            str(s.web_port),
            "--no-access-log",
        ],
        ready=lambda: _http_ok(f"http://{s.web_host}:{s.web_port}/health"),
        env=switchboard_env(s),
    )


def callcontrol_ports(s: Settings) -> list[int]:
    return [s.callcontrol_sip_port + i for i in range(max(1, s.callcontrol_processes))]


def callcontrol_spec(s: Settings, index: int = 0) -> ServiceSpec:
    """The queue B2BUA: answers agent-group calls, plays music, dials agents via Kamailio.
    ``index``: which of ``callcontrol_processes`` (each stands by for rtpengine's one DTMF
    destination and takes the keys of its calls from the others, ``callcontrol.dtmf``)."""
    port = s.callcontrol_sip_port + index
    env = switchboard_env(s) | {"SWITCHBOARD_CALLCONTROL_SIP_PORT": str(port)}
    return ServiceSpec(
        "callcontrol" if index == 0 else f"callcontrol-{index + 1}",
        [s.python, "-m", "callcontrol"],
        ready=lambda: sip_options_answered("127.0.0.1", port),
        env=env,
    )


def callcontrol_specs(s: Settings) -> list[ServiceSpec]:
    return [callcontrol_spec(s, i) for i in range(len(callcontrol_ports(s)))]


def stack(s: Settings) -> list[ServiceSpec]:
    """Every service of ``make run``, in start order."""
    return [
        redis_spec(s),
        rtpengine_spec(s),
        janus_spec(s),
        kamailio_spec(s),
        *callcontrol_specs(s),
        web_spec(s),
    ]


# --- readiness probes ---------------------------------------------------------------


def _redis_pong(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
            conn.sendall(b"PING\r\n")
            return conn.recv(64).startswith(b"+PONG")
    except OSError:
        return False


def _http_ok(url: str) -> bool:
    try:
        return httpx.get(url, timeout=0.5).status_code == 200
    except httpx.HTTPError:
        return False


def sip_options_answered(host: str, port: int) -> bool:
    """True when an OPTIONS to the server gets any SIP response."""
    branch = "z9hG4bK" + uuid.uuid4().hex
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(0.5)
        local_port = sock.getsockname()[1]
        request = (
            f"OPTIONS sip:{host}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{local_port};branch={branch};rport\r\n"
            f"From: <sip:probe@127.0.0.1>;tag={uuid.uuid4().hex[:8]}\r\n"
            f"To: <sip:{host}:{port}>\r\n"
            f"Call-ID: {uuid.uuid4().hex}\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        try:
            sock.sendto(request.encode(), (host, port))
            return sock.recv(4096).startswith(b"SIP/2.0 ")
        except OSError:
            return False
