"""Call control's settings, from the environment the launcher sets (``SWITCHBOARD_*``)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from callcontrol.prompts import DEFAULT_WORDS_DIR


@dataclass(frozen=True)
class CallControlSettings:
    sip_host: str
    sip_port: int
    proxy: tuple[str, int]
    db_url: str
    redis_url: str
    rtpengine_url: str
    janus_url: str  # the conference pool (Janus AudioBridge)
    var_dir: Path
    lease_ms: int
    dtmf_port: int
    words_dir: Path  # spoken words for announcements (made at install time)

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> CallControlSettings:
        e = dict(os.environ) if env is None else env
        proxy_host, _, proxy_port = e.get("SWITCHBOARD_SIP_ADDRESS", "127.0.0.1:5060").partition(
            ":"
        )
        return cls(
            sip_host="127.0.0.1",
            sip_port=int(e.get("SWITCHBOARD_CALLCONTROL_SIP_PORT", "5070")),
            proxy=(proxy_host, int(proxy_port or 5060)),
            db_url=e["SWITCHBOARD_DB_URL"],
            redis_url=e.get("SWITCHBOARD_REDIS_URL", "redis://127.0.0.1:6380/0"),
            rtpengine_url=e.get("SWITCHBOARD_RTPENGINE_URL", "http://127.0.0.1:22223"),
            janus_url=e.get("SWITCHBOARD_JANUS_URL", "http://127.0.0.1:8088/janus"),
            var_dir=Path(e.get("SWITCHBOARD_VAR_DIR", "var")),
            lease_ms=int(e.get("SWITCHBOARD_ACD_LEASE_MS", "5000")),
            dtmf_port=int(e.get("SWITCHBOARD_RTPENGINE_DTMF_PORT", "22225")),
            words_dir=Path(e["SWITCHBOARD_WORDS_DIR"])
            if "SWITCHBOARD_WORDS_DIR" in e
            else DEFAULT_WORDS_DIR,
        )
