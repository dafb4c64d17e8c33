"""Starts the real stack (Redis, rtpengine, Janus, Kamailio, web) on free loopback ports
for a test session, with the same service specs `make run` uses."""

from __future__ import annotations

import random
import socket
import subprocess
from contextlib import closing
from dataclasses import dataclass, replace
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from launcher.__main__ import init_db
from launcher.services import (
    callcontrol_specs,
    janus_spec,
    kamailio_spec,
    redis_spec,
    rtpengine_spec,
    web_spec,
)
from launcher.settings import Settings
from launcher.supervisor import Supervisor
from rtpengine import RtpengineClient
from store import encryption
from store.db import make_engine, make_sessionmaker


def free_port(kinds: tuple[int, ...] = (socket.SOCK_STREAM,)) -> int:
    """A port free for every socket kind in ``kinds`` on 127.0.0.1."""
    for _ in range(200):
        with closing(socket.socket(socket.AF_INET, kinds[0])) as first:
            first.bind(("127.0.0.1", 0))
            port = int(first.getsockname()[1])
            try:
                for kind in kinds[1:]:
                    with closing(socket.socket(socket.AF_INET, kind)) as other:
                        other.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError("no free port found")


def settings_on_free_ports(var_dir: Path) -> Settings:
    rtp_base = random.randrange(40000, 59000, 1000)
    janus_rtp_base = random.choice([b for b in range(40000, 59000, 1000) if b != rtp_base])
    return Settings(
        var_dir=var_dir,
        sip_port=free_port((socket.SOCK_DGRAM, socket.SOCK_STREAM)),
        sip_tls_port=free_port(),
        kamailio_workers=2,
        web_port=free_port(),
        redis_port=free_port(),
        rtpengine_ng_port=free_port((socket.SOCK_DGRAM,)),
        rtpengine_http_port=free_port(),
        rtpengine_cli_port=free_port(),
        rtp_port_min=rtp_base,
        rtp_port_max=rtp_base + 999,
        callcontrol_sip_port=free_port((socket.SOCK_DGRAM,)),
        rtpengine_dtmf_port=free_port((socket.SOCK_DGRAM,)),
        acd_lease_ms=3000,
        janus_http_port=free_port(),
        janus_rtp_port_min=janus_rtp_base,
        janus_rtp_port_max=janus_rtp_base + 999,
    )


@dataclass
class Stack:
    settings: Settings
    supervisor: Supervisor
    engine: Engine
    sessions: sessionmaker[Session]
    rtpengine: RtpengineClient
    # the key file this test process encrypted with before (init_db makes it this stack's):
    # put back at stop, so the session's stack keeps its own after a module's stack
    previous_key_file: Path | None = None

    @property
    def proxy(self) -> tuple[str, int]:
        return (self.settings.sip_host, self.settings.sip_port)

    @property
    def web_url(self) -> str:
        return f"http://{self.settings.web_host}:{self.settings.web_port}"

    @property
    def janus_url(self) -> str:
        return f"http://127.0.0.1:{self.settings.janus_http_port}/janus"

    def kamcmd(self, *args: str) -> str:
        socket_path = self.settings.run_dir / "kamailio_ctl"
        return subprocess.run(
            ["kamcmd", "-s", f"unix:{socket_path}", *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        ).stdout

    def log(self, name: str) -> str:
        return (self.settings.log_dir / f"{name}.log").read_text(errors="replace")

    def stop(self) -> None:
        encryption.use_key_file(self.previous_key_file)
        self.rtpengine.close()
        self.supervisor.stop_all()
        self.engine.dispose()


def start_stack(var_dir: Path, with_web: bool = True, **overrides: object) -> Stack:
    """``overrides``: Settings fields to change (e.g. ``topology_hiding=1``)."""
    settings = replace(settings_on_free_ports(var_dir), **overrides)  # type: ignore[arg-type]
    previous_key_file = encryption._configured_file
    init_db(settings)
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    supervisor = Supervisor(settings.log_dir)
    specs = [
        redis_spec(settings),
        rtpengine_spec(settings),
        janus_spec(settings),  # ~0.1 s to start
        kamailio_spec(settings),
        *callcontrol_specs(settings),  # callcontrol_processes (default 1)
    ]
    if with_web:
        specs.append(web_spec(settings))
    supervisor.start_all(specs)
    engine = make_engine(settings.database_url)
    return Stack(
        settings,
        supervisor,
        engine,
        make_sessionmaker(engine),
        RtpengineClient(f"http://127.0.0.1:{settings.rtpengine_http_port}"),
        previous_key_file,
    )
