"""Janus alone (AudioBridge + HTTP API), on free loopback ports, with the stack's config
(launcher/janus.py): for tests that need the conference pool but not the whole stack."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from launcher.services import janus_spec
from launcher.settings import Settings
from launcher.supervisor import Running, Supervisor
from tests.support.stack import settings_on_free_ports


@dataclass
class JanusServer:
    settings: Settings
    running: Running

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.settings.janus_http_port}/janus"

    @property
    def pid(self) -> int:
        return self.running.process.pid

    def log(self) -> str:
        return self.running.log_path.read_text(errors="replace")


@contextmanager
def janus_server(var_dir: Path) -> Iterator[JanusServer]:
    """Started, answering ``GET /janus/info``, and stopped at the end."""
    settings = settings_on_free_ports(var_dir)
    supervisor = Supervisor(settings.log_dir)
    try:
        yield JanusServer(settings, supervisor.start(janus_spec(settings)))
    finally:
        supervisor.stop_all()
