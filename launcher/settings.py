"""Where every process listens and keeps its files. Defaults suit `make run`;
each value can be overridden by an environment variable of the same name
prefixed with ``SWITCHBOARD_`` (for example ``SWITCHBOARD_SIP_PORT=5070``)."""

from __future__ import annotations

import os
import sys
import sysconfig
from dataclasses import dataclass, fields, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Settings:
    var_dir: Path = ROOT / "var"
    sip_host: str = "127.0.0.1"
    sip_port: int = 5060
    sip_tls_port: int = 5061  # SIP over TLS (certificate: launcher/tls.py)
    sip_realm: str = "switchboard"
    # host:port carriers are told to send calls to (the Contact of trunk registrations);
    # empty: sip_host:sip_port. Set it to the public address behind NAT.
    sip_contact_address: str = ""
    kamailio_workers: int = 4
    kamailio_shm_mb: int = 256
    web_host: str = "127.0.0.1"
    web_port: int = 8000
    redis_port: int = 6380
    rtpengine_ng_port: int = 22222
    rtpengine_http_port: int = 22223
    rtpengine_cli_port: int = 22224
    rtp_port_min: int = 30000
    rtp_port_max: int = 30999
    callcontrol_sip_port: int = 5070  # the queue B2BUA, reached through Kamailio's dispatcher
    # call-control processes, on callcontrol_sip_port, +1, ...; Kamailio's dispatcher
    # round-robins calls over them. rtpengine reports DTMF to one port per host, which only
    # the first one listens to: with more than one, feature codes (*65 ...) are unreliable.
    callcontrol_processes: int = 1
    rtpengine_dtmf_port: int = 22225  # rtpengine reports DTMF events here (call control reads)
    # Janus AudioBridge, the conference pool (launcher/janus.py): its HTTP API on loopback,
    # and the ports of its plain-RTP participants (rtpengine sends each party's audio there).
    janus_http_port: int = 8088
    janus_rtp_port_min: int = 31000
    janus_rtp_port_max: int = 31999
    acd_lease_ms: int = 5000  # an agent claim outlives a dead call-control process this long
    # 1: carriers see only the edge in a call's signalling (kamailio/topos.cfg); it costs a
    # trunk call ~1 ms of Kamailio CPU and 37 Redis commands in the worker, so it is off.
    topology_hiding: int = 0
    # A direct call's phones are sent an in-dialog OPTIONS this often (Kamailio dialog
    # keep-alives; 30 s is the module's minimum); one lost (no answer within tm's 15 s, or
    # 481) ends the call with a BYE to both sides: a vanished phone's user is free within
    # 30 + 1 + 15 s.
    dialog_keepalive_s: int = 30
    db_url: str = ""  # empty: SQLite file in var_dir
    # The key trunk passwords are encrypted with (store/encryption.py); empty: var_dir's
    # secret.key, created on the first start. SWITCHBOARD_SECRET_KEY (the key itself) wins.
    secret_key_file: str = ""

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        environ = dict(os.environ) if environ is None else environ
        overrides: dict[str, object] = {}
        for f in fields(cls):
            raw = environ.get(f"SWITCHBOARD_{f.name.upper()}")
            if raw is None:
                continue
            if f.type in ("int", int):
                overrides[f.name] = int(raw)
            elif f.type in ("Path", Path):
                overrides[f.name] = Path(raw)
            else:
                overrides[f.name] = raw
        return replace(cls(), **overrides)  # type: ignore[arg-type]

    @property
    def database_url(self) -> str:
        return self.db_url or f"sqlite:///{self.var_dir / 'switchboard.sqlite3'}"

    @property
    def key_file(self) -> Path:
        return Path(self.secret_key_file) if self.secret_key_file else self.var_dir / "secret.key"

    @property
    def log_dir(self) -> Path:
        return self.var_dir / "log"

    @property
    def run_dir(self) -> Path:
        return self.var_dir / "run"

    @property
    def site_packages(self) -> str:
        """The venv's site-packages, which Kamailio's embedded Python adds."""
        return sysconfig.get_paths()["purelib"]

    @property
    def python(self) -> str:
        return sys.executable
